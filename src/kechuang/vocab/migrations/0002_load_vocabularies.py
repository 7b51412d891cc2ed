from django.db import migrations

from kechuang.vocab.loader import sync_all


def load(apps, schema_editor):
    sync_all(
        apps.get_model("vocab", "Region"),
        apps.get_model("vocab", "Industry"),
        apps.get_model("vocab", "Discipline"),
        apps.get_model("vocab", "CooperationMode"),
    )


class Migration(migrations.Migration):
    dependencies = [("vocab", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
