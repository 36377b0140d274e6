"""The manager's home for their people: how the team is doing, who needs attention, and the
same numbers as a spreadsheet. Managers see the people in the teams they manage (nested teams
included); admins see everyone; everybody else gets 404."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from config.http import AuthedRequest
from courses.models import Course
from learners.models import User
from refreshers import selectors as refresher_selectors

from . import permissions, person, team
from .forms import TeamProgressFilter

PEOPLE_PER_PAGE = 100


@dataclass
class TeamSummary:
    name: str
    people: int = 0
    assigned: int = 0
    done: int = 0
    overdue: int = 0

    @property
    def percent_done(self) -> int:
        return round(100 * self.done / self.assigned) if self.assigned else 0


def _filtered(request: AuthedRequest) -> tuple[TeamProgressFilter, QuerySet[User], int | None]:
    """The bound filter form, the people it selects and the chosen course id. Raises Http404
    for people who may not assign training."""
    if not permissions.can_assign(request.user):
        raise Http404
    form = TeamProgressFilter(
        request.GET or None,
        teams=permissions.assignable_teams(request.user),
        courses=Course.objects.published().with_live_content().order_by("published_version__title"),
    )
    people = permissions.assignable_people(request.user).exclude(pk=request.user.pk)
    course_id = None
    if form.is_bound and form.is_valid():
        if form.cleaned_data["team"] is not None:
            people = permissions.team_members_for_assignment(form.cleaned_data["team"])
        query = form.cleaned_data["q"].strip()
        if query:
            people = people.filter(Q(full_name__icontains=query) | Q(email__icontains=query))
        if form.cleaned_data["course"] is not None:
            course_id = form.cleaned_data["course"].pk
    return form, people, course_id


def _arranged(form: TeamProgressFilter, progress: team.TeamProgress) -> list[team.PersonRow]:
    rows = progress.rows
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    status = data.get("status")
    if status:
        rows = [row for row in rows if any(c.status == status for c in row.cells.values())]
    sort = data.get("sort") or "name"
    if sort == "status":
        order = {s: i for i, s in enumerate(team.STATUS_ORDER)}
        rows = sorted(rows, key=lambda r: order.get(r.worst_status or "", len(order)))
    elif sort == "activity":
        rows = sorted(rows, key=lambda r: (r.last_activity_at is not None, r.last_activity_at))
    elif sort == "progress":
        rows = sorted(rows, key=lambda r: r.percent)
    return rows


def _summaries(rows: list[team.PersonRow]) -> list[TeamSummary]:
    by_team: dict[str, TeamSummary] = {}
    for row in rows:
        for name in row.teams or [_("No team")]:
            summary = by_team.setdefault(name, TeamSummary(name=name))
            summary.people += 1
            summary.assigned += len(row.cells)
            summary.done += sum(1 for c in row.cells.values() if c.status == "done")
            summary.overdue += sum(1 for c in row.cells.values() if c.status == "overdue")
    return list(by_team.values())


def _retention_rows(
    rows: list[team.PersonRow], now: dt.datetime
) -> list[tuple[User, refresher_selectors.Retention]]:
    """(person, retention) for the people on this page who have refreshers. Two queries."""
    retention = refresher_selectors.retention_by_person([r.person.pk for r in rows], now=now)
    return [(r.person, retention[r.person.pk]) for r in rows if r.person.pk in retention]


@login_required
@require_safe
def team_progress(request: AuthedRequest) -> HttpResponse:
    form, people, course_id = _filtered(request)
    now = timezone.now()
    progress = team.team_progress(people, now=now, course_id=course_id)
    rows = _arranged(form, progress)
    page = Paginator(rows, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    summaries = _summaries(progress.rows)
    weeks = progress.completions_by_week(now)
    return render(
        request,
        "progress/team_progress.html",
        {
            "form": form,
            "courses": progress.courses,
            "page": page,
            "rows": [(row, row.cells_for(progress.courses)) for row in page.object_list],
            "overdue": progress.overdue()[:10],
            "stuck": progress.stuck(now)[:10],
            "misconceptions": progress.misconceptions,
            "summaries": summaries,
            "retention_rows": _retention_rows(list(page.object_list), now),
            "weeks": weeks,
            "chart_data": {
                "completions": {
                    "labels": [start.strftime("%-d %b") for start, _count in weeks],
                    "values": [count for _start, count in weeks],
                    "label": _("Courses finished"),
                },
                "overdue": {
                    "labels": [s.name for s in summaries],
                    "values": [s.overdue for s in summaries],
                    "label": _("Overdue"),
                },
            },
            "query": query.urlencode(),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_safe
def person_progress(request: AuthedRequest, pk: int) -> HttpResponse:
    someone = permissions.get_person_progress_for(request.user, pk)
    now = timezone.now()
    return render(
        request,
        "progress/person_progress.html",
        {
            "p": person.person_progress(someone, now=now),
            "retention": refresher_selectors.retention_by_topic(someone.pk, now=now),
        },
    )


# Cells that a spreadsheet would read as a formula are prefixed, so opening the export runs
# nothing (names and course titles are typed by people).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """`value` as text for a CSV cell, with a leading apostrophe when it starts like a
    formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_safe
def team_progress_export(request: AuthedRequest) -> HttpResponseBase:
    form, people, course_id = _filtered(request)
    if form.is_bound and not form.is_valid():
        return HttpResponse(
            _("Those filters don't look right. Go back and check them."), status=400
        )
    now = timezone.now()
    progress = team.team_progress(people, now=now, course_id=course_id)
    rows = _arranged(form, progress)
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(
            [
                _("Person"),
                _("Email"),
                _("Teams"),
                _("Course"),
                _("Status"),
                _("Progress %"),
                _("Due"),
                _("Last activity"),
                _("Latest quiz %"),
                _("Practice outcome"),
                _("Confidence before"),
                _("Confidence after"),
            ]
        )
        for row in rows:
            for course in progress.courses:
                cell = row.cells.get(course.pk)
                if cell is None:
                    continue
                yield writer.writerow(
                    [
                        safe_cell(v)
                        for v in (
                            row.person.display_name,
                            row.person.email,
                            "; ".join(row.teams),
                            course.published_version.title if course.published_version else "",
                            cell.status_label,
                            cell.percent,
                            _date(cell.assignment.due_at),
                            _date(cell.last_activity_at),
                            # The same whole number the pages show (`floatformat:0`).
                            floatformat(cell.quiz_percent, 0)
                            if cell.quiz_percent is not None
                            else "",
                            cell.outcome_label,
                            _rating(cell.confidence_before),
                            _rating(cell.confidence_after),
                        )
                    ]
                )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate(now).isoformat()
    response["Content-Disposition"] = f'attachment; filename="team-progress-{stamp}.csv"'
    return response


def _date(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).date().isoformat() if moment else ""


def _rating(value: float | None) -> str:
    return f"{value:.1f}" if value is not None else ""
