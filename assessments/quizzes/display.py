"""What the quiz pages show, built from prefetched rows so templates never query.

The taking view (`ItemView`) carries option texts and the learner's own answer only: no
fractions, no correctness, no feedback. Those appear only in `ReviewItem`, after submission.

On the taking page an option is named by a *token*: its place (1, 2, ...) in the order this
attempt shows it in (`AttemptItem.option_order`, shuffled when the attempt started), never by a
database id, whose order follows how the author wrote the question. A matching question's
prompts are named by their place in the question. `choice_for_token` turns a token back into
an id for grading, which stays on the server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils.safestring import SafeString

from assessments.models import Attempt, AttemptItem, Choice, MatchPair
from assessments.questions.option_text import option_html
from assessments.questions.preview import MatchRow, Option, kind_hint


@dataclass
class MatchRowView(MatchRow):
    """A matching prompt on the taking page, and the other prompts given the same answer (the
    page warns: each answer fits one prompt)."""

    also_for: list[str] = field(default_factory=list)


@dataclass
class ItemView:
    item: AttemptItem
    number: int
    kind: str
    prompt_html: str
    options: list[Option] = field(default_factory=list)
    rows: list[MatchRowView] = field(default_factory=list)
    text: str = ""
    hint: str = ""

    @property
    def prefix(self) -> str:
        return f"q{self.item.position}"

    @property
    def answered(self) -> bool:
        return self.item.answer is not None


# The warning quotes a prompt; one already in quotes ("Where is my order?!") keeps just one pair.
QUOTES = "\"'“”‘’«»„ "


def items_with_versions(attempt: Attempt) -> list[AttemptItem]:
    """The attempt's items with version, choices and pairs loaded. Four queries."""
    return list(
        attempt.items.select_related("version").prefetch_related(
            Prefetch("version__choices", queryset=Choice.objects.order_by("position", "pk")),
            Prefetch("version__pairs", queryset=MatchPair.objects.order_by("position", "pk")),
            "version__accepted",
        )
    )


def item_view(item: AttemptItem) -> ItemView:
    """What the taking page shows of one item: options by token, the learner's own answer, and
    the instruction for its kind. No query beyond the prefetched rows."""
    version = item.version
    answer: dict[str, Any] = item.answer or {}
    view = ItemView(
        item=item,
        number=item.position + 1,
        kind=version.kind,
        prompt_html=version.prompt_html,
        hint=kind_hint(version.kind, version.prompt_html),
    )
    token = {option_id: n for n, option_id in enumerate(item.option_order, start=1)}
    if version.kind == "matching":
        pairs = {p.pk: p for p in version.pairs.all()}
        picks = answer.get("pairs", {})
        view.options = [
            Option(id=token[i], text=pairs[i].answer) for i in item.option_order if i in pairs
        ]
        view.rows = [
            MatchRowView(
                prompt_id=n,
                prompt=p.prompt,
                picked=token.get(picks.get(str(p.pk))),
            )
            for n, p in enumerate(version.pairs.all(), start=1)
        ]
        for row in view.rows:
            row.also_for = [
                other.prompt.strip(QUOTES)
                for other in view.rows
                if other is not row and row.picked is not None and other.picked == row.picked
            ]
        return view
    if version.kind == "short":
        view.text = answer.get("text", "")
        return view
    choices = {c.pk: c for c in version.choices.all()}
    shown = [i for i in item.option_order if i in choices]
    if version.kind == "ordering":
        # The learner's order once they have given one; until then the attempt's shuffled order,
        # which is no answer (it would earn credit by chance): nothing is saved until they move
        # something or keep the order as it is.
        given = [i for i in answer.get("order") or [] if i in choices]
        order = given if sorted(given) == sorted(shown) else shown
        view.options = [Option(id=token[i], text=choices[i].text) for i in order]
        return view
    chosen = set(answer.get("choices", [])) | ({answer["choice"]} if "choice" in answer else set())
    view.options = [Option(id=token[i], text=choices[i].text, selected=i in chosen) for i in shown]
    return view


def ordering_tokens(item: AttemptItem) -> list[int]:
    """The tokens of an ordering item in the order the page shows them now: the learner's
    order if they gave one, else the attempt's shuffled order. No query."""
    return [o.id for o in item_view(item).options]


@dataclass
class StepDot:
    number: int
    answered: bool
    current: bool


def step_dots(items: list[AttemptItem], current: int | None) -> list[StepDot]:
    """One dot per question for the progress indicator: answered or not, and which is shown.
    `current` is a 1-based question number, or None on the check step. No query."""
    return [
        StepDot(
            number=i.position + 1, answered=i.answer is not None, current=i.position + 1 == current
        )
        for i in items
    ]


def choice_for_token(item: AttemptItem, token: int) -> int:
    """The id of the option shown in place `token` (1-based) of this attempt's item. Raises
    InvalidToken for a place the item doesn't have. No query."""
    if not 1 <= token <= len(item.option_order):
        raise InvalidToken(token)
    return int(item.option_order[token - 1])


class InvalidToken(ValueError):
    """A token that names no option of the item: tampering, or a page from another attempt."""


@dataclass
class ReviewLine:
    text: str
    chosen: bool
    correct: bool
    feedback: str = ""

    @property
    def html(self) -> SafeString:
        return option_html(self.text)

    @property
    def feedback_html(self) -> SafeString:
        return option_html(self.feedback)


@dataclass
class ReviewItem:
    view: ItemView
    fraction: Decimal
    score: Decimal
    points: Decimal
    explanation_html: str
    confidence: int | None
    lines: list[ReviewLine] = field(default_factory=list)
    your_text: str = ""
    accepted: list[str] = field(default_factory=list)
    your_order: list[SafeString] = field(default_factory=list)  # items as shown, pictures too
    correct_order: list[SafeString] = field(default_factory=list)
    matches: list[tuple[str, str, str, bool]] = field(default_factory=list)

    @property
    def right(self) -> bool:
        return self.fraction >= 1

    @property
    def calibration(self) -> str:
        """ "certain-wrong", "certain-right", "unsure-right", "unsure-wrong" or "" (no rating)."""
        if self.confidence is None:
            return ""
        sure = self.confidence == AttemptItem.Confidence.CERTAIN
        if sure:
            return "certain-right" if self.right else "certain-wrong"
        return "unsure-right" if self.right else "unsure-wrong"


def review_item(item: AttemptItem) -> ReviewItem:
    version = item.version
    answer: dict[str, Any] = item.answer or {}
    review = ReviewItem(
        view=item_view(item),
        fraction=item.fraction or Decimal("0"),
        score=item.score or Decimal("0"),
        points=version.points,
        explanation_html=version.explanation_html,
        confidence=item.confidence,
    )
    if version.kind in {"single", "truefalse", "multiple"}:
        chosen = set(answer.get("choices", [])) | (
            {answer["choice"]} if "choice" in answer else set()
        )
        review.lines = [
            ReviewLine(c.text, c.pk in chosen, c.fraction > 0, c.feedback)
            for c in version.choices.all()
        ]
    elif version.kind == "short":
        review.your_text = answer.get("text", "")
        review.accepted = [a.text for a in version.accepted.all() if a.fraction >= 1]
    elif version.kind == "ordering":
        items = {c.pk: option_html(c.text) for c in version.choices.all()}
        review.your_order = [items[i] for i in answer.get("order", []) if i in items]
        review.correct_order = list(items.values())
    elif version.kind == "matching":
        answers = {p.pk: p.answer for p in version.pairs.all()}
        picks = answer.get("pairs", {})
        for pair in version.pairs.all():
            picked = picks.get(str(pair.pk))
            review.matches.append(
                (
                    pair.prompt,
                    answers.get(picked, "") if picked else "",
                    pair.answer,
                    picked == pair.pk,
                )
            )
    return review


CALIBRATION_ORDER = {
    "certain-wrong": 0,
    "unsure-right": 1,
    "unsure-wrong": 2,
    "": 3,
    "certain-right": 4,
}
