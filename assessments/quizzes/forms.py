"""Quiz authoring forms. They parse input only: the rules live in `services.editing`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import QuestionVersion
from assessments.questions.selectors import BankNode
from config.forms import Form as BaseForm

# --- Quizzes ----------------------------------------------------------------------------------


AFTER_COURSE = ""


class QuizForm(BaseForm):
    title = forms.CharField(label=_("Title"), max_length=160)
    intro = forms.CharField(
        label=_("Introduction"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the quiz checks, shown before learners start."),
    )
    module = forms.ChoiceField(
        label=_("Comes after"),
        required=False,
        help_text=_("Learners meet the quiz at the end of this module."),
    )
    pass_percent = forms.IntegerField(
        label=_("Pass mark (%)"), min_value=0, max_value=100, initial=70
    )
    max_attempts = forms.IntegerField(
        label=_("Attempts allowed"),
        min_value=0,
        max_value=1000,
        initial=0,
        help_text=_("0 means as many as they like."),
    )
    cooldown_minutes = forms.IntegerField(
        label=_("Minutes between attempts"),
        min_value=0,
        max_value=60 * 24 * 30,
        initial=0,
        help_text=_("0 means they can try again straight away."),
    )
    time_limit_minutes = forms.IntegerField(
        label=_("Time limit (minutes)"),
        required=False,
        min_value=1,
        max_value=60 * 24,
        help_text=_("Leave empty for no time limit."),
    )
    shuffle_questions = forms.BooleanField(
        label=_("Shuffle the questions for each attempt"), required=False, initial=True
    )
    required = forms.BooleanField(
        label=_("Needed to complete the course"), required=False, initial=True
    )
    self_rating_prompt = forms.CharField(
        label=_("Confidence question (optional)"),
        max_length=200,
        required=False,
        help_text=_(
            "Asked before and after the module, answered 1 to 5, e.g. “How confident are you "
            "calming an angry customer?”"
        ),
    )

    def __init__(self, *args: Any, modules: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["module"].choices = [  # type: ignore[attr-defined]
            *modules,
            (AFTER_COURSE, _("The whole course (a final quiz)")),
        ]


class PickFilterForm(BaseForm):
    """Narrows the questions offered on the "add questions" page (a GET form)."""

    q = forms.CharField(label=_("Words in the name or question"), max_length=100, required=False)
    bank = forms.TypedChoiceField(label=_("Bank"), coerce=int, required=False, empty_value=None)
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("Any kind")), *QuestionVersion.Kind.choices],
    )

    def __init__(self, *args: Any, banks: Sequence[BankNode] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bank"].choices = [  # type: ignore[attr-defined]
            ("", _("Every bank")),
            *((node.bank.pk, node.path) for node in banks),
        ]


class SlotDrawForm(BaseForm):
    bank = forms.TypedChoiceField(label=_("From the bank"), coerce=int)
    count = forms.IntegerField(label=_("How many questions"), min_value=1, max_value=200, initial=1)

    def __init__(self, *args: Any, banks: Sequence[BankNode] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bank"].choices = [  # type: ignore[attr-defined]
            ("", _("Choose a bank")),
            *(
                (
                    node.bank.pk,
                    _("%(path)s (%(n)s questions)") % {"path": node.path, "n": node.question_count},
                )
                for node in banks
            ),
        ]
