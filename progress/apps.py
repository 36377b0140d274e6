from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgressConfig(AppConfig):
    name = "progress"
    verbose_name = _("Progress and certificates")

    def ready(self) -> None:
        # The layers below announce what changed; this app listens (see progress/receivers.py).
        from . import receivers  # noqa: F401
