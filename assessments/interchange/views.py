"""Question file upload and bank download for training admins; everyone else gets 404.

Views parse input, check the permission and hand the work to `questions_import` /
`bank_export`.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from assessments.permissions import get_bank_for
from config.forms import Form as BaseForm
from config.http import AuthedRequest
from learners.permissions import AnyUser, can_author_content

from ..models import QuestionBank
from . import MAX_UPLOAD_BYTES, ImportReport, InterchangeError, Problem, bank_export
from .importing import questions_import

TEMPLATE = "assessments/interchange/import.html"


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

    def clean_bank(self) -> list[str]:
        path = [name.strip() for name in self.cleaned_data["bank"].split("/") if name.strip()]
        if not path:
            raise ValidationError(_("Give the question bank a name."))
        if any(len(name) > 120 for name in path):
            raise ValidationError(_("Each bank name can be at most 120 characters."))
        return path


def _require_author(user: AnyUser) -> None:
    if not can_author_content(user):
        raise Http404


def _bank_choices() -> list[tuple[int, str]]:
    """Every bank as (id, "Parent › Child"), sorted by that path. One query."""
    banks = {bank.pk: bank for bank in QuestionBank.objects.only("pk", "name", "parent_id")}

    def path(bank: QuestionBank) -> str:
        names = [bank.name]
        seen = {bank.pk}
        while bank.parent_id is not None and bank.parent_id not in seen:
            bank = banks[bank.parent_id]
            seen.add(bank.pk)
            names.append(bank.name)
        return " › ".join(reversed(names))

    return sorted(((pk, path(bank)) for pk, bank in banks.items()), key=lambda c: c[1].lower())


def _page(
    request: AuthedRequest,
    form: QuestionImportForm,
    *,
    problems: list[Problem] | None = None,
    report: ImportReport | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "problems": problems or [],
        "report": report,
        "skipped": len(report.skipped) if report else 0,
        "skipped_counts": list(report.skipped_counts().items()) if report else [],
        "banks": _bank_choices(),
        "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
    }
    return render(request, TEMPLATE, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def question_import(request: AuthedRequest) -> HttpResponse:
    _require_author(request.user)
    if request.method != "POST":
        # Linked from a bank's page as ?bank=<id>: start with that bank filled in.
        chosen = (
            dict(_bank_choices()).get(int(request.GET["bank"]))
            if request.GET.get("bank", "").isdigit()
            else None
        )
        initial = {"bank": chosen.replace(" › ", "/")} if chosen else None
        return _page(request, QuestionImportForm(initial=initial))
    form = QuestionImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=400)
    upload: UploadedFile = form.cleaned_data["file"]
    try:
        report = questions_import(
            content=upload.read(),
            filename=upload.name or "upload",
            bank_path=form.cleaned_data["bank"],
            file_format=form.cleaned_data["file_format"] or None,
        )
    except InterchangeError as exc:
        return _page(request, form, problems=exc.problems, status=400)
    # The report (skipped questions, notes) is shown on this page rather than after a
    # redirect: it can be long, and it only makes sense once.
    fresh = QuestionImportForm(initial={"bank": request.POST.get("bank", "")})
    return _page(request, fresh, report=report)


@login_required
@require_GET
def question_export(request: AuthedRequest) -> HttpResponse:
    bank_id = request.GET.get("bank", "")
    if not bank_id.isdigit():
        raise Http404
    bank = get_bank_for(request.user, int(bank_id))
    filename = f"{slugify(bank.name) or 'questions'}.xml"
    return HttpResponse(
        bank_export(bank=bank),
        content_type="application/xml; charset=utf-8",
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )
