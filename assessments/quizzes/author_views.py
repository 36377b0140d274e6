"""Authoring quizzes: a course's quizzes, their settings, their questions (fixed ones and
random draws from banks, in order) and publishing. Training admins only (everyone else: 404).

Views parse the request, fetch through a permission check (`permissions.get_authored_*`),
call a service and redirect; a form with errors comes back with status 400 and everything
typed kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, F, IntegerField, Sum, Value, When, prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from assessments.content_check import quiz_check
from assessments.models import Question, Quiz, QuizSlot
from assessments.questions.selectors import BankNode, BankTree, bank_tree
from config.forms import add_service_errors
from config.http import AuthedRequest
from config.parsing import ascii_int
from courses.models import Course, Module
from courses.permissions import get_authored_course

from . import permissions, preview, selectors
from .forms import AFTER_COURSE, PickFilterForm, QuizForm, SlotDrawForm
from .services import editing


def _module_choices(modules: list[Module], keep: Quiz | None = None) -> list[tuple[str, str]]:
    choices = [(str(m.key), m.title) for m in modules]
    if keep is not None and keep.module_key and all(m.key != keep.module_key for m in modules):
        # The module left the outline; keep the quiz where it is until the author chooses.
        choices.append((str(keep.module_key), _("A module no longer in the course")))
    return choices


def _quiz_initial(quiz: Quiz) -> dict[str, Any]:
    return {
        "title": quiz.title,
        "intro": quiz.intro,
        "module": str(quiz.module_key) if quiz.module_key else AFTER_COURSE,
        "pass_percent": quiz.pass_percent,
        "max_attempts": quiz.max_attempts,
        "cooldown_minutes": quiz.cooldown_minutes,
        "time_limit_minutes": quiz.time_limit_minutes,
        "shuffle_questions": quiz.shuffle_questions,
        "required": quiz.required,
        "self_rating_prompt": quiz.self_rating_prompt,
    }


def _quiz_settings(form: QuizForm) -> editing.QuizSettings:
    data = form.cleaned_data
    module = data["module"]
    return editing.QuizSettings(
        title=data["title"],
        intro=data["intro"],
        module_key=module if module != AFTER_COURSE else None,
        pass_percent=data["pass_percent"],
        max_attempts=data["max_attempts"],
        cooldown_minutes=data["cooldown_minutes"],
        time_limit_minutes=data["time_limit_minutes"],
        shuffle_questions=data["shuffle_questions"],
        required=data["required"],
        self_rating_prompt=data["self_rating_prompt"],
    )


def _outline(course: Course) -> tuple[str, list[Module]]:
    """The course's title and modules as authors see them now (see selectors.outline_version).
    Two queries at most."""
    version = selectors.outline_version(course)
    if version is None:
        return course.slug, []
    return version.title, list(version.modules.order_by("position", "pk"))


@login_required
def quiz_list(request: AuthedRequest, pk: int) -> HttpResponse:
    course = get_authored_course(request.user, pk)
    course_title, modules = _outline(course)
    titles = {m.key: m.title for m in modules}
    quizzes = [
        (quiz, titles.get(quiz.module_key) if quiz.module_key else None)
        for quiz in Quiz.objects.filter(course=course)
        .annotate(
            question_total=Sum(
                Case(
                    When(slots__question__isnull=False, then=Value(1)),
                    default=F("slots__draw_count"),
                    output_field=IntegerField(),
                )
            )
        )
        .order_by("pk")
    ]
    return render(
        request,
        "assessments/authoring/quiz_list.html",
        {
            "course": course,
            "course_title": course_title,
            "quizzes": quizzes,
        },
    )


@login_required
def quiz_new(request: AuthedRequest, pk: int) -> HttpResponse:
    course = get_authored_course(request.user, pk)
    course_title, modules = _outline(course)
    initial = {"module": str(modules[-1].key) if modules else AFTER_COURSE}
    form = QuizForm(request.POST or None, modules=_module_choices(modules), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            quiz = editing.quiz_create(course=course, data=_quiz_settings(form))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Quiz created. Now add its questions."))
            return redirect("author_quiz", pk=quiz.pk)
    return render(
        request,
        "assessments/authoring/quiz_new.html",
        {"course": course, "course_title": course_title, "form": form},
        status=400 if form.errors else 200,
    )


@dataclass
class SlotRow:
    slot: QuizSlot
    title: str
    detail: str
    problem: str = ""


def _slot_rows(slots: list[QuizSlot], tree: BankTree) -> list[SlotRow]:
    rows = []
    for slot in slots:
        if slot.question is not None and slot.question.current is not None:
            version = slot.question.current
            rows.append(SlotRow(slot, version.title, str(version.get_kind_display())))
            continue
        node: BankNode | None = tree.nodes.get(slot.bank_id or 0)
        path = node.path if node else "?"
        row = SlotRow(
            slot,
            _("%(n)s random questions from “%(bank)s”") % {"n": slot.draw_count, "bank": path}
            if slot.draw_count != 1
            else _("1 random question from “%(bank)s”") % {"bank": path},
            _("Random draw"),
        )
        if node is not None and node.question_count < slot.draw_count:
            row.problem = _("The bank now holds only %(n)s; learners get that many.") % {
                "n": node.question_count
            }
        rows.append(row)
    return rows


def _quiz_page(
    request: AuthedRequest,
    quiz: Quiz,
    *,
    form: QuizForm | None = None,
    draw_form: SlotDrawForm | None = None,
    outline: tuple[str, list[Module]] | None = None,
) -> HttpResponse:
    course_title, modules = outline or _outline(quiz.course)
    tree = bank_tree()
    slots = list(quiz.slots.select_related("question__current", "bank").order_by("position", "pk"))
    versions = [s.question.current for s in slots if s.question and s.question.current]
    prefetch_related_objects(versions, "choices", "accepted")
    banks = [node for node in tree.flat() if node.question_count]
    forms = [form, draw_form]
    status = 400 if any(f is not None and f.errors for f in forms) else 200
    return render(
        request,
        "assessments/authoring/quiz_edit.html",
        {
            "quiz": quiz,
            "course": quiz.course,
            "course_title": course_title,
            "form": form
            or QuizForm(modules=_module_choices(modules, quiz), initial=_quiz_initial(quiz)),
            "slots": _slot_rows(slots, tree),
            "draw_form": draw_form or SlotDrawForm(banks=banks, prefix="draw"),
            "has_questions": any(node.question_count for node in banks),
            "has_banks": bool(banks),
            "content_report": quiz_check(quiz, versions),
        },
        status=status,
    )


@login_required
def quiz_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    quiz = permissions.get_authored_quiz(request.user, pk)
    if request.method != "POST":
        return _quiz_page(request, quiz)
    outline = _outline(quiz.course)
    form = QuizForm(request.POST, modules=_module_choices(outline[1], quiz))
    if form.is_valid():
        try:
            editing.quiz_update(quiz=quiz, data=_quiz_settings(form))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Quiz settings saved."))
            return redirect("author_quiz", pk=quiz.pk)
    return _quiz_page(request, quiz, form=form, outline=outline)


def _to_slots(quiz: Quiz, anchor: str = "slots") -> HttpResponse:
    return redirect(f"{reverse('author_quiz', args=[quiz.pk])}#{anchor}")


def _picker_filter(form: PickFilterForm) -> selectors.PickFilter:
    if not form.is_valid():
        return selectors.PickFilter()
    data = form.cleaned_data
    return selectors.PickFilter(search=data["q"], bank=data["bank"], kind=data["kind"])


def _posted_questions(request: AuthedRequest) -> tuple[list[Question], bool]:
    """The questions ticked, in the order the page listed them, once each, and whether some
    value was not a question number at all (the rest are still returned, to stay ticked). One
    query."""
    ids: list[int] = []
    garbled = False
    for value in request.POST.getlist("question"):
        pk = ascii_int(value)
        if pk is None:  # not an id: other scripts' digits, or more than a database id holds
            garbled = True
            continue
        if pk not in ids:
            ids.append(pk)
    found = Question.objects.select_related("current").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found], garbled


def _names(questions: list[Question]) -> str:
    return ", ".join(f"“{q}”" for q in questions)


@login_required
def questions_add(request: AuthedRequest, pk: int) -> HttpResponse:
    """Choose several questions from the banks and add them in one go. GET lists them, narrowed
    by the filter in the address (?q=&bank=&kind=); POST adds the ticked ones and goes back to
    the quiz, saying which were skipped. An empty or garbled choice comes back with 400 and
    the ticks kept."""
    quiz = permissions.get_authored_quiz(request.user, pk)
    tree = bank_tree()
    banks = [node for node in tree.flat() if node.question_count]
    filter_form = PickFilterForm(request.GET or None, banks=tree.flat())
    error = ""
    ticked: set[int] = set()
    if request.method == "POST":
        questions, garbled = _posted_questions(request)
        ticked = {q.pk for q in questions}
        if garbled:
            error = _("Something in that list wasn't a question. Check your ticks and add again.")
        else:
            try:
                result = editing.slots_add_questions(quiz=quiz, questions=questions)
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                _report_added(request, result)
                anchor = f"slot-{result.slots[0].pk}" if result.slots else "slots"
                return _to_slots(quiz, anchor)
    course_title, _modules = _outline(quiz.course)
    rows = selectors.question_picker(quiz=quiz, tree=tree, only=_picker_filter(filter_form))
    return render(
        request,
        "assessments/authoring/quiz_questions.html",
        {
            "quiz": quiz,
            "course": quiz.course,
            "course_title": course_title,
            "filter_form": filter_form,
            "filtered": filter_form.is_bound,
            "rows": rows,
            "shown": sum(row.matches for row in rows),
            "ticked": ticked,
            "error": error,
            "draw_form": SlotDrawForm(banks=banks, prefix="draw"),
            "has_banks": bool(banks),
        },
        status=400 if error or filter_form.errors else 200,
    )


def _report_added(request: AuthedRequest, result: editing.QuestionsAdded) -> None:
    if result.slots:
        messages.success(
            request,
            ngettext("Added %(n)s question.", "Added %(n)s questions.", len(result.slots))
            % {"n": len(result.slots)},
        )
    if result.already_in:
        messages.info(
            request,
            _("Already in this quiz, so not added again: %(names)s.")
            % {"names": _names(result.already_in)},
        )
    if result.unusable:
        messages.warning(
            request,
            _("Archived or empty, so not added: %(names)s.") % {"names": _names(result.unusable)},
        )


@login_required
@require_POST
def slot_add_draw(request: AuthedRequest, pk: int) -> HttpResponse:
    quiz = permissions.get_authored_quiz(request.user, pk)
    tree = bank_tree()
    banks = [node for node in tree.flat() if node.question_count]
    form = SlotDrawForm(request.POST, banks=banks, prefix="draw")
    if form.is_valid():
        node = tree.nodes[form.cleaned_data["bank"]]
        try:
            slot = editing.slot_add_draw(
                quiz=quiz, bank=node.bank, count=form.cleaned_data["count"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Random draw added."))
            return _to_slots(quiz, f"slot-{slot.pk}")
    return _quiz_page(request, quiz, draw_form=form)


@login_required
@require_POST
def slot_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    slot = permissions.get_authored_slot(request.user, pk)
    try:
        editing.slot_remove(slot=slot)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Removed from the quiz."))
    return _to_slots(slot.quiz)


@login_required
@require_POST
def slot_move(request: AuthedRequest, pk: int) -> HttpResponse:
    slot = permissions.get_authored_slot(request.user, pk)
    direction = request.POST.get("direction", "")
    try:
        moved = editing.slot_move(slot=slot, direction=direction)
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400)
    if not moved:
        messages.info(
            request,
            _("It's already at the %(end)s.")
            % {"end": _("top") if direction == "up" else _("bottom")},
        )
    return _to_slots(slot.quiz, f"slot-{slot.pk}")


@login_required
@require_POST
def quiz_publish(request: AuthedRequest, pk: int) -> HttpResponse:
    quiz = permissions.get_authored_quiz(request.user, pk)
    try:
        editing.quiz_publish(quiz=quiz, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if quiz.course.is_live:
            messages.success(request, _("The quiz is published: learners can take it."))
        else:
            messages.success(
                request,
                _("The quiz is published. Learners meet it once the course is published."),
            )
    return redirect("author_quiz", pk=quiz.pk)


@login_required
@require_POST
def quiz_unpublish(request: AuthedRequest, pk: int) -> HttpResponse:
    quiz = permissions.get_authored_quiz(request.user, pk)
    editing.quiz_unpublish(quiz=quiz, actor=request.user)
    messages.success(request, _("The quiz is hidden from learners. Their results are kept."))
    return redirect("author_quiz", pk=quiz.pk)


@login_required
def quiz_preview(request: AuthedRequest, pk: int) -> HttpResponse:
    """The whole quiz as learners will meet it, drafts included. Posting answers grades them
    in memory and shows the marks and feedback ("Try it"); nothing is recorded, so no count,
    result or report ever sees an author's try (see `preview`)."""
    quiz = permissions.get_authored_quiz(request.user, pk)
    course_title, _modules = _outline(quiz.course)
    context: dict[str, Any] = {"quiz": quiz, "course": quiz.course, "course_title": course_title}
    status = 200
    if request.method == "POST":
        try:
            questions, tried = preview.quiz_preview_try(quiz, request.POST)
        except preview.PreviewOutOfDate:
            questions, tried = preview.quiz_preview(quiz), None
            context["error"] = _(
                "The quiz changed since you opened this preview, so your answers couldn't be "
                "marked. Here it is as it is now: try again."
            )
            status = 400
        except preview.PreviewBadAnswer as exc:
            questions, tried = preview.quiz_preview(quiz), None
            context["error"] = _(
                "An answer to question %(n)s isn't one of its options. Here is the quiz again: "
                "try again."
            ) % {"n": exc.number}
            status = 400
        context.update({"questions": questions, "tried": tried})
    else:
        context.update({"questions": preview.quiz_preview(quiz), "tried": None})
    context["version_field"] = preview.VERSION_FIELD
    return render(request, "assessments/authoring/quiz_preview.html", context, status=status)
