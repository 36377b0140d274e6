from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import Form

from .kinds import Kind
from .models import OrganisationSettings


def _zone_choices() -> list[tuple[str, object]]:
    return [("", _("The site's time zone"))] + [
        (name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())
    ]


class PreferencesForm(Form):
    """One checkbox per kind the person may turn off, and their time zone."""

    time_zone = forms.ChoiceField(
        label=_("Your time zone"),
        required=False,
        help_text=_("Reminders wait for your morning, never in quiet hours."),
    )

    def __init__(self, *args: Any, kinds: list[str], current: dict[str, bool], **kwargs: Any):
        super().__init__(*args, **kwargs)
        zone = self.fields["time_zone"]
        assert isinstance(zone, forms.ChoiceField)
        zone.choices = _zone_choices()
        self.kinds = kinds
        for kind in kinds:
            self.fields[f"email_{kind}"] = forms.BooleanField(
                label=Kind(kind).label, required=False, initial=current.get(kind, True)
            )

    def email_on(self) -> dict[str, bool]:
        return {kind: bool(self.cleaned_data[f"email_{kind}"]) for kind in self.kinds}


class PolicyForm(Form):
    due_soon_days = forms.CharField(
        label=_("Remind this many days before a due date"),
        help_text=_("Numbers separated by commas, like 7, 1. Leave empty for none."),
        required=False,
        max_length=40,
    )
    quiet_start = forms.TimeField(
        label=_("Quiet hours start"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    quiet_end = forms.TimeField(
        label=_("Quiet hours end"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    daily_email_cap = forms.IntegerField(
        label=_("Reminder emails per person per day"),
        min_value=1,
        max_value=10,
        help_text=_("More than one thing due? They come together in one email."),
    )
    due_notices_mandatory = forms.BooleanField(
        label=_("Everyone gets emails about new training and due dates"),
        required=False,
        help_text=_("When off, people can turn these off too."),
    )

    def clean_due_soon_days(self) -> list[int]:
        raw = self.cleaned_data["due_soon_days"].replace(" ", "")
        if not raw:
            return []
        try:
            days = [int(part) for part in raw.split(",") if part]
        except ValueError as exc:
            raise forms.ValidationError(
                _("Use whole numbers separated by commas, like 7, 1.")
            ) from exc
        return days

    @classmethod
    def initial_from(cls, policy: OrganisationSettings) -> dict[str, object]:
        return {
            "due_soon_days": ", ".join(str(d) for d in policy.due_soon_days),
            "quiet_start": policy.quiet_start,
            "quiet_end": policy.quiet_end,
            "daily_email_cap": policy.daily_email_cap,
            "due_notices_mandatory": policy.due_notices_mandatory,
        }


class TemplateForm(Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    text = forms.CharField(label=_("Plain text"), widget=forms.Textarea(attrs={"rows": 10}))
    html = forms.CharField(label=_("HTML"), widget=forms.Textarea(attrs={"rows": 10}))


class LedgerDayForm(Form):
    day = forms.DateField(
        label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def chosen(self, today: dt.date) -> dt.date:
        if self.is_bound and self.is_valid() and self.cleaned_data["day"]:
            return self.cleaned_data["day"]
        return today
