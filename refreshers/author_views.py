"""Authors' side of refreshers: the course setting that lets up-to-date refreshers renew a
recurring course (docs/adr/0014-refreshers-renew-recurring-courses.md)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from config.forms import add_service_errors
from config.http import AuthedRequest
from courses.permissions import get_authored_course

from . import services
from .forms import CoursePolicyForm


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def course_refreshers(request: AuthedRequest, pk: int) -> HttpResponse:
    course = get_authored_course(request.user, pk)
    policy = services.policy_for(course.pk)
    form = CoursePolicyForm(
        request.POST if request.method == "POST" else None,
        initial={"renews_recurring": policy.renews_recurring, "grace_days": policy.grace_days},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.course_policy_save(
                    actor=request.user,
                    course=course,
                    renews_recurring=form.cleaned_data["renews_recurring"],
                    grace_days=form.cleaned_data["grace_days"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved the refresher setting."))
                return redirect("author_course_refreshers", course.pk)
        status = 400
    return render(
        request,
        "refreshers/author/course_refreshers.html",
        {"course": course, "form": form},
        status=status,
    )
