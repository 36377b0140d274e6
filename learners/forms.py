from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from config.forms import Form as BaseForm

from .models import Team


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
