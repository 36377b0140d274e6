from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from config.forms import Form as BaseForm

from .models import AUDIT_ACTION_LABELS, Team, audit_action_label


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Team) -> str:
        # Indent nested teams so the list reads as a tree in a plain <select>.
        return "\u2003" * obj.depth + obj.name


class InvitationForm(BaseForm):
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("We send the invitation link here. It works once and for 7 days."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        required=False,
        help_text=_("Optional. They can change it when they accept."),
    )
    team = TeamChoiceField(queryset=Team.objects.none(), label=_("Team"))

    def __init__(self, *args: object, teams: QuerySet[Team], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        if teams.count() == 1:
            self.fields["team"].initial = teams.first()


class AcceptInvitationForm(BaseForm):
    full_name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        help_text=_("How your manager and teammates will see you."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Type it again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        one, two = data.get("password1"), data.get("password2")
        if one and two and one != two:
            self.add_error("password2", _("The two passwords don't match. Try again."))
        return data


class TeamForm(BaseForm):
    name = forms.CharField(label=_("Team name"), max_length=120)
    parent = TeamChoiceField(
        queryset=Team.objects.none(),
        required=False,
        label=_("Part of"),
        empty_label=_("Nothing (a top-level team)"),
        help_text=_("For example, a store inside a region."),
    )

    def __init__(self, *args: object, teams: QuerySet[Team], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = teams  # type: ignore[attr-defined]


class AddMemberForm(BaseForm):
    email = forms.EmailField(
        label=_("Email address of someone who already has an account"),
    )
    role = forms.ChoiceField(
        label=_("As"),
        choices=[("member", _("Member")), ("manager", _("Manager"))],
    )


class AuditLogFilterForm(BaseForm):
    """The activity log's filters, read from the query string. Every field is optional; an
    empty form shows everything."""

    action = forms.ChoiceField(
        label=_("What happened"),
        required=False,
        error_messages={"invalid_choice": _("We don't know that kind of change. Pick one.")},
    )
    person = forms.CharField(
        label=_("Who did it"),
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "placeholder": _("Name or email")}
        ),
    )
    since = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("We couldn't read that date. Pick a day from the calendar.")},
    )
    until = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("We couldn't read that date. Pick a day from the calendar.")},
    )

    def __init__(self, *args: object, actions: list[str], **kwargs: object) -> None:
        """`actions`: the codes to offer, normally the ones the log holds. A known action it
        holds no entry of yet (a bookmarked filter, say) is accepted too, and finds nothing."""
        super().__init__(*args, **kwargs)
        codes = set(actions)
        asked = self.data.get("action")
        if asked in AUDIT_ACTION_LABELS:
            codes.add(asked)
        choices = sorted(((code, audit_action_label(code)) for code in codes), key=lambda c: c[1])
        self.fields["action"].choices = [("", _("Anything")), *choices]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("This is before the “From” date."))
        return data

    def is_filtering(self) -> bool:
        """True when any filter is set (call after is_valid). No query."""
        return any(value for value in getattr(self, "cleaned_data", {}).values())
