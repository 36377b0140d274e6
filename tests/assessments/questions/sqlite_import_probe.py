"""Run by test_import_sqlite.py in a process of its own, on a fresh SQLite file: one thread runs
a big question import job while another signs in again and again. Prints one JSON line.

Usage: python -m tests.assessments.questions.sqlite_import_probe QUESTIONS TIMEOUT_S
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from typing import Any

EMAIL = "sam@example.com"
PASSWORD = "Correct-horse-42!"


def gift(count: int) -> bytes:
    return "\n".join(
        f"::Question {n}::What do you say first to upset customer {n}? "
        "{=I'm sorry, let me look into it. ~Calm down.}\n"
        for n in range(1, count + 1)
    ).encode()


def main(questions: int, timeout: float) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.conf import settings

    # How long a writer waits for the lock before "database is locked": scaled down with the
    # file, so a test of seconds shows what an import of a minute did to a 20 s wait.
    settings.DATABASES["default"]["OPTIONS"]["timeout"] = timeout
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    django.setup()

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from assessments.models import ImportJob, Question
    from assessments.questions import imports
    from learners.models import User

    assert connection.vendor == "sqlite"
    call_command("migrate", verbosity=0)
    User.objects.create_user(email=EMAIL, password=PASSWORD)
    job = imports.import_job_create(
        actor=None, content=gift(questions), filename="big.gift", bank_path=["Big"]
    )
    outcome: dict[str, Any] = {}

    def run_import() -> None:
        started = time.monotonic()
        try:
            outcome["state"] = imports.import_job_run(job_id=job.pk)
        finally:
            outcome["import_seconds"] = round(time.monotonic() - started, 2)
            connection.close()

    def job_state() -> tuple[str, int]:
        return ImportJob.objects.values_list("state", "questions_stored").get(pk=job.pk)

    importer = threading.Thread(target=run_import)
    importer.start()
    while job_state()[0] == "queued" and importer.is_alive():
        time.sleep(0.02)
    sign_ins: list[dict[str, Any]] = []
    # allauth allows 30 sign-ins a minute from one address; a few a second is plenty here.
    while job_state()[0] == "running" and len(sign_ins) < 25:
        started = time.monotonic()
        try:
            response = Client().post("/accounts/login/", {"login": EMAIL, "password": PASSWORD})
            error = "" if response.status_code == 302 else f"status {response.status_code}"
        except Exception as exc:  # what failed is the finding
            error = f"{type(exc).__name__}: {exc}"
        sign_ins.append(
            {
                "seconds": round(time.monotonic() - started, 3),
                "error": error,
                "while_running": job_state()[0] == "running",
            }
        )
        time.sleep(0.2)
    importer.join()
    return {
        **outcome,
        "questions": Question.objects.count(),
        "sign_ins": sign_ins,
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), float(sys.argv[2]))))
