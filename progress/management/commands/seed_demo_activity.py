"""Give the demo manager a team worth looking at: assignments (one overdue), some progress, a
finished quiz with a confident mistake, a confidence rating. Run after seed_demo and the
curriculum loaders; safe to run again (it does nothing once the demo manager has assigned
anything). Refuses when DEBUG is off, like seed_demo."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from assessments.models import AttemptItem, Quiz, SelfRating
from assessments.quizzes.services import attempts, self_ratings
from courses.models import Course, Enrolment
from learners.models import User

from ... import services
from ...assignments import Due, assignment_create, assignment_due_change
from ...models import Assignment


class Command(BaseCommand):
    help = "Add demo assignments and progress for the demo manager's team (safe to run again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off (not for production).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo_activity adds made-up progress, so it refuses to run when DEBUG is "
                "off. Use --force if this really is a demo site."
            )
        manager = User.objects.filter(email="manager@example.com").first()
        leo = User.objects.filter(email="learner@example.com").first()
        lina = User.objects.filter(email="learner2@example.com").first()
        basics = Course.objects.published().filter(slug="why-service-is-a-skill").first()
        calm = Course.objects.published().filter(slug="de-escalation").first()
        if None in (manager, leo, lina, basics, calm):
            raise CommandError("Run seed_demo and load_curriculum first.")
        assert manager and leo and lina and basics and calm  # for the type checker
        if Assignment.objects.filter(assigned_by=manager).exists():
            self.stdout.write("Demo activity is already there.")
            return
        with transaction.atomic():
            assignment_create(
                actor=manager, people=[leo, lina], course=basics, due=Due(within_days=10)
            )
            assignment_create(actor=manager, people=[lina], course=calm, due=Due(within_days=1))
            overdue = Assignment.objects.select_related("user", "course__published_version").get(
                user=lina, course=calm
            )
            assignment_due_change(
                actor=manager,
                assignment=overdue,
                due_at=timezone.now() - dt.timedelta(days=3),
            )
            self._lina_gets_going(lina, basics)
        self.stdout.write(
            "Demo activity: Leo and Lina have “Why service is a skill” (due in 10 days); Lina "
            "is part-way, overdue on “De-escalation”, and made a confident mistake in a quiz."
        )

    def _lina_gets_going(self, lina: User, course: Course) -> None:
        enrolment = Enrolment.objects.get(user=lina, course=course)
        quiz = Quiz.objects.published().filter(course=course).order_by("pk").first()
        if quiz is not None and quiz.self_rating_prompt:
            self_ratings.self_rating_record(
                user=lina, quiz=quiz, moment=SelfRating.Moment.BEFORE, rating=4
            )
        assert course.published_version is not None
        lessons = course.published_version.lessons.order_by("module__position", "position")
        for lesson in lessons[:2]:  # part-way through, so the matrix shows progress
            enrolment = services.lesson_complete(enrolment=enrolment, lesson_key=lesson.key)
        if quiz is None:
            return
        attempt = attempts.attempt_start(quiz=quiz, user=lina, seed=7)
        mistake_made = False
        for item in attempt.items.select_related("version"):
            choices = list(item.version.choices.all())
            if item.version.kind not in ("single", "truefalse") or not choices:
                continue
            right = [c for c in choices if c.fraction == 1]
            wrong = [c for c in choices if c.fraction == 0]
            # One confident mistake, so the manager's "sure, but wrong" list has something.
            pick = wrong[0] if wrong and not mistake_made else (right or choices)[0]
            mistake_made = mistake_made or pick in wrong
            attempts.answer_save(
                attempt=attempt,
                item=item,
                answer={"choice": pick.pk},
                confidence=AttemptItem.Confidence.CERTAIN,
            )
        attempts.attempt_submit(attempt=attempt)
