"""The learner's own 1-5 confidence in a module's skills, before and after it.

The two answers are only worth comparing if the "before" really is from before: it can be given
or changed until the learner starts an attempt at a quiz on that module, and is fixed from then
on. The "after" needs a finished attempt at the quiz that asks it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.models import Attempt, Quiz, SelfRating
from learners.models import User


def self_rating_record(*, user: User, quiz: Quiz, moment: str, rating: int) -> SelfRating:
    """Record `user`'s rating (1-5) for the module `quiz` checks, at `moment` ("before" or
    "after"), replacing an earlier one where that is still allowed. Returns the row.

    Raises ValidationError: on `rating` outside 1-5; code "no_question" when the quiz asks no
    confidence question or `moment` is unknown; code "too_late" for a "before" once an attempt
    on the module has started; code "too_early" for an "after" before an attempt at this quiz
    is finished. Two or three queries.
    """
    if not quiz.module_key or not quiz.self_rating_prompt or moment not in SelfRating.Moment:
        raise ValidationError(_("There is no confidence question here."), code="no_question")
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": _("Pick a number from 1 to 5.")})
    with transaction.atomic():
        if moment == SelfRating.Moment.BEFORE:
            started = Attempt.objects.filter(
                user=user, quiz__course_id=quiz.course_id, quiz__module_key=quiz.module_key
            ).exists()
            if started:
                raise ValidationError(
                    _("You've already started this module's quiz, so “before” is settled."),
                    code="too_late",
                )
        else:
            finished = (
                Attempt.objects.filter(user=user, quiz=quiz)
                .exclude(status=Attempt.Status.IN_PROGRESS)
                .exists()
            )
            if not finished:
                raise ValidationError(
                    _("Finish the quiz first, then tell us how you feel."), code="too_early"
                )
        self_rating, _created = SelfRating.objects.update_or_create(
            user=user,
            module_key=quiz.module_key,
            moment=moment,
            defaults={"rating": rating, "course_id": quiz.course_id},
        )
    return self_rating
