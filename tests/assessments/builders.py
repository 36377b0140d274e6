"""Questions and quizzes built through the real services."""

from __future__ import annotations

from decimal import Decimal

from assessments.models import Question, Quiz, QuizSlot
from assessments.questions import services
from assessments.questions.services import AcceptedInput, ChoiceInput, PairInput, QuestionInput

D = Decimal


def single(title: str = "Calm first", points: str = "1") -> QuestionInput:
    return QuestionInput(
        kind="single",
        title=title,
        prompt="A customer shouts. What do you do **first**?",
        explanation="Calm yourself before you calm anyone else.",
        points=D(points),
        choices=[
            ChoiceInput("Take a slow breath", D(1), "Yes: your calm is contagious."),
            ChoiceInput("Shout back", D(0), "That doubles the heat."),
            ChoiceInput("Walk away", D(0), "They feel ignored."),
        ],
    )


def multiple(title: str = "Good signs") -> QuestionInput:
    return QuestionInput(
        kind="multiple",
        title=title,
        prompt="Which of these acknowledge a feeling?",
        points=D(2),
        choices=[
            ChoiceInput("That sounds frustrating", D("0.5")),
            ChoiceInput("I can see why you're upset", D("0.5")),
            ChoiceInput("Calm down", D("-0.5"), "Telling people to calm down rarely works."),
        ],
    )


def truefalse(title: str = "Sorry is blame") -> QuestionInput:
    return QuestionInput(
        kind="truefalse",
        title=title,
        prompt="Saying sorry means admitting it was your fault.",
        choices=[ChoiceInput("True", D(0)), ChoiceInput("False", D(1))],
    )


def short(title: str = "Name the reflex") -> QuestionInput:
    return QuestionInput(
        kind="short",
        title=title,
        prompt="What is the body's alarm response called?",
        accepted=[AcceptedInput("fight or flight"), AcceptedInput("fight-or-flight")],
    )


def ordering(title: str = "Steps") -> QuestionInput:
    return QuestionInput(
        kind="ordering",
        title=title,
        prompt="Put the steps in order.",
        choices=[ChoiceInput("Listen"), ChoiceInput("Acknowledge"), ChoiceInput("Offer options")],
    )


def matching(title: str = "Match") -> QuestionInput:
    return QuestionInput(
        kind="matching",
        title=title,
        prompt="Match the line to the feeling.",
        pairs=[
            PairInput("Where is my order?!", "Angry"),
            PairInput("Will it arrive in time?", "Anxious"),
            PairInput("You remembered!", "Delighted"),
        ],
    )


ALL_KINDS = [single, multiple, truefalse, short, ordering, matching]


def build_quiz(course, *, questions: list[QuestionInput] | None = None, **options) -> Quiz:
    bank = services.bank_path_get_or_create(path=["Tests", course.slug])
    made: list[Question] = [
        services.question_create(bank=bank, data=q) for q in (questions or [f() for f in ALL_KINDS])
    ]
    module = course.published_version.modules.order_by("position").last()
    defaults = {"pass_percent": 70, "is_published": True, "shuffle_questions": False}
    quiz = Quiz.objects.create(
        course=course, module_key=module.key, title="Quick check", **{**defaults, **options}
    )
    QuizSlot.objects.bulk_create(
        QuizSlot(quiz=quiz, position=i, question=q) for i, q in enumerate(made)
    )
    return quiz
