"""Quiz pages: intro, taking (answers saved as given), submitting, and the review."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.models import Attempt, AttemptItem, Quiz, SelfRating
from config.http import AuthedRequest, redirect_to_next
from learners.models import User

from . import display, grading, permissions
from .services import attempts, self_ratings


def _answer_from_post(item: AttemptItem, data: QueryDict) -> tuple[Any, int | None]:
    """(answer, confidence) for one item from form fields named q<position>-..., with the
    page's option tokens (display.item_view) turned back into ids.

    Raises grading.InvalidAnswer on values that are not numbers or name no option.
    """
    prefix = f"q{item.position}"
    kind = item.version.kind

    def number(value: str | None) -> int | None:
        if value in (None, ""):
            return None
        try:
            return int(value)
        except ValueError as exc:
            raise grading.InvalidAnswer("expected a number") from exc

    def option(value: str | None) -> int | None:
        token = number(value)
        if token is None:
            return None
        try:
            return display.choice_for_token(item, token)
        except display.InvalidToken as exc:
            raise grading.InvalidAnswer("no such option") from exc

    confidence = number(data.get(f"{prefix}-confidence"))
    answer: Any = None
    if kind in {"single", "truefalse"}:
        choice = option(data.get(f"{prefix}-choice"))
        answer = {"choice": choice} if choice is not None else None
    elif kind == "multiple":
        picked = [option(v) for v in data.getlist(f"{prefix}-choices")]
        answer = {"choices": [p for p in picked if p is not None]} if picked else None
    elif kind == "short":
        text = data.get(f"{prefix}-text")
        answer = {"text": text} if text else None
    elif kind == "ordering":
        shown = list(item.option_order)
        ranks = {
            option_id: number(data.get(f"{prefix}-rank-{n}"))
            for n, option_id in enumerate(shown, start=1)
        }
        if any(r is not None for r in ranks.values()):
            # Ties and blanks keep the order the items were shown in, so any input is a full order.
            order = sorted(shown, key=lambda i: (ranks[i] or len(shown) + 1, shown.index(i)))
            answer = {"order": order}
    elif kind == "matching":
        prompts = list(item.version.pairs.all())
        pairs: dict[str, int | None] = {}
        for n, prompt in enumerate(prompts, start=1):
            raw = data.get(f"{prefix}-match-{n}")
            if raw in (None, ""):
                continue
            pairs[str(prompt.pk)] = option(raw)
        answer = {"pairs": pairs} if pairs else None
    return answer, confidence


@login_required
def quiz_detail(request: AuthedRequest, key: UUID) -> HttpResponse:
    quiz = permissions.get_quiz_for(request.user, key)
    past = list(Attempt.objects.filter(quiz=quiz, user=request.user).order_by("-number"))
    open_attempt = next((a for a in past if a.status == Attempt.Status.IN_PROGRESS), None)
    before = (
        SelfRating.objects.filter(
            user=request.user, module_key=quiz.module_key, moment=SelfRating.Moment.BEFORE
        ).first()
        if quiz.module_key and quiz.self_rating_prompt
        else None
    )
    return render(
        request,
        "assessments/quiz/detail.html",
        {
            "quiz": quiz,
            "attempts": [a for a in past if a.status != Attempt.Status.IN_PROGRESS],
            "open_attempt": open_attempt,
            "refusal": None
            if open_attempt
            else attempts.start_refusal(quiz=quiz, user=request.user),
            "can_take": permissions.can_take_quiz(request.user, quiz),
            "passed": any(a.passed for a in past),
            "rating_before": before,
        },
    )


@login_required
@require_POST
def quiz_start(request: AuthedRequest, key: UUID) -> HttpResponse:
    quiz = permissions.get_quiz_for(request.user, key)
    if not permissions.can_take_quiz(request.user, quiz):
        raise PermissionDenied
    try:
        attempt = attempts.attempt_start(quiz=quiz, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("quiz_detail", key=quiz.key)
    return redirect("attempt_take", pk=attempt.pk)


@login_required
def attempt_take(request: AuthedRequest, pk: int) -> HttpResponse:
    attempt = permissions.get_own_attempt(request.user, pk)
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return redirect("attempt_review", pk=attempt.pk)
    if attempt.deadline and timezone.now() > attempt.deadline + attempts.GRACE:
        attempts.attempt_expire(attempt_id=attempt.pk)
        messages.info(request, _("Time ran out. We marked the answers you gave in time."))
        return redirect("attempt_review", pk=attempt.pk)
    items = display.items_with_versions(attempt)
    return render(
        request,
        "assessments/quiz/take.html",
        {
            "attempt": attempt,
            "quiz": attempt.quiz,
            "views": [display.item_view(item) for item in items],
            "confidence_choices": AttemptItem.Confidence.choices,
        },
    )


def _save_items(attempt: Attempt, items: list[AttemptItem], data: QueryDict) -> None:
    for item in items:
        prefix = f"q{item.position}-"
        if not any(name.startswith(prefix) for name in data):
            # Nothing sent for this question (say, a radio left empty): keep what autosave stored.
            continue
        answer, confidence = _answer_from_post(item, data)
        attempts.answer_save(attempt=attempt, item=item, answer=answer, confidence=confidence)


@require_POST
def answer_save(request: HttpRequest, pk: int, position: int) -> HttpResponse:
    # Not @login_required: an htmx autosave must get a plain 401, not a redirect to a page the
    # script cannot show. The learner's earlier answers are already stored.
    if not request.user.is_authenticated:
        return HttpResponse(
            _("You've been signed out. Sign in again; your saved answers are kept."), status=401
        )
    user: User = request.user
    attempt = permissions.get_own_attempt(user, pk)
    item = next((i for i in display.items_with_versions(attempt) if i.position == position), None)
    if item is None:
        return HttpResponse(_("That question isn't part of this quiz."), status=404)
    try:
        answer, confidence = _answer_from_post(item, request.POST)
        attempts.answer_save(attempt=attempt, item=item, answer=answer, confidence=confidence)
    except grading.InvalidAnswer:
        return HttpResponse(_("That answer doesn't fit this question."), status=400)
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400)
    except attempts.AttemptClosed:
        return HttpResponse(_("This attempt is closed; answers can't be changed now."), status=409)
    return render(request, "assessments/quiz/_saved.html", {"item": item})


@login_required
@require_POST
def attempt_submit(request: AuthedRequest, pk: int) -> HttpResponse:
    attempt = permissions.get_own_attempt(request.user, pk)
    if attempt.status == Attempt.Status.IN_PROGRESS:
        items = display.items_with_versions(attempt)
        try:
            _save_items(attempt, items, request.POST)
        except grading.InvalidAnswer:
            return HttpResponse(_("One of the answers doesn't fit its question."), status=400)
        except ValidationError as exc:
            return HttpResponse(" ".join(exc.messages), status=400)
        except attempts.AttemptClosed:
            pass  # time ran out: submit below closes it with what was saved in time
    attempt, graded_now = attempts.attempt_submit(attempt=attempt)
    if graded_now and attempt.status == Attempt.Status.EXPIRED:
        messages.info(request, _("Time ran out. We marked the answers you gave in time."))
    return redirect("attempt_review", pk=attempt.pk)


@login_required
def attempt_review(request: AuthedRequest, pk: int) -> HttpResponse:
    attempt = permissions.get_attempt_for_review(request.user, pk)
    if attempt.status == Attempt.Status.IN_PROGRESS:
        if attempt.user_id == request.user.pk:
            return redirect("attempt_take", pk=attempt.pk)
        raise PermissionDenied  # answers stay private until the learner submits
    reviews = [display.review_item(item) for item in display.items_with_versions(attempt)]
    ordered = sorted(
        reviews, key=lambda r: (display.CALIBRATION_ORDER[r.calibration], r.view.number)
    )
    counts = {
        key.replace("-", "_"): sum(1 for r in reviews if r.calibration == key)
        for key in ("certain-right", "certain-wrong", "unsure-right", "unsure-wrong")
    }
    quiz: Quiz = attempt.quiz
    ratings = {}
    if quiz.module_key and quiz.self_rating_prompt:
        ratings = {
            r.moment: r.rating
            for r in SelfRating.objects.filter(user=attempt.user, module_key=quiz.module_key)
        }
    return render(
        request,
        "assessments/quiz/review.html",
        {
            "attempt": attempt,
            "quiz": quiz,
            "reviews": ordered,
            "counts": counts,
            "rated": any(r.confidence for r in reviews),
            "ratings": ratings,
            "own": attempt.user_id == request.user.pk,
        },
    )


@login_required
@require_POST
def self_rating_save(request: AuthedRequest, key: UUID, moment: str) -> HttpResponse:
    """Record the learner's 1-5 confidence before or after the quiz's module."""
    quiz = permissions.get_quiz_for(request.user, key)
    if not permissions.can_take_quiz(request.user, quiz):
        raise PermissionDenied
    try:
        rating = int(request.POST.get("rating", ""))
    except ValueError:
        rating = 0
    try:
        self_ratings.self_rating_record(user=request.user, quiz=quiz, moment=moment, rating=rating)
    except ValidationError as exc:
        if getattr(exc, "code", None) == "no_question":
            return HttpResponse(" ".join(exc.messages), status=404)
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Thanks. That helps us see what the training changes."))
    return redirect_to_next(request, "quiz_detail", quiz.key)
