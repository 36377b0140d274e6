"""What the quiz authoring pages read: the questions to pick from and the modules a quiz can
follow. Each function states the queries it costs; templates get the results and never query."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from assessments.models import Question, Quiz, QuizSlot
from assessments.questions.selectors import BankTree
from courses.models import Course, CourseVersion, Module


@dataclass(frozen=True)
class PickRow:
    """A question offered on the "add questions" page. `banks` are its bank and the banks
    around it (so a filter on a bank finds what is inside it); `text` is what a search reads,
    folded; `matches` says whether the filter asked for keeps it."""

    question: Question
    bank_path: str
    banks: tuple[int, ...]
    text: str
    in_quiz: bool
    matches: bool


@dataclass(frozen=True)
class PickFilter:
    """What the author narrowed the list to; empty values match everything."""

    search: str = ""
    bank: int | None = None
    kind: str = ""

    def keeps(self, *, banks: tuple[int, ...], kind: str, text: str) -> bool:
        """Does a question in `banks`, of `kind`, reading `text` (folded), pass? No query."""
        if self.bank is not None and self.bank not in banks:
            return False
        if self.kind and kind != self.kind:
            return False
        return all(word in text for word in self.search.casefold().split())


def question_picker(*, quiz: Quiz, tree: BankTree, only: PickFilter) -> list[PickRow]:
    """Every question an author can add to `quiz` as a fixed question (in use, with content),
    those already in it marked, each saying whether `only` keeps it. All are listed, so the
    page can narrow and widen the list in place without losing what was ticked. In bank order
    (as `tree.flat()`), then oldest first. One query; [] when the banks hold no question."""
    questions = (
        Question.objects.filter(archived=False, current__isnull=False)
        .annotate(in_quiz=Exists(QuizSlot.objects.filter(quiz=quiz, question=OuterRef("pk"))))
        .select_related("current")
    )
    order = {node.bank.pk: n for n, node in enumerate(tree.flat())}
    rows = []
    for question in questions:
        version = question.current
        assert version is not None  # filtered above
        node = tree.nodes.get(question.bank_id)
        banks = (question.bank_id, *(b.pk for b in tree.ancestors(question.bank_id)))
        text = f"{version.title} {version.prompt_markdown[:2000]}".casefold()
        rows.append(
            PickRow(
                question=question,
                bank_path=node.path if node else "",
                banks=banks,
                text=" ".join(text.split()),
                in_quiz=question.in_quiz,
                matches=only.keeps(banks=banks, kind=version.kind, text=text),
            )
        )
    rows.sort(key=lambda r: (order.get(r.question.bank_id, len(order)), r.question.pk))
    return rows


def outline_version(course: Course) -> CourseVersion | None:
    """The version whose modules quizzes are placed after: the draft when there is one (so a
    new module can get its quiz before publishing), else the live version, else the latest;
    None for a course without versions. One query (two when there is neither a draft nor a
    live version; the live version costs one more unless it was joined)."""
    draft = course.versions.filter(status=CourseVersion.Status.DRAFT).first()
    if draft is not None:
        return draft
    if course.published_version_id is not None:
        return course.published_version
    return course.versions.order_by("-number").first()


def course_modules(course: Course) -> list[Module]:
    """The modules of `course`'s outline version in order; empty for a course with no version.
    Two queries at most (the version, the modules)."""
    version = outline_version(course)
    if version is None:
        return []
    return list(version.modules.order_by("position", "pk"))
