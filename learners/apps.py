from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearnersConfig(AppConfig):
    name = "learners"
    verbose_name = _("People and teams")

    def ready(self) -> None:
        from config import outboxes

        from .models import Invitation

        def invitations() -> outboxes.Backlog:
            unsent, oldest = Invitation.objects.backlog()
            return outboxes.Backlog(
                unsent=unsent,
                oldest_queued_at=oldest,
                delayed_after=Invitation.SENDING_DELAYED_AFTER,
            )

        # /healthz reports invitations that wait for a worker (config imports no app).
        outboxes.register("invitations", invitations)
