"""A file with nothing to import is refused, by the page and the command alike, saying why each
question in it was skipped, and leaves no bank or row behind."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from assessments.models import ImportJob, Question, QuestionBank, QuestionImage
from assessments.questions.interchange import InterchangeError, questions_import
from assessments.questions.services import bank_path_get_or_create, question_create
from tests.assessments import builders

pytestmark = pytest.mark.django_db

CLOZE_ONLY = Path(__file__).parent / "fixtures_interchange" / "cloze_only.xml"
CLOZE_REASON = "Cloze (embedded answers) questions aren't a type this site has"


def _nothing_stored() -> bool:
    return not (
        QuestionBank.objects.exists() or Question.objects.exists() or QuestionImage.objects.exists()
    )


def test_a_file_of_cloze_questions_is_refused_with_each_one_named():
    with pytest.raises(InterchangeError) as caught:
        questions_import(
            content=CLOZE_ONLY.read_bytes(), filename="cloze_only.xml", bank_path=["Training"]
        )

    assert [str(problem) for problem in caught.value.problems] == [
        "cloze_only.xml: nothing in the file can be imported: none of its questions is of a type "
        "this site has (single or multiple choice, true or false, short answer, matching or "
        "ordering)",
        f'cloze_only.xml:14: skipped multianswer question "Greeting blanks": {CLOZE_REASON}',
        f'cloze_only.xml:30: skipped multianswer question "Broken choice": {CLOZE_REASON}',
        f'cloze_only.xml:42: skipped multianswer question "Empty cloze": {CLOZE_REASON}',
        f'cloze_only.xml:53: skipped multianswer question "Numerical gap": {CLOZE_REASON}',
        "cloze_only.xml:64: skipped multianswer question "
        f'"Unnamed: {{1:SA:=listen}}": {CLOZE_REASON}',
    ]
    # Not even the bank named on the form, nor the file's category.
    assert _nothing_stored()


@pytest.mark.parametrize(
    "gift",
    [
        "// Questions for the phone team, to be written\n// nothing yet\n",
        "",
        "\n\n   \n",
        "$CATEGORY: Phone skills\n\n// still empty\n",
    ],
    ids=["comments", "empty", "blank lines", "a category only"],
)
def test_a_gift_file_without_questions_is_refused(gift):
    with pytest.raises(InterchangeError) as caught:
        questions_import(content=gift.encode(), filename="todo.gift", bank_path=["Training"])

    assert [str(problem) for problem in caught.value.problems] == [
        "todo.gift: the file holds no questions, so there is nothing to import"
    ]
    assert _nothing_stored()


def test_a_gift_file_of_only_skipped_types_gives_each_reason():
    gift = (
        "::Reflect::How did your last difficult call go? {}\n\n"
        "::Hold::How many seconds before you check back? {#30}\n\n"
        "Read the next three questions with a customer's eyes.\n"
    )

    with pytest.raises(InterchangeError) as caught:
        questions_import(content=gift.encode(), filename="skip.gift", bank_path=["Training"])

    assert [(p.line, p.message) for p in caught.value.problems[1:]] == [
        (
            1,
            'skipped essay question "Reflect": essays need marking by a person, and this site '
            "marks every answer itself",
        ),
        (3, 'skipped numerical question "Hold": numerical questions aren\'t a type this site has'),
        (
            5,
            "skipped description question \"Read the next three questions with a customer's "
            'eyes.": a description has no answers to give',
        ),
    ]
    assert _nothing_stored()


def test_importing_nothing_into_an_existing_bank_is_refused_and_changes_nothing():
    bank = bank_path_get_or_create(path=["Training"])
    question_create(bank=bank, data=builders.single())

    with pytest.raises(InterchangeError):
        questions_import(
            content=CLOZE_ONLY.read_bytes(), filename="cloze_only.xml", bank_path=["Training"]
        )

    assert list(QuestionBank.objects.all()) == [bank]
    assert Question.objects.count() == 1


def test_the_command_exits_non_zero_listing_each_skipped_question():
    err = StringIO()

    with pytest.raises(CommandError) as caught:
        call_command(
            "import_questions",
            str(CLOZE_ONLY),
            "--bank",
            "Training",
            stdout=StringIO(),
            stderr=err,
        )

    assert caught.value.returncode == 1
    assert "nothing was imported" in str(caught.value)
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("cloze_only.xml: nothing in the file can be imported")
    assert len(lines) == 6 and lines[1].startswith("cloze_only.xml:14: skipped multianswer")
    assert _nothing_stored()


def test_the_upload_is_refused_by_its_import_job_listing_why(
    client, admin, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    upload = SimpleUploadedFile("cloze_only.xml", CLOZE_ONLY.read_bytes())

    with django_capture_on_commit_callbacks(execute=True):  # the job runs (tasks are eager)
        response = client.post(
            reverse("question_import"), {"file": upload, "bank": "Training", "file_format": ""}
        )

    # Uploads run as import jobs (docs/adr/0012); the job's page gives the refusal.
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.REFUSED
    html = client.get(response.url).content.decode()
    assert "The file has 6 problems. Nothing was imported." in html
    assert (
        "cloze_only.xml, line 30: skipped multianswer question &quot;Broken choice&quot;: "
        "Cloze (embedded answers) questions aren&#x27;t a type this site has"
    ) in html
    assert _nothing_stored()
