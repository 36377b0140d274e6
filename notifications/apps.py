import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# A due email normally leaves within one dispatcher run; after this long, it is late.
DELAYED_AFTER = dt.timedelta(minutes=10)


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Reminders and notifications")

    def ready(self) -> None:
        from django.utils import timezone

        from config import outboxes

        from . import receivers  # noqa: F401  (the layers below announce; this app listens)
        from .models import Notification

        def emails() -> outboxes.Backlog:
            unsent, oldest = Notification.objects.backlog(timezone.now())
            return outboxes.Backlog(
                unsent=unsent, oldest_queued_at=oldest, delayed_after=DELAYED_AFTER
            )

        # /healthz reports emails that are due and wait for a worker (config imports no app).
        outboxes.register("notifications", emails)

        from . import due_sources
        from .refresher_source import RefresherSource

        # "Refresher due" reminders ask the spaced refreshers who has some waiting.
        due_sources.register(RefresherSource())
