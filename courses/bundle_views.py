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
from django.views.decorators.http import require_GET, require_http_methods

from config.forms import Form as BaseForm
from config.http import AuthedRequest
from learners.permissions import require_author

from . import bundles, permissions
from .bundles import BundleError, Problem

# The export is built in memory up to this size, then in a temporary file.
_SPOOL_BYTES = 10 * 1024 * 1024


class BundleUploadForm(BaseForm):
    bundle = forms.FileField(
        label=gettext_lazy("Course bundle (.zip)"),
        help_text=gettext_lazy(
            "A zip of a course folder (course.yaml, lessons/, media/), up to 50 MB. "
            "A course with the same key or web address is updated and republished."
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


@login_required
@require_http_methods(["GET", "POST"])
def course_import(request: AuthedRequest) -> HttpResponse:
    require_author(request.user)
    problems: list[Problem] = []
    if request.method != "POST":
        form = BundleUploadForm()
        return render(request, "courses/author/import.html", {"form": form, "problems": problems})
    form = BundleUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            data = bundles.read_bundle(form.cleaned_data["bundle"])
            result = bundles.import_bundle_result(data, user=request.user)
        except BundleError as exc:
            problems = exc.problems
        else:
            course, version = result.course, result.course.published_version
            number = version.number if version else 0
            if result.changed:
                messages.success(
                    request,
                    _("Imported %(title)s. Version %(number)s is now live.")
                    % {"title": data.title, "number": number},
                )
            else:
                messages.info(
                    request,
                    _("%(title)s already matches this bundle; nothing changed.")
                    % {"title": data.title},
                )
            return redirect("author_course", pk=course.pk)
    return render(
        request,
        "courses/author/import.html",
        {"form": form, "problems": problems},
        status=400,
    )


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
