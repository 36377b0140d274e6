"""The question editor: one form for every kind of question.

A question is edited as one `QuestionEditor`: the common fields (title, prompt, explanation,
points) plus one part for its kind, a formset of rows with a fixed number of blank rows
(empty rows are ignored; "More rows" asks for room), so nothing needs JavaScript. The forms
parse input only: the rules live in `services`, which every way in shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseFormSet, formset_factory
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from assessments.models import QuestionVersion
from config.forms import Form as BaseForm

from .services import AcceptedInput, ChoiceInput, PairInput, QuestionInput

if TYPE_CHECKING:
    # A dev-only package: type names only, never imported at run time.
    from django_stubs_ext import StrOrPromise

Kind = QuestionVersion.Kind
HUNDRED = Decimal("100")
ONE = Decimal("1")
FIVE_PLACES = Decimal("0.00001")
MAX_ROWS = 40
MORE_ROWS = 3
# Options and feedback can run to a sentence or two: let them wrap instead of scrolling sideways.
SHORT_TEXTAREA = forms.Textarea(attrs={"rows": 2})


def _blank(value: object) -> bool:
    return value in (None, "", False)


def _plain(number: Decimal) -> Decimal:
    """10.00 → 10 and 0.50 → 0.5, never 1E+1: how a person would type it."""
    if number == number.to_integral_value():
        return number.quantize(ONE)
    return number.normalize()


def _percent(fraction: Decimal) -> Decimal:
    """0.33333 → 33.333, 0.5 → 50: a stored fraction as the percentage an author types."""
    return _plain(fraction * HUNDRED)


def _fraction(percent: Decimal | None) -> Decimal:
    """50 → 0.5; None (nothing typed) → 0."""
    return Decimal("0") if percent is None else Decimal(percent) / HUNDRED


# --- Question rows ----------------------------------------------------------------------------


class RowForm(BaseForm):
    """One row of a question's kind-specific part. `kind` adapts labels and fields."""

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind

    def is_blank(self) -> bool:
        """True when nothing was typed in the row (it is then ignored). Needs cleaned_data."""
        return all(_blank(v) for v in getattr(self, "cleaned_data", {}).values())

    def _require_text(self, data: dict[str, Any], name: str, message: StrOrPromise) -> None:
        others = any(not _blank(v) for k, v in data.items() if k != name)
        if _blank(data.get(name)) and others:
            self.add_error(name, message)


class OptionRow(RowForm):
    text = forms.CharField(label=_("Text"), max_length=500, required=False, widget=SHORT_TEXTAREA)
    correct = forms.BooleanField(label=_("Right answer"), required=False)
    credit = forms.DecimalField(
        label=_("Credit (%)"),
        required=False,
        max_digits=7,
        decimal_places=3,
        min_value=-100,
        max_value=100,
    )
    feedback = forms.CharField(
        label=_("Feedback if chosen"), max_length=2000, required=False, widget=SHORT_TEXTAREA
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, kind=kind, **kwargs)
        if kind == Kind.TRUE_FALSE:
            del self.fields["credit"]
        elif kind == Kind.SINGLE:
            self.fields["credit"].label = _("Part credit (%)")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._require_text(data, "text", _("Write the option, or clear this row."))
        credit = data.get("credit")
        if (
            self.kind == Kind.MULTIPLE
            and data.get("correct")
            and credit is not None
            and credit <= 0
        ):
            self.add_error(
                "credit",
                _("A right answer earns more than 0%. Leave it empty to share 100% equally."),
            )
        return data


class ItemRow(RowForm):
    text = forms.CharField(label=_("Text"), max_length=500, required=False, widget=SHORT_TEXTAREA)


class PairRow(RowForm):
    prompt = forms.CharField(
        label=_("Prompt"), max_length=300, required=False, widget=SHORT_TEXTAREA
    )
    answer = forms.CharField(label=_("Its match"), max_length=300, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._require_text(data, "prompt", _("Write the prompt, or clear this row."))
        self._require_text(data, "answer", _("Write its match, or clear this row."))
        return data


class AnswerRow(RowForm):
    text = forms.CharField(label=_("Accepted answer"), max_length=300, required=False)
    credit = forms.DecimalField(
        label=_("Credit (%)"),
        required=False,
        max_digits=7,
        decimal_places=3,
        min_value=0,
        max_value=100,
    )
    feedback = forms.CharField(
        label=_("Feedback"), max_length=2000, required=False, widget=SHORT_TEXTAREA
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._require_text(data, "text", _("Write the answer, or clear this row."))
        return data


@dataclass(frozen=True)
class Part:
    """The kind-specific part of the editor: its POST prefix, the key the service reports its
    errors under, and how it is introduced."""

    prefix: str
    error_key: str
    legend: StrOrPromise
    help: StrOrPromise
    row_form: type[RowForm]
    min_rows: int
    fixed_rows: int | None = None


PARTS: dict[str, Part] = {
    Kind.SINGLE: Part(
        "options",
        "choices",
        _("Options"),
        _(
            "Tick the one right answer. A wrong option can earn part credit, e.g. 50 for "
            "“nearly right”, or lose some, e.g. -25. Empty rows are ignored."
        ),
        OptionRow,
        6,
    ),
    Kind.MULTIPLE: Part(
        "options",
        "choices",
        _("Options"),
        _(
            "Tick every right answer; they share 100% equally unless you give each its credit "
            "(the right answers' credits add up to 100). A wrong option can lose credit, e.g. "
            "-50. Empty rows are ignored."
        ),
        OptionRow,
        6,
    ),
    Kind.TRUE_FALSE: Part(
        "options",
        "choices",
        _("Answers"),
        _("Tick the right one."),
        OptionRow,
        2,
        fixed_rows=2,
    ),
    Kind.ORDERING: Part(
        "items",
        "choices",
        _("Steps, in the right order"),
        _("Write them first to last; learners see them shuffled. Empty rows are ignored."),
        ItemRow,
        6,
    ),
    Kind.MATCHING: Part(
        "pairs",
        "pairs",
        _("Pairs"),
        _(
            "Each prompt with its match; learners pick each match from a shuffled list. Empty "
            "rows are ignored."
        ),
        PairRow,
        6,
    ),
    Kind.SHORT: Part(
        "answers",
        "accepted",
        _("Accepted answers"),
        _(
            "Every way of writing a right answer. Extra spaces never matter; capitals only if "
            "you tick “Capitals matter”. Credit is 100% when left empty; give a nearly-right "
            "answer less. Empty rows are ignored."
        ),
        AnswerRow,
        4,
    ),
}

KIND_HELP: dict[str, StrOrPromise] = {
    Kind.SINGLE: _("One right answer among several options."),
    Kind.MULTIPLE: _("Several right answers; learners tick all that apply."),
    Kind.TRUE_FALSE: _("A statement that is either true or false."),
    Kind.SHORT: _("Learners type a word or a short phrase."),
    Kind.ORDERING: _("Learners put steps in the right order."),
    Kind.MATCHING: _("Learners match each prompt with its answer."),
}


class QuestionForm(BaseForm):
    title = forms.CharField(
        label=_("Name"),
        max_length=200,
        help_text=_("A short name for finding it in the bank; learners don't see it."),
    )
    prompt = forms.CharField(
        label=_("Question (Markdown)"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "true"}),
        help_text=_("**bold**, *italic*, - for a list, > for a quoted customer line."),
    )
    explanation = forms.CharField(
        label=_("Explanation (Markdown, optional)"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "true"}),
        help_text=_("Shown with the results, after the learner submits."),
    )
    points = forms.DecimalField(
        label=_("Points"), max_digits=6, decimal_places=2, min_value=0, initial=Decimal("1")
    )
    case_sensitive = forms.BooleanField(label=_("Capitals matter"), required=False)

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kind != Kind.SHORT:
            del self.fields["case_sensitive"]


def _initial_rows(data: QuestionInput) -> list[dict[str, Any]]:
    kind = data.kind
    if kind == Kind.MATCHING:
        return [{"prompt": p.prompt, "answer": p.answer} for p in data.pairs]
    if kind == Kind.SHORT:
        return [
            {
                "text": a.text,
                "credit": None if a.fraction == ONE else _percent(a.fraction),
                "feedback": a.feedback,
            }
            for a in data.accepted
        ]
    if kind == Kind.ORDERING:
        return [{"text": c.text} for c in data.choices]
    rows = []
    for c in data.choices:
        row: dict[str, Any] = {"text": c.text, "correct": c.fraction > 0, "feedback": c.feedback}
        if kind == Kind.SINGLE:
            row["correct"] = c.fraction == ONE
            row["credit"] = None if c.fraction in (0, ONE) else _percent(c.fraction)
        elif kind == Kind.MULTIPLE:
            row["credit"] = None if c.fraction == 0 else _percent(c.fraction)
        rows.append(row)
    return rows


def _blank_question(kind: str) -> QuestionInput:
    choices: list[ChoiceInput] = []
    if kind == Kind.TRUE_FALSE:
        choices = [ChoiceInput(str(_("True"))), ChoiceInput(str(_("False")))]
    return QuestionInput(kind=kind, title="", prompt="", choices=choices)


def _form_initial(data: QuestionInput) -> dict[str, Any]:
    return {
        "title": data.title,
        "prompt": data.prompt,
        "explanation": data.explanation,
        "points": _plain(data.points),
        "case_sensitive": data.case_sensitive,
    }


class QuestionEditor:
    """The question form and its kind's rows, bound together.

    `QuestionEditor(kind, data=request.POST)` to parse, `QuestionEditor(kind, initial=...)` to
    show a stored question (or, without `initial`, a blank one). `to_input()` gives the
    service's QuestionInput; `add_service_errors()` puts the service's ValidationError next to
    the part it is about.
    """

    form: QuestionForm
    rows: BaseFormSet[RowForm]

    def __init__(
        self, kind: str, *, data: QueryDict | None = None, initial: QuestionInput | None = None
    ) -> None:
        self.kind = kind
        self.part = PARTS[kind]
        self.part_errors: list[str] = []
        start = initial or _blank_question(kind)
        rows = _initial_rows(start)
        self._build(data, _form_initial(start), rows, extra=self._room(len(rows), 0))

    def _room(self, filled: int, more: int) -> int:
        """How many blank rows to show below `filled` ones."""
        if self.part.fixed_rows:
            return max(self.part.fixed_rows - filled, 0)
        return max(self.part.min_rows - filled, 2) + more

    def _build(
        self,
        data: QueryDict | None,
        form_initial: dict[str, Any],
        row_initial: list[dict[str, Any]],
        *,
        extra: int,
    ) -> None:
        self.form = QuestionForm(data, kind=self.kind, initial=form_initial)
        limit = self.part.fixed_rows or MAX_ROWS
        formset_class = formset_factory(
            self.part.row_form, extra=extra, max_num=limit, absolute_max=limit, validate_max=True
        )
        # Every field of a row is optional and a blank row is skipped, so a row the author
        # cleared disappears whether it was stored before or not.
        self.rows = formset_class(
            data, prefix=self.part.prefix, initial=row_initial, form_kwargs={"kind": self.kind}
        )

    @classmethod
    def with_more_rows(cls, kind: str, data: QueryDict) -> QuestionEditor:
        """An unbound editor holding what was typed in `data` (blank rows dropped) with
        MORE_ROWS more blank rows. Nothing is validated: the author asked for room, not for a
        check."""
        editor = cls(kind, data=data)
        form_values = {name: editor.form[name].value() for name in editor.form.fields}
        typed_rows = [{name: row[name].value() for name in row.fields} for row in editor.rows]
        filled = [r for r in typed_rows if any(not _blank(v) for v in r.values())]
        extra = editor._room(len(filled), 0)
        if not editor.part.fixed_rows:
            extra = max(len(typed_rows) - len(filled), 0) + MORE_ROWS
        editor._build(None, form_values, filled, extra=extra)
        return editor

    def is_valid(self) -> bool:
        form_ok = self.form.is_valid()
        rows_ok = self.rows.is_valid()
        self.part_errors.extend(str(e) for e in self.rows.non_form_errors())
        return form_ok and rows_ok

    @property
    def part_has_errors(self) -> bool:
        """True once validation found a problem in the kind's part or one of its rows."""
        return bool(self.part_errors or any(row.errors for row in self.rows.forms))

    @property
    def has_errors(self) -> bool:
        """True once validation found a problem anywhere (form, part or a row)."""
        return bool(self.form.errors or self.part_has_errors)

    def to_input(self) -> QuestionInput:
        """The service's input from valid forms. Raises ValidationError (on the part's key)
        when ticks and credits can't be turned into credits that make sense."""
        data = self.form.cleaned_data
        question = QuestionInput(
            kind=self.kind,
            title=data["title"],
            prompt=data["prompt"],
            explanation=data["explanation"],
            points=data["points"],
            case_sensitive=bool(data.get("case_sensitive")),
        )
        rows = [row.cleaned_data for row in self.rows.forms if not row.is_blank()]
        if self.kind == Kind.MATCHING:
            question.pairs = [PairInput(r["prompt"], r["answer"]) for r in rows]
        elif self.kind == Kind.SHORT:
            question.accepted = [
                AcceptedInput(
                    r["text"], ONE if r["credit"] is None else r["credit"] / HUNDRED, r["feedback"]
                )
                for r in rows
            ]
        elif self.kind == Kind.ORDERING:
            question.choices = [ChoiceInput(r["text"]) for r in rows]
        elif self.kind == Kind.MULTIPLE:
            question.choices = self._multiple_choices(rows)
        else:
            question.choices = [
                ChoiceInput(
                    r["text"],
                    ONE if r["correct"] else _fraction(r.get("credit")),
                    r["feedback"],
                )
                for r in rows
            ]
        return question

    def _multiple_choices(self, rows: list[dict[str, Any]]) -> list[ChoiceInput]:
        # A typed credit wins; the right answers without one share what is left of 100%.
        if not any(r["correct"] or (r["credit"] or 0) > 0 for r in rows):
            raise ValidationError({self.part.error_key: _("Tick at least one right answer.")})
        unpriced = [r for r in rows if r["correct"] and r["credit"] is None]
        priced = sum(
            (_fraction(r["credit"]) for r in rows if r["credit"] is not None and r["credit"] > 0),
            Decimal("0"),
        )
        left = ONE - priced
        if unpriced and left <= 0:
            raise ValidationError(
                {
                    self.part.error_key: _(
                        "Give every right answer its credit, or leave all of their credits "
                        "empty to share 100% equally."
                    )
                }
            )
        share = (left / len(unpriced)).quantize(FIVE_PLACES, ROUND_DOWN) if unpriced else ONE
        return [
            ChoiceInput(
                r["text"],
                _fraction(r["credit"])
                if r["credit"] is not None
                else (share if r["correct"] else Decimal("0")),
                r["feedback"],
            )
            for r in rows
        ]

    def add_service_errors(self, exc: ValidationError) -> None:
        """Put each of the service's messages next to what it is about: a field of the form,
        or the rows of the kind's part (choices, pairs, accepted)."""
        if not hasattr(exc, "error_dict"):
            for message in exc.messages:
                self.form.add_error(None, message)
            return
        for key, messages in exc.message_dict.items():
            for message in messages:
                if key in {"choices", "pairs", "accepted"}:
                    self.part_errors.append(message)
                elif key in self.form.fields:
                    self.form.add_error(key, message)
                else:
                    self.form.add_error(None, message)

    def typed_input(self) -> QuestionInput:
        """What has been typed so far, valid or not, for the learner's-eye preview. Never
        raises, never validates."""

        def raw(bound: forms.Form, name: str) -> str:
            if name not in bound.fields:
                return ""
            value = bound[name].value()
            return "" if value is None else str(value)

        rows = [{name: raw(row, name).strip() for name in row.fields} for row in self.rows]
        question = QuestionInput(
            kind=self.kind,
            title=raw(self.form, "title"),
            prompt=raw(self.form, "prompt"),
            explanation=raw(self.form, "explanation"),
        )
        if self.kind == Kind.MATCHING:
            question.pairs = [
                PairInput(r["prompt"], r["answer"]) for r in rows if r["prompt"] or r["answer"]
            ]
        elif self.kind == Kind.SHORT:
            question.accepted = [AcceptedInput(r["text"]) for r in rows if r["text"]]
        else:
            question.choices = [ChoiceInput(r["text"]) for r in rows if r["text"]]
        return question
