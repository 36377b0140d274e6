"""Property tests over every format the platform imports: Moodle XML and GIFT question files,
course bundles (a zip of course.yaml and lessons), and the quiz and practice-conversation files
the loading commands read.

Whatever the file holds, the import either succeeds completely or is refused with problems the
author can read; any other exception (a 500 on the upload pages) fails the test, and so does a
refusal that left a row behind. Inputs are built from each format's own syntax (so they reach
deep into the readers) mixed with text no format expects: other scripts' digits, thousands of
digits, NUL and other control characters, markup, deep nesting.
"""

from __future__ import annotations

import copy
import io
import tempfile
import uuid
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
import yaml
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from assessments.models import Question, QuestionBank, QuestionImage, Quiz, Scenario
from assessments.questions.interchange import ImportReport, InterchangeError, questions_import
from courses import bundles
from courses.models import Course, Lesson, Module

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

odd_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "\x00",
            "a\x00b",
            "²",
            "٣",
            "9" * 5000,
            "1e999",
            "-0",
            "NaN",
            "½",
            "語",
            "\u202e",
            "<script>alert(1)</script>",
            '<ol start="²"><li>x</li></ol>',
            "![x](@@PLUGINFILE@@/a.png)",
            "![x](/media/../settings.py)",
            "&amp;&lt;&#0;",
            "\r\n",
            "x" * 3000,
        ]
    ),
)


def rows() -> tuple[int, int, int]:
    return (
        QuestionBank.all_objects.count(),
        Question.all_objects.count(),
        QuestionImage.objects.count(),
    )


def import_question_file(content: bytes, filename: str) -> None:
    """The property every question file must keep: a full import or a refusal that wrote
    nothing."""
    before = rows()
    try:
        report = questions_import(content=content, filename=filename, bank_path=["Fuzz"])
    except InterchangeError as exc:
        event("refused")
        assert exc.problems, "a refusal names its problems"
        assert rows() == before, "a refused file left rows behind"
        return
    event("imported")
    assert isinstance(report, ImportReport)
    assert report.imported > 0  # a file with nothing importable is refused, not imported empty
    assert Question.all_objects.count() == before[1] + report.imported


# --- GIFT ------------------------------------------------------------------------------------

gift_piece = st.one_of(
    st.sampled_from(
        [
            "::",
            "::Q1::",
            "{",
            "}",
            "=",
            "~",
            "#",
            "####",
            "->",
            "%50%",
            "%-100%",
            "%1e999%",
            "%" + "9" * 400 + "%",
            "=%50%*",
            "//",
            "\n",
            "\n\n",
            "[html]",
            "[plain]",
            "[markdown]",
            "[moodle]",
            "$CATEGORY: a/b/c",
            "$CATEGORY: " + "/".join(["d"] * 30),
            "TRUE",
            "F",
            "\\=",
            "\\{",
            "\\:",
            ":",
            "1..5",
            "#3:1",
            "#²:1",
        ]
    ),
    odd_text,
)
gift_file = st.lists(gift_piece, max_size=40).map("".join)

valid_ish_gift = st.builds(
    lambda title, prompt, right, wrong, feedback: (
        f"::{title}::{prompt} {{\n={right} # {feedback}\n~{wrong}\n}}\n"
    ),
    odd_text,
    odd_text,
    odd_text,
    odd_text,
    odd_text,
)


@FUZZ
@given(
    text=st.one_of(gift_file, valid_ish_gift, st.lists(valid_ish_gift, max_size=4).map("\n".join))
)
def test_gift_files_import_whole_or_not_at_all(text):
    import_question_file(text.encode("utf-8", "surrogatepass"), "fuzz.gift")


@FUZZ
@given(data=st.binary(max_size=400))
def test_any_bytes_named_gift_import_whole_or_not_at_all(data):
    import_question_file(data, "fuzz.gift")


# --- Moodle XML ------------------------------------------------------------------------------


def _text(value: str, cdata: bool) -> str:
    if cdata:
        return f"<text><![CDATA[{value.replace(']]>', '')}]]></text>"
    return f"<text>{escape(value)}</text>"


fraction = st.one_of(
    st.sampled_from(["100", "0", "-100", "50", "33.33333", "1e999", "9" * 5000, "", "²", "NaN"]),
    st.integers(-1000, 1000).map(str),
)
answer = st.builds(
    lambda f, t, fb, cdata: (
        f'<answer fraction="{escape(f)}" format="html">{_text(t, cdata)}'
        f"<feedback>{_text(fb, cdata)}</feedback></answer>"
    ),
    fraction,
    odd_text,
    odd_text,
    st.booleans(),
)
question_xml = st.builds(
    lambda kind, name, text, fmt, answers, cdata: (
        f'<question type="{kind}"><name>{_text(name, False)}</name>'
        f'<questiontext format="{fmt}">{_text(text, cdata)}</questiontext>'
        f"{answers}<defaultgrade>1</defaultgrade></question>"
    ),
    st.sampled_from(
        ["multichoice", "truefalse", "shortanswer", "matching", "ordering", "essay", "cloze", "x"]
    ),
    odd_text,
    odd_text,
    st.sampled_from(["html", "moodle_auto_format", "plain_text", "markdown", "weird"]),
    st.lists(answer, max_size=5).map("".join),
    st.booleans(),
)
category_xml = st.lists(
    st.one_of(st.just("a"), st.text(min_size=1, max_size=5)), min_size=1, max_size=15
).map(
    lambda parts: (
        '<question type="category"><category><text>$course$/'
        + escape("/".join(parts))
        + "</text></category></question>"
    )
)
plain = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=20)
good_question_xml = st.builds(
    lambda name, text, right, wrong, fmt: (
        f'<question type="multichoice"><name>{_text(name or "Q", False)}</name>'
        f'<questiontext format="{fmt}">{_text(text or "Which?", False)}</questiontext>'
        f'<answer fraction="100">{_text(right or "Yes", False)}</answer>'
        f'<answer fraction="0">{_text(wrong or "No", False)}</answer>'
        "<single>true</single></question>"
    ),
    plain,
    plain,
    plain,
    plain,
    st.sampled_from(["html", "plain_text", "markdown", "moodle_auto_format"]),
)
moodle_file = st.lists(
    st.one_of(good_question_xml, good_question_xml, question_xml, category_xml), max_size=5
).map(lambda items: '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>' + "".join(items) + "</quiz>")


@FUZZ
@given(text=moodle_file)
def test_moodle_xml_files_import_whole_or_not_at_all(text):
    import_question_file(text.encode("utf-8", "surrogatepass"), "fuzz.xml")


@FUZZ
@given(text=moodle_file, cut=st.integers(0, 2000), junk=st.binary(max_size=20))
def test_broken_moodle_xml_imports_whole_or_not_at_all(text, cut, junk):
    data = text.encode("utf-8", "surrogatepass")
    import_question_file(data[:cut] + junk + data[cut:], "fuzz.xml")


# --- Course bundles --------------------------------------------------------------------------


def course_rows() -> tuple[int, int, int]:
    return Course.objects.count(), Module.objects.count(), Lesson.objects.count()


yaml_value = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**30), 10**30),
        odd_text,
        st.sampled_from([str(uuid.uuid4()), "lessons/one.md", "9" * 5000]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(odd_text, children, max_size=3)
    ),
    max_leaves=12,
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


@st.composite
def mutated(draw, document):
    """`document` (a valid file's content) as it is, or with one field anywhere in it replaced
    by an odd value, removed, or repeated in a list: close enough to valid to reach the checks
    deep inside the reader."""
    doc = copy.deepcopy(document)
    action = draw(st.sampled_from(["none", "replace", "replace", "delete", "repeat"]))
    if action == "none":
        event("valid file")
        return doc
    path = draw(st.sampled_from([p for p in _paths(doc) if p]))
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if action == "replace":
        parent[last] = draw(yaml_value)
    elif action == "delete":
        del parent[last]
    elif isinstance(parent, list):
        parent.append(copy.deepcopy(parent[last]))
    else:
        parent[last] = [parent[last], parent[last]]
    return doc


SHIPPED_COURSE = Path(__file__).resolve().parents[1] / "courses" / "curriculum" / "de-escalation"


def shipped_manifest() -> dict:
    return yaml.safe_load((SHIPPED_COURSE / "course.yaml").read_text())


def bundle_zip(course_yaml: str, lesson: str) -> bytes:
    """The shipped course's lessons, `course.yaml` as given, and one more lesson file."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("course.yaml", course_yaml)
        for path in (SHIPPED_COURSE / "lessons").iterdir():
            archive.writestr(f"lessons/{path.name}", path.read_text())
        archive.writestr("lessons/one.md", lesson)
    return out.getvalue()


@FUZZ
@given(
    course_yaml=st.one_of(
        mutated(shipped_manifest()).map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
        mutated(shipped_manifest()).map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
        st.text(max_size=200),
    ),
    lesson=st.one_of(odd_text, st.just("# Hello\n\n![x](/media/../../etc/passwd)")),
    replace=st.booleans(),
)
def test_course_bundles_import_whole_or_not_at_all(course_yaml, lesson, replace):
    before = course_rows()
    try:
        data = bundles.read_bundle(io.BytesIO(bundle_zip(course_yaml, lesson)))
    except bundles.BundleError as exc:
        event("refused on reading")
        assert exc.problems
        assert course_rows() == before
        return
    try:
        bundles.import_bundle_result(data, user=None, replace=replace)
        event("imported")
    except bundles.ConfirmationNeeded:
        event("needs confirmation")
        assert not replace
        assert course_rows() == before
    except bundles.BundleError as exc:
        event("refused on importing")
        assert exc.problems
        assert course_rows() == before


# --- Quiz and practice-conversation files (load_quizzes, load_scenarios) ----------------------


def load(command: str, filename: str, text: str) -> bool:
    """True when the command loaded the file, False when it refused it; anything else fails."""
    with tempfile.TemporaryDirectory() as directory:
        Path(directory, filename).write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            call_command(command, directory, stdout=io.StringIO(), stderr=io.StringIO())
        except CommandError:
            return False
    return True


CONTENT = Path(__file__).resolve().parents[1] / "assessments" / "content"


def shipped(kind: str) -> dict:
    return yaml.safe_load((CONTENT / kind / "de-escalation.yaml").read_text())


@pytest.fixture
def shipped_course(db):
    """The course the shipped quiz and conversation files belong to, as the curriculum has it."""
    bundles.import_bundle(bundles.read_bundle(SHIPPED_COURSE), user=None)


@FUZZ
@given(doc=mutated(shipped("quizzes")))
def test_quiz_files_load_whole_or_not_at_all(shipped_course, doc):
    before = (Quiz.objects.count(), Question.all_objects.count())
    loaded = load("load_quizzes", "fuzz.yaml", yaml.safe_dump(doc, allow_unicode=True))
    event("loaded" if loaded else "refused")
    if not loaded:
        assert (Quiz.objects.count(), Question.all_objects.count()) == before


SHIPPED_CONVERSATION = yaml.safe_load((CONTENT / "scenarios" / "wrong-order.yaml").read_text())


@FUZZ
@given(
    doc=mutated(SHIPPED_CONVERSATION),
    text=st.text(max_size=100),
    raw=st.integers(0, 9),
)
def test_conversation_files_load_whole_or_not_at_all(shipped_course, doc, text, raw):
    before = Scenario.objects.count()
    body = text if raw == 0 else yaml.safe_dump(doc, allow_unicode=True)
    loaded = load("load_scenarios", "fuzz.yaml", body)
    event("loaded" if loaded else "refused")
    if not loaded:
        assert Scenario.objects.count() == before
