"""The course's refresher setting. Parses input only: the rule lives in `services`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import Form


class CoursePolicyForm(Form):
    renews_recurring = forms.BooleanField(
        label=_("Up-to-date refreshers renew this course"),
        required=False,
        help_text=_(
            "When a recurring assignment comes round, people who kept this course's refreshers "
            "up to date keep their certificate for another round instead of taking the course "
            "again."
        ),
    )
    grace_days = forms.IntegerField(
        label=_("Days a refresher may wait"),
        min_value=0,
        max_value=60,
        initial=7,
        help_text=_("How many days past its date a refresher can wait and still count."),
    )
