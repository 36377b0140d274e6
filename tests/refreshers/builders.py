"""Review items made the way learners make them: a real graded attempt, a real finished run."""

from __future__ import annotations

from assessments.models import Attempt, AttemptItem
from assessments.quizzes.services import attempts
from assessments.scenarios.services import play
from courses.models import Course
from courses.services import enrolment_create
from learners.models import User
from tests.assessments.builders import build_quiz, single, truefalse
from tests.assessments.scenarios.test_scenarios import build_scenario, reply
from tests.courses.builders import build_course


def right_choice(item: AttemptItem) -> dict:
    return {"choice": next(c.pk for c in item.version.choices.all() if c.fraction == 1)}


def wrong_choice(item: AttemptItem) -> dict:
    return {"choice": next(c.pk for c in item.version.choices.all() if c.fraction <= 0)}


def course_with_quiz(slug: str = "calm-basics") -> tuple[Course, object]:
    course = build_course(slug=slug, modules=1, lessons=1)
    quiz = build_quiz(course, questions=[single(), truefalse()])
    return course, quiz


def take_quiz(
    captured, quiz, user: User, *, right: bool = True, confidence: int | None = 3
) -> Attempt:
    """Answer every question right (or wrong) with `confidence` and submit, running the
    after-commit announcements as a request would."""
    with captured(execute=True):
        attempt = attempts.attempt_start(quiz=quiz, user=user)
        for item in attempt.items.select_related("version").prefetch_related("version__choices"):
            answer = right_choice(item) if right else wrong_choice(item)
            attempts.answer_save(attempt=attempt, item=item, answer=answer, confidence=confidence)
        attempt, _graded = attempts.attempt_submit(attempt=attempt)
    return attempt


def enrol(user: User, course: Course) -> None:
    if not user.enrolments.filter(course=course).exists():
        enrolment_create(user=user, course=course)


def play_scenario(captured, user: User, *, first: str, second: str):
    """Play the wrong-order conversation: `first` and `second` are the starts of the replies."""
    scenario = build_scenario()
    with captured(execute=True):
        run = play.run_start(user=user, scenario=scenario)
        run = play.run_reply(run=run, reply_id=reply(scenario, first).pk, step=0)
        if run.finished_at is None:
            run = play.run_reply(run=run, reply_id=reply(scenario, second).pk, step=1)
    return scenario, run
