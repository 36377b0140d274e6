"""Forms for assigning training."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from config.forms import Form
from courses.models import Course, LearningPath
from learners.models import Team, User

from .assignments import MAX_DAYS, Due
from .models import MAX_RECUR_MONTHS
from .team import STATUS_LABELS, STATUS_ORDER


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Team) -> str:
        # Indent nested teams so the list reads as a tree in a plain <select>.
        return "\u2003" * obj.depth + obj.name


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class TrainingForm(Form):
    """A form that offers one course or learning path from those given, as `training`."""

    training = forms.ChoiceField(label=_("Training"))

    def __init__(
        self, *args: Any, courses: list[Course], paths: list[LearningPath], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.courses = {f"course:{c.pk}": c for c in courses}
        self.paths = {f"path:{p.pk}": p for p in paths}
        choices: list[Any] = [("", _("Choose a course or learning path"))]
        if paths:
            choices.append((_("Learning paths"), [(k, p.title) for k, p in self.paths.items()]))
        if courses:
            choices.append(
                (
                    _("Courses"),
                    [
                        (k, c.published_version.title if c.published_version else c.slug)
                        for k, c in self.courses.items()
                    ],
                )
            )
        self.fields["training"].choices = choices  # type: ignore[attr-defined]

    def chosen_training(self) -> tuple[Course | None, LearningPath | None]:
        key = self.cleaned_data["training"]
        return self.courses.get(key), self.paths.get(key)


class AssignForm(TrainingForm):
    """What to assign, to whom in a team, and by when."""

    DUE_CHOICES = [
        ("none", _("No due date")),
        ("date", _("By a date")),
        ("days", _("Within a number of days")),
    ]

    team = TeamChoiceField(queryset=Team.objects.none(), label=_("Team"))
    people = PersonChoiceField(
        queryset=User.objects.none(),
        label=_("People"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Everyone in the team is ticked. Untick anyone who doesn't need it."),
    )
    due = forms.ChoiceField(
        label=_("Due"), choices=DUE_CHOICES, initial="none", widget=forms.RadioSelect
    )
    due_on = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    due_days = forms.IntegerField(
        label=_("Days to finish"),
        required=False,
        min_value=1,
        max_value=MAX_DAYS,
        help_text=_("Counted from today."),
    )

    recur_months = forms.IntegerField(
        label=_("Repeat every (months)"),
        required=False,
        min_value=1,
        max_value=MAX_RECUR_MONTHS,
        help_text=_(
            "Optional. For skills that fade: the course comes back this many months after they "
            "finish, a month before it runs out."
        ),
    )

    def __init__(
        self,
        *args: Any,
        courses: list[Course],
        paths: list[LearningPath],
        teams: QuerySet[Team],
        people: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, courses=courses, paths=paths, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["people"].queryset = people  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        due = data.get("due")
        if due == "date" and not data.get("due_on") and "due_on" not in self.errors:
            self.add_error("due_on", _("Pick the date it's due."))
        if due == "days" and not data.get("due_days") and "due_days" not in self.errors:
            self.add_error("due_days", _("Say how many days they have."))
        return data

    def chosen_due(self) -> Due:
        due = self.cleaned_data["due"]
        if due == "date":
            return Due(on=self.cleaned_data["due_on"])
        if due == "days":
            return Due(within_days=self.cleaned_data["due_days"])
        return Due()


class RuleForm(TrainingForm):
    """A team rule: which team, what training, and how long newcomers have to finish it."""

    field_order = ["team", "training", "due_within_days"]

    team = TeamChoiceField(
        queryset=Team.objects.none(),
        label=_("Team"),
        empty_label=_("Choose a team"),
        help_text=_("Teams inside it are included."),
        error_messages={
            "required": _("Choose a team."),
            "invalid_choice": _("Choose one of the teams you manage."),
        },
    )
    due_within_days = forms.IntegerField(
        label=_("Days to finish (optional)"),
        required=False,
        min_value=1,
        max_value=MAX_DAYS,
        help_text=_("Counted from the day it reaches each person. Leave empty for no due date."),
        error_messages={
            "invalid": _("Type a number of days, such as 14."),
            "min_value": format_lazy(_("Choose between 1 and {max} days."), max=MAX_DAYS),
            "max_value": format_lazy(_("Choose between 1 and {max} days."), max=MAX_DAYS),
        },
    )

    def __init__(
        self,
        *args: Any,
        courses: list[Course],
        paths: list[LearningPath],
        teams: QuerySet[Team],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, courses=courses, paths=paths, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["training"].error_messages["required"] = _("Choose a course or learning path.")


class DueChangeForm(Form):
    due_on = forms.DateField(
        label=_("New due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave it empty for no due date."),
    )


class TeamProgressFilter(Form):
    """The team page's filters. Every field is optional; a value that isn't one of the choices
    is an error shown next to its field."""

    SORTS = [
        ("name", _("Name")),
        ("status", _("Most pressing first")),
        ("activity", _("Least recently active first")),
        ("progress", _("Least progress first")),
    ]

    team = TeamChoiceField(queryset=Team.objects.none(), label=_("Team"), required=False)
    course = forms.ModelChoiceField(
        queryset=Course.objects.none(), label=_("Course"), required=False
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    q = forms.CharField(label=_("Name or email"), required=False, max_length=100)
    sort = forms.ChoiceField(label=_("Sort"), choices=SORTS, required=False)

    def __init__(
        self, *args: Any, teams: QuerySet[Team], courses: QuerySet[Course], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["team"].empty_label = _("All my people")  # type: ignore[attr-defined]
        self.fields["course"].queryset = courses  # type: ignore[attr-defined]
        self.fields["course"].empty_label = _("All assigned courses")  # type: ignore[attr-defined]
        self.fields["course"].label_from_instance = (  # type: ignore[attr-defined]
            lambda c: c.published_version.title if c.published_version else c.slug
        )
        self.fields["status"].choices = [("", _("Any"))] + [  # type: ignore[attr-defined]
            (s, STATUS_LABELS[s]) for s in STATUS_ORDER
        ]
