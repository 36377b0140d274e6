from typing import Any

from django.core.management.base import BaseCommand

from notifications import sweep


class Command(BaseCommand):
    help = "Write every reminder that is due now into the outbox (what beat runs every 5 minutes)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = sweep.reminders_sweep()
        for kind, count in result.considered.items():
            self.stdout.write(f"{kind}: {count} due")
        self.stdout.write(self.style.SUCCESS(f"{result.created} new in the outbox"))
