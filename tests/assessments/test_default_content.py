"""The shipped checkpoint quizzes load onto the shipped curriculum, reload without change, and
every question can be answered fully right."""

from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from assessments.content_check import content_check
from assessments.models import Question, Quiz, Scenario, ScenarioNode, ScenarioReply
from assessments.quizzes.services import attempts
from assessments.scenarios.services.play import ScenarioGraph
from assessments.scenarios.specs import reply_total
from courses.models import Course, LearningPath
from tests.assessments.quizzes.test_attempts import right_answer
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(db):
    call_command("load_curriculum", stdout=StringIO())
    out = StringIO()
    call_command("load_quizzes", stdout=out)
    return out.getvalue()


def test_every_course_of_the_path_has_a_checkpoint(loaded):
    quizzes = list(Quiz.objects.select_related("course__published_version"))
    assert sorted(q.course.slug for q in quizzes) == [
        "de-escalation",
        "emotional-connection",
        "relationship-building",
        "why-service-is-a-skill",
    ]
    for quiz in quizzes:
        last_module = quiz.course.published_version.modules.order_by("position").last()
        assert quiz.module_key == last_module.key
        assert quiz.is_published and quiz.self_rating_prompt
        kinds = [s.question.current.kind for s in quiz.slots.select_related("question__current")]
        assert 8 <= len(kinds) <= 12
        assert {"single", "multiple", "truefalse", "short", "ordering", "matching"} <= set(kinds)


def test_reloading_changes_nothing(loaded):
    before = Question.objects.count()
    out = StringIO()
    call_command("load_quizzes", stdout=out)
    assert Question.objects.count() == before
    assert all(
        ", 0 new, 0 changed" in line or "0 new, 0 changed" in line
        for line in out.getvalue().splitlines()
    )


def test_every_question_can_be_answered_fully_right(loaded):
    learner = UserFactory()
    for quiz in Quiz.objects.all():
        attempt = attempts.attempt_start(quiz=quiz, user=learner)
        for item in attempt.items.select_related("version"):
            attempts.answer_save(
                attempt=attempt, item=item, answer=right_answer(item), confidence=2
            )
        attempt, _graded = attempts.attempt_submit(attempt=attempt)
        assert attempt.percent == Decimal("100"), quiz.title


def test_feeling_unsafe_comes_before_any_limit_in_the_lesson_and_the_checkpoint(loaded):
    """Stepping away and getting help is the first step whenever someone feels unsafe: the
    lesson lists it first, and no checkpoint question ranks a calm limit above it."""
    lesson = (
        settings.BASE_DIR
        / "courses/curriculum/de-escalation/lessons/06-getting-help-and-staying-safe.md"
    ).read_text()
    steps = lesson[lesson.index("## When it crosses the line") :]
    assert steps.index("step away and get help") < steps.index("set a calm limit")
    quiz = Quiz.objects.get(course__slug="de-escalation")
    versions = [s.question.current for s in quiz.slots.select_related("question__current")]
    for version in versions:
        if version.kind == "ordering":
            texts = [c.text.lower() for c in version.choices.order_by("position")]
            assert not any("unsafe" in t or "step away" in t for t in texts), version.title
    unsafe = next(v for v in versions if v.title == "Feeling unsafe")
    right = unsafe.choices.get(fraction=1)
    assert right.text.startswith("Step back")


@pytest.fixture
def conversations(loaded):
    call_command("load_scenarios", stdout=StringIO())
    return {s.slug: s for s in Scenario.objects.all()}


def test_shipped_quizzes_and_conversations_pass_the_content_check(conversations):
    reports, overall = content_check(Quiz.objects.all(), conversations.values())
    assert len(reports) == Quiz.objects.count() + len(conversations)
    assert [(r.name, r.problems) for r in reports if not r.passed] == []
    assert overall == []


def best_reply(node: ScenarioNode) -> ScenarioReply:
    return max(node.replies.all(), key=reply_total)


def test_asking_for_a_manager_gets_one_and_a_good_handover_ends_well(conversations):
    """The lesson says: when a customer asks for a manager, usually just get one, calmly."""
    scenario = conversations["wrong-order"]
    asks = scenario.nodes.get(line__contains="whoever's in charge")
    handover = best_reply(asks).next_node
    assert handover.name == "manager-handover"
    end = best_reply(handover).next_node
    assert end.outcome == "loyal" and "right call" in end.outcome_text


def test_a_wrong_guess_at_a_feeling_scores_below_the_right_one(conversations):
    graph = ScenarioGraph(conversations["anxious-customer"])
    opening = graph.start
    right = best_reply(opening)
    wrong = opening.replies.get(text__contains="you're annoyed")
    recovered = reply_total(wrong) + reply_total(best_reply(wrong.next_node))
    assert best_reply(wrong.next_node).next_node == right.next_node
    assert recovered < reply_total(right)


def test_each_conversation_is_a_checkpoint_after_a_module_of_its_course(conversations):
    channels = {slug: (s.course.slug, s.channel) for slug, s in conversations.items()}
    assert channels == {
        "wrong-order": ("de-escalation", "in_person"),
        "no-id-no-sale": ("de-escalation", "in_person"),
        "anxious-customer": ("emotional-connection", "in_person"),
        "postponed-operation": ("emotional-connection", "phone"),
        "discontinued-favourite": ("relationship-building", "in_person"),
        "stuck-parcel": ("relationship-building", "chat"),
    }
    for scenario in conversations.values():
        modules = scenario.course.published_version.modules.values_list("key", flat=True)
        assert scenario.is_published and scenario.module_key in set(modules), scenario.slug


def test_the_no_conversation_offers_nothing_instead_and_rewards_holding_it(conversations):
    """When the answer has to be no, the best path never sells the wine another way, and it
    still ends well."""
    graph = ScenarioGraph(conversations["no-id-no-sale"])
    node, seen = graph.start, []
    while not node.is_end:
        reply = best_reply(node)
        seen.append(reply.text)
        node = reply.next_node
    assert node.outcome == "loyal"
    assert not any("put it through just this once" in t or "Maya, if I can" in t for t in seen)


def test_the_managers_course_loads_beside_the_path_but_not_in_it(loaded):
    course = Course.objects.get(slug="coaching-on-shift")
    assert course.self_enrol and course.published_version is not None
    titles = list(course.published_version.lessons.values_list("title", flat=True))
    assert "Five-minute huddles" in titles and "What to watch for" in titles
    path = LearningPath.objects.get(slug="customer-service-essentials")
    assert not path.steps.filter(course=course).exists()
    checklist = (
        settings.BASE_DIR / "courses/curriculum/coaching-on-shift/lessons/02-what-to-watch-for.md"
    ).read_text()
    for course_title in ("Why service is a skill", "De-escalation", "Emotional connection"):
        assert f"**{course_title}**" in checklist
    out = StringIO()
    call_command("load_curriculum", stdout=out)
    assert "Up to date: Coaching on shift" in out.getvalue()
