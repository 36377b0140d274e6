"""Question import (Moodle XML, GIFT) and export (Moodle XML): what lands in which bank, what is
skipped and named, that a broken file imports nothing and says where it broke, that the export
imports back to the same bank, and who may use the upload and download pages."""

from __future__ import annotations

import base64
import re
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.urls import reverse

from assessments.models import Question, QuestionBank, QuestionImage, QuestionVersion
from assessments.questions.forms import QuestionImportForm
from assessments.questions.interchange import InterchangeError, bank_export, questions_import
from assessments.questions.services import (
    AcceptedInput,
    ChoiceInput,
    PairInput,
    QuestionInput,
    bank_path_get_or_create,
    question_create,
)

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures_interchange"
MOODLE_SAMPLE = FIXTURES / "moodle_sample.xml"
GIFT_SAMPLE = FIXTURES / "gift_sample.gift"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGM8ISfHwMDAxMDAwMDAAAANBAEIfXHKZgAAAABJRU5ErkJggg=="
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _bank(*path: str) -> QuestionBank:
    bank = None
    for name in path:
        bank = QuestionBank.objects.get(parent=bank, name=name)
    assert bank is not None
    return bank


def _version(title: str) -> QuestionVersion:
    return QuestionVersion.objects.get(title=title, question__current__title=title)


def _import(path: Path, bank: str = "Training") -> object:
    return questions_import(
        content=path.read_bytes(), filename=path.name, bank_path=bank.split("/")
    )


def _nothing_imported() -> bool:
    # all_objects: an import job's hidden rows count too.
    return not (
        Question.all_objects.exists()
        or QuestionBank.all_objects.exists()
        or QuestionImage.objects.exists()
    )


# --- Moodle XML ------------------------------------------------------------------------------


def test_moodle_sample_imports_every_supported_type_into_nested_banks():
    assert _nothing_imported()

    report = _import(MOODLE_SAMPLE)

    assert report.imported == 6
    assert report.summary() == "imported 6 questions, skipped 2 (essay: 1, numerical: 1)"
    assert [(s.kind, s.title, s.line) for s in report.skipped] == [
        ("essay", "Describe a tough call", 184),
        ("numerical", "Callback window", 195),
    ]
    escalation = _bank("Training", "De-escalation")
    apologies = _bank("Training", "De-escalation", "Apologies")
    assert apologies.parent == escalation
    assert sorted(q.current.title for q in escalation.questions.all()) == [
        "First words",
        "Signs of escalation",
    ]
    assert apologies.questions.count() == 4

    single = _version("First words")
    assert single.kind == "single"
    assert single.points == Decimal("2.00")
    assert single.explanation_markdown == "Acknowledge the feeling before the facts."
    assert [(c.text, c.fraction, c.feedback) for c in single.choices.all()] == [
        (
            "I'm sorry you've had to come back again.",
            Decimal("1"),
            "Yes: you name the frustration.",
        ),
        ("Please calm down.", Decimal("0"), "That usually makes it worse."),
        ("What is your order number?", Decimal("0"), ""),
    ]
    # HTML became Markdown; the script in the question text did not survive in any form.
    assert single.prompt_markdown.startswith(
        'A customer shouts: **"This is the third time!"** What do you say *first*?'
    )
    assert "<strong>" in single.prompt_html
    assert "script" not in single.prompt_html and "alert" not in single.prompt_markdown

    multiple = _version("Signs of escalation")
    assert multiple.kind == "multiple"
    assert [c.fraction for c in multiple.choices.all()] == [
        Decimal("0.5"),
        Decimal("0.5"),
        Decimal("-1"),
    ]

    truefalse = _version("Apologising admits fault")
    assert truefalse.kind == "truefalse"
    assert [(c.text, c.fraction, c.feedback) for c in truefalse.choices.all()] == [
        ("True", Decimal("0"), "No: it acknowledges the experience."),
        ("False", Decimal("1"), "Right."),
    ]

    short = _version("The HEARD model")
    assert short.kind == "short" and not short.case_sensitive
    assert [(a.text, a.fraction) for a in short.accepted.all()] == [
        ("Apologize", Decimal("1")),
        ("Apologise", Decimal("1")),
        ("Sorry", Decimal("0.5")),
    ]

    matching = _version("Match the phrase")
    assert matching.points == Decimal("3")
    assert [(p.prompt, p.answer) for p in matching.pairs.all()] == [
        ("Hear", "Tell me what happened."),
        ("Empathise", "That sounds really frustrating."),
        ("Resolve", "Here is what I'll do now."),
    ]
    # The model has no distractors: the extra wrong answer is reported, not silently lost.
    assert any("Policy is policy." in note.message for note in report.notes)

    ordering = _version("Order the HEARD steps")
    assert [c.text for c in ordering.choices.all()] == ["Hear", "Empathise", "Apologise"]


def test_moodle_embedded_image_is_stored_and_linked(settings):
    _import(MOODLE_SAMPLE)

    image = QuestionImage.objects.get()
    assert image.bank == _bank("Training", "De-escalation")
    assert image.name == "angry face.png"
    assert image.image.name.endswith(".png")
    assert (Path(settings.MEDIA_ROOT) / image.image.name).read_bytes() == PNG
    version = _version("First words")
    assert f"![An angry face]({image.image.url})" in version.prompt_markdown
    assert f'<img src="{image.image.url}" alt="An angry face"' in version.prompt_html
    assert "@@PLUGINFILE@@" not in version.prompt_markdown


def test_moodle_image_that_is_not_a_picture_imports_nothing():
    xml = MOODLE_SAMPLE.read_text().replace(
        "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGM8ISfHwMDAxMDAwMDAAAANBAEIfXHKZgAAAABJRU5ErkJggg==",
        base64.b64encode(b"#!/bin/sh\necho not an image\n").decode(),
    )

    with pytest.raises(InterchangeError) as caught:
        questions_import(content=xml.encode(), filename="bad.xml", bank_path=["Training"])

    [problem] = caught.value.problems
    assert problem.line == 14
    assert 'question "First words": image "angry face.png"' in problem.message
    assert _nothing_imported()


def test_malformed_xml_reports_line_and_column_and_imports_nothing():
    broken = MOODLE_SAMPLE.read_text().replace(
        "<text>Signs of escalation</text>", "<text>Signs of escalation</txet>"
    )

    with pytest.raises(InterchangeError) as caught:
        questions_import(content=broken.encode(), filename="broken.xml", bank_path=["Training"])

    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (55, 34)
    assert "mismatched tag" in problem.message
    assert str(problem) == "broken.xml:55:34: XML syntax error: mismatched tag"
    assert _nothing_imported()


def test_invalid_question_names_the_question_and_line_and_imports_nothing():
    # A single-choice question without a right answer, after a perfectly good one.
    broken = MOODLE_SAMPLE.read_text().replace(
        '<answer fraction="100" format="html">', '<answer fraction="0" format="html">'
    )

    with pytest.raises(InterchangeError) as caught:
        questions_import(content=broken.encode(), filename="sample.xml", bank_path=["Training"])

    [problem] = caught.value.problems
    assert problem.line == 14
    assert problem.message == (
        'question "First words": choices: Mark exactly one option as the right answer.'
    )
    assert _nothing_imported()


def test_xml_with_doctype_and_entities_is_refused_unread():
    bomb = (
        '<?xml version="1.0"?>\n'
        '<!DOCTYPE quiz [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>\n'
        '<quiz><question type="shortanswer"><name><text>&c;</text></name></question></quiz>\n'
    )

    with pytest.raises(InterchangeError) as caught:
        questions_import(content=bomb.encode(), filename="bomb.xml", bank_path=["Training"])

    [problem] = caught.value.problems
    assert problem.line == 2
    assert "DOCTYPE" in problem.message
    assert _nothing_imported()


def test_undeclared_entity_is_a_syntax_error():
    xml = b'<?xml version="1.0"?>\n<quiz>\n<question type="essay">&xxe;</question></quiz>'

    with pytest.raises(InterchangeError) as caught:
        questions_import(content=xml, filename="x.xml", bank_path=["Training"])

    assert caught.value.problems[0].line == 3
    assert "undefined entity" in caught.value.problems[0].message


# --- GIFT ------------------------------------------------------------------------------------


def test_gift_sample_imports_each_construct():
    report = _import(GIFT_SAMPLE, "Training/GIFT")

    assert report.summary() == (
        "imported 9 questions, skipped 3 (description: 1, essay: 1, numerical: 1)"
    )
    assert [(s.kind, s.title, s.line) for s in report.skipped] == [
        ("numerical", "Hold time", 44),
        ("essay", "Reflect", 46),
        ("description", "A plain description with no answers.", 48),
    ]
    phone = _bank("Training", "GIFT", "Phone skills")
    vocabulary = _bank("Training", "GIFT", "Phone skills", "Vocabulary")
    assert phone.questions.count() == 4
    assert vocabulary.questions.count() == 5

    greeting = _version("Greeting")
    assert greeting.kind == "single"
    assert greeting.explanation_markdown == "Lead with the person, not the process."
    assert [(c.text, c.fraction, c.feedback) for c in greeting.choices.all()] == [
        ("With your name and an offer to help", Decimal("1"), "Friendly and clear."),
        ("With the ticket number", Decimal("0"), "Save that for later."),
        ("With the company's legal disclaimer", Decimal("0"), ""),
    ]

    hold = _version("Hold etiquette")
    assert hold.kind == "multiple"
    assert [(c.fraction, c.feedback) for c in hold.choices.all()] == [
        (Decimal("0.5"), ""),
        (Decimal("0.5"), ""),
        (Decimal("-1"), "Never do this."),
    ]

    # {FALSE#when wrong#when right}: False is right; picking True shows the "wrong" feedback.
    mute = _version("Mute is private")
    assert [(c.text, c.fraction, c.feedback) for c in mute.choices.all()] == [
        ("True", Decimal("0"), "Mute can fail; stay professional."),
        ("False", Decimal("1"), "Right: assume they can hear."),
    ]
    assert [c.fraction for c in _version("Quick TF").choices.all()] == [Decimal("1"), 0]

    escalate = _version("Escalate")
    assert escalate.kind == "short"
    assert [(a.text, a.fraction, a.feedback) for a in escalate.accepted.all()] == [
        ("escalation", Decimal("1"), ""),
        ("escalating", Decimal("1"), ""),
        ("transfer", Decimal("0.5"), "Close, but a transfer is sideways."),
    ]

    escapes = _version("Escapes: the lot")
    assert [a.text for a in escapes.accepted.all()] == ["a = b"]
    assert "Special characters { } = ~ # and \\ stay as typed; a<br>" in escapes.prompt_html

    matching = _version("Match the channel")
    assert [p.prompt for p in matching.pairs.all()] == ["Phone", "Email", "Chat"]
    assert any("Carrier pigeon" in note.message for note in report.notes)

    missing = _version("Missing word")
    assert "Always _____ the customer's name" in missing.prompt_html
    assert [c.text for c in missing.choices.all()] == ["confirm", "guess"]

    ordering = _version("Order the call")
    assert ordering.kind == "ordering"
    assert [c.text for c in ordering.choices.all()] == ["Greet", "Listen", "Resolve", "Close"]


def test_gift_unclosed_brace_reports_its_line_and_imports_nothing():
    gift = (
        "::Fine::This one is fine {T}\n"
        "\n"
        "// the next question never closes its answers\n"
        "::Broken::Which greeting is best? {\n"
        "=Hello, I'm Sam\n"
        "~Yo\n"
        "\n"
        "::Also fine::And this {F}\n"
    )

    with pytest.raises(InterchangeError) as caught:
        questions_import(content=gift.encode(), filename="quiz.gift", bank_path=["Training"])

    [problem] = caught.value.problems
    assert str(problem) == "quiz.gift:4: the { of the answers is never closed with }"
    assert _nothing_imported()


def test_gift_lists_every_problem_with_its_line():
    gift = (
        "::Stray::A closing brace } without an opening one\n"
        "\n"
        "::No right answer::Pick one {~a ~b}\n"
        "\n"
        "::Weight::Pick {~%150%a ~b}\n"
    )

    with pytest.raises(InterchangeError) as caught:
        questions_import(content=gift.encode(), filename="quiz.gift", bank_path=["Training"])

    assert [(p.line, p.message) for p in caught.value.problems] == [
        (1, "a } without an opening { (write \\} for a brace in text)"),
        (3, 'question "No right answer": choices: The right options\' credit must add up to 100%.'),
        (5, "the weight %150% is not between -100% and 100%"),
    ]
    assert _nothing_imported()


def test_unknown_extension_needs_a_format():
    with pytest.raises(InterchangeError) as caught:
        questions_import(content=b"Q {T}", filename="quiz.doc", bank_path=["Training"])
    assert "choose the file's format" in caught.value.problems[0].message

    report = questions_import(
        content=b"Q {T}", filename="quiz.doc", bank_path=["Training"], file_format="gift"
    )
    assert report.imported == 1


# --- Export and round trip -------------------------------------------------------------------


def _build_bank() -> QuestionBank:
    root = bank_path_get_or_create(path=["Service"])
    calls = bank_path_get_or_create(path=["Service", "Calls / chat"])
    hard = bank_path_get_or_create(path=["Service", "Calls / chat", "Hard calls"])
    bank_path_get_or_create(path=["Service", "Empty for now"])
    image = QuestionImage(bank=calls, name="diagram one.png")
    image.image.save("diagram.png", ContentFile(PNG))
    question_create(
        bank=root,
        data=QuestionInput(
            kind="single",
            title="Pick the opener",
            prompt=f"Look at this:\n\n![The diagram]({image.image.url})\n\n**Which** opener?",
            explanation="Use *their* name & yours.",
            points=Decimal("2.50"),
            choices=[
                ChoiceInput("Hi, I'm Sam <3", Decimal("1"), "Warm."),
                ChoiceInput("Next!", Decimal("0"), "Cold."),
            ],
        ),
    )
    question_create(
        bank=calls,
        data=QuestionInput(
            kind="multiple",
            title="Good habits",
            prompt="Which are good habits?",
            choices=[
                ChoiceInput("Listen", Decimal("0.33333")),
                ChoiceInput("Summarise", Decimal("0.33333")),
                ChoiceInput("Thank", Decimal("0.33334")),
                ChoiceInput("Interrupt", Decimal("-0.5"), "Never."),
            ],
        ),
    )
    question_create(
        bank=calls,
        data=QuestionInput(
            kind="truefalse",
            title="Mute",
            prompt="Mute is always safe.",
            explanation=f"See ![again]({image.image.url}).",
            choices=[ChoiceInput("True", Decimal("0"), "No."), ChoiceInput("False", Decimal("1"))],
        ),
    )
    question_create(
        bank=hard,
        data=QuestionInput(
            kind="short",
            title="Term",
            prompt="What's the term?",
            case_sensitive=True,
            accepted=[
                AcceptedInput("HEARD", Decimal("1"), "Yes."),
                AcceptedInput("heard", Decimal("0.5")),
            ],
        ),
    )
    question_create(
        bank=hard,
        data=QuestionInput(
            kind="matching",
            title="Match",
            prompt="Match them.",
            points=Decimal("0"),
            pairs=[PairInput("Phone", "Urgent"), PairInput("Email", "Records")],
        ),
    )
    question_create(
        bank=hard,
        data=QuestionInput(
            kind="ordering",
            title="Order",
            prompt="Order them.",
            choices=[
                ChoiceInput("First"),
                ChoiceInput("Second", feedback="2nd"),
                ChoiceInput("Third"),
            ],
        ),
    )
    archived = question_create(
        bank=hard,
        data=QuestionInput(
            kind="truefalse",
            title="Old",
            prompt="Old?",
            choices=[ChoiceInput("True", Decimal("1")), ChoiceInput("False")],
        ),
    )
    archived.archived = True
    archived.save(update_fields=["archived"])
    return root


def _snapshot() -> dict:
    """Everything a bank tree holds, keyed by bank path, with image links replaced by the
    image's name and bytes (stored file names differ between imports by design)."""
    images = {img.image.url: img for img in QuestionImage.objects.all()}

    def unlink(markdown: str) -> str:
        def swap(match: re.Match) -> str:
            image = images[match.group(1)]
            with image.image.open("rb") as handle:
                return f"]({image.name}:{base64.b64encode(handle.read()).decode()})"

        return re.sub(r"\]\((/media/[^)]+)\)", swap, markdown)

    def path(bank: QuestionBank) -> tuple[str, ...]:
        return (*path(bank.parent), bank.name) if bank.parent else (bank.name,)

    tree: dict = {}
    for bank in QuestionBank.objects.all():
        tree[path(bank)] = sorted(
            (
                v.kind,
                v.title,
                unlink(v.prompt_markdown),
                unlink(v.explanation_markdown),
                v.points,
                v.case_sensitive,
                [(c.position, c.text, c.fraction, c.feedback) for c in v.choices.all()],
                [(p.position, p.prompt, p.answer) for p in v.pairs.all()],
                [(a.text, a.fraction, a.feedback) for a in v.accepted.all()],
            )
            for v in QuestionVersion.objects.filter(
                question__bank=bank, question__archived=False, question__current=F("pk")
            )
        )
    return tree


def _wipe() -> None:
    Question.objects.all().delete()
    QuestionImage.objects.all().delete()
    while QuestionBank.objects.exists():
        QuestionBank.objects.filter(children__isnull=True).delete()


def test_export_then_import_into_an_empty_database_reproduces_the_bank(tmp_path):
    _build_bank()
    before = _snapshot()
    exported = tmp_path / "service.xml"
    out = StringIO()
    call_command("export_questions", "--bank", "Service", str(exported), stdout=out)
    assert out.getvalue() == f"exported Service to {exported}\n"
    xml = exported.read_text()
    assert '<question type="ordering">' in xml and "@@PLUGINFILE@@/diagram%20one.png" in xml
    assert "$course$/top/Calls // chat/Hard calls" in xml
    assert "Old?" not in xml  # archived questions stay behind

    _wipe()
    assert _nothing_imported()
    out = StringIO()
    call_command(
        "import_questions", str(exported), "--bank", "Service", stdout=out, stderr=StringIO()
    )

    assert out.getvalue() == "imported 6 questions, skipped 0\n"
    assert _snapshot() == before
    assert QuestionBank.objects.get(name="Empty for now").parent.name == "Service"
    # The image is stored once per bank that uses it.
    assert sorted(i.bank.name for i in QuestionImage.objects.all()) == ["Calls / chat", "Service"]


def test_export_of_a_sub_bank_is_relative_to_it():
    _build_bank()

    xml = bank_export(bank=_bank("Service", "Calls / chat")).decode()

    categories = re.findall(r"<text>(\$course\$[^<]*)</text>", xml)
    assert categories == ["$course$/top", "$course$/top/Hard calls"]


# --- Commands --------------------------------------------------------------------------------


def test_import_command_prints_one_summary_line_and_names_skipped_questions():
    out, err = StringIO(), StringIO()

    call_command(
        "import_questions", str(MOODLE_SAMPLE), "--bank", "Training", stdout=out, stderr=err
    )

    assert out.getvalue() == "imported 6 questions, skipped 2 (essay: 1, numerical: 1)\n"
    assert 'moodle_sample.xml:184: skipped essay question "Describe a tough call"' in err.getvalue()
    assert 'moodle_sample.xml:195: skipped numerical question "Callback window"' in err.getvalue()


def test_import_command_format_option_overrides_extension(tmp_path):
    source = tmp_path / "questions.dat"
    source.write_text("::One::Sky is blue {T}\n\n::Two::Grass is red {F}\n")
    out = StringIO()

    call_command("import_questions", str(source), "--bank", "A/B", "--format", "gift", stdout=out)

    assert out.getvalue() == "imported 2 questions, skipped 0\n"
    assert _bank("A", "B").questions.count() == 2


def test_import_command_fails_with_problems_on_stderr(tmp_path):
    source = tmp_path / "broken.gift"
    source.write_text("::Fine::Fine {T}\n\n::Broken::Missing {=a ~b\n")
    err = StringIO()

    with pytest.raises(CommandError) as caught:
        call_command("import_questions", str(source), "--bank", "T", stdout=StringIO(), stderr=err)

    assert caught.value.returncode == 1
    assert "nothing was imported" in str(caught.value)
    assert err.getvalue() == "broken.gift:3: the { of the answers is never closed with }\n"
    assert _nothing_imported()


def test_export_command_rejects_unknown_bank(tmp_path):
    with pytest.raises(CommandError, match="no question bank"):
        call_command("export_questions", "--bank", "Nope", str(tmp_path / "x.xml"))


# --- Upload and download pages ---------------------------------------------------------------


def _upload(path: Path, bank: str = "Uploaded") -> dict:
    return {
        "file": SimpleUploadedFile(path.name, path.read_bytes()),
        "bank": bank,
        "file_format": "",
    }


def test_import_page_for_admin(client, admin):
    client.force_login(admin)

    response = client.get(reverse("question_import"))

    assert response.status_code == 200
    assert isinstance(response.context["form"], QuestionImportForm)


def test_upload_imports_and_reports_skipped(client, admin, django_capture_on_commit_callbacks):
    client.force_login(admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("question_import"), _upload(GIFT_SAMPLE, "Uploaded/GIFT"))
    response = client.get(response["Location"])

    assert response.status_code == 200
    text = response.content.decode()
    assert "Imported 9 questions, skipped 3 (description: 1, essay: 1, numerical: 1)" in text
    assert "numerical: “Hold time” (line 44)" in text
    assert _bank("Uploaded", "GIFT", "Phone skills").questions.count() == 4


@pytest.mark.parametrize("persona", ["learner", "manager"])
def test_import_and_export_pages_are_missing_for_everyone_else(client, persona, request):
    bank = bank_path_get_or_create(path=["Existing"])
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("question_import")).status_code == 404
    response = client.post(reverse("question_import"), _upload(GIFT_SAMPLE))
    assert response.status_code == 404
    assert client.get(reverse("question_export"), {"bank": bank.pk}).status_code == 404
    assert not Question.objects.exists()


def test_import_page_needs_sign_in(client):
    response = client.get(reverse("question_import"))
    assert response.status_code == 302


def test_upload_of_a_broken_file_lists_problems_and_imports_nothing(
    client, admin, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    broken = SimpleUploadedFile("broken.gift", b"::A::Fine {T}\n\n::B::Oops {=a ~b\n")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("question_import"), {"file": broken, "bank": "Uploaded", "file_format": ""}
        )
    response = client.get(response["Location"])

    assert response.status_code == 200
    text = response.content.decode()
    assert "The file has 1 problem. Nothing was imported." in text
    assert "broken.gift, line 3: the { of the answers is never closed with }" in text
    assert _nothing_imported()


def test_upload_over_the_limit_is_refused(client, admin, monkeypatch):
    monkeypatch.setattr("assessments.questions.forms.MAX_UPLOAD_BYTES", 100)
    client.force_login(admin)

    response = client.post(reverse("question_import"), _upload(GIFT_SAMPLE))

    assert response.status_code == 400
    assert "This file is over" in response.content.decode()
    assert _nothing_imported()


def test_export_downloads_moodle_xml_for_admin(client, admin):
    root = _build_bank()
    client.force_login(admin)

    response = client.get(reverse("question_export"), {"bank": root.pk})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="service.xml"'
    assert response.content.startswith(b"<?xml")
    assert client.get(reverse("question_export"), {"bank": "x"}).status_code == 404
    assert client.get(reverse("question_export"), {"bank": root.pk + 999}).status_code == 404


# --- Text conversion -------------------------------------------------------------------------


def test_html_becomes_markdown_without_raw_html():
    from assessments.questions.interchange.markup import html_to_markdown, to_text

    markdown, notes = html_to_markdown(
        "<h3>Steps</h3><ol><li>Listen</li><li>Say <b>sorry</b></li></ol>"
        '<p>See <a href="https://example.com/guide">the guide</a>, not '
        '<a href="javascript:alert(1)">this</a>.<br>- Not a list * or _emphasis_</p>'
        '<img src="https://tracker.example/pixel.gif" alt="pixel"><iframe src="x">hidden</iframe>'
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    )

    assert markdown == (
        "### Steps\n\n"
        "1. Listen\n"
        "2. Say **sorry**\n\n"
        "See [the guide](https://example.com/guide), not this.\\\n"
        "\\- Not a list \\* or \\_emphasis\\_\n\n"
        "pixel\n\n"
        "\\<script\\>alert(1)\\</script\\>"
    )
    assert notes == [
        "an image from outside the file was left out: https://tracker.example/pixel.gif",
        "an embedded page (iframe) was left out: x",
    ]
    assert to_text("<p>Fish &amp; <i>chips</i></p>", "html") == "Fish & chips"
    assert to_text("<b>kept</b> as written", "plain_text") == "<b>kept</b> as written"


def test_import_page_prefills_the_bank_it_was_opened_from(client, admin):
    from django.urls import reverse

    from assessments.questions import services

    bank = services.bank_path_get_or_create(path=["Service", "Apologies"])
    client.force_login(admin)
    html = client.get(reverse("question_import"), {"bank": bank.pk}).content.decode()
    assert 'value="Service/Apologies"' in html


@pytest.mark.parametrize("fraction", ["1e999", "9" * 5000, "101", "-1e5", "NaN", "Infinity"])
def test_an_impossible_fraction_is_a_problem_not_a_crash(fraction):
    broken = MOODLE_SAMPLE.read_text().replace(
        '<answer fraction="100" format="html">', f'<answer fraction="{fraction}" format="html">', 1
    )

    with pytest.raises(InterchangeError) as caught:
        questions_import(content=broken.encode(), filename="odd.xml", bank_path=["Training"])

    assert any("fraction" in problem.message for problem in caught.value.problems)
    assert all(len(problem.message) < 300 for problem in caught.value.problems)
    assert _nothing_imported()


def test_a_gift_file_with_nul_is_refused_on_its_line():
    gift = "::Calm::What first? {=Breathe ~Shout}\n\n::Two::Then\x00? {=Listen ~Argue}\n"

    with pytest.raises(InterchangeError) as caught:
        questions_import(content=gift.encode(), filename="nul.gift", bank_path=["Training"])

    [problem] = caught.value.problems
    assert problem.line == 3 and "NUL" in problem.message
    assert _nothing_imported()
