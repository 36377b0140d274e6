from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RefreshersConfig(AppConfig):
    name = "refreshers"
    verbose_name = _("Refreshers")

    def ready(self) -> None:
        # Assessments announces graded attempts and finished runs; this app turns them into
        # review items (see refreshers/receivers.py).
        from . import receivers  # noqa: F401
