"""Question authoring forms: a new bank, and a question file to import (the question editor,
one form for every kind of question, is `editor`). They parse input only: the rules live in
`services` and `interchange`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.forms import Form as BaseForm

from .interchange import MAX_UPLOAD_BYTES, format_for
from .selectors import BankNode


class BankForm(BaseForm):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    parent = forms.TypedChoiceField(
        label=gettext_lazy("Inside"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=gettext_lazy("Put it inside another bank to group related questions."),
    )

    def __init__(self, *args: Any, banks: Sequence[BankNode] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", gettext_lazy("Nothing: a top-level bank"))] + [  # type: ignore[attr-defined]
            (node.bank.pk, node.path) for node in banks
        ]


class QuestionImportForm(BaseForm):
    file = forms.FileField(
        label=gettext_lazy("Question file"),
        help_text=gettext_lazy(
            "Moodle XML (.xml) or GIFT (.gift, .txt), up to 10 MB. Nothing is imported if the "
            "file has a problem."
        ),
    )
    bank = forms.CharField(
        label=gettext_lazy("Question bank"),
        max_length=400,
        help_text=gettext_lazy(
            'Created if it doesn\'t exist. Use "/" for nested banks, e.g. "Service/Apologies"; '
            "categories in the file become banks below it."
        ),
    )
    file_format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        required=False,
        choices=[
            ("", gettext_lazy("From the file name (.xml, .gift, .txt)")),
            ("moodle_xml", gettext_lazy("Moodle XML")),
            ("gift", gettext_lazy("GIFT")),
        ],
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("This file is over %(limit)s MB. Split it and try again.")
                % {"limit": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload: UploadedFile | None = cleaned.get("file")
        if upload is not None and format_for(upload.name or "", cleaned.get("file_format")) is None:
            self.add_error(
                "file_format",
                _(
                    "Choose the file's format: we can only tell from the name when it ends in "
                    ".xml (Moodle XML), .gift or .txt (GIFT)."
                ),
            )
        return cleaned

    def clean_bank(self) -> list[str]:
        path = [name.strip() for name in self.cleaned_data["bank"].split("/") if name.strip()]
        if not path:
            raise ValidationError(_("Give the question bank a name."))
        if any(len(name) > 120 for name in path):
            raise ValidationError(_("Each bank name can be at most 120 characters."))
        return path
