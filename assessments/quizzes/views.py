"""Quiz pages: intro, taking (answers saved as given), submitting, and the review."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assessments.models import Attempt, AttemptItem, Quiz, SelfRating
from config.http import AuthedRequest, redirect_to_next
from config.parsing import ascii_int
from learners.models import User

from . import display, grading, permissions
from .services import attempts, self_ratings


def _answer_from_post(item: AttemptItem, data: QueryDict) -> tuple[Any, int | None]:
    """(answer, confidence) for one item from form fields named q<position>-..., with the
    page's option tokens (display.item_view) turned back into ids. An ordering item's Move up,
    Move down and "Keep this order" buttons (`q<position>-move`, `q<position>-keep`) are applied
    here, so the page works without JavaScript.

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
        # The page sends its items' tokens top to bottom once the learner has ordered them.
        tokens = data.getlist(f"{prefix}-order")
        if tokens:
            answer = {"order": [option(t) for t in tokens]}
    elif kind == "matching":
        prompts = list(item.version.pairs.all())
        pairs: dict[str, int | None] = {}
        for n, prompt in enumerate(prompts, start=1):
            raw = data.get(f"{prefix}-match-{n}")
            if raw in (None, ""):
                continue
            pairs[str(prompt.pk)] = option(raw)
        answer = {"pairs": pairs} if pairs else None
    if kind == "ordering" and (f"{prefix}-move" in data or f"{prefix}-keep" in data):
        answer = {"order": [option(str(t)) for t in _reordered(item, data)]}
    return answer, confidence


def _reordered(item: AttemptItem, data: QueryDict) -> list[int | None]:
    """The ordering item's tokens after the move the learner asked for (`<token>:up` or
    `<token>:down`), starting from the order the page sent, else the one it showed. A sent
    token that isn't a number is None, which the caller refuses. Raises InvalidAnswer for a
    move of an item the list doesn't have."""
    prefix = f"q{item.position}"
    sent = data.getlist(f"{prefix}-order")
    tokens: list[int | None] = (
        [ascii_int(t) for t in sent] if sent else list(display.ordering_tokens(item))
    )
    move = data.get(f"{prefix}-move")
    if move is None:
        return tokens
    token_text, _sep, direction = move.partition(":")
    moving = ascii_int(token_text)
    if moving not in tokens or direction not in {"up", "down"}:
        raise grading.InvalidAnswer("no such move")
    at = tokens.index(moving)
    to = max(0, at - 1) if direction == "up" else min(len(tokens) - 1, at + 1)
    tokens.insert(to, tokens.pop(at))
    return tokens


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


def _time_is_up(attempt: Attempt) -> bool:
    return attempt.deadline is not None and timezone.now() > attempt.deadline + attempts.GRACE


def _closed(request: HttpRequest, attempt: Attempt) -> HttpResponse | None:
    """Where to send someone whose attempt no longer takes answers (submitted, or its time ran
    out, which closes it now), or None while it is open."""
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return redirect("attempt_review", pk=attempt.pk)
    if _time_is_up(attempt):
        attempts.attempt_expire(attempt_id=attempt.pk)
        messages.info(request, _("Time ran out. We marked the answers you gave in time."))
        return redirect("attempt_review", pk=attempt.pk)
    return None


def _step_number(request: HttpRequest, items: list[AttemptItem]) -> int:
    """The question asked for (`?q=3`, counting from 1); without one, the first unanswered
    question, so a learner who comes back carries on where they left off. Http404 for a
    number the quiz doesn't have."""
    raw = request.GET.get("q")
    if raw is None:
        return next((i.position + 1 for i in items if i.answer is None), 1)
    number = ascii_int(raw)
    if number is None or not 1 <= number <= len(items):
        raise Http404(_("That question isn't part of this quiz."))
    return number


def _step_url(attempt: Attempt, number: int, **extra: object) -> str:
    return f"{reverse('attempt_take', args=[attempt.pk])}?{urlencode({'q': number, **extra})}"


def _after_step(attempt: Attempt, number: int, total: int, data: QueryDict) -> str:
    """Where the step's buttons lead: Back, Next (after the last question, the check step), a
    question's number, the check step, or, after Move up or down, the same question."""
    move = next((data.get(k, "") for k in data if k.endswith("-move")), None)
    if move is not None:
        token, _sep, direction = move.partition(":")
        return _step_url(attempt, number, moved=token, dir=direction)
    if next((k for k in data if k.endswith("-keep")), None):
        return _step_url(attempt, number, kept=1)
    go = data.get("go", "next")
    if go == "back":
        return _step_url(attempt, max(1, number - 1))
    target = ascii_int(go)
    if target is not None and 1 <= target <= total:
        return _step_url(attempt, target)
    if go == "check" or number >= total:
        return reverse("attempt_check", args=[attempt.pk])
    return _step_url(attempt, number + 1)


def _announcement(view: display.ItemView, request: HttpRequest) -> tuple[str, int | None, str]:
    """After Move up or down without JavaScript: what the live region says and which button
    keeps the focus (token and direction: the moved item's, in the direction it went while it
    can go further)."""
    if view.kind != "ordering":
        return "", None, ""
    if request.GET.get("kept"):
        return _("Saved this order."), None, ""
    token = ascii_int(request.GET.get("moved"))
    direction = request.GET.get("dir")
    place = next((n for n, o in enumerate(view.options, start=1) if o.id == token), None)
    if place is None or direction not in {"up", "down"}:
        return "", None, ""
    total = len(view.options)
    if (direction == "up" and place == 1) or (direction == "down" and place == total):
        direction = "down" if direction == "up" else "up"
    text = _("Moved “%(item)s” to position %(n)s of %(total)s.") % {
        "item": view.options[place - 1].text,
        "n": place,
        "total": total,
    }
    return text, token, direction


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def attempt_take(request: AuthedRequest, pk: int) -> HttpResponse:
    """One question of an open attempt (`?q=N`). A POST saves that question's answer (and any
    Move up, Move down) and goes where the button says: Back, Next or the check step."""
    attempt = permissions.get_own_attempt(request.user, pk)
    if (closed := _closed(request, attempt)) is not None:
        return closed
    items = display.items_with_versions(attempt)
    number = _step_number(request, items)
    item = items[number - 1]
    if request.method == "POST":
        try:
            answer, confidence = _answer_from_post(item, request.POST)
            if (answer, confidence) != (item.answer, item.confidence):
                attempts.answer_save(
                    attempt=attempt, item=item, answer=answer, confidence=confidence
                )
        except grading.InvalidAnswer:
            return HttpResponse(_("That answer doesn't fit this question."), status=400)
        except ValidationError as exc:
            return HttpResponse(" ".join(exc.messages), status=400)
        except attempts.AttemptClosed:
            return _closed(request, attempt) or redirect("attempt_review", pk=attempt.pk)
        return redirect(_after_step(attempt, number, len(items), request.POST))
    view = display.item_view(item)
    announcement, focus_token, focus_dir = _announcement(view, request)
    return render(
        request,
        "assessments/quiz/take.html",
        {
            "attempt": attempt,
            "quiz": attempt.quiz,
            "view": view,
            "number": number,
            "total": len(items),
            "dots": display.step_dots(items, number),
            "answered": sum(1 for i in items if i.answer is not None),
            "previous": number - 1 if number > 1 else None,
            "next": number + 1 if number < len(items) else None,
            "announcement": announcement,
            "focus_token": focus_token,
            "focus_dir": focus_dir,
            "confidence_choices": AttemptItem.Confidence.choices,
        },
    )


def _check_context(attempt: Attempt, items: list[AttemptItem]) -> dict[str, Any]:
    return {
        "attempt": attempt,
        "quiz": attempt.quiz,
        "views": [display.item_view(i) for i in items],
        "unanswered": [i.position + 1 for i in items if i.answer is None],
        "total": len(items),
        "dots": display.step_dots(items, None),
        "answered": sum(1 for i in items if i.answer is not None),
    }


@login_required
@require_safe
def attempt_check(request: AuthedRequest, pk: int) -> HttpResponse:
    """The last step before submitting: every question, answered or not, with a link to each,
    and the submit button (which asks for a plain confirmation while any is unanswered)."""
    attempt = permissions.get_own_attempt(request.user, pk)
    if (closed := _closed(request, attempt)) is not None:
        return closed
    items = display.items_with_versions(attempt)
    return render(request, "assessments/quiz/check.html", _check_context(attempt, items))


def _parse_items(
    items: list[AttemptItem], data: QueryDict
) -> list[tuple[AttemptItem, Any, int | None]]:
    """(item, answer, confidence) for each item the form sent fields for. Raises
    grading.InvalidAnswer for any that doesn't fit its question."""
    parsed = []
    for item in items:
        prefix = f"q{item.position}-"
        if not any(name.startswith(prefix) for name in data):
            # Nothing sent for this question (say, a radio left empty): keep what autosave stored.
            continue
        parsed.append((item, *_answer_from_post(item, data)))
    return parsed


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
    items = display.items_with_versions(attempt)
    item = next((i for i in items if i.position == position), None)
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
    return render(
        request,
        "assessments/quiz/_saved.html",
        {
            "item": item,
            "attempt": attempt,
            "dots": display.step_dots(items, position + 1),
            "answered": sum(1 for i in items if i.answer is not None),
            "total": len(items),
        },
    )


@login_required
@require_POST
def attempt_submit(request: AuthedRequest, pk: int) -> HttpResponse:
    """Grade and close the attempt. While questions are unanswered and time remains, it needs
    the check step's confirmation (`confirm`); without it the check step comes back (400) and
    nothing is saved."""
    attempt = permissions.get_own_attempt(request.user, pk)
    if attempt.status == Attempt.Status.IN_PROGRESS:
        items = display.items_with_versions(attempt)
        try:
            parsed = _parse_items(items, request.POST)
        except grading.InvalidAnswer:
            return HttpResponse(_("One of the answers doesn't fit its question."), status=400)
        given = {item.pk: answer for item, answer, _confidence in parsed}
        unanswered = [i for i in items if given.get(i.pk, i.answer) is None]
        if unanswered and "confirm" not in request.POST and not _time_is_up(attempt):
            context = _check_context(attempt, items)
            context["needs_confirmation"] = True
            return render(request, "assessments/quiz/check.html", context, status=400)
        try:
            for item, answer, confidence in parsed:
                attempts.answer_save(
                    attempt=attempt, item=item, answer=answer, confidence=confidence
                )
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
    own = attempt.user_id == request.user.pk
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
            "own": own,
            "retry": _retry(attempt, request.user) if own and not attempt.passed else None,
        },
    )


@dataclass
class Retry:
    """What the review offers after a fail: to start again, to carry on an attempt already
    open, or why not yet (`refusal`)."""

    open_attempt: Attempt | None = None
    refusal: attempts.StartRefusal | None = None
    allowed: bool = False


def _retry(attempt: Attempt, user: User) -> Retry:
    quiz = attempt.quiz
    if not permissions.can_take_quiz(user, quiz):
        return Retry()
    open_attempt = Attempt.objects.filter(
        quiz=quiz, user=user, status=Attempt.Status.IN_PROGRESS
    ).first()
    if open_attempt is not None:
        return Retry(open_attempt=open_attempt)
    refusal = attempts.start_refusal(quiz=quiz, user=user)
    return Retry(refusal=refusal, allowed=refusal is None)


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
