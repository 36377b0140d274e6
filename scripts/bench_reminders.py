"""Benchmark the reminder sweep and the dispatcher on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sp_bench DEBUG=1 \\
        .venv/bin/python scripts/bench_reminders.py [--people 100000] [--emails 2000]

Needs a database of its own whose name ends in "_bench": it is migrated and its people,
assignments and outbox are replaced. Prints how long the sweep takes over `--people` active
assignments (first run writing the rows, second run finding them all there), and how many
emails a second two dispatcher processes hand to a local SMTP sink (aiosmtpd, in this process).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--emails", type=int, default=2_000)
    args = parser.parse_args()
    django.setup()

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    name = settings.DATABASES["default"]["NAME"]
    if connection.vendor != "postgresql" or not str(name).endswith("_bench"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database whose name ends in _bench.")
    call_command("migrate", verbosity=0)

    from courses.models import Course, CourseVersion, Enrolment
    from learners.models import User
    from notifications import sweep
    from notifications.models import Mailbox, Notification, OrganisationSettings
    from progress.models import Assignment

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE notifications_notification, notifications_mailbox, progress_assignment,"
            " courses_enrolment RESTART IDENTITY CASCADE"
        )
    User.objects.filter(email__endswith="@bench.example.com").delete()
    OrganisationSettings.objects.update_or_create(
        pk=1, defaults={"quiet_start": dt.time(0), "quiet_end": dt.time(0)}
    )
    course = Course.objects.filter(slug="bench").first()
    if course is None:
        course = Course.objects.create(slug="bench")
        version = CourseVersion.objects.create(
            course=course, title="Bench course", number=1, status="frozen"
        )
        course.published_version = version
        course.save()

    now = timezone.now()
    started = time.monotonic()
    User.objects.bulk_create(
        # "!" is Django's mark for "no usable password".
        (User(email=f"p{i}@bench.example.com", password="!") for i in range(args.people)),  # noqa: S106
        batch_size=5000,
    )
    people = list(
        User.objects.filter(email__endswith="@bench.example.com").values_list("pk", flat=True)
    )

    # Due dates spread over the next 60 days, as in a real organisation: about a sixtieth of
    # them sit in each day's window.
    def due(i: int) -> dt.datetime:
        return now + dt.timedelta(minutes=(i * 86_400 // len(people)) + 60)

    Enrolment.objects.bulk_create(
        (
            Enrolment(user_id=pk, course=course, source="assigned", due_at=due(i))
            for i, pk in enumerate(people)
        ),
        batch_size=5000,
    )
    Assignment.objects.bulk_create(
        (
            Assignment(
                user_id=pk, course=course, assigned_at=now - dt.timedelta(days=30), due_at=due(i)
            )
            for i, pk in enumerate(people)
        ),
        batch_size=5000,
    )
    print(f"built {len(people)} people with an assignment in {time.monotonic() - started:.1f}s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    def sweep_twice(scenario: str) -> None:
        for run in ("writing", "again, all there"):
            started = time.monotonic()
            result = sweep.reminders_sweep(now=now)
            elapsed = time.monotonic() - started
            print(
                f"sweep, {len(people)} active assignments, {scenario}, {run}: {elapsed:.2f}s, "
                f"{result.created} new rows of {sum(result.considered.values())} due"
            )

    sweep_twice("due dates spread over 60 days")
    # The worst case: every due date falls within the next day, so every assignment gets a
    # "due today" email and bell row at once.
    Notification.objects.all().delete()
    in_a_day = now + dt.timedelta(hours=12)
    Enrolment.objects.update(due_at=in_a_day)
    Assignment.objects.update(due_at=in_a_day)
    sweep_twice("everything due today")

    # Dispatch: `--emails` people with one email each, sent by two processes at once.
    Notification.objects.all().delete()
    Mailbox.objects.all().delete()
    chosen = people[: args.emails]
    Enrolment.objects.filter(user_id__in=chosen).update(due_at=now + dt.timedelta(days=30))
    Assignment.objects.filter(user_id__in=chosen).update(assigned_at=now)
    Assignment.objects.exclude(user_id__in=chosen).update(assigned_at=now - dt.timedelta(days=30))
    Enrolment.objects.exclude(user_id__in=chosen).update(due_at=now + dt.timedelta(days=30))
    sweep.reminders_sweep(now=now)
    Notification.objects.exclude(channel="email").delete()
    pending = Notification.objects.filter(state="pending").count()

    from aiosmtpd.controller import Controller

    class Sink:
        count = 0

        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
            Sink.count += 1
            return "250 OK"

    from tests.smtp import free_port

    port = free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    env = {**os.environ, "EMAIL_URL": f"smtp://127.0.0.1:{port}"}
    started = time.monotonic()
    workers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "send_pending_notifications"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    for worker in workers:
        worker.wait()
    elapsed = time.monotonic() - started
    controller.stop()
    print(
        f"dispatch: {Sink.count} emails ({pending} pending rows) into the local SMTP sink in "
        f"{elapsed:.2f}s with two processes (start-up included): {Sink.count / elapsed:.0f}/s"
    )


if __name__ == "__main__":
    main()
