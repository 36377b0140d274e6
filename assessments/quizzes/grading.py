"""Grading, on the server only. Pure functions over plain data, so they are easy to test
exhaustively (tests/assessments/quizzes/test_grading.py uses hypothesis).

Answers arrive as ordinary form fields named after the question's position (`q3-choice`,
`q3-choices`, `q3-text`, `q3-rank-<id>`, `q3-match-<id>`); the quiz views
(`views._answer_from_post`) turn them into these dicts, which are what an attempt stores:
- single / truefalse: {"choice": <choice id>}
- multiple:           {"choices": [<choice id>, ...]}
- short:              {"text": "..."}
- ordering:           {"order": [<choice id>, ...]}   (first to last)
- matching:           {"pairs": {"<pair id>": <pair id whose answer was picked>}}
When grading, anything that does not fit the question counts as no answer (fraction 0).
`validate_answer`, called as an answer is saved, raises InvalidAnswer instead, and the view
refuses the answer with a 400.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from config.parsing import ascii_int

ZERO = Decimal("0")
ONE = Decimal("1")
ROUNDING_SLACK = Decimal("0.001")


@dataclass(frozen=True)
class ChoiceSpec:
    id: int
    fraction: Decimal
    position: int = 0


@dataclass(frozen=True)
class AcceptedSpec:
    text: str
    fraction: Decimal


@dataclass(frozen=True)
class QuestionSpec:
    kind: str
    points: Decimal
    choices: tuple[ChoiceSpec, ...] = ()
    pair_ids: tuple[int, ...] = ()
    accepted: tuple[AcceptedSpec, ...] = ()
    case_sensitive: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class InvalidAnswer(ValueError):
    """The answer does not belong to this question (wrong ids, wrong shape)."""


def normalise_text(text: str, *, case_sensitive: bool = False) -> str:
    """Trim, collapse inner whitespace and unify Unicode forms; fold case unless asked not to."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text if case_sensitive else text.casefold()


def _ints(values: Any) -> list[int]:
    if not isinstance(values, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in values
    ):
        raise InvalidAnswer("expected a list of ids")
    return values


def validate_answer(spec: QuestionSpec, answer: Any) -> dict[str, Any]:
    """The answer in canonical form; raises InvalidAnswer when it cannot belong to `spec`."""
    if not isinstance(answer, dict):
        raise InvalidAnswer("expected an object")
    choice_ids = {c.id for c in spec.choices}
    if spec.kind in {"single", "truefalse"}:
        choice = answer.get("choice")
        if not isinstance(choice, int) or isinstance(choice, bool) or choice not in choice_ids:
            raise InvalidAnswer("unknown choice")
        return {"choice": choice}
    if spec.kind == "multiple":
        chosen = _ints(answer.get("choices"))
        if not set(chosen) <= choice_ids:
            raise InvalidAnswer("unknown choice")
        return {"choices": sorted(set(chosen))}
    if spec.kind == "short":
        text = answer.get("text")
        if not isinstance(text, str) or len(text) > 500:
            raise InvalidAnswer("expected text up to 500 characters")
        return {"text": text}
    if spec.kind == "ordering":
        order = _ints(answer.get("order"))
        if sorted(order) != sorted(choice_ids) or len(order) != len(choice_ids):
            raise InvalidAnswer("the order must list every item once")
        return {"order": order}
    if spec.kind == "matching":
        pairs = answer.get("pairs")
        if not isinstance(pairs, dict):
            raise InvalidAnswer("expected pairs")
        canonical: dict[str, int] = {}
        for prompt, picked in pairs.items():
            if ascii_int(prompt) not in spec.pair_ids:
                raise InvalidAnswer("unknown prompt")
            if picked is None or picked == "":
                continue
            if (
                not isinstance(picked, int)
                or isinstance(picked, bool)
                or picked not in spec.pair_ids
            ):
                raise InvalidAnswer("unknown answer")
            canonical[str(int(prompt))] = picked
        return {"pairs": canonical}
    raise InvalidAnswer(f"unknown question kind {spec.kind!r}")


def _clamp(value: Decimal) -> Decimal:
    return max(ZERO, min(ONE, value))


def fraction_for(spec: QuestionSpec, answer: Any) -> Decimal:
    """Share of the points earned, in [0, 1]. No answer or an invalid one earns 0."""
    if answer is None:
        return ZERO
    try:
        answer = validate_answer(spec, answer)
    except InvalidAnswer:
        return ZERO
    by_id = {c.id: c for c in spec.choices}
    if spec.kind in {"single", "truefalse"}:
        return _clamp(by_id[answer["choice"]].fraction)
    if spec.kind == "multiple":
        total = sum((by_id[i].fraction for i in answer["choices"]), ZERO)
        # Shares are stored to five places (1/3 → 0.33333), so the three right options add up
        # to 0.99999; within rounding of a whole, it is a whole.
        if abs(total - ONE) <= ROUNDING_SLACK:
            total = ONE
        return _clamp(total)
    if spec.kind == "short":
        given = normalise_text(answer["text"], case_sensitive=spec.case_sensitive)
        if not given:
            return ZERO
        matches = [
            a.fraction
            for a in spec.accepted
            if normalise_text(a.text, case_sensitive=spec.case_sensitive) == given
        ]
        return _clamp(max(matches, default=ZERO))
    if spec.kind == "ordering":
        correct = [c.id for c in sorted(spec.choices, key=lambda c: (c.position, c.id))]
        if not correct:
            return ZERO
        right = sum(1 for a, b in zip(answer["order"], correct, strict=True) if a == b)
        return Decimal(right) / Decimal(len(correct))
    if spec.kind == "matching":
        if not spec.pair_ids:
            return ZERO
        right = sum(1 for prompt, picked in answer["pairs"].items() if int(prompt) == picked)
        return Decimal(right) / Decimal(len(spec.pair_ids))
    return ZERO


CENT = Decimal("0.01")


def earned(spec: QuestionSpec, fraction: Decimal) -> Decimal:
    """Points earned for `fraction` of the question, not rounded, within [0, points]."""
    return max(ZERO, min(spec.points * fraction, spec.points))


def round_points(value: Decimal) -> Decimal:
    """Points as people read them: to the cent, halves up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def score_for(spec: QuestionSpec, answer: Any) -> tuple[Decimal, Decimal]:
    """(fraction, points earned rounded to the cent), both within their bounds. The rounded
    points are for showing one question; a total adds the unrounded parts (`total_for`)."""
    fraction = fraction_for(spec, answer)
    return fraction, min(round_points(earned(spec, fraction)), spec.points)


@dataclass(frozen=True)
class Total:
    score: Decimal
    percent: Decimal


def total_for(parts: Iterable[tuple[QuestionSpec, Decimal]], max_score: Decimal) -> Total:
    """An attempt's score from each question's (spec, fraction): the unrounded points added up,
    then rounded once, so three thirds of a point make 1.00, never 0.99 or 1.01. The percent
    is that score as a whole share of `max_score`, rounded down, so it never shows a pass mark
    the score did not reach (69.5 % is 69 %, not 70 %); 100 when there is nothing to score."""
    score = round_points(sum((earned(spec, fraction) for spec, fraction in parts), ZERO))
    if not max_score:
        return Total(score=score, percent=Decimal("100"))
    percent = (score * 100 / max_score).quantize(Decimal("1"), rounding=ROUND_DOWN)
    return Total(score=score, percent=min(percent, Decimal("100")))
