"""Who may see and take quizzes, whose attempts a person may look at, and who may author them.

Everyone signed in sees the published quizzes of live courses; taking one follows the course
(`courses.permissions.can_take_part`). Drafts are tried in the authoring preview, by admins
too. Reviews are visible to the learner, their managers and training admins. Training admins
author every quiz (`learners.permissions.require_author`). Everything else answers 404.
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from assessments.models import Attempt, Quiz, QuizSlot
from courses.permissions import can_take_part
from learners.permissions import AnyUser, is_training_admin, people_visible_to, require_author


def quizzes_visible_to(user: AnyUser) -> QuerySet[Quiz]:
    """The published quizzes of live courses, for everyone signed in (admins included); none
    for visitors."""
    if not user.is_authenticated or not user.is_active:
        return Quiz.objects.none()
    return Quiz.objects.published().filter(course__published_version__isnull=False)


def get_quiz_for(user: AnyUser, key: UUID | str) -> Quiz:
    """The quiz with `key` (its course joined) if the user may see it; Http404 otherwise."""
    quiz = quizzes_visible_to(user).select_related("course").filter(key=key).first()
    if quiz is None:
        raise Http404
    return quiz


def can_take_quiz(user: AnyUser, quiz: Quiz) -> bool:
    """A published quiz may be taken by whoever may take part in its course. One query when
    `quiz.course` is loaded."""
    return quiz.is_published and can_take_part(user, quiz.course)


def get_own_attempt(user: AnyUser, pk: int) -> Attempt:
    """One of the user's own attempts that they may still work on: its quiz is one they may
    take (`can_take_quiz`: published, course live, enrolled). Http404 for anyone else's, and
    for one whose quiz or course was unpublished since (the review stays readable through
    `get_attempt_for_review`). Two queries."""
    if not user.is_authenticated:
        raise Http404
    attempt = Attempt.objects.select_related("quiz__course").filter(pk=pk, user=user).first()
    if attempt is None or not can_take_quiz(user, attempt.quiz):
        raise Http404
    return attempt


def attempts_visible_to(user: AnyUser) -> QuerySet[Attempt]:
    """Own attempts; a manager's people's attempts; everything for admins."""
    if not user.is_authenticated or not user.is_active:
        return Attempt.objects.none()
    if is_training_admin(user):
        return Attempt.objects.all()
    return Attempt.objects.filter(user__in=people_visible_to(user).values("pk"))


def get_attempt_for_review(user: AnyUser, pk: int) -> Attempt:
    """An attempt the user may review (`attempts_visible_to`), its quiz, course and learner
    joined; Http404 otherwise. One query."""
    attempt = attempts_visible_to(user).select_related("quiz__course", "user").filter(pk=pk).first()
    if attempt is None:
        raise Http404
    return attempt


def get_authored_quiz(user: AnyUser, pk: int) -> Quiz:
    """Quiz `pk` with its course and the course's live version joined, for authors; Http404 for
    everyone else. One query for authors, none otherwise."""
    require_author(user)
    quiz = Quiz.objects.select_related("course__published_version").filter(pk=pk).first()
    if quiz is None:
        raise Http404
    return quiz


def get_authored_slot(user: AnyUser, pk: int) -> QuizSlot:
    """Quiz slot `pk` with its quiz joined, for authors; Http404 for everyone else. One query
    for authors, none otherwise."""
    require_author(user)
    slot = QuizSlot.objects.select_related("quiz").filter(pk=pk).first()
    if slot is None:
        raise Http404
    return slot
