"""Create the demo organisation: an admin, a manager, three learners, two stores in a region."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from learners import services
from learners.models import Membership, Team, User

DEMO_PASSWORD = "Demo-pass-2026!"  # noqa: S105 - published in the README on purpose

# (email, full name, training admin?, team, role)
DEMO_PEOPLE = [
    ("admin@example.com", "Ada Admin", True, None, None),
    ("manager@example.com", "Maya Manager", False, "Downtown Store", Membership.Role.MANAGER),
    ("learner@example.com", "Leo Learner", False, "Downtown Store", Membership.Role.MEMBER),
    ("learner2@example.com", "Lina Learner", False, "Downtown Store", Membership.Role.MEMBER),
    ("learner3@example.com", "Luca Learner", False, "Harbour Store", Membership.Role.MEMBER),
]


class Command(BaseCommand):
    help = "Create demo people and teams (safe to run again). Refuses when DEBUG is off."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off (not for production).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo creates accounts with a published password, so it refuses to run "
                "when DEBUG is off. Use --force if this really is a demo site."
            )
        # Set-up, not a person acting: the activity log entries name no one (actor=None).
        with transaction.atomic():
            region = self._team("North Region", None)
            teams = {
                "Downtown Store": self._team("Downtown Store", region),
                "Harbour Store": self._team("Harbour Store", region),
            }
            for email, name, is_admin, team_name, role in DEMO_PEOPLE:
                user = User.objects.filter(email=email).first()
                if user is None:
                    user = services.user_create(
                        actor=None,
                        email=email,
                        password=DEMO_PASSWORD,
                        full_name=name,
                        is_training_admin=is_admin,
                    )
                if team_name and role:
                    services.membership_add(actor=None, team=teams[team_name], user=user, role=role)
        self.stdout.write(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
        for email, _name, is_admin, team_name, role in DEMO_PEOPLE:
            what = "training admin" if is_admin else f"{role} of {team_name}"
            self.stdout.write(f"  {email:<24} {what}")

    def _team(self, name: str, parent: Team | None) -> Team:
        existing = Team.objects.filter(name=name, parent=parent).first()
        return existing or services.team_create(actor=None, name=name, parent=parent)
