"""Course bundle upload and download for training admins. Views parse input, fetch with a
permission check (404 for everyone else) and hand the work to courses.bundles."""

from __future__ import annotations

import tempfile

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.forms import Form as BaseForm
from config.http import AuthedRequest
from learners.permissions import require_author

from . import bundles, permissions
from .bundles import BundleError, ConfirmationNeeded, Problem
from .bundles.pending import (
    MAX_AGE,
    PendingInvalid,
    PendingUpload,
    pending_discard,
    pending_find,
    pending_keep,
)

# The export is built in memory up to this size, then in a temporary file.
_SPOOL_BYTES = 10 * 1024 * 1024


class BundleUploadForm(BaseForm):
    bundle = forms.FileField(
        label=gettext_lazy("Course bundle (.zip)"),
        help_text=gettext_lazy(
            "A zip of a course folder (course.yaml, lessons/, media/), up to 50 MB. "
            "If it would change a course that is already here, you see what changes first."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )

    def clean_bundle(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["bundle"]
        if not (upload.name or "").lower().endswith(".zip"):
            raise ValidationError(_("Upload a .zip file."))
        if upload.size is not None and upload.size > bundles.MAX_BUNDLE_BYTES:
            raise ValidationError(_("This file is over 50 MB. Make it smaller and try again."))
        return upload


def _form_page(
    request: AuthedRequest,
    form: BundleUploadForm,
    problems: list[Problem],
    status: int = 200,
    upload_error: str = "",
) -> HttpResponse:
    return render(
        request,
        "courses/author/import.html",
        {"form": form, "problems": problems, "upload_error": upload_error},
        status=status,
    )


def _confirm_page(
    request: AuthedRequest,
    plan: bundles.ImportPlan,
    pending: PendingUpload,
    *,
    changed_since: bool = False,
) -> HttpResponse:
    return render(
        request,
        "courses/author/import_confirm.html",
        {
            "plan": plan,
            "summary": bundles.plan_summary(plan),
            "token": pending.token(),
            "filename": pending.filename,
            "changed_since": changed_since,
            "minutes": MAX_AGE // 60,
        },
        # The course changed between the summary and the confirmation: nothing was imported.
        status=409 if changed_since else 200,
    )


def _imported(request: AuthedRequest, result: bundles.ImportResult) -> HttpResponse:
    course, version = result.course, result.course.published_version
    title = version.title if version else course.slug
    if result.changed:
        messages.success(
            request,
            _("Imported %(title)s. Version %(number)s is now live.")
            % {"title": title, "number": version.number if version else 0},
        )
    else:
        messages.info(
            request, _("%(title)s already matches this bundle; nothing changed.") % {"title": title}
        )
    return redirect("author_course", pk=course.pk)


@login_required
@require_http_methods(["GET", "POST"])
def course_import(request: AuthedRequest) -> HttpResponse:
    """Upload a bundle. A new course is imported at once; one that would change a course
    already on the site is kept aside and the confirmation page says what would change."""
    require_author(request.user)
    if request.method != "POST":
        return _form_page(request, BundleUploadForm(), [])
    form = BundleUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _form_page(request, form, [], status=400)
    upload: UploadedFile = form.cleaned_data["bundle"]
    try:
        result = bundles.import_bundle_result(bundles.read_bundle(upload), user=request.user)
    except BundleError as exc:
        return _form_page(request, form, exc.problems, status=400)
    except ConfirmationNeeded as exc:
        pending = pending_keep(
            chunks=upload.chunks(),
            filename=upload.name or "bundle.zip",
            user=request.user,
            plan=exc.plan.fingerprint,
        )
        return _confirm_page(request, exc.plan, pending)
    return _imported(request, result)


@login_required
@require_POST
def course_import_confirm(request: AuthedRequest) -> HttpResponse:
    """Import a bundle kept aside by `course_import`, named by the signed token its
    confirmation page posts, if the course is still as the summary showed it."""
    require_author(request.user)
    try:
        pending = pending_find(request.POST.get("token", ""), user=request.user)
    except PendingInvalid:
        message = _(
            "That upload is no longer waiting: it was imported already, or it waited more "
            "than %(minutes)s minutes. Upload the bundle again."
        ) % {"minutes": MAX_AGE // 60}
        return _form_page(request, BundleUploadForm(), [], status=400, upload_error=message)
    try:
        result = bundles.import_bundle_result(
            bundles.read_bundle(pending.open()), user=request.user, confirmed=pending.plan
        )
    except BundleError as exc:
        pending_discard(pending)
        return _form_page(request, BundleUploadForm(), exc.problems, status=400)
    except ConfirmationNeeded as exc:
        return _confirm_page(
            request, exc.plan, pending.for_plan(exc.plan.fingerprint), changed_since=True
        )
    pending_discard(pending)
    return _imported(request, result)


@login_required
@require_GET
def course_export(request: AuthedRequest, pk: int) -> FileResponse:
    course = permissions.get_authored_course(request.user, pk)
    buffer = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 - FileResponse closes it
    bundles.export_course_zip(course, buffer)
    buffer.seek(0)
    return FileResponse(
        buffer,
        as_attachment=True,
        filename=f"{course.slug}.zip",
        content_type="application/zip",
    )
