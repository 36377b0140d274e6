"""Question files imported as background jobs: the upload answers at once with the job's page,
the page follows the job, what a job writes stays hidden until it is done and is removed when it
fails, and only the author who uploaded the file (and operators) may follow it.

Personas: Ada (admin) uploads; Ben is another training admin; Olive is an operator (superuser).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from assessments.models import ImportJob, Question, QuestionBank, QuestionImage
from assessments.questions import imports
from assessments.questions.interchange import bank_export, questions_import
from assessments.questions.selectors import bank_tree
from assessments.questions.services import (
    bank_create,
    bank_path_get_or_create,
    question_create,
)
from learners.models import User
from tests.assessments.builders import truefalse
from tests.conftest import require_postgres
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures_interchange"
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def ben(db: None) -> User:
    return UserFactory(email="ben@example.com", full_name="Ben Author", is_training_admin=True)


@pytest.fixture
def olive(db: None) -> User:
    return UserFactory(email="olive@example.com", full_name="Olive Operator", is_superuser=True)


def gift(count: int, *, category: str = "", title: str = "Question") -> bytes:
    """`count` single-choice questions named "<title> 1", "<title> 2"... in GIFT."""
    head = f"$CATEGORY: {category}\n\n" if category else ""
    return (
        head
        + "\n".join(
            f"::{title} {n}::What do you say first to upset customer {n}? "
            "{=I'm sorry, let me look into it. ~Calm down.}\n"
            for n in range(1, count + 1)
        )
    ).encode()


def new_job(author: User | None, content: bytes, bank: str = "Imported", name: str = "q.gift"):
    return imports.import_job_create(
        actor=author, content=content, filename=name, bank_path=bank.split("/")
    )


def post_file(client, content: bytes, *, name: str = "q.gift", bank: str = "Imported"):
    return client.post(
        reverse("question_import"),
        {"file": SimpleUploadedFile(name, content), "bank": bank, "file_format": ""},
    )


def job_page(job: ImportJob) -> str:
    return reverse("question_import_job", args=[job.pk])


def nothing_stored() -> bool:
    return not (
        Question.all_objects.exists()
        or QuestionBank.all_objects.exists()
        or QuestionImage.objects.exists()
    )


class Stop(Exception):
    """Raised from a progress callback: the import stops as a dying worker would."""


def stop_after(count: int):
    def progress(stored: int, total: int) -> None:
        if stored > count:
            raise Stop

    return progress


# --- The upload and the job's page ------------------------------------------------------------


def test_upload_answers_with_the_job_page_and_reads_nothing_yet(client, admin):
    client.force_login(admin)

    response = post_file(client, gift(3), bank="Service/Apologies")

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job_page(job)
    assert (job.state, job.created_by, job.filename) == ("queued", admin, "q.gift")
    assert job.bank_path == ["Service", "Apologies"]
    assert bytes(job.content) == gift(3)
    assert nothing_stored()


def test_a_queued_job_says_it_is_waiting_and_keeps_asking(client, admin):
    with time_machine.travel(T0, tick=False):
        job = new_job(admin, gift(3))
    client.force_login(admin)

    with time_machine.travel(T0 + dt.timedelta(seconds=5), tick=False):
        text = client.get(job_page(job)).content.decode()
    assert "Waiting in the queue." in text
    assert "Importing" not in text
    assert 'hx-trigger="every 1s"' in text
    assert "may be stopped" not in text

    with time_machine.travel(T0 + dt.timedelta(seconds=45), tick=False):
        response = client.get(job_page(job), **HTMX)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Waiting in the queue." in text
    assert "It was uploaded 45\xa0seconds ago and hasn't started yet." in text
    assert "the background worker may be stopped" in text


def test_a_running_job_shows_how_far_it_has_got(client, admin):
    job = new_job(admin, gift(3))
    ImportJob.objects.filter(pk=job.pk).update(
        state="running", runs=1, questions_read=4500, questions_stored=1200
    )
    client.force_login(admin)

    page = client.get(job_page(job)).content.decode()
    fragment = client.get(job_page(job), **HTMX)

    assert "Importing: 1,200 of 4,500 questions saved." in page
    assert '<progress value="1200" max="4500"' in page
    assert 'hx-trigger="every 1s"' in page
    assert fragment.status_code == 200
    assert "Importing: 1,200 of 4,500 questions saved." in fragment.content.decode()
    assert "<html" not in fragment.content.decode()


def test_a_small_file_is_done_by_the_time_its_page_opens(
    client, admin, django_capture_on_commit_callbacks
):
    client.force_login(admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(client, gift(3), bank="Service")
    page = client.get(response["Location"]).content.decode()
    fragment = client.get(response["Location"], **HTMX)

    job = ImportJob.objects.get()
    bank = QuestionBank.objects.get(name="Service")
    assert (job.state, job.questions_read, job.questions_stored, job.bank) == ("done", 3, 3, bank)
    assert bytes(job.content) == b""
    assert "Imported 3 questions, skipped 0" in page
    assert reverse("author_bank", args=[bank.pk]) in page
    assert 'hx-trigger="every 1s"' not in page  # no more polling
    # 286 is htmx's "stop polling": a page left open stops asking once the job is done.
    assert fragment.status_code == 286
    assert "Imported 3 questions, skipped 0" in fragment.content.decode()
    assert bank.questions.count() == 3


def test_a_file_with_problems_is_refused_on_its_page_and_stores_nothing(client, admin):
    content = b"::Fine::Fine {T}\n\n::Broken::Missing {=a ~b\n"
    job = new_job(admin, content, name="broken.gift")

    assert imports.import_job_run(job_id=job.pk) == "refused"

    job.refresh_from_db()
    assert (job.state, job.questions_stored, bytes(job.content)) == ("refused", 0, b"")
    assert [str(p) for p in imports.import_job_problems(job)] == [
        "broken.gift:3: the { of the answers is never closed with }"
    ]
    assert nothing_stored()
    client.force_login(admin)
    text = client.get(job_page(job)).content.decode()
    assert "The file has 1 problem. Nothing was imported." in text
    assert "broken.gift, line 3: the { of the answers is never closed with }" in text
    assert 'hx-trigger="every 1s"' not in text


def test_a_file_name_too_long_to_store_keeps_its_extension(admin):
    job = new_job(admin, gift(1), name="x" * 300 + ".gift")

    assert len(job.filename) == 255 and job.filename.endswith("x.gift")
    assert imports.import_job_run(job_id=job.pk) == "done"


def test_a_file_whose_format_is_unknown_is_refused_by_the_form(client, admin):
    client.force_login(admin)

    response = post_file(client, gift(1), name="questions.dat", bank="Kept as typed")

    assert response.status_code == 400
    text = response.content.decode()
    assert "Choose the file&#x27;s format" in text
    assert 'value="Kept as typed"' in text
    assert not ImportJob.objects.exists()


def test_a_failed_job_says_nothing_was_imported(client, admin):
    job = new_job(admin, gift(1))
    ImportJob.objects.filter(pk=job.pk).update(state="failed", finished_at=T0)
    client.force_login(admin)

    text = client.get(job_page(job)).content.decode()

    assert "Nothing was imported." in text
    assert "Something went wrong on our side" in text


# --- Hidden until done, gone on failure -------------------------------------------------------


def test_what_a_running_job_wrote_is_hidden_everywhere_until_it_is_done(client, admin):
    service = bank_path_get_or_create(path=["Service"])
    kept = question_create(bank=service, data=truefalse("Already here"))
    # Six questions for the bank itself, six for a bank below it that the file names.
    content = gift(6) + b"\n\n" + gift(6, category="Calls", title="Call")
    job = new_job(admin, content, bank="Service")

    # A run that stops after two batches, as a worker that dies would.
    with pytest.raises(Stop):
        questions_import(
            content=content,
            filename="q.gift",
            bank_path=["Service"],
            import_job_id=job.pk,
            progress=stop_after(10),
            batch_size=5,
        )

    hidden = Question.all_objects.filter(import_job=job)
    assert hidden.count() == 10
    assert list(Question.objects.all()) == [kept]
    assert [(node.path, node.question_count) for node in bank_tree().flat()] == [("Service", 1)]
    assert not QuestionBank.objects.filter(name="Calls").exists()
    assert b"Question 1<" not in bank_export(bank=service)
    client.force_login(admin)
    bank_page = client.get(reverse("author_bank", args=[service.pk])).content.decode()
    assert "Already here" in bank_page and "Question 1" not in bank_page
    assert client.get(reverse("author_question", args=[hidden[0].pk])).status_code == 404
    with pytest.raises(ValidationError, match="An import is creating a bank called “Calls”"):
        bank_create(name="Calls", parent=service)

    # The broker hands the task on: the leftovers go, the file is imported once, all at once.
    assert imports.import_job_run(job_id=job.pk) == "done"

    assert Question.objects.count() == 13
    assert not Question.all_objects.filter(import_job__isnull=False).exists()
    calls = QuestionBank.objects.get(name="Calls", parent=service)
    titles = [q.current.title for q in calls.questions.select_related("current")]
    assert sorted(titles) == sorted(f"Call {n}" for n in range(1, 7))
    assert [(node.path, node.question_count) for node in bank_tree().flat()] == [
        ("Service", 7),
        ("Service › Calls", 6),
    ]


def _extra_truefalse(count: int) -> str:
    return "".join(
        f'<question type="truefalse"><name><text>Extra {n}</text></name>'
        f'<questiontext format="plain_text"><text>Statement {n}</text></questiontext>'
        '<answer fraction="100"><text>true</text></answer>'
        '<answer fraction="0"><text>false</text></answer></question>\n'
        for n in range(1, count + 1)
    )


@pytest.fixture
def poison_title() -> Iterator[str]:
    """A question version with this title fails in the database itself (a trigger), as a full
    disk or a lost connection would halfway through a file."""
    require_postgres()
    title = "Extra 420"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_poison() RETURNS trigger AS $$ BEGIN "
            f"IF NEW.title = '{title}' THEN RAISE EXCEPTION 'disk full'; END IF; "
            "RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER test_poison BEFORE INSERT ON assessments_questionversion "
            "FOR EACH ROW EXECUTE FUNCTION test_poison()"
        )
    try:
        yield title
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS test_poison ON assessments_questionversion")
            cursor.execute("DROP FUNCTION IF EXISTS test_poison()")


def test_a_failure_in_a_later_batch_removes_every_batch_before_it(
    admin, poison_title, settings, caplog, django_capture_on_commit_callbacks
):
    # The sample's image question comes first, in a batch that is stored; the poisoned question
    # fails in the third batch. (Here every batch is a savepoint in the test's transaction; the
    # worker and SQLite tests commit for real.)
    xml = (FIXTURES / "moodle_sample.xml").read_text()
    xml = xml.replace("</quiz>", _extra_truefalse(450) + "</quiz>")
    job = new_job(admin, xml.encode(), bank="Training", name="big.xml")

    with django_capture_on_commit_callbacks(execute=True):
        assert imports.import_job_run(job_id=job.pk) == "failed"

    job.refresh_from_db()
    assert (job.state, job.report, bytes(job.content)) == ("failed", {}, b"")
    assert nothing_stored()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]
    assert "question import job" in caplog.text and "disk full" in caplog.text


def test_a_job_started_too_many_times_fails_and_leaves_nothing(admin):
    job = new_job(admin, gift(12))
    with pytest.raises(Stop):
        questions_import(
            content=gift(12),
            filename="q.gift",
            bank_path=["Imported"],
            import_job_id=job.pk,
            progress=stop_after(5),
            batch_size=5,
        )
    ImportJob.objects.filter(pk=job.pk).update(state="running", runs=imports.MAX_RUNS)

    assert imports.import_job_run(job_id=job.pk) == "failed"

    assert nothing_stored()


def test_running_a_finished_job_again_changes_nothing(admin):
    job = new_job(admin, gift(5))
    assert imports.import_job_run(job_id=job.pk) == "done"

    assert imports.import_job_run(job_id=job.pk) == ""

    job.refresh_from_db()
    assert (job.state, job.runs, Question.objects.count()) == ("done", 1, 5)
    assert imports.import_job_run(job_id=job.pk + 1000) == ""


def test_an_import_into_a_bank_another_import_is_creating_is_refused(admin, ben):
    first = new_job(admin, gift(12), bank="New bank")
    with pytest.raises(Stop):
        questions_import(
            content=gift(12),
            filename="q.gift",
            bank_path=["New bank"],
            import_job_id=first.pk,
            progress=stop_after(5),
            batch_size=5,
        )
    second = new_job(ben, gift(2), bank="New bank")

    assert imports.import_job_run(job_id=second.pk) == "refused"

    second.refresh_from_db()
    [problem] = imports.import_job_problems(second)
    assert "An import is creating a bank called “New bank” there right now" in problem.message
    assert Question.all_objects.filter(import_job=first).count() == 5
    assert not Question.all_objects.filter(import_job=second).exists()


# --- Who may follow a job ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("admin", 200), ("olive", 200), ("ben", 404), ("manager", 404), ("learner", 404)],
)
def test_only_the_uploader_and_operators_follow_a_job(client, request, admin, persona, status):
    job = new_job(admin, gift(1))
    client.force_login(request.getfixturevalue(persona))

    assert client.get(job_page(job)).status_code == status
    assert client.get(job_page(job), **HTMX).status_code == status


def test_a_visitor_is_sent_to_sign_in(client, admin):
    job = new_job(admin, gift(1))

    response = client.get(job_page(job))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_recent_imports_list_the_authors_own_jobs(client, admin, ben, olive):
    new_job(admin, gift(1), name="ada.gift")
    new_job(ben, gift(1), name="ben.gift")
    new_job(None, gift(1), name="command.gift")

    client.force_login(admin)
    ada_sees = client.get(reverse("question_import")).content.decode()
    client.force_login(olive)
    olive_sees = client.get(reverse("question_import")).content.decode()

    assert "ada.gift" in ada_sees and "ben.gift" not in ada_sees
    assert "command.gift" not in ada_sees
    assert all(name in olive_sees for name in ("ada.gift", "ben.gift", "command.gift"))


@pytest.mark.parametrize("jobs", [1, 8])
def test_the_import_pages_cost_the_same_queries_whatever_the_number_of_jobs(
    client, admin, django_assert_num_queries, jobs
):
    for n in range(jobs):
        new_job(admin, gift(1), name=f"file{n}.gift")
    last = ImportJob.objects.latest("pk")
    assert imports.import_job_run(job_id=last.pk) == "done"
    client.force_login(admin)

    # Session and user, the jobs with their authors, the banks for the export list.
    with django_assert_num_queries(4):
        response = client.get(reverse("question_import"))
    # Session and user, the job with its bank.
    with django_assert_num_queries(3):
        client.get(job_page(last))
    with django_assert_num_queries(3):
        client.get(job_page(last), **HTMX)

    assert all(f"file{n}.gift" in response.content.decode() for n in range(jobs))


# --- The command ------------------------------------------------------------------------------


def test_the_command_runs_the_job_here_and_leaves_nothing_hidden(tmp_path):
    from io import StringIO

    from django.core.management import call_command

    source = tmp_path / "many.gift"
    source.write_bytes(gift(5))
    out = StringIO()

    call_command("import_questions", str(source), "--bank", "Bulk", stdout=out)

    assert out.getvalue() == "imported 5 questions, skipped 0\n"
    job = ImportJob.objects.get()
    assert (job.state, job.created_by, job.questions_stored) == ("done", None, 5)
    assert Question.objects.count() == Question.all_objects.count() == 5
