"""Certificate pages: a learner's certificate, its PDF, and the public check anyone can run
with a certificate's code.

The page and the PDF are for whoever `permissions.certificates_visible_to` allows (the learner,
their managers, training admins); everyone else gets a 404. The verification page is public and
shows only what the certificate itself states (name, course, date), so a code printed on a CV
reveals nothing else about the person.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from config.http import AuthedRequest

from . import permissions
from .certificate_pdf import render_certificate_pdf
from .models import Certificate

# Spaces and every kind of dash people type or paste between groups of characters.
_CODE_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")
_CODE_SHAPE = re.compile(r"[A-Z0-9]{1,16}")  # 16: Certificate.code's max_length


def normalise_code(raw: str) -> str | None:
    """A typed or pasted code in the form it was issued: upper case, without spaces or dashes
    ("abcd-efgh 23" → "ABCDEFGH23"). None when what is left can't be a code, so callers can
    answer 404 without a query."""
    code = _CODE_SEPARATORS.sub("", raw).upper()
    return code if _CODE_SHAPE.fullmatch(code) else None


def verification_url(code: str) -> str:
    """The absolute public address where anyone can check the certificate with `code`. Built
    from settings.SITE_URL rather than the request, whose Host header the client controls."""
    return settings.SITE_URL + reverse("certificate_verify", args=[code])


def _certificate_for(request: AuthedRequest, code: str) -> Certificate:
    normalised = normalise_code(code)
    if normalised is None:
        raise Http404
    return permissions.get_certificate_for(request.user, normalised)


@login_required
@require_safe
@never_cache
def certificate_detail(request: AuthedRequest, code: str) -> HttpResponse:
    certificate = _certificate_for(request, code)
    context = {
        "certificate": certificate,
        "is_owner": certificate.user_id == request.user.pk,
        "verify_url": verification_url(certificate.code),
        "now": timezone.now(),
    }
    return render(request, "progress/certificate.html", context)


@login_required
@require_safe
@never_cache
def certificate_pdf(request: AuthedRequest, code: str) -> HttpResponse:
    certificate = _certificate_for(request, code)
    pdf = render_certificate_pdf(
        certificate,
        site_name=settings.SITE_NAME,
        verify_url=verification_url(certificate.code),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"certificate-{certificate.code}.pdf"
    )
    return response


@require_safe
def certificate_verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: no sign-in. Answers 404 for a code that matches no certificate."""
    normalised = normalise_code(code)
    # Only the facts a certificate states reach the template, so nothing else about the
    # person (email, team, other courses) can leak through it.
    found = (
        Certificate.objects.filter(code=normalised)
        .values("learner_name", "course_title", "issued_at", "expires_at")
        .first()
        if normalised
        else None
    )
    context = {"certificate": found, "code": normalised, "now": timezone.now()}
    return render(
        request, "progress/certificate_verify.html", context, status=200 if found else 404
    )
