from django.db import migrations, models

from kechuang.vocab.loader import sync_all


def load(apps, schema_editor):
    """Fill name_en from the data files (the loader updates the rows that changed)."""
    sync_all(
        apps.get_model("vocab", "Region"),
        apps.get_model("vocab", "Industry"),
        apps.get_model("vocab", "Discipline"),
        apps.get_model("vocab", "CooperationMode"),
    )


def english_name():
    return models.CharField(blank=True, max_length=120, verbose_name="英文名称")


class Migration(migrations.Migration):
    dependencies = [("vocab", "0002_load_vocabularies")]

    operations = [
        migrations.AddField(model_name="cooperationmode", name="name_en", field=english_name()),
        migrations.AddField(model_name="discipline", name="name_en", field=english_name()),
        migrations.AddField(model_name="industry", name="name_en", field=english_name()),
        migrations.AddField(model_name="region", name="name_en", field=english_name()),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
