"""Permission-checked fetches for the authoring views: each raises Http404 for anyone who may
not author content (learners, managers) and for what does not exist, so nothing leaks."""

from __future__ import annotations

from django.http import Http404

from assessments.models import Quiz, QuizSlot
from config.http import AuthedRequest
from courses.models import Course
from learners.permissions import require_author as require_author_user


def require_author(request: AuthedRequest) -> None:
    """Raises Http404 unless the signed-in person may author content. No query."""
    require_author_user(request.user)


def course_for(request: AuthedRequest, pk: int) -> Course:
    """A course, its live version joined. One query."""
    require_author(request)
    course = Course.objects.select_related("published_version").filter(pk=pk).first()
    if course is None:
        raise Http404
    return course


def quiz_for(request: AuthedRequest, pk: int) -> Quiz:
    """A quiz, its course and the course's live version joined. One query."""
    require_author(request)
    quiz = Quiz.objects.select_related("course__published_version").filter(pk=pk).first()
    if quiz is None:
        raise Http404
    return quiz


def slot_for(request: AuthedRequest, pk: int) -> QuizSlot:
    """A quiz slot, its quiz joined. One query."""
    require_author(request)
    slot = QuizSlot.objects.select_related("quiz").filter(pk=pk).first()
    if slot is None:
        raise Http404
    return slot
