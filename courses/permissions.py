"""Who may see and author courses and learning paths.

Learners see published courses only; a draft or unpublished course answers 404 to them. Training
admins see and author everything.
"""

from __future__ import annotations

from django.http import Http404

from learners.permissions import AnyUser, is_training_admin, require_author

from .models import Course, CourseQuerySet, Enrolment, LearningPath, LearningPathQuerySet


def courses_visible_to(user: AnyUser) -> CourseQuerySet:
    """Every course for admins; live courses for everyone else signed in; none for visitors."""
    if not user.is_authenticated or not user.is_active:
        return Course.objects.none()
    if is_training_admin(user):
        return Course.objects.all()
    return Course.objects.published()


def paths_visible_to(user: AnyUser) -> LearningPathQuerySet:
    if not user.is_authenticated or not user.is_active:
        return LearningPath.objects.none()
    if is_training_admin(user):
        return LearningPath.objects.all()
    return LearningPath.objects.published()


def can_view_course(user: AnyUser, course: Course) -> bool:
    """Admins see every course; other signed-in people only live ones. No query."""
    if not user.is_authenticated or not user.is_active:
        return False
    return course.is_live or is_training_admin(user)


def can_start_course(user: AnyUser, course: Course) -> bool:
    """May this person enrol themselves in this course? When it is live and open to everyone;
    admins may start any live course (to take it as a learner would). No query."""
    if not user.is_authenticated or not user.is_active or not course.is_live:
        return False
    return course.self_enrol or is_training_admin(user)


def can_start_path(user: AnyUser, path: LearningPath) -> bool:
    """May this person enrol themselves in this learning path? When it is open to everyone;
    admins may start any path they can see. No query."""
    if not user.is_authenticated or not user.is_active:
        return False
    return path.self_enrol or is_training_admin(user)


def can_take_part(user: AnyUser, course: Course) -> bool:
    """May this person take this course's lessons, quizzes and practice conversations?

    The one rule for every learner page of a course: the course is live and the person is
    enrolled in it. Admins are no exception (they enrol like anyone, and try drafts through the
    authoring previews). No query for visitors or a course that is not live; one otherwise.
    """
    return enrolment_for(user, course) is not None


def enrolment_for(user: AnyUser, course: Course) -> Enrolment | None:
    """The person's enrolment in `course` when they may take part in it (`can_take_part`);
    None otherwise. For pages that need the enrolment itself, so they ask the same rule and
    spend the same one query."""
    if not user.is_authenticated or not user.is_active:
        return None
    if not course.is_live:
        return None
    return Enrolment.objects.filter(user=user, course=course).first()


def get_live_course_for(user: AnyUser, slug: str) -> Course:
    """A live course by slug, with its live version joined. Raises Http404 for drafts and
    unpublished courses, whoever asks: learner pages only ever show live content (admins use
    "Preview as learner" for drafts)."""
    course = (
        courses_visible_to(user)
        .filter(slug=slug, published_version__isnull=False)
        .select_related("published_version")
        .first()
    )
    if course is None:
        raise Http404
    return course


def get_path_for(user: AnyUser, slug: str) -> LearningPath:
    path = paths_visible_to(user).filter(slug=slug).first()
    if path is None:
        raise Http404
    return path


def get_authored_course(user: AnyUser, pk: int) -> Course:
    """A course an author may edit, its live version joined; Http404 for everyone else. One
    query for authors, none otherwise."""
    require_author(user)
    course = Course.objects.select_related("published_version").filter(pk=pk).first()
    if course is None:
        raise Http404
    return course
