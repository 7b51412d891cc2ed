"""Team members named before consent existed keep counting: each expert (with an
account) already linked from an application's team gets an accepted invitation.

Memberships, consortium partners and evaluators need nothing: under consent their rows
exist only once accepted, so the rows already there stand as accepted relations.
"""

from datetime import timedelta

from django.db import migrations
from django.utils import timezone


def accept_existing_team_members(apps, schema_editor):
    Application = apps.get_model("challenges", "Application")
    ExpertProfile = apps.get_model("catalog", "ExpertProfile")
    Invitation = apps.get_model("invitations", "Invitation")
    now = timezone.now()
    rows = []
    for application in Application.objects.exclude(team=[]).iterator():
        expert_ids = {r["expert"] for r in application.team or [] if isinstance(r, dict) and r.get("expert")}
        if not expert_ids:
            continue
        experts = ExpertProfile.objects.filter(pk__in=expert_ids, user__isnull=False).exclude(
            user_id=application.applicant_id
        )
        for expert in experts:
            rows.append(
                Invitation(
                    kind="team_member",
                    target_id=application.pk,
                    invitee_user_id=expert.user_id,
                    inviter_id=application.applicant_id,
                    params={"expert": expert.pk},
                    status="accepted",
                    expires_at=now + timedelta(days=14),
                    responded_at=now,
                )
            )
    Invitation.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("invitations", "0001_invitation"),
        ("challenges", "0003_application_team_optional"),
        ("catalog", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(accept_existing_team_members, migrations.RunPython.noop),
    ]
