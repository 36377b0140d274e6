"""The learner's journey: home dashboard, catalog, course outline, lesson player, learning
paths. These pages combine lessons with quizzes and practice conversations, so they live above
both (docs/adr/0007)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.checkpoints import Checkpoint, checkpoints_for, pending_before_rating
from config.http import AuthedRequest
from courses import permissions as course_permissions
from courses import services as course_services
from courses.content import video_embed_url
from courses.models import Course, Enrolment, LearningPath, Lesson
from courses.selectors import Outline, catalog_of, path_with_courses
from learners import permissions as people_permissions
from learners.models import Invitation, Membership, Team, User
from learners.permissions import is_training_admin
from refreshers import selectors as refresher_selectors

from . import selectors, services
from .models import Certificate


@login_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    user = request.user
    admin = is_training_admin(user)
    managed = list(
        people_permissions.teams_managed_by(user).annotate(
            member_count=Count(
                "memberships",
                filter=Q(memberships__role=Membership.Role.MEMBER),
                distinct=True,
            )
        )
    )
    my_teams = list(
        Team.objects.filter(memberships__user=user, memberships__role=Membership.Role.MEMBER)
    )
    enrolments = selectors.enrolments_for_dashboard(user)
    active = [e for e in enrolments if e.completed_at is None]
    context: dict[str, object] = {
        "is_admin": admin,
        "managed_teams": managed,
        "my_teams": my_teams,
        "active": active,
        "completed": [e for e in enrolments if e.completed_at is not None],
        "next_step": selectors.next_step_for(user, enrolments),
        "certificates": list(Certificate.objects.filter(user=user)),
        "refreshers": refresher_selectors.summary_for(user.pk, now=timezone.now()),
        # A first visit: nothing started yet, so the page welcomes and offers one clear start.
        "first_visit": not any(e.last_activity_at for e in enrolments),
        "starter_path": None
        if enrolments
        else LearningPath.objects.published()
        .filter(self_enrol=True)
        .order_by("created_at")
        .first(),
    }
    if admin:
        context["org"] = {
            "people": User.objects.filter(is_active=True).count(),
            "teams": Team.objects.count(),
            "pending_invitations": Invitation.objects.pending().count(),
        }
    elif managed:
        context["pending_invitations"] = (
            Invitation.objects.pending().filter(team__in=[team.pk for team in managed]).count()
        )
    return render(request, "progress/dashboard.html", context)


def _enrolment(request: AuthedRequest, course: Course) -> Enrolment | None:
    return course_permissions.enrolment_for(request.user, course)


@login_required
def catalog(request: AuthedRequest) -> HttpResponse:
    arranged = catalog_of(
        course_permissions.courses_visible_to(request.user).published().with_live_content(),
        course_permissions.paths_visible_to(request.user).published(),
    )
    enrolments = {
        e.course_id: e
        for e in Enrolment.objects.filter(user=request.user).only(
            "course_id", "completed_at", "last_activity_at"
        )
    }
    for course in [*arranged.others, *(c for group in arranged.paths for c in group.courses)]:
        course.enrolment = enrolments.get(course.pk)  # type: ignore[attr-defined]
    return render(request, "progress/catalog.html", {"catalog": arranged})


@login_required
def course_detail(request: AuthedRequest, slug: str) -> HttpResponse:
    course = course_permissions.get_live_course_for(request.user, slug)
    version = course.published_version
    assert version is not None  # get_live_course_for guarantees it
    enrolment = _enrolment(request, course)
    outline = selectors.learner_outline(
        version, enrolment, current=enrolment.last_lesson_key if enrolment else None
    )
    checkpoints = checkpoints_for(
        course.pk, request.user, enrolment.enrolled_at if enrolment else None
    )
    for row in outline.modules:
        row.checkpoints = checkpoints.get(row.module.key, [])
    context = {
        "course": course,
        "version": version,
        "outline": outline,
        "final_checkpoints": checkpoints.get(None, []),
        "enrolment": enrolment,
        "progress": selectors.outline_progress(
            outline, checkpoints, completed=bool(enrolment and enrolment.completed_at)
        ),
        "next_step": selectors.course_next_step(
            course, outline, checkpoints, resume=enrolment.last_lesson_key
        )
        if enrolment and not enrolment.completed_at
        else None,
        "blocked_by": selectors.blocking_course(request.user, course) if enrolment else None,
        "certificate": selectors.certificate_for(enrolment) if enrolment else None,
        "can_start": course_permissions.can_start_course(request.user, course),
        "assignment": selectors.assignment_for(request.user, course),
    }
    return render(request, "progress/course_detail.html", context)


@login_required
@require_POST
def course_enrol(request: AuthedRequest, slug: str) -> HttpResponse:
    course = course_permissions.get_live_course_for(request.user, slug)
    if _enrolment(request, course) is None and not course_permissions.can_start_course(
        request.user, course
    ):
        raise PermissionDenied
    enrolment = course_services.enrolment_create(user=request.user, course=course)
    return _continue(course, enrolment)


def _continue(course: Course, enrolment: Enrolment) -> HttpResponse:
    """Redirect to where this enrolment carries on: its next lesson, else the course page."""
    if course.published_version is None:
        return redirect("course_detail", slug=course.slug)
    outline = selectors.learner_outline(course.published_version, enrolment)
    lesson = outline.next_lesson(after=enrolment.last_lesson_key)
    if lesson is None:
        return redirect("course_detail", slug=course.slug)
    return redirect("lesson_detail", slug=course.slug, key=lesson.key)


def _lesson_context(
    request: AuthedRequest, slug: str, key: object
) -> tuple[Course, Enrolment, Outline, int]:
    course = course_permissions.get_live_course_for(request.user, slug)
    assert course.published_version is not None
    enrolment = _enrolment(request, course)
    outline = selectors.learner_outline(course.published_version, enrolment, current=key)  # type: ignore[arg-type]
    index = next((i for i, ls in enumerate(outline.lessons) if ls.key == key), None)
    if index is None:
        raise Http404
    if enrolment is None:
        raise _NotEnrolled(course)
    return course, enrolment, outline, index


class _NotEnrolled(Exception):
    def __init__(self, course: Course) -> None:
        self.course = course


@login_required
def lesson_detail(request: AuthedRequest, slug: str, key: object) -> HttpResponse:
    try:
        course, enrolment, outline, index = _lesson_context(request, slug, key)
    except _NotEnrolled as exc:
        messages.info(request, _("Start the course first, then the lessons open up."))
        return redirect("course_detail", slug=exc.course.slug)
    blocker = selectors.blocking_course(request.user, course)
    if blocker is not None:
        messages.info(
            request,
            _("Finish “%(title)s” first; this course builds on it.")
            % {
                "title": blocker.published_version.title
                if blocker.published_version
                else blocker.slug
            },
        )
        return redirect("course_detail", slug=course.slug)
    lesson = outline.lessons[index]
    # Ask how confident they feel before they have learnt anything: only on the first lesson,
    # and only until they have answered, so the "after" answer at the quiz shows the change.
    rating_quiz = pending_before_rating(course.pk, request.user) if index == 0 else None
    services.lesson_open(enrolment=enrolment, lesson_key=lesson.key)
    previous, following = outline.neighbours(lesson.key)
    after = selectors.step_after_lesson(
        course, outline, _checkpoints_after(request, course, enrolment, lesson, following), lesson
    )
    return render(
        request,
        "progress/lesson.html",
        {
            "course": course,
            "version": outline.version,
            "outline": outline,
            "lesson": lesson,
            "number": index + 1,
            "previous": previous,
            "following": following,
            "after": after,
            "completed": lesson.key in outline.completed_keys,
            "video_embed": video_embed_url(lesson.video_url),
            "enrolment": enrolment,
            "rating_quiz": rating_quiz,
        },
    )


@login_required
@require_POST
def lesson_complete(request: AuthedRequest, slug: str, key: object) -> HttpResponse:
    try:
        course, enrolment, outline, index = _lesson_context(request, slug, key)
    except _NotEnrolled as exc:
        return redirect("course_detail", slug=exc.course.slug)
    lesson = outline.lessons[index]
    was_complete = enrolment.completed_at is not None
    enrolment = services.lesson_complete(enrolment=enrolment, lesson_key=lesson.key)
    if enrolment.completed_at and not was_complete:
        messages.success(
            request,
            _("You finished “%(title)s”. Well done! Your certificate is ready.")
            % {"title": outline.version.title},
        )
        return redirect("course_detail", slug=course.slug)
    _previous, following = outline.neighbours(lesson.key)
    checkpoints = _checkpoints_after(request, course, enrolment, lesson, following)
    step = selectors.step_after_lesson(course, outline, checkpoints, lesson)
    if step is None:
        return redirect("course_detail", slug=course.slug)
    if step.lesson is None:
        if following is None and step.kind == "quiz":
            messages.info(request, _("Every lesson read. Next, a quick check."))
        elif following is None:
            messages.info(request, _("Every lesson read. Next, a practice conversation."))
        elif step.kind == "quiz":
            messages.info(request, _("Module done. Time for a quick check."))
        else:
            messages.info(request, _("Module done. Time to practise what you read."))
    elif following is None or step.lesson.key != following.key:
        messages.info(request, _("Nearly there: one or more earlier lessons still need finishing."))
    return redirect(step.url)


def _checkpoints_after(
    request: AuthedRequest,
    course: Course,
    enrolment: Enrolment,
    lesson: Lesson,
    following: Lesson | None,
) -> dict[UUID | None, list[Checkpoint]]:
    """The course's checkpoints when what follows `lesson` may be one (it ends a module);
    empty otherwise, which saves their queries on most lessons."""
    if following is not None and following.module_id == lesson.module_id:
        return {}
    return checkpoints_for(course.pk, request.user, enrolment.enrolled_at)


@login_required
@require_POST
def lesson_time(request: AuthedRequest, slug: str, key: object) -> HttpResponse:
    try:
        _course, enrolment, outline, index = _lesson_context(request, slug, key)
    except _NotEnrolled:
        return HttpResponse(status=204)
    try:
        seconds = int(request.POST.get("seconds", "0"))
    except ValueError:
        return HttpResponse(_("seconds must be a whole number"), status=400)
    services.time_record(
        enrolment=enrolment, lesson_key=outline.lessons[index].key, seconds=seconds
    )
    return HttpResponse(status=204)


@login_required
def path_detail(request: AuthedRequest, slug: str) -> HttpResponse:
    path = course_permissions.get_path_for(request.user, slug)
    steps = path_with_courses(path)
    enrolments = {
        e.course_id: e
        for e in Enrolment.objects.filter(
            user=request.user, course__in=[s.course_id for s in steps]
        ).annotate(total_lessons=Count("course__published_version__lessons", distinct=True))
    }
    progress = selectors.progress_for(list(enrolments.values()))
    rows = [
        (step, enrolments.get(step.course_id), progress.get((request.user.pk, step.course_id)))
        for step in steps
    ]
    done = sum(1 for _step, e, _p in rows if e and e.completed_at)
    return render(
        request,
        "progress/path_detail.html",
        {
            "path": path,
            "rows": rows,
            "done": done,
            # Each course weighs the same, whatever its length: the path's steps are courses.
            "percent": round(sum(p.percent for _s, _e, p in rows if p) / len(rows)) if rows else 0,
            "enrolled": bool(enrolments),
        },
    )


@login_required
@require_POST
def path_enrol(request: AuthedRequest, slug: str) -> HttpResponse:
    path = course_permissions.get_path_for(request.user, slug)
    if not course_permissions.can_start_path(request.user, path):
        raise PermissionDenied
    try:
        enrolments = course_services.path_enrol(user=request.user, path=path)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("path_detail", slug=path.slug)
    first = next((e for e in enrolments if e.completed_at is None), None)
    if first is None:
        return redirect("path_detail", slug=path.slug)
    return _continue(first.course, first)
