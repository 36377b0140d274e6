"""A question file imported by a real Celery worker process, fed through the real Redis broker
and writing to the real PostgreSQL test database, while the author's page follows it the way
htmx does (the suite itself runs tasks inline; this is the one place they leave the process)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.urls import reverse

from assessments.models import ImportJob, Question, QuestionBank
from assessments.questions import imports
from assessments.tasks import run_question_import
from config.celery import app
from tests.conftest import require_postgres, require_redis
from tests.factories import UserFactory
from tests.workers import Worker, running_worker

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def broker_url() -> str:
    require_postgres()
    return require_redis()


@pytest.fixture
def worker(transactional_db: None, broker_url: str, tmp_path: Path) -> Iterator[Worker]:
    with running_worker(
        name="test-imports",
        broker_url=broker_url,
        tmp_path=tmp_path,
        MEDIA_ROOT=str(tmp_path / "media"),
    ) as started:
        yield started


@pytest.fixture
def publish(broker_url: str) -> Iterator[object]:
    """Send run_question_import to the real broker (the suite runs tasks inline)."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    conn = app.connection_for_write(broker_url)

    def send(job_id: int, queue: str) -> str:
        return run_question_import.apply_async(args=[job_id], queue=queue, connection=conn).id

    try:
        yield send
    finally:
        conn.release()
        app.conf.task_always_eager = eager


def test_a_worker_imports_the_file_while_the_page_follows_it(worker, publish, client):
    ada = UserFactory(email="ada@example.com", full_name="Ada Admin", is_training_admin=True)
    content = "\n".join(
        f"::Calm {n}::What helps customer {n} first? {{=Listening ~Arguing}}\n"
        for n in range(1, 401)
    ).encode()
    job = imports.import_job_create(
        actor=ada, content=content, filename="calm.gift", bank_path=["Worker", "Calm"]
    )
    client.force_login(ada)
    page = reverse("question_import_job", args=[job.pk])
    assert "Waiting in the queue." in client.get(page, **HTMX).content.decode()

    task_id = publish(job.pk, worker.queue)
    seen: list[tuple[int, str]] = []

    def finished() -> bool:
        response = client.get(page, **HTMX)
        seen.append((response.status_code, response.content.decode()))
        return response.status_code == 286

    worker.wait_until(finished, "the job page to report the import finished")

    text = seen[-1][1]
    assert "Imported 400 questions, skipped 0" in text
    assert all(code == 200 for code, _text in seen[:-1])
    job.refresh_from_db()
    calm = QuestionBank.objects.get(name="Calm", parent__name="Worker")
    assert (job.state, job.runs, job.bank) == ("done", 1, calm)
    assert Question.objects.filter(bank=calm).count() == 400
    assert not Question.all_objects.filter(import_job__isnull=False).exists()
    worker.wait_until(lambda: worker.task_result(task_id) is not None, "the task to finish")
    assert worker.task_result(task_id) == "'done'"

    # The broker delivering the task again (a worker restarting) imports nothing twice.
    again = publish(job.pk, worker.queue)
    worker.wait_until(lambda: worker.task_result(again) is not None, "the repeat to finish")
    assert worker.task_result(again) == "''"
    assert Question.objects.count() == 400
    assert ImportJob.objects.get(pk=job.pk).runs == 1
