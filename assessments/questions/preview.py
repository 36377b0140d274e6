"""A question as a learner would meet it in a quiz, built from what an author has typed.

`Option` and `MatchRow` are what the taking page shows of a question too
(assessments.quizzes.display.ItemView): option texts only, never which one is right. Options a
quiz always shuffles (steps to order, matches to pick from) are shuffled here too, the same way
every time.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from assessments.models import AttemptItem, QuestionVersion
from courses.content import render_markdown

from .option_text import option_html
from .services import QuestionInput

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Kind = QuestionVersion.Kind
MAX_PREVIEW_CHARS = 200_000


@dataclass
class Option:
    id: int
    text: str
    selected: bool = False
    rank: int = 0

    @property
    def html(self) -> SafeString:
        """The text as shown, pictures included (see option_text)."""
        return option_html(self.text)


@dataclass
class MatchRow:
    prompt_id: int
    prompt: str
    picked: int | None


# Authors often end a prompt with the instruction the page would add; say it once.
_SAYS_CHOOSE_ALL = re.compile(r"all\s+that\s+apply", re.IGNORECASE)


def kind_hint(kind: str, prompt_html: str) -> str:
    """The instruction shown under a question's prompt for its kind, on the taking page and in
    the authors' preview alike; empty when the kind needs none or the prompt already says it."""
    if kind == Kind.MULTIPLE:
        return "" if _SAYS_CHOOSE_ALL.search(prompt_html) else _("Choose all that apply.")
    if kind == Kind.ORDERING:
        return _("Put these in order, first at the top, with Move up and Move down.")
    if kind == Kind.MATCHING:
        return _("Pick the best match for each one. Each answer fits just one.")
    return ""


@dataclass
class LearnerPreview:
    kind: str
    prompt_html: str
    explanation_html: str
    options: list[Option] = field(default_factory=list)
    rows: list[MatchRow] = field(default_factory=list)
    prefix: str = "preview"
    number: int = 1
    note: str = ""
    hint: str = ""
    answer_text: str = ""  # what was typed for a short answer, when shown again
    confidence_choices: Sequence[tuple[int, StrOrPromise]] = field(
        default_factory=lambda: AttemptItem.Confidence.choices
    )


def _shuffled(ids: list[int]) -> list[int]:
    # Fixed seed: the preview must not jump around while the author types.
    rng = random.Random(len(ids))  # noqa: S311 - not security
    shuffled = list(ids)
    for _try in range(10):
        rng.shuffle(shuffled)
        if shuffled != ids or len(ids) < 2:
            break
    return shuffled


def learner_preview(
    data: QuestionInput, *, number: int = 1, note: str = "", prefix: str = "preview"
) -> LearnerPreview:
    """The learner's view of `data`, which need not be valid yet, as question `number` of a
    quiz. No query."""
    preview = LearnerPreview(
        kind=data.kind,
        prompt_html=render_markdown(data.prompt[:MAX_PREVIEW_CHARS]),
        explanation_html=render_markdown(data.explanation[:MAX_PREVIEW_CHARS]),
        prefix=prefix,
        number=number,
        note=note,
    )
    preview.hint = kind_hint(data.kind, preview.prompt_html)
    if data.kind == Kind.MATCHING:
        answers = [p.answer for p in data.pairs]
        preview.options = [
            Option(id=i, text=answers[i]) for i in _shuffled(list(range(len(answers))))
        ]
        preview.rows = [
            MatchRow(prompt_id=i, prompt=p.prompt, picked=None) for i, p in enumerate(data.pairs)
        ]
    elif data.kind == Kind.ORDERING:
        texts = [c.text for c in data.choices]
        preview.options = [
            Option(id=i, text=texts[i], rank=n)
            for n, i in enumerate(_shuffled(list(range(len(texts)))), start=1)
        ]
    elif data.kind != Kind.SHORT:
        preview.options = [Option(id=i, text=c.text) for i, c in enumerate(data.choices)]
    return preview
