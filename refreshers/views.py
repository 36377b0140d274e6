"""The learner's refreshers: what is due this week, one refresher per screen, the feedback
after each answer, and the end of a sitting with the next date.

`/refreshers/now/` is the one-tap address (dashboard card, reminders): it shows the next due
item of the current sitting, or the end screen. Answers are plain form posts that redirect to
their feedback, so the pages work without JavaScript; an answer the page can't read is shown
again with the message beside it (400), keeping what was chosen.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from assessments.models import AttemptItem, ScenarioReply
from assessments.quizzes import grading
from config.http import AuthedRequest
from config.parsing import ascii_int

from . import display, permissions, selectors, services
from .models import ReviewItem


@login_required
@require_safe
def refreshers_home(request: AuthedRequest) -> HttpResponse:
    summary = selectors.summary_for(request.user.pk, now=timezone.now())
    return render(request, "refreshers/home.html", {"summary": summary})


def _render_item(
    request: AuthedRequest,
    item: ReviewItem,
    now: datetime,
    *,
    problem: str = "",
    given: dict[str, Any] | None = None,
) -> HttpResponse:
    """The refresher screen for `item` (its options or replies loaded); with a `problem`, as
    a 400 with the message beside the question and what the learner gave kept."""
    sitting = selectors.sitting_for(request.user.pk, now=now, load=False)
    screen = display.screen_for(item)
    if given is not None and screen.view is not None:
        # Keep what the learner chose when the page comes back with a message.
        shown = display.attempt_item(item, answer=given)
        screen.view = display.quiz_display.item_view(shown)
    return render(
        request,
        "refreshers/item.html",
        {
            "sitting": sitting,
            "screen": screen,
            "problem": problem,
            "given_reply": (given or {}).get("reply"),
            "given_confidence": (given or {}).get("confidence"),
            "confidence_choices": AttemptItem.Confidence.choices,
        },
        status=400 if problem else 200,
    )


@login_required
@require_safe
def refresher_next(request: AuthedRequest) -> HttpResponse:
    now = timezone.now()
    sitting = selectors.sitting_for(request.user.pk, now=now, more="more" in request.GET)
    if sitting.item is None:
        summary = selectors.summary_for(request.user.pk, now=now)
        return render(request, "refreshers/done.html", {"sitting": sitting, "summary": summary})
    return render(
        request,
        "refreshers/item.html",
        {
            "sitting": sitting,
            "screen": display.screen_for(sitting.item),
            "confidence_choices": AttemptItem.Confidence.choices,
        },
    )


@login_required
@require_POST
def refresher_answer(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _loaded(permissions.get_item_for(request.user, pk))
    now = timezone.now()
    reps_seen = ascii_int(request.POST.get("reps", ""))
    if reps_seen is None:
        return HttpResponse(_("That page was out of date; open the refresher again."), status=400)
    given: dict[str, Any] = {}
    try:
        answer, confidence = display.answer_from_post(item, request.POST)
        given = dict(answer or {}, confidence=confidence)
        review = services.refresher_answer(
            user=request.user,
            item=item,
            reps_seen=reps_seen,
            answer=answer,
            confidence=confidence,
            now=now,
        )
    except services.AlreadyAnswered as exc:
        return redirect("refresher_feedback", exc.review.pk)
    except display.AnswerProblem as exc:
        # Keep how sure they said they were, when that part could be read.
        kept = {"confidence": ascii_int(request.POST.get(f"{display.PREFIX}-confidence"))}
        return _render_item(request, item, now, problem=str(exc), given=kept)
    except grading.InvalidAnswer:
        problem = _("That answer doesn't fit this question. Choose again.")
        return _render_item(request, item, now, problem=problem)
    except ValidationError as exc:
        if exc.code in {"stale", "not_due"}:
            return render(
                request,
                "refreshers/stale.html",
                {"message": " ".join(exc.messages)},
                status=409,
            )
        return _render_item(request, item, now, problem=" ".join(exc.messages), given=given)
    return redirect("refresher_feedback", review.pk)


def _loaded(item: ReviewItem) -> ReviewItem:
    """`item` (fetched through permissions) with its options or its line's replies loaded:
    three queries for a question, one for a moment."""
    if item.kind == ReviewItem.Kind.MOMENT:
        prefetch_related_objects([item], "node__replies")
    else:
        prefetch_related_objects(
            [item],
            "question__current__choices",
            "question__current__pairs",
            "question__current__accepted",
        )
    return item


@login_required
@require_safe
def refresher_feedback(request: AuthedRequest, pk: int) -> HttpResponse:
    review = permissions.get_review_for(request.user, pk)
    item = _loaded(review.item)
    replies: list[ScenarioReply] = list(item.node.replies.all()) if item.node else []
    feedback = display.feedback_for(review, replies)
    now = timezone.now()
    sitting = selectors.sitting_for(request.user.pk, now=now, load=False)
    return render(
        request,
        "refreshers/feedback.html",
        {"feedback": feedback, "sitting": sitting, "item": item},
    )
