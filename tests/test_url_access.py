"""Who reaches every URL the project defines: one table, checked for seven personas.

`TABLE` names every URL pattern the project's URL conf resolves (third-party areas in
`SKIPPED_PREFIXES` aside): how to build its arguments from one shared `World`, which methods to
try, and what each persona gets. `test_every_url_is_in_the_table` fails for a URL without a row
and for a row without a URL, so adding a URL means adding its row (docs/adr/0007).

Expectations are real outcomes. A success is 200 (or 302, 204...), a visitor is sent to the
sign-in page, what a persona may not see answers 404, and a visible object a persona may not
act on answers 403. Form pages are also posted, with a body no form reads (`NOTHING`): whoever
gets past the access check gets the form back with its errors (400, or 200 where the view
re-renders without a status).

The world is built once for the module, inside a transaction rolled back at the end; every case
runs in its own savepoint (pytest-django's `db`), so a POST that publishes or removes something
leaves nothing behind for the next case.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from assessments.models import (
    Attempt,
    ImportJob,
    Question,
    QuestionBank,
    Quiz,
    QuizSlot,
    Scenario,
    ScenarioNode,
    ScenarioReply,
    ScenarioRun,
)
from assessments.questions import imports as question_imports
from assessments.questions import services as question_services
from assessments.quizzes.services import attempts
from assessments.quizzes.services import editing as quiz_editing
from assessments.scenarios.services import play
from courses import services as course_services
from courses.models import Course, CourseImage, LearningPath, Lesson, Module
from learners import services as learner_services
from learners.models import AuditEntry, Invitation, Membership, Team, User
from notifications import unsubscribe
from notifications.kinds import Kind
from notifications.models import Notification, State
from progress import services as progress_services
from progress.assignments import assignment_create
from progress.models import Assignment, AssignmentRule, Certificate
from progress.rules import rule_create
from refreshers import services as refresher_services
from refreshers.models import Review, ReviewItem
from tests.assessments.builders import build_quiz, single, truefalse
from tests.assessments.scenarios.test_scenarios import build_scenario, reply
from tests.courses.builders import build_course
from tests.courses.test_author_views import png_bytes
from tests.factories import AuditEntryFactory, MembershipFactory, TeamFactory, UserFactory

PERSONAS = (
    "anonymous",
    "learner",
    "other_learner",
    "outsider",
    "manager",
    "other_manager",
    "admin",
)
SIGNED_IN_PERSONAS = frozenset(PERSONAS) - {"anonymous"}

# URL conf areas the project mounts but does not write; each guards itself.
SKIPPED_PREFIXES = {
    "admin/": "Django's admin: operators only, behind its own staff check "
    "(tests/config/test_admin_site.py)",
    "accounts/": "allauth's sign-in, sign-out, password and two-factor flows",
    "_errors/": "static error-page previews, mounted only when DEBUG is on (never in production "
    "or under pytest)",
}


# --- The world every row reads ------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    """The personas of tests/conftest.py and one of everything the URLs name.

    The course is live and not open to everyone; the manager assigned it to the learner, who
    finished its lessons (hence the certificate) before its quiz and practice conversation were
    added. The learner has a finished and an open attempt at the quiz, an attempt left open at a
    second quiz that was unpublished since, and a finished and an unfinished run of the
    conversation. The course also has a draft, which the authoring rows edit.
    """

    people: Mapping[str, User]
    downtown: Team
    course: Course
    lessons: Sequence[Lesson]
    draft_module: Module
    draft_lesson: Lesson
    image: CourseImage
    bank: QuestionBank
    question: Question
    spare_question: Question  # in the bank, not in the quiz
    quiz: Quiz
    slot: QuizSlot
    finished_attempt: Attempt
    open_attempt: Attempt
    hidden_attempt: Attempt  # open, at a second quiz unpublished since
    scenario: Scenario
    node: ScenarioNode
    scenario_reply: ScenarioReply
    finished_run: ScenarioRun
    run: ScenarioRun
    path: LearningPath
    certificate: Certificate
    invitation: Invitation
    invitation_token: str
    account_invitation_token: str  # for the outsider's existing account, into Downtown
    assignment: Assignment
    rule: AssignmentRule
    audit_entry: AuditEntry
    import_job: ImportJob  # the admin's, still waiting in the queue
    review_item: ReviewItem  # the learner's, from the finished run's opening line
    refresher_review: Review  # the learner's refresher answer to it
    unsubscribe_token: str  # the learner's, for refresher reminders
    failed_notification: Notification

    def __getitem__(self, persona: str) -> User:
        return self.people[persona]


def _person(email: str, name: str, team: Team | None = None, role: str = "", **extra: Any) -> User:
    user = UserFactory(email=email, full_name=name, **extra)
    if team is not None:
        MembershipFactory(team=team, user=user, role=role or Membership.Role.MEMBER)
    return user


def build_world() -> World:
    # The same people and teams as the fixtures in tests/conftest.py, built once for the module.
    region = TeamFactory(name="North Region")
    downtown = TeamFactory(name="Downtown Store", parent=region)
    harbour = TeamFactory(name="Harbour Store", parent=region)
    people = {
        "learner": _person("leo@example.com", "Leo Learner", downtown),
        "other_learner": _person("lina@example.com", "Lina Learner", downtown),
        "outsider": _person("olga@example.com", "Olga Outsider", harbour),
        "manager": _person("maya@example.com", "Maya Manager", downtown, Membership.Role.MANAGER),
        "other_manager": _person(
            "omar@example.com", "Omar Manager", harbour, Membership.Role.MANAGER
        ),
        "admin": _person("ada@example.com", "Ada Admin", is_training_admin=True),
    }
    learner, manager, admin = people["learner"], people["manager"], people["admin"]

    course = build_course(modules=1, lessons=2, self_enrol=False, author=admin)
    assert course.published_version is not None
    lessons = list(course.published_version.lessons.order_by("position"))
    assignment_create(actor=manager, people=[learner], course=course)
    assignment = Assignment.objects.get(user=learner, course=course)
    enrolment = course.enrolments.get(user=learner)
    for lesson in lessons:
        progress_services.lesson_complete(enrolment=enrolment, lesson_key=lesson.key)
    certificate = Certificate.objects.get(enrolment=enrolment)

    quiz = build_quiz(course, questions=[single()], self_rating_prompt="How sure do you feel?")
    slot = quiz.slots.select_related("question__bank").get()
    assert slot.question is not None
    finished_attempt = attempts.attempt_start(quiz=quiz, user=learner)
    attempts.attempt_submit(attempt=finished_attempt)
    open_attempt = attempts.attempt_start(quiz=quiz, user=learner)
    hidden_quiz = build_quiz(course, questions=[single("Hidden")])
    hidden_attempt = attempts.attempt_start(quiz=hidden_quiz, user=learner)
    quiz_editing.quiz_unpublish(quiz=hidden_quiz, actor=admin)

    scenario = build_scenario(course_slug=course.slug)
    finished_run = play.run_reply(
        run=play.run_start(user=learner, scenario=scenario),
        reply_id=reply(scenario, "Please calm down.").pk,
    )
    assert finished_run.finished_at is not None
    run = play.run_start(user=learner, scenario=scenario)
    # The world is built in one transaction, so announcements never fire: record the run here.
    refresher_services.items_record_run(run_id=finished_run.pk)
    review_item = ReviewItem.objects.get(user=learner)
    refresher_review = refresher_services.refresher_answer(
        user=learner,
        item=review_item,
        reps_seen=review_item.reps,
        answer={"reply": reply(scenario, "I'm sorry").pk},
        confidence=3,
        now=review_item.due_at,
    )

    path = course_services.path_create(
        slug="new-starters", title="New starters", courses=[course], is_published=True
    )
    invitation = learner_services.invitation_create(
        actor=manager, email="sam@example.com", full_name="Sam New", team=downtown
    )
    image = course_services.course_image_add(
        course=course,
        image=SimpleUploadedFile("calm.png", png_bytes(), content_type="image/png"),
        alt_text="A calm face",
        uploaded_by=admin,
    )
    draft = course_services.course_draft(course=course, user=admin)
    draft_module = draft.modules.get()
    return World(
        people=people,
        downtown=downtown,
        course=course,
        lessons=lessons,
        draft_module=draft_module,
        draft_lesson=draft_module.lessons.order_by("position").first(),
        image=image,
        bank=slot.question.bank,
        question=slot.question,
        spare_question=question_services.question_create(bank=slot.question.bank, data=truefalse()),
        quiz=quiz,
        slot=slot,
        finished_attempt=finished_attempt,
        open_attempt=open_attempt,
        hidden_attempt=hidden_attempt,
        scenario=scenario,
        node=ScenarioNode.objects.get(scenario=scenario, name="opening"),
        scenario_reply=reply(scenario, "What's your order number?"),
        finished_run=finished_run,
        run=run,
        path=path,
        certificate=certificate,
        invitation=invitation,
        invitation_token=learner_services.invitation_token(invitation),
        account_invitation_token=learner_services.invitation_token(
            learner_services.invitation_create(
                actor=manager, email="olga@example.com", team=downtown
            )
        ),
        assignment=assignment,
        # Its own course, so the people it reaches gain nothing the other rows depend on.
        rule=rule_create(
            actor=manager,
            team=downtown,
            course=build_course(slug="rules-only", title="Rules only", modules=1, lessons=1),
        ),
        audit_entry=AuditEntryFactory(actor=admin),
        import_job=question_imports.import_job_create(
            actor=admin,
            content=b"::Calm::Breathe first. {T}\n",
            filename="calm.gift",
            bank_path=["Imported"],
        ),
        review_item=review_item,
        refresher_review=refresher_review,
        unsubscribe_token=unsubscribe.token(user_id=learner.pk, kinds=[Kind.REFRESHER_DUE]),
        failed_notification=Notification.objects.create(
            user=learner,
            kind=Kind.DUE_TODAY,
            subject_type="enrolment",
            subject_id=enrolment.pk,
            period="today",
            dedupe_key="world-failed",
            state=State.FAILED,
        ),
    )


@pytest.fixture(scope="module")
def world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """One world for the whole module, rolled back when the module is done. Each test's own
    transaction (`db`) nests inside as a savepoint."""
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))
    media.enable()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            media.disable()


# --- Expected outcomes --------------------------------------------------------------------------


@dataclass(frozen=True)
class To:
    """A 302 whose Location starts with `where(world)`."""

    where: Callable[[World], str]
    label: str


LOGIN = To(lambda w: "/accounts/login/", "the sign-in page")
DASHBOARD = To(lambda w: reverse("dashboard"), "the dashboard")
COURSE_PAGE = To(lambda w: reverse("course_detail", args=[w.course.slug]), "the course page")
NEXT_LESSON = To(
    lambda w: reverse("lesson_detail", args=[w.course.slug, w.lessons[1].key]), "the next lesson"
)
TAKE_ATTEMPT = To(lambda w: reverse("attempt_take", args=[w.open_attempt.pk]), "the open attempt")

Outcome = int | To


@dataclass(frozen=True)
class Access:
    """Who gets through: `allowed` personas get `ok`, other signed-in personas `refused`,
    visitors `anonymous` (unless allowed); `overrides` win over all of that."""

    allowed: frozenset[str]
    ok: Outcome = 200
    refused: Outcome = 404
    anonymous: Outcome = LOGIN
    overrides: Mapping[str, Outcome] = field(default_factory=dict)

    def __or__(self, other: Access) -> Access:
        return dataclasses.replace(self, allowed=self.allowed | other.allowed)

    def succeeds_with(self, status: Outcome) -> Access:
        return dataclasses.replace(self, ok=status)

    def refuses_with(self, status: Outcome) -> Access:
        return dataclasses.replace(self, refused=status)

    def but(self, **overrides: Outcome) -> Access:
        assert set(overrides) <= set(PERSONAS), overrides
        return dataclasses.replace(self, overrides={**self.overrides, **overrides})

    def expected(self, persona: str) -> Outcome:
        if persona in self.overrides:
            return self.overrides[persona]
        if persona in self.allowed:
            return self.ok
        return self.anonymous if persona == "anonymous" else self.refused


def level(*personas: str) -> Access:
    return Access(allowed=frozenset(personas))


NOBODY = level()
PUBLIC = level(*PERSONAS)
SIGNED_IN = level(*SIGNED_IN_PERSONAS)
# The learner's own object (their attempt, run, certificate).
OWNER = level("learner")
# The learner's manager (of Downtown, the world's team) and training admins.
MANAGER_OF = level("manager", "admin")
# Anyone who manages a team, and training admins: people, teams, assigning training.
MANAGERS = level("manager", "other_manager", "admin")
ASSIGNER = MANAGERS  # progress.permissions.can_assign
# Training admins only: authoring, the activity log, the organisation chart.
AUTHOR = level("admin")
ADMINS_ONLY = AUTHOR
# Taking part in the course (courses.permissions.can_take_part): the enrolled learner. Everyone
# else signed in sees the live course but may not act in it.
ENROLLED = level("learner").refuses_with(403)

INVALID = 400  # the form came back with its errors, after the access check
# The POST body unless a row gives one: a field no form reads. Not empty, so views that bind
# `request.POST or None` take their POST branch rather than showing the page as for GET.
NOTHING = {"nothing": ""}


# --- The table ---------------------------------------------------------------------------------

Args = Callable[[World], Sequence[object]]
Data = Callable[[World], Mapping[str, object]]


def no_args(w: World) -> Sequence[object]:
    return ()


@dataclass(frozen=True)
class Row:
    """One URL in one state of the world: its arguments, the outcome per method, and optional
    request data. A URL with more than one row names each extra one with a `variant`."""

    variant: str = ""
    args: Args = no_args
    get: Access | None = None
    post: Access | None = None
    data: Data | None = None  # the POST body (`NOTHING` unless given)
    query: Data | None = None  # the query string
    # "METHOD persona" -> why the actual behaviour is a defect (an xfail that must fail).
    defects: Mapping[str, str] = field(default_factory=dict)

    def methods(self) -> dict[str, Access]:
        return {m: a for m, a in (("GET", self.get), ("POST", self.post)) if a is not None}


def course_pk(w: World) -> Sequence[object]:
    return [w.course.pk]


def quiz_pk(w: World) -> Sequence[object]:
    return [w.quiz.pk]


def scenario_pk(w: World) -> Sequence[object]:
    return [w.scenario.pk]


def slug(w: World) -> Sequence[object]:
    return [w.course.slug]


def first_lesson(w: World) -> Sequence[object]:
    return [w.course.slug, w.lessons[0].key]


TABLE: dict[str, Row | tuple[Row, ...]] = {
    # config
    "healthz": Row(get=PUBLIC),
    # Browsers post violation reports with no session; `NOTHING` is not a report.
    "csp_report": Row(get=PUBLIC.succeeds_with(405), post=PUBLIC.succeeds_with(INVALID)),
    "media": Row(args=lambda w: [w.image.image.name], get=SIGNED_IN),
    # learners: people, teams, invitations, the activity log
    "home": Row(get=SIGNED_IN.succeeds_with(DASHBOARD)),
    "people": Row(get=MANAGERS.refuses_with(403)),
    "invite": Row(get=MANAGERS.refuses_with(403), post=MANAGERS.refuses_with(403)),
    "invitation_resend": Row(args=lambda w: [w.invitation.pk], post=MANAGER_OF.succeeds_with(302)),
    "invitation_revoke": Row(args=lambda w: [w.invitation.pk], post=MANAGER_OF.succeeds_with(302)),
    "invitation_accept": (
        # For a new address the signed token is the key: whoever holds the link may open it.
        Row(args=lambda w: [w.invitation_token], get=PUBLIC, post=PUBLIC),
        # For an existing account (the outsider's), only that person, signed in, may join;
        # a visitor signs in first, anyone else is told it is not theirs.
        Row(
            variant="existing account",
            args=lambda w: [w.account_invitation_token],
            get=level("outsider").refuses_with(403),
            post=level("outsider").succeeds_with(DASHBOARD).refuses_with(403),
        ),
    ),
    "teams": Row(get=MANAGERS.refuses_with(403)),
    "team_create": Row(get=ADMINS_ONLY.refuses_with(403), post=ADMINS_ONLY.refuses_with(403)),
    # Members see that their team exists, but the roster is for its managers.
    "team_detail": Row(
        args=lambda w: [w.downtown.pk],
        get=MANAGER_OF.but(learner=403, other_learner=403),
        post=MANAGER_OF.but(learner=403, other_learner=403),
    ),
    # Only admins change who is in a team; the manager sees the team but may not.
    "membership_remove": Row(
        args=lambda w: [w.downtown.pk, w["learner"].pk, Membership.Role.MEMBER],
        post=ADMINS_ONLY.succeeds_with(302).but(learner=403, other_learner=403, manager=403),
    ),
    "audit_log": Row(get=ADMINS_ONLY),
    # courses: authoring
    "author_courses": Row(get=AUTHOR),
    "author_course_new": Row(get=AUTHOR, post=AUTHOR),
    "author_course": Row(args=course_pk, get=AUTHOR, post=AUTHOR.succeeds_with(INVALID)),
    "author_start_draft": Row(args=course_pk, post=AUTHOR.succeeds_with(302)),
    "author_publish": Row(args=course_pk, post=AUTHOR.succeeds_with(302)),
    "author_unpublish": Row(args=course_pk, post=AUTHOR.succeeds_with(302)),
    "author_republish": Row(args=course_pk, post=AUTHOR.succeeds_with(302)),
    "author_preview": Row(args=course_pk, get=AUTHOR),
    "author_lesson_preview": Row(args=lambda w: [w.course.pk, w.lessons[0].key], get=AUTHOR),
    "author_module_new": Row(
        args=course_pk,
        post=AUTHOR.succeeds_with(302),
        data=lambda w: {"module-title": "Module 2"},
    ),
    "author_module": Row(
        args=lambda w: [w.draft_module.pk], get=AUTHOR, post=AUTHOR.succeeds_with(INVALID)
    ),
    "author_module_delete": Row(args=lambda w: [w.draft_module.pk], post=AUTHOR.succeeds_with(302)),
    "author_module_move": Row(
        args=lambda w: [w.draft_module.pk],
        post=AUTHOR.succeeds_with(302),
        data=lambda w: {"direction": "up"},
    ),
    "author_lesson_new": Row(
        args=lambda w: [w.draft_module.pk], get=AUTHOR, post=AUTHOR.succeeds_with(INVALID)
    ),
    "author_lesson": Row(
        args=lambda w: [w.draft_lesson.pk], get=AUTHOR, post=AUTHOR.succeeds_with(INVALID)
    ),
    "author_lesson_delete": Row(args=lambda w: [w.draft_lesson.pk], post=AUTHOR.succeeds_with(302)),
    "author_lesson_move": Row(
        args=lambda w: [w.draft_lesson.pk],
        post=AUTHOR.succeeds_with(302),
        data=lambda w: {"direction": "down"},
    ),
    "author_markdown_preview": Row(post=AUTHOR, data=lambda w: {"body_markdown": "**Hi**"}),
    "author_image_upload": Row(
        args=course_pk,
        post=AUTHOR.succeeds_with(302),
        data=lambda w: {
            "image-image": SimpleUploadedFile("s.png", png_bytes(), content_type="image/png"),
            "image-alt_text": "A smile",
        },
    ),
    "author_course_import": Row(get=AUTHOR, post=AUTHOR.succeeds_with(INVALID)),
    # Without a token signed for them, authors are sent back to upload again.
    "author_course_import_confirm": Row(post=AUTHOR.succeeds_with(INVALID)),
    "author_course_export": Row(args=course_pk, get=AUTHOR),
    # assessments/questions: authoring
    "author_banks": Row(get=AUTHOR),
    "author_bank_new": Row(get=AUTHOR, post=AUTHOR.succeeds_with(INVALID)),
    "author_bank": Row(args=lambda w: [w.bank.pk], get=AUTHOR),
    "author_question_new": Row(
        args=lambda w: [w.bank.pk], get=AUTHOR, post=AUTHOR.succeeds_with(INVALID)
    ),
    "author_question": Row(
        args=lambda w: [w.question.pk], get=AUTHOR, post=AUTHOR.succeeds_with(INVALID)
    ),
    "author_question_preview": Row(post=AUTHOR, data=lambda w: {"kind": "single"}),
    "question_import": Row(get=AUTHOR, post=AUTHOR.succeeds_with(INVALID)),
    # The author who uploaded the file (the admin, here) and operators; other authors get 404
    # (tests/assessments/questions/test_import_jobs.py).
    "question_import_job": Row(args=lambda w: [w.import_job.pk], get=AUTHOR),
    "question_import_help": Row(get=AUTHOR),
    "question_export": Row(get=AUTHOR, query=lambda w: {"bank": w.bank.pk}),
    # assessments/quizzes: the learner's pages
    "quiz_detail": Row(args=lambda w: [w.quiz.key], get=SIGNED_IN),
    "quiz_start": Row(args=lambda w: [w.quiz.key], post=ENROLLED.succeeds_with(302)),
    "self_rating_save": Row(
        args=lambda w: [w.quiz.key, "after"],
        post=ENROLLED.succeeds_with(302),
        data=lambda w: {"rating": "4"},
    ),
    # A step saves its question and moves on (the check step, for a one-question quiz).
    "attempt_take": (
        Row(
            args=lambda w: [w.open_attempt.pk],
            get=OWNER,
            post=OWNER.succeeds_with(
                To(lambda w: reverse("attempt_check", args=[w.open_attempt.pk]), "the check step")
            ),
        ),
        Row(
            variant="hidden_quiz",
            args=lambda w: [w.hidden_attempt.pk],
            get=NOBODY,
            post=NOBODY,
        ),
    ),
    "attempt_check": (
        Row(args=lambda w: [w.open_attempt.pk], get=OWNER),
        Row(variant="hidden_quiz", args=lambda w: [w.hidden_attempt.pk], get=NOBODY),
    ),
    # An htmx autosave: a visitor gets a plain 401 the script can show, not a redirect.
    "answer_save": (
        Row(args=lambda w: [w.open_attempt.pk, 0], post=OWNER.but(anonymous=401)),
        Row(
            variant="hidden_quiz",
            args=lambda w: [w.hidden_attempt.pk, 0],
            post=NOBODY.but(anonymous=401),
        ),
    ),
    # With a question unanswered, submitting takes the check step's yes.
    "attempt_submit": (
        Row(
            args=lambda w: [w.open_attempt.pk],
            post=OWNER.succeeds_with(302),
            data=lambda w: {"confirm": "1"},
        ),
        Row(
            variant="hidden_quiz",
            args=lambda w: [w.hidden_attempt.pk],
            post=NOBODY,
        ),
    ),
    "attempt_review": (
        Row(args=lambda w: [w.finished_attempt.pk], get=OWNER | MANAGER_OF),
        # Answers stay private until the learner submits; the learner is sent back to finish.
        Row(
            variant="open",
            args=lambda w: [w.open_attempt.pk],
            get=OWNER.succeeds_with(TAKE_ATTEMPT).but(manager=403, admin=403),
        ),
    ),
    # assessments/quizzes: authoring
    "author_quizzes": Row(args=course_pk, get=AUTHOR),
    "author_quiz_new": Row(args=course_pk, get=AUTHOR, post=AUTHOR.succeeds_with(INVALID)),
    "author_quiz": Row(args=quiz_pk, get=AUTHOR, post=AUTHOR.succeeds_with(INVALID)),
    "author_quiz_add_question": Row(
        args=quiz_pk,
        get=AUTHOR,
        post=AUTHOR.succeeds_with(302),
        data=lambda w: {"question": [w.spare_question.pk]},
    ),
    "author_quiz_add_draw": Row(
        args=quiz_pk,
        post=AUTHOR.succeeds_with(302),
        data=lambda w: {"draw-bank": w.bank.pk, "draw-count": 1},
    ),
    "author_quiz_preview": Row(args=quiz_pk, get=AUTHOR, post=AUTHOR.succeeds_with(INVALID)),
    "author_quiz_publish": Row(args=quiz_pk, post=AUTHOR.succeeds_with(302)),
    "author_quiz_unpublish": Row(args=quiz_pk, post=AUTHOR.succeeds_with(302)),
    "author_quiz_slot_move": Row(
        args=lambda w: [w.slot.pk],
        post=AUTHOR.succeeds_with(302),
        data=lambda w: {"direction": "up"},
    ),
    "author_quiz_slot_remove": Row(args=lambda w: [w.slot.pk], post=AUTHOR.succeeds_with(302)),
    # assessments/scenarios: the learner's pages
    "scenario_detail": Row(args=lambda w: [w.scenario.slug], get=SIGNED_IN),
    "scenario_start": Row(args=lambda w: [w.scenario.slug], post=ENROLLED.succeeds_with(302)),
    # Own runs only, the debrief too (assessments/scenarios/permissions.py): narrower than the
    # rule for attempts, where the learner's manager and admins read the review.
    "scenario_run": (
        Row(args=lambda w: [w.scenario.slug, w.run.pk], get=OWNER),
        # A finished run's debrief reads like a quiz review: the learner and their manager.
        Row(
            variant="debrief",
            args=lambda w: [w.scenario.slug, w.finished_run.pk],
            get=OWNER | MANAGER_OF,
        ),
    ),
    "scenario_reply": Row(
        args=lambda w: [w.scenario.slug, w.run.pk],
        post=OWNER.succeeds_with(302),
        data=lambda w: {"reply": w.scenario_reply.pk},
    ),
    # refreshers: the learner's own (refreshers/permissions.py); the course setting for authors
    "refreshers": Row(get=SIGNED_IN),
    "refresher_next": Row(get=SIGNED_IN),
    "refresher_answer": Row(args=lambda w: [w.review_item.pk], post=OWNER.succeeds_with(INVALID)),
    "refresher_feedback": Row(args=lambda w: [w.refresher_review.pk], get=OWNER),
    "author_course_refreshers": Row(args=course_pk, get=AUTHOR, post=AUTHOR.succeeds_with(INVALID)),
    # assessments/scenarios: authoring
    "author_scenarios": Row(get=AUTHOR),
    "author_scenario_new": Row(get=AUTHOR, post=AUTHOR.succeeds_with(INVALID)),
    "author_scenario": Row(args=scenario_pk, get=AUTHOR, post=AUTHOR.succeeds_with(INVALID)),
    "author_scenario_check": Row(args=scenario_pk, get=AUTHOR),
    "author_scenario_preview": Row(args=scenario_pk, get=AUTHOR),
    "author_scenario_publish": Row(args=scenario_pk, post=AUTHOR.succeeds_with(302)),
    "author_scenario_unpublish": Row(args=scenario_pk, post=AUTHOR.succeeds_with(302)),
    "author_scenario_node_new": Row(args=scenario_pk, post=AUTHOR.succeeds_with(INVALID)),
    # A line is edited with its replies in the editor; the line's and replies' own addresses
    # lead there (302).
    "author_scenario_node": Row(
        args=lambda w: [w.node.pk],
        get=AUTHOR.succeeds_with(302),
        post=AUTHOR.succeeds_with(INVALID),
    ),
    "author_scenario_node_delete": Row(args=lambda w: [w.node.pk], post=AUTHOR.succeeds_with(302)),
    "author_scenario_reply_new": Row(args=lambda w: [w.node.pk], get=AUTHOR.succeeds_with(302)),
    "author_scenario_reply": Row(
        args=lambda w: [w.scenario_reply.pk], get=AUTHOR.succeeds_with(302)
    ),
    "author_scenario_reply_delete": Row(
        args=lambda w: [w.scenario_reply.pk], post=AUTHOR.succeeds_with(302)
    ),
    # progress: the learner's journey
    "dashboard": Row(get=SIGNED_IN),
    "catalog": Row(get=SIGNED_IN),
    "course_detail": Row(args=slug, get=SIGNED_IN),
    # Not open to everyone: only the enrolled learner carries on; admins may start any course.
    "course_enrol": Row(args=slug, post=ENROLLED.succeeds_with(302).but(admin=302)),
    "lesson_detail": Row(args=first_lesson, get=ENROLLED.refuses_with(COURSE_PAGE)),
    "lesson_complete": Row(
        args=first_lesson, post=ENROLLED.succeeds_with(NEXT_LESSON).refuses_with(COURSE_PAGE)
    ),
    # Time on a lesson nobody is enrolled in is dropped without a word.
    "lesson_time": Row(
        args=first_lesson, post=SIGNED_IN.succeeds_with(204), data=lambda w: {"seconds": "30"}
    ),
    "path_detail": Row(args=lambda w: [w.path.slug], get=SIGNED_IN),
    # Not open to everyone: admins may start it (to take it as a learner would).
    "path_enrol": Row(
        args=lambda w: [w.path.slug], post=ADMINS_ONLY.succeeds_with(302).refuses_with(403)
    ),
    "certificate_detail": Row(args=lambda w: [w.certificate.code], get=OWNER | MANAGER_OF),
    "certificate_pdf": Row(args=lambda w: [w.certificate.code], get=OWNER | MANAGER_OF),
    # Public on purpose: it shows only what the certificate states.
    "certificate_verify": Row(args=lambda w: [w.certificate.code], get=PUBLIC),
    # progress: assignments
    "assign": Row(get=ASSIGNER, post=ASSIGNER.succeeds_with(INVALID)),
    "assignments": Row(get=ASSIGNER),
    # Whoever may assign to the learner changes or removes it; the learner may not.
    "assignment_due_change": Row(
        args=lambda w: [w.assignment.pk], post=MANAGER_OF.succeeds_with(302)
    ),
    "assignment_remove": Row(args=lambda w: [w.assignment.pk], post=MANAGER_OF.succeeds_with(302)),
    # progress: team rules. Whoever may assign to the rule's team removes it.
    "assignment_rules": Row(get=ASSIGNER, post=ASSIGNER.succeeds_with(INVALID)),
    "assignment_rule_remove": Row(args=lambda w: [w.rule.pk], post=MANAGER_OF.succeeds_with(302)),
    # progress: the team page, a person's page and the export
    "team_progress": Row(get=ASSIGNER),
    "team_progress_export": Row(get=ASSIGNER),
    "person_progress": Row(args=lambda w: [w.people["learner"].pk], get=MANAGER_OF),
    # notifications: everyone's bell and email choices; the signed link works without signing in
    "notifications": Row(get=SIGNED_IN),
    "notification_bell": Row(get=SIGNED_IN),
    "notifications_mark_read": Row(post=SIGNED_IN.succeeds_with(302)),
    "notification_preferences": Row(get=SIGNED_IN, post=SIGNED_IN.succeeds_with(302)),
    "notification_unsubscribe": Row(args=lambda w: [w.unsubscribe_token], get=PUBLIC, post=PUBLIC),
    # A person's reminder ledger follows their training page (get_person_progress_for).
    "reminder_ledger": Row(args=lambda w: [w.people["learner"].pk], get=MANAGER_OF),
    "reminder_policy": Row(get=ADMINS_ONLY, post=ADMINS_ONLY.succeeds_with(INVALID)),
    "email_templates": Row(get=ADMINS_ONLY),
    "email_template_edit": Row(
        args=lambda w: ["due_today"], get=ADMINS_ONLY, post=ADMINS_ONLY.succeeds_with(INVALID)
    ),
    "failed_notifications": Row(get=ADMINS_ONLY),
    "failed_notification_retry": Row(
        args=lambda w: [w.failed_notification.pk], post=ADMINS_ONLY.succeeds_with(302)
    ),
}


# --- The URL conf -------------------------------------------------------------------------------


def project_urls() -> dict[str, str]:
    """{URL name (the route itself for an unnamed pattern): route} for every pattern the URL
    conf resolves, outside `SKIPPED_PREFIXES`. Fails on a name used twice."""
    found: dict[str, str] = {}

    def walk(patterns: Sequence[URLPattern | URLResolver], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if route not in SKIPPED_PREFIXES:
                    walk(pattern.url_patterns, route)
                continue
            if any(route.startswith(p) for p in SKIPPED_PREFIXES):
                continue
            key = pattern.name or route
            assert key not in found, f"{key!r} names both {found[key]!r} and {route!r}"
            found[key] = route

    walk(get_resolver().url_patterns, "")
    return found


def rows() -> Iterator[tuple[str, Row]]:
    for name, entry in TABLE.items():
        yield from ((name, row) for row in (entry if isinstance(entry, tuple) else (entry,)))


def test_every_url_is_in_the_table() -> None:
    urls = project_urls()
    missing = sorted(set(urls) - set(TABLE))
    stale = sorted(name for name, row in rows() if name not in urls)
    assert not missing, f"URLs without a row in TABLE (add one): {missing}"
    assert not stale, f"rows in TABLE for URLs that no longer exist (remove them): {stale}"
    assert all(row.methods() for _name, row in rows()), "every row tries at least one method"
    variants = [(name, row.variant) for name, row in rows()]
    assert len(variants) == len(set(variants)), "a URL's rows need different variants"


# --- The matrix ---------------------------------------------------------------------------------


def _cases() -> Iterator[Any]:
    for name, row in rows():
        label = f"{name}-{row.variant}" if row.variant else name
        for method in row.methods():
            for persona in PERSONAS:
                reason = row.defects.get(f"{method} {persona}")
                # raises=AssertionError: only the wrong outcome is the known defect, not a crash.
                known = pytest.mark.xfail(strict=True, raises=AssertionError, reason=reason)
                yield pytest.param(
                    name,
                    row.variant,
                    method,
                    persona,
                    id=f"{label}-{method}-{persona}",
                    marks=[known] if reason else [],
                )


def _describe(outcome: Outcome) -> str:
    return f"302 to {outcome.label}" if isinstance(outcome, To) else str(outcome)


@pytest.mark.parametrize(("name", "variant", "method", "persona"), list(_cases()))
def test_access(
    world: World, db: None, client: Any, name: str, variant: str, method: str, persona: str
) -> None:
    row = next(row for n, row in rows() if n == name and row.variant == variant)
    access = row.methods()[method]
    url = reverse(name, args=list(row.args(world)))
    if persona != "anonymous":
        client.force_login(world[persona])
    query = row.query(world) if row.query else {}
    if method == "GET":
        response = client.get(url, query)
    else:
        body = row.data(world) if row.data else NOTHING
        response = client.post(url + (f"?{urlencode(query)}" if query else ""), body)
    expected = access.expected(persona)
    where = response.get("Location", "")
    got = f"got {response.status_code} {where}".rstrip()
    assert response.status_code == (302 if isinstance(expected, To) else expected), (
        f"{method} {url} as {persona}: expected {_describe(expected)}, {got}"
    )
    if isinstance(expected, To):
        target = expected.where(world)
        assert where.startswith(target), f"expected a redirect to {target}, {got}"
    elif response.status_code == 302:
        assert not where.startswith(LOGIN.where(world)), f"expected success, {got}"
