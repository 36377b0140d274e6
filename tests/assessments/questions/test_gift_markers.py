"""GIFT's text-format markers ([plain], [html], [markdown], [moodle]) are read as Moodle reads
them, wherever Moodle reads them, and removed; and a short answer's * wildcard is noted."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from assessments.models import AcceptedAnswer, Choice, MatchPair, QuestionVersion
from assessments.questions.interchange import bank_export, questions_import
from assessments.questions.interchange.common import ParsedFile
from assessments.questions.interchange.gift import read

pytestmark = pytest.mark.django_db

MARKERS = Path(__file__).parent / "fixtures_interchange" / "gift_markers.gift"
MARKER = re.compile(r"\[(plain|html|markdown|moodle)\]")


def _version(title: str) -> QuestionVersion:
    return QuestionVersion.objects.get(title=title)


def _choices(title: str) -> list[tuple[str, str]]:
    return [(c.text, c.feedback) for c in _version(title).choices.all()]


def _import() -> object:
    return questions_import(
        content=MARKERS.read_bytes(), filename=MARKERS.name, bank_path=["Training"]
    )


def test_markers_are_honoured_and_never_stored():
    report = _import()

    assert report.summary() == "imported 8 questions, skipped 0"
    # [plain]: shown exactly as typed, tags and asterisks included.
    plain = _version("Plain question")
    assert plain.prompt_html == (
        "<p>Type &lt;b&gt;exactly&lt;/b&gt; what they said: *urgent*.</p>\n"
    )
    # Each answer and feedback may name its own format, as in Moodle.
    assert _choices("Plain question") == [
        ("Got it, urgent", "Shown <as> typed"),  # [html] answer, [plain] feedback
        ("Calm down", "Line one\nline two"),  # [markdown] answer, [moodle] feedback
    ]
    assert plain.explanation_markdown == "Read it *back* to them."  # [html] general feedback
    # [html]: through the HTML conversion; raw HTML never reaches the page.
    html = _version("HTML question")
    assert html.prompt_markdown == "Pick the **warm** greeting."
    assert "<strong>warm</strong>" in html.prompt_html
    assert _choices("HTML question")[0] == ("Hi <there>", "")  # [plain] answer
    # [markdown]: kept as Markdown. Moodle removes one marker only, so a second is text.
    assert _version("Markdown question").prompt_markdown == "Which is **kind**?"
    assert _choices("Markdown question")[1] == ("[html] is a tag, not a greeting", "")
    # A marker on the line after the name, and on a short answer and the general feedback.
    moodle = _version("Moodle question")
    assert moodle.prompt_markdown == "What do you say first?"
    assert [a.text for a in moodle.accepted.all()] == ["hello", "*"]
    assert moodle.explanation_markdown == "Any \\*greeting\\* beats silence."
    # True/false feedback, matching prompts, ordering items.
    assert _choices("True or false") == [("True", "No: it can fail."), ("False", "Right <3")]
    # A pair's answer is read as written in Moodle too: only its prompt takes a marker.
    assert [(p.prompt, p.answer) for p in _version("Matching").pairs.all()] == [
        ("Phone", "Urgent"),
        ("Email", "[plain]Records"),
    ]
    assert [text for text, _feedback in _choices("Ordering")] == ["Greet", "Listen", "<Resolve>"]
    missing = QuestionVersion.objects.get(title__startswith="No name")
    assert missing.prompt_html == (
        "<p>No name, and <em>missing</em> a word: _____ confirm the name.</p>\n"
    )

    shown = [
        *(v.prompt_markdown for v in QuestionVersion.objects.all()),
        *(v.prompt_html for v in QuestionVersion.objects.all()),
        *(v.explanation_markdown for v in QuestionVersion.objects.all()),
        *(c.text for c in Choice.objects.all()),
        *(c.feedback for c in Choice.objects.all()),
        *(a.text for a in AcceptedAnswer.objects.all()),
        *(p.prompt for p in MatchPair.objects.all()),
    ]
    leftovers = [text for text in shown if MARKER.search(text)]
    assert leftovers == ["[html] is a tag, not a greeting"]


def test_a_short_answer_wildcard_is_noted_not_taken_silently():
    report = _import()

    assert [str(note) for note in report.notes] == [
        'gift_markers.gift:14: question "Moodle question": the answer "*" uses Moodle\'s * '
        "wildcard; here it only matches a literal *"
    ]
    assert _version("Moodle question").accepted.get(text="*").fraction == Decimal("0.5")


@pytest.mark.parametrize(
    ("gift", "prompt", "choice"),
    [
        ("Q [plain] {=a ~b}", "Q \\[plain\\]", "a"),  # not at the start: text
        ("[HTML]<b>Q</b> {=a ~b}", "\\[HTML\\]**Q**", "a"),  # names are lower case
        ("[plain]  Q {=  [html]<i>a</i> ~b}", "Q", "a"),  # blank space before a marker
        ("[unknown]Q {=a ~b}", "\\[unknown\\]Q", "a"),
    ],
)
def test_only_a_known_marker_at_the_start_counts(gift, prompt, choice):
    parsed = read(gift.encode(), "q.gift")

    assert isinstance(parsed, ParsedFile) and not parsed.problems
    [question] = parsed.questions
    assert question.data.prompt == prompt
    assert question.data.choices[0].text == choice


def test_an_export_of_imported_marker_questions_imports_back_the_same():
    _import()

    def snapshot() -> list:
        return sorted(
            (
                v.kind,
                v.title,
                v.prompt_markdown,
                v.explanation_markdown,
                [(c.text, c.feedback, c.fraction) for c in v.choices.all()],
                [(p.prompt, p.answer) for p in v.pairs.all()],
                [(a.text, a.feedback, a.fraction) for a in v.accepted.all()],
            )
            for v in QuestionVersion.objects.all()
        )

    before = snapshot()
    bank = QuestionVersion.objects.get(title="HTML question").question.bank.parent
    xml = bank_export(bank=bank)
    QuestionVersion.objects.update(title="old")  # tell the copies apart
    old = set(QuestionVersion.objects.values_list("pk", flat=True))

    questions_import(content=xml, filename="formats.xml", bank_path=["Copy"])

    QuestionVersion.objects.filter(pk__in=old).delete()
    assert snapshot() == before
