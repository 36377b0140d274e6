"""Who may see and take quizzes, and whose attempts a person may look at.

Learners take published quizzes of live courses they are enrolled in; reviews are visible to the
learner, their managers and training admins. Everything else answers 404.
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from learners.models import Enrolment
from learners.permissions import AnyUser, can_author_content, is_training_admin, people_visible_to

from .models import Attempt, QuestionBank, Quiz


def quizzes_visible_to(user: AnyUser) -> QuerySet[Quiz]:
    """Admins see every quiz; others the published quizzes of live courses."""
    if not user.is_authenticated or not user.is_active:
        return Quiz.objects.none()
    if is_training_admin(user):
        return Quiz.objects.all()
    return Quiz.objects.published().filter(course__published_version__isnull=False)


def get_quiz_for(user: AnyUser, key: UUID | str) -> Quiz:
    """The quiz with `key` (its course joined) if the user may see it; Http404 otherwise."""
    quiz = quizzes_visible_to(user).select_related("course").filter(key=key).first()
    if quiz is None:
        raise Http404
    return quiz


def can_take_quiz(user: AnyUser, quiz: Quiz) -> bool:
    """Enrolled learners of the quiz's course may take it; so may admins (to try it). One query
    for learners."""
    if not user.is_authenticated or not user.is_active:
        return False
    if is_training_admin(user):
        return True
    return Enrolment.objects.filter(user=user, course_id=quiz.course_id).exists()


def get_own_attempt(user: AnyUser, pk: int) -> Attempt:
    """One of the user's own attempts (only they answer it); Http404 for anyone else's."""
    if not user.is_authenticated:
        raise Http404
    attempt = Attempt.objects.select_related("quiz__course").filter(pk=pk, user=user).first()
    if attempt is None:
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
    attempt = attempts_visible_to(user).select_related("quiz__course", "user").filter(pk=pk).first()
    if attempt is None:
        raise Http404
    return attempt


def get_bank_for(user: AnyUser, pk: int) -> QuestionBank:
    """A question bank for its authors (training admins); Http404 for everyone else."""
    if not can_author_content(user):
        raise Http404
    bank = QuestionBank.objects.filter(pk=pk).first()
    if bank is None:
        raise Http404
    return bank
