from typing import Any

from django.core.management.base import BaseCommand

from notifications import dispatch


class Command(BaseCommand):
    help = "Send the emails due in the outbox now, as a worker would."

    def handle(self, *args: Any, **options: Any) -> None:
        result = dispatch.dispatch_all(budget_s=float("inf"))
        for what, count in sorted(result.counts.items()):
            self.stdout.write(f"{what}: {count}")
        self.stdout.write(
            self.style.SUCCESS(f"{result.emails} emails sent, carrying {result.sent} reminders")
        )
