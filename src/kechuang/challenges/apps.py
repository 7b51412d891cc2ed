from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChallengesConfig(AppConfig):
    name = "kechuang.challenges"
    label = "challenges"
    verbose_name = _("揭榜挂帅")

    def ready(self) -> None:
        from kechuang.challenges.funnel import accepted_projects
        from kechuang.challenges.search import KIND, SOURCES
        from kechuang.engagements.funnel import register_deals
        from kechuang.matching.registry import recommend, register

        # the problems of open calls are searchable and matched like needs: solvers are
        # recommended to the organiser, and the problems to experts
        register(*SOURCES)
        recommend(KIND, "expert", "organization", "achievement")
        recommend("expert", KIND)
        # an accepted project counts as a signed and completed engagement in the funnel
        register_deals(accepted_projects)
