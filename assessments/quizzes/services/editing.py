"""Quizzes and their slots, as authors change them in the browser (quiz authoring).

Questions themselves are written through assessments.questions.services (question_create /
question_update), which every way in shares. Each service here validates, raises
ValidationError keyed by the form field it is about, runs in one transaction and returns what
it changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from assessments.models import Question, QuestionBank, Quiz, QuizSlot
from courses.events import announce_requirements_changed
from courses.models import Course, Module
from courses.ordering import move_among
from learners.audit import audit_record
from learners.models import User


@dataclass
class QuizSettings:
    """Everything an author sets on a quiz besides its questions."""

    title: str
    intro: str = ""
    module_key: UUID | None = None
    pass_percent: int = 70
    max_attempts: int = 0
    cooldown_minutes: int = 0
    time_limit_minutes: int | None = None
    shuffle_questions: bool = True
    required: bool = True
    self_rating_prompt: str = ""


# --- Quizzes ----------------------------------------------------------------------------------


def _validate_settings(course: Course, data: QuizSettings) -> None:
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = _("Give the quiz a title.")
    if not 0 <= data.pass_percent <= 100:
        errors["pass_percent"] = _("The pass mark is a percentage from 0 to 100.")
    if data.max_attempts < 0:
        errors["max_attempts"] = _("Use 0 for no limit, or a number of attempts.")
    if data.cooldown_minutes < 0:
        errors["cooldown_minutes"] = _("Minutes between attempts can't be negative.")
    if data.time_limit_minutes is not None and data.time_limit_minutes < 1:
        errors["time_limit_minutes"] = _("Leave the time limit empty, or give at least 1 minute.")
    if (
        data.module_key is not None
        and not Module.objects.filter(version__course=course, key=data.module_key).exists()
    ):
        errors["module"] = _("Choose one of this course's modules.")
    if data.self_rating_prompt.strip() and data.module_key is None:
        errors["self_rating_prompt"] = _(
            "The confidence question is asked before and after a module: choose the module this "
            "quiz follows, or leave the question empty."
        )
    if errors:
        raise ValidationError(errors)


def _apply_settings(quiz: Quiz, data: QuizSettings) -> None:
    quiz.title = data.title.strip()
    quiz.intro = data.intro.strip()
    quiz.module_key = data.module_key
    quiz.pass_percent = data.pass_percent
    quiz.max_attempts = data.max_attempts
    quiz.cooldown_minutes = data.cooldown_minutes
    quiz.time_limit_minutes = data.time_limit_minutes
    quiz.shuffle_questions = data.shuffle_questions
    quiz.required = data.required
    quiz.self_rating_prompt = data.self_rating_prompt.strip()


def quiz_create(*, course: Course, data: QuizSettings) -> Quiz:
    """A new, unpublished quiz of `course` with no questions yet. Raises ValidationError keyed
    by setting (title, pass_percent, max_attempts, cooldown_minutes, time_limit_minutes,
    module, self_rating_prompt)."""
    _validate_settings(course, data)
    quiz = Quiz(course=course, is_published=False)
    _apply_settings(quiz, data)
    with transaction.atomic():
        quiz.save()
    return quiz


def quiz_update(*, quiz: Quiz, data: QuizSettings) -> Quiz:
    """Change a quiz's settings; its questions and published state stay. Attempts already
    started keep the questions they drew; new limits apply to the next attempt. Raises
    ValidationError as quiz_create does."""
    _validate_settings(quiz.course, data)
    was_required = quiz.required
    with transaction.atomic():
        _apply_settings(quiz, data)
        if quiz.is_published and quiz.required != was_required:
            announce_requirements_changed(course_id=quiz.course_id)
        quiz.save(
            update_fields=[
                "title",
                "intro",
                "module_key",
                "pass_percent",
                "max_attempts",
                "cooldown_minutes",
                "time_limit_minutes",
                "shuffle_questions",
                "required",
                "self_rating_prompt",
            ]
        )
    return quiz


def _locked(quiz: Quiz) -> Quiz:
    """The quiz row locked for the rest of the transaction, so slot positions stay in order
    when two authors change the same quiz at once."""
    return Quiz.objects.select_for_update().get(pk=quiz.pk)


def _next_position(quiz: Quiz) -> int:
    last = quiz.slots.aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


def slot_add_question(*, quiz: Quiz, question: Question) -> QuizSlot:
    """Add `question` at the end of the quiz. Raises ValidationError on `question` when it is
    archived, has no content yet, or is already a fixed question of this quiz."""
    if question.archived or question.current_id is None:
        raise ValidationError({"question": _("That question can't be used any more.")})
    with transaction.atomic():
        _locked(quiz)
        if quiz.slots.filter(question=question).exists():
            raise ValidationError({"question": _("That question is already in this quiz.")})
        return QuizSlot.objects.create(quiz=quiz, position=_next_position(quiz), question=question)


@dataclass
class QuestionsAdded:
    """What `slots_add_questions` did: the new slots in order, and the questions it left out
    because they were already fixed questions of the quiz, or can't be used (archived, empty)."""

    slots: list[QuizSlot]
    already_in: list[Question]
    unusable: list[Question]


def slots_add_questions(*, quiz: Quiz, questions: Sequence[Question]) -> QuestionsAdded:
    """Add each of `questions` at the end of the quiz, in the order given, once each, skipping
    those already in it and those that can't be used (see `QuestionsAdded`). Raises
    ValidationError on `question` when `questions` is empty. Four queries."""
    if not questions:
        raise ValidationError({"question": _("Tick at least one question to add.")})
    with transaction.atomic():
        _locked(quiz)
        present = set(
            quiz.slots.filter(question__isnull=False).values_list("question_id", flat=True)
        )
        position = _next_position(quiz)
        added: list[QuizSlot] = []
        already_in: list[Question] = []
        unusable: list[Question] = []
        for question in questions:
            if question.pk in present:
                already_in.append(question)
            elif question.archived or question.current_id is None:
                unusable.append(question)
            else:
                present.add(question.pk)
                added.append(QuizSlot(quiz=quiz, position=position, question=question))
                position += 1
        slots = QuizSlot.objects.bulk_create(added)
    return QuestionsAdded(slots=slots, already_in=already_in, unusable=unusable)


def usable_question_count(bank: QuestionBank) -> int:
    """How many questions a random draw from `bank` can pick from (its own questions, not its
    sub-banks', that are not archived). One query."""
    return Question.objects.filter(bank=bank, archived=False, current__isnull=False).count()


def slot_add_draw(*, quiz: Quiz, bank: QuestionBank, count: int) -> QuizSlot:
    """Add "`count` random questions from `bank`" at the end of the quiz. Raises
    ValidationError on `count` when it is below 1 or more than the bank holds."""
    if count < 1:
        raise ValidationError({"count": _("Draw at least 1 question.")})
    with transaction.atomic():
        _locked(quiz)
        available = usable_question_count(bank)
        if count > available:
            raise ValidationError(
                {
                    "count": _(
                        "“%(bank)s” holds %(n)s questions, so a draw can take at most %(n)s."
                    )
                    % {"bank": bank.name, "n": available}
                }
            )
        return QuizSlot.objects.create(
            quiz=quiz, position=_next_position(quiz), bank=bank, draw_count=count
        )


def slot_remove(*, slot: QuizSlot) -> Quiz:
    """Take a slot out of its quiz (attempts already started keep their questions). Raises
    ValidationError when it is the last slot of a published quiz: learners would meet a quiz
    with no questions. Returns the quiz."""
    with transaction.atomic():
        quiz = _locked(slot.quiz)
        if quiz.is_published and quiz.slots.count() == 1:
            raise ValidationError(
                _("This is the quiz's only question. Unpublish the quiz first, or add another.")
            )
        slot.delete()
    return quiz


def slot_move(*, slot: QuizSlot, direction: str) -> bool:
    """Move a slot one place "up" or "down" (`courses.ordering.move_among`). Returns False when
    it is already at that end or was removed meanwhile. Raises ValidationError for any other
    direction. Positions are renumbered 0..n-1."""
    with transaction.atomic():
        quiz = _locked(slot.quiz)
        slots = list(quiz.slots.order_by("position", "pk"))
        if move_among(slots, slot.pk, direction) is None:
            return False
        QuizSlot.objects.bulk_update(slots, ["position"])
    return True


def quiz_publish(*, quiz: Quiz, actor: User | None) -> Quiz:
    """Let learners take the quiz (when its course is live). Raises ValidationError on `slots`
    when it has no questions."""
    with transaction.atomic():
        locked = _locked(quiz)
        if not locked.slots.exists():
            raise ValidationError(
                {"slots": _("Add at least one question before publishing the quiz.")}
            )
        was_published = locked.is_published
        locked.is_published = True
        locked.save(update_fields=["is_published"])
        announce_requirements_changed(course_id=quiz.course_id)
        _audit(actor, "quiz.publish", locked, was_published)
    quiz.is_published = True
    return quiz


def quiz_unpublish(*, quiz: Quiz, actor: User | None) -> Quiz:
    """Hide the quiz from learners; attempts and results are kept."""
    with transaction.atomic():
        locked = _locked(quiz)
        Quiz.objects.filter(pk=quiz.pk).update(is_published=False)
        announce_requirements_changed(course_id=quiz.course_id)
        _audit(actor, "quiz.unpublish", locked, locked.is_published)
    quiz.is_published = False
    return quiz


def _audit(actor: User | None, action: str, quiz: Quiz, was_published: bool) -> None:
    audit_record(
        actor=actor,
        action=action,
        target_type="quiz",
        target_id=quiz.pk,
        target_label=quiz.title,
        changes={"published": (was_published, action == "quiz.publish")},
    )
