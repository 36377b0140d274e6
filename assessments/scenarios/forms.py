"""Authoring forms. They parse input only; the rules live in `services` (which every way in —
browser, files — goes through)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import Truncator, slugify
from django.utils.translation import gettext_lazy as _

from assessments.models import Scenario, ScenarioNode, ScenarioReply
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
    channel = forms.ChoiceField(
        label=_("How the customer gets in touch"),
        choices=Scenario.Channel.choices,
        initial=Scenario.Channel.IN_PERSON,
        required=False,  # left out: in person for a new conversation, unchanged for one
        help_text=_("Shown to learners: what works face to face doesn't on the phone or in chat."),
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
        error_messages={
            "required": _("Give the line a short label, e.g. “calmer”."),
            "invalid": _("Use a short label of letters, numbers and dashes, e.g. “calmer”."),
        },
    )
    mood = forms.ChoiceField(
        label=_("Customer's mood"), choices=ScenarioNode.Mood.choices, initial="calm"
    )
    line = forms.CharField(
        label=_("What the customer says"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write what the customer says.")},
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


def _score_field_name(key: str) -> str:
    return f"score_{key}"


# --- The line editor: a line and its replies in one form ---------------------------------------

MAX_REPLY_ROWS = 12


class ReplyRowForm(BaseForm):
    """One reply in the line editor. `reply` is the id of an existing reply (empty for a new
    one); `next_node` chooses among the scenario's lines, given as (id, label) so rendering many
    rows costs no query."""

    reply = forms.IntegerField(required=False, widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("What the learner can say"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Write what the learner could say.")},
    )
    next_node = forms.TypedChoiceField(
        label=_("Leads to the customer's line"), coerce=int, required=False, empty_value=None
    )
    feedback = forms.CharField(
        label=_("Why (shown in the debrief)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    remove = forms.BooleanField(label=_("Remove this reply"), required=False)

    def __init__(
        self, *args: Any, lines: list[tuple[int, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["next_node"].choices = [  # type: ignore[attr-defined]
            ("", _("Not linked yet")),
            *(lines or []),
        ]
        for key, label in BEHAVIOURS.items():
            self.fields[_score_field_name(key)] = forms.IntegerField(
                label=label,
                min_value=SCORE_MIN,
                max_value=SCORE_MAX,
                initial=0,
                required=False,
                widget=forms.NumberInput(attrs={"step": 1, "inputmode": "numeric"}),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("remove"):
            # A reply being removed needs nothing else to be right.
            for name in list(self.errors):
                if name != "reply":
                    del self.errors[name]
        return data

    def score_fields(self) -> list[forms.BoundField]:
        return [self[_score_field_name(key)] for key in BEHAVIOURS]

    def scores(self) -> dict[str, int]:
        """The behaviour scores typed, by behaviour key (after is_valid)."""
        return {key: int(self.cleaned_data.get(_score_field_name(key)) or 0) for key in BEHAVIOURS}

    @staticmethod
    def initial_for(reply: ScenarioReply) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "reply": reply.pk,
            "text": reply.text,
            "next_node": reply.next_node_id,
            "feedback": reply.feedback,
        }
        for key in BEHAVIOURS:
            initial[_score_field_name(key)] = int((reply.scores or {}).get(key, 0))
        return initial

    def add_service_error(self, key: str, message: str) -> None:
        """Attach a service's error for `key` (a field, or a behaviour key) to its field."""
        name = _score_field_name(key) if key in BEHAVIOURS else key
        self.add_error(name if name in self.fields else None, message)


class BaseReplyRows(forms.BaseFormSet):
    default_error_messages = {
        "missing_management_form": _(
            "This page was out of date, so nothing was saved. Reload it and try again."
        ),
        "too_many_forms": _("A line can have at most %(num)d replies here.")
        % {"num": MAX_REPLY_ROWS},
    }


def reply_rows_class(extra: int = 0) -> type[forms.BaseFormSet]:
    """The line editor's reply rows, with `extra` blank ones when shown unbound."""
    return forms.formset_factory(
        ReplyRowForm,
        formset=BaseReplyRows,
        extra=extra,
        max_num=MAX_REPLY_ROWS,
        validate_max=True,
        absolute_max=MAX_REPLY_ROWS,
    )


def line_choices(nodes: list[ScenarioNode]) -> list[tuple[int, str]]:
    """(id, label) for every line, as the reply rows offer them. No query."""
    return [(n.pk, f"{n.name}: {Truncator(n.line).chars(50)}") for n in nodes]
