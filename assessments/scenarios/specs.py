"""Scenarios as plain data (what files and tests state), the named behaviours and their scores."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import Scenario, ScenarioNode, ScenarioReply

if TYPE_CHECKING:
    # A dev-only package: type names only, never imported at run time.
    from django_stubs_ext import StrOrPromise


BEHAVIOURS: dict[str, StrOrPromise] = {
    "acknowledges_emotion": gettext_lazy("Acknowledges emotion"),
    "stays_calm": gettext_lazy("Stays calm"),
    "takes_ownership": gettext_lazy("Takes ownership"),
    "offers_options": gettext_lazy("Offers options"),
    "builds_rapport": gettext_lazy("Builds rapport"),
}
SCORE_MIN = -2
SCORE_MAX = 2

Mood = ScenarioNode.Mood
Outcome = ScenarioNode.Outcome


# --- Specs: a scenario as plain data (what files and tests state) ----------------------------


@dataclass(frozen=True)
class ReplySpec:
    text: str
    next: str | None
    feedback: str = ""
    scores: dict[str, int] = field(default_factory=dict)
    source_line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class NodeSpec:
    name: str
    line: str
    mood: str = Mood.CALM
    outcome: str = ""
    outcome_text: str = ""
    replies: tuple[ReplySpec, ...] = ()
    source_line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ScenarioSpec:
    """One scenario as plain data. Two specs are equal when they describe the same content;
    `file`, `field_lines` and the `source_line`s only say where it was written."""

    slug: str
    course: str  # the course's slug
    title: str
    start: str
    nodes: tuple[NodeSpec, ...]
    intro: str = ""
    channel: str = Scenario.Channel.IN_PERSON
    module_key: uuid.UUID | None = None
    required: bool = True
    file: str = field(default="", compare=False)
    field_lines: dict[str, int] = field(default_factory=dict, compare=False)


# --- Scores ----------------------------------------------------------------------------------


def scores_clean(scores: Mapping[str, object]) -> dict[str, int]:
    """The scores with zeros left out. Raises ValidationError for an unknown behaviour or a
    value that is not a whole number from SCORE_MIN to SCORE_MAX."""
    cleaned: dict[str, int] = {}
    for key, value in scores.items():
        if key not in BEHAVIOURS:
            raise ValidationError({"scores": _("Unknown behaviour “%(key)s”.") % {"key": key}})
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError({"scores": _("Scores must be whole numbers.")})
        if not SCORE_MIN <= value <= SCORE_MAX:
            raise ValidationError(
                {
                    key: _("Choose a score from %(lo)d to %(hi)d.")
                    % {"lo": SCORE_MIN, "hi": SCORE_MAX}
                }
            )
        if value:
            cleaned[key] = value
    return cleaned


def reply_total(reply: ScenarioReply) -> int:
    """The sum of a reply's behaviour scores; 0 when it has none. No query."""
    return sum(int(v) for v in (reply.scores or {}).values())
