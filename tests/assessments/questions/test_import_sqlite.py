"""On the embedded SQLite database (`make run` without DATABASE_URL), a big question import must
not lock people out: sign-ins made while it runs succeed. The import and the sign-ins run in a
process of their own (sqlite_import_probe.py) on a fresh SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.config.test_settings import PROJECT_DIR, clean_env

# The review's import held the database 51 s against a 20 s wait. Scaled down to fit a test:
# 1,500 questions take several seconds to write, against a 2 s wait.
QUESTIONS = 1500
TIMEOUT_S = 2.0


def test_sign_ins_succeed_while_a_big_import_runs_on_sqlite(tmp_path: Path) -> None:
    env = clean_env(
        tmp_path,
        DEBUG="1",
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CACHE_URL="locmemcache://",
        MEDIA_ROOT=str(tmp_path / "media"),
        PYTHONPATH=str(PROJECT_DIR) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    )

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.assessments.questions.sqlite_import_probe",
            str(QUESTIONS),
            str(TIMEOUT_S),
        ],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-4000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    during = [s for s in result["sign_ins"] if s["while_running"]]
    assert result["state"] == "done", result
    assert result["questions"] == QUESTIONS
    assert len(during) >= 3, result
    assert [s["error"] for s in result["sign_ins"] if s["error"]] == [], result
    # Written in one transaction, the import would have kept every sign-in out for longer
    # than it may wait.
    assert result["import_seconds"] > TIMEOUT_S
