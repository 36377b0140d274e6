"""Authoring forms. They parse input only; the rules live in `services` (which every way in —
browser, files — goes through)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.text import Truncator, slugify
from django.utils.translation import gettext_lazy as _

from assessments.models import ScenarioNode
from config.forms import Form as BaseForm
from courses.models import Course

from .specs import BEHAVIOURS, SCORE_MAX, SCORE_MIN


class CourseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Course) -> str:
        if obj.published_version is not None:
            return f"{obj.published_version.title} ({obj.slug})"
        return str(_("%(slug)s (not published)") % {"slug": obj.slug})


class ScenarioForm(BaseForm):
    title = forms.CharField(label=_("Title"), max_length=160)
    slug = forms.SlugField(
        label=_("Web address"),
        max_length=80,
        required=False,
        help_text=_("Letters, numbers and dashes. Leave empty to use the title."),
    )
    course = CourseChoiceField(
        label=_("Course"),
        queryset=Course.objects.select_related("published_version").order_by("slug"),
        empty_label=_("Choose a course"),
    )
    intro = forms.CharField(
        label=_("Set-up"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the learner knows before the customer speaks."),
    )
    required = forms.BooleanField(
        label=_("Needed to complete the course"), required=False, initial=True
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("slug") and data.get("title"):
            data["slug"] = slugify(str(data["title"]))[:80]
        return data


class NodeForm(BaseForm):
    name = forms.SlugField(
        label=_("Label"),
        max_length=60,
        help_text=_("A short name you use to link replies to this line, e.g. “calmer”."),
    )
    mood = forms.ChoiceField(
        label=_("Customer's mood"), choices=ScenarioNode.Mood.choices, initial="calm"
    )
    line = forms.CharField(
        label=_("What the customer says"), widget=forms.Textarea(attrs={"rows": 3})
    )
    outcome = forms.ChoiceField(
        label=_("Does the conversation end here?"),
        choices=[("", _("No: the learner replies")), *ScenarioNode.Outcome.choices],
        required=False,
    )
    outcome_text = forms.CharField(
        label=_("How it ended (for an ending)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    is_start = forms.BooleanField(label=_("The conversation starts here"), required=False)


class NodeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ScenarioNode) -> str:
        return f"{obj.name}: {Truncator(obj.line).chars(50)}"


def _score_field_name(key: str) -> str:
    return f"score_{key}"


class ReplyForm(BaseForm):
    text = forms.CharField(
        label=_("What the learner can say"), widget=forms.Textarea(attrs={"rows": 2})
    )
    next_node = NodeChoiceField(
        label=_("The customer's next line"),
        queryset=ScenarioNode.objects.none(),
        required=False,
        empty_label=_("Not linked yet"),
    )
    feedback = forms.CharField(
        label=_("Feedback shown in the debrief"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, nodes: QuerySet[ScenarioNode], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["next_node"]
        assert isinstance(field, NodeChoiceField)
        field.queryset = nodes
        for key, label in BEHAVIOURS.items():
            self.fields[_score_field_name(key)] = forms.IntegerField(
                label=label,
                min_value=SCORE_MIN,
                max_value=SCORE_MAX,
                initial=0,
                required=False,
                widget=forms.NumberInput(attrs={"step": 1, "inputmode": "numeric"}),
            )

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("text", "next_node", "feedback")]

    def score_fields(self) -> list[forms.BoundField]:
        return [self[_score_field_name(key)] for key in BEHAVIOURS]

    def scores(self) -> dict[str, int]:
        """The behaviour scores typed, by behaviour key (after is_valid)."""
        return {key: int(self.cleaned_data[_score_field_name(key)] or 0) for key in BEHAVIOURS}

    @staticmethod
    def initial_for(
        *, text: str, next_node: int | None, feedback: str, scores: dict[str, int]
    ) -> dict[str, Any]:
        """Initial data for editing a reply."""
        initial: dict[str, Any] = {"text": text, "next_node": next_node, "feedback": feedback}
        for key in BEHAVIOURS:
            initial[_score_field_name(key)] = int(scores.get(key, 0))
        return initial

    def add_service_error(self, key: str, message: str) -> None:
        """Attach a service's error for `key` (a field, or a behaviour key) to its field."""
        name = _score_field_name(key) if key in BEHAVIOURS else key
        self.add_error(name if name in self.fields else None, message)
