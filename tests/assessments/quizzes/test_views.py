import re

import pytest
from django.urls import reverse

from assessments.models import Attempt, AttemptItem, Quiz
from courses.services import enrolment_create
from progress import services as progress
from tests.assessments.builders import build_quiz, single
from tests.assessments.quizzes.test_attempts import right_answer
from tests.courses.builders import build_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(db):
    return build_course(modules=1, lessons=1)


@pytest.fixture
def quiz(course):
    return build_quiz(course)


@pytest.fixture
def enrolled(learner, course):
    enrolment_create(user=learner, course=course)
    return learner


def start(client, quiz) -> Attempt:
    response = client.post(reverse("quiz_start", args=[quiz.key]))
    assert response.status_code == 302
    return Attempt.objects.latest("pk")


def token(item: AttemptItem, option_id: int) -> str:
    """How the taking page names an option: its place in this attempt's order."""
    return str(item.option_order.index(option_id) + 1)


def form_for(item: AttemptItem) -> dict[str, str]:
    answer, prefix = right_answer(item), f"q{item.position}"
    kind = item.version.kind
    if kind in {"single", "truefalse"}:
        return {f"{prefix}-choice": token(item, answer["choice"])}
    if kind == "multiple":
        return {f"{prefix}-choices": [token(item, i) for i in answer["choices"]]}
    if kind == "short":
        return {f"{prefix}-text": answer["text"]}
    if kind == "ordering":
        return {f"{prefix}-order": [token(item, cid) for cid in answer["order"]]}
    prompts = [p.pk for p in item.version.pairs.order_by("position", "pk")]
    return {
        f"{prefix}-match-{prompts.index(int(pid)) + 1}": token(item, picked)
        for pid, picked in answer["pairs"].items()
    }


def test_taking_page_never_shows_answers_or_feedback(client, enrolled, quiz):
    client.force_login(enrolled)
    attempt = start(client, quiz)
    url = reverse("attempt_take", args=[attempt.pk])
    html = "".join(client.get(url, {"q": n}).content.decode() for n in range(1, 7))
    assert "Take a slow breath" in html  # options are shown...
    for secret in [
        "your calm is contagious",
        "That doubles the heat",
        "Calm yourself before",
        "fraction",
        "right answer",
        "Telling people to calm down",
    ]:
        assert secret not in html  # ...but never their credit, feedback or the explanation
    assert 'name="q4-order"' in html


def test_full_flow_with_autosave_submit_and_review(client, enrolled, quiz):
    client.force_login(enrolled)
    attempt = start(client, quiz)
    for item in attempt.items.select_related("version"):
        data = {**form_for(item), f"q{item.position}-confidence": "3"}
        response = client.post(reverse("answer_save", args=[attempt.pk, item.position]), data)
        assert response.status_code == 200, item.version.kind
        assert "Saved at" in response.content.decode()
    submit = client.post(reverse("attempt_submit", args=[attempt.pk]))
    assert submit.url == reverse("attempt_review", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.passed is True and attempt.percent == 100
    review = client.get(submit.url).content.decode()
    assert "You passed" in review
    assert "your calm is contagious" in review  # feedback appears after submitting
    assert "Calm yourself before you calm anyone else" in review


def test_submit_form_without_javascript_saves_and_grades(client, enrolled, quiz):
    client.force_login(enrolled)
    attempt = start(client, quiz)
    data: dict = {}
    for item in attempt.items.select_related("version"):
        data.update(form_for(item))
    client.post(reverse("attempt_submit", args=[attempt.pk]), data)
    attempt.refresh_from_db()
    assert attempt.percent == 100


def test_calibration_puts_certain_but_wrong_first(client, enrolled, course):
    quiz = build_quiz(course, questions=[single("A"), single("B")])
    client.force_login(enrolled)
    attempt = start(client, quiz)
    first, second = attempt.items.select_related("version")
    wrong = next(c.pk for c in second.version.choices.all() if c.fraction == 0)
    client.post(
        reverse("answer_save", args=[attempt.pk, 0]), {**form_for(first), "q0-confidence": "3"}
    )
    client.post(
        reverse("answer_save", args=[attempt.pk, 1]),
        {"q1-choice": token(second, wrong), "q1-confidence": "3"},
    )
    client.post(reverse("attempt_submit", args=[attempt.pk]))
    response = client.get(reverse("attempt_review", args=[attempt.pk]))
    reviews = response.context["reviews"]
    assert [r.calibration for r in reviews] == ["certain-wrong", "certain-right"]
    assert "Certain but wrong: 1" in response.content.decode()


@pytest.mark.parametrize(
    "payload",
    [
        {"q0-choice": "999999"},  # a place the question doesn't have
        {"q0-choice": "0"},
        {"q0-choice": "-1"},
        {"q0-choice": "abc"},  # not a number
        {"q0-confidence": "9"},
    ],
)
def test_tampered_answers_get_400_and_change_nothing(client, enrolled, quiz, payload):
    client.force_login(enrolled)
    attempt = start(client, quiz)
    response = client.post(reverse("answer_save", args=[attempt.pk, 0]), payload)
    assert response.status_code == 400
    assert AttemptItem.objects.get(attempt=attempt, position=0).answer is None


def test_an_option_id_is_not_a_token(client, enrolled, quiz):
    client.force_login(enrolled)
    attempt = start(client, quiz)
    item = AttemptItem.objects.select_related("version").get(attempt=attempt, position=0)
    stranger = max(item.option_order) + 1000  # the kind of number an id would be
    response = client.post(
        reverse("answer_save", args=[attempt.pk, 0]), {"q0-choice": str(stranger)}
    )
    assert response.status_code == 400


def test_another_learners_attempt_is_404(client, enrolled, other_learner, quiz, course):
    enrolment_create(user=other_learner, course=course)
    client.force_login(other_learner)
    theirs = start(client, quiz)
    client.force_login(enrolled)
    assert client.get(reverse("attempt_take", args=[theirs.pk])).status_code == 404
    assert (
        client.post(reverse("answer_save", args=[theirs.pk, 0]), {"q0-choice": "1"}).status_code
        == 404
    )
    assert client.post(reverse("attempt_submit", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "in_progress"


def test_submitted_attempt_refuses_changes_with_409(client, enrolled, quiz):
    client.force_login(enrolled)
    attempt = start(client, quiz)
    client.post(reverse("attempt_submit", args=[attempt.pk]), {"confirm": "1"})
    item = AttemptItem.objects.select_related("version").get(attempt=attempt, position=0)
    response = client.post(reverse("answer_save", args=[attempt.pk, 0]), form_for(item))
    assert response.status_code == 409
    item.refresh_from_db()
    assert item.answer is None
    # Submitting again changes nothing and lands on the review.
    again = client.post(reverse("attempt_submit", args=[attempt.pk]))
    assert again.url == reverse("attempt_review", args=[attempt.pk])


def test_signed_out_autosave_gets_401_and_the_attempt_resumes(client, enrolled, quiz):
    client.force_login(enrolled)
    attempt = start(client, quiz)
    item = AttemptItem.objects.select_related("version").get(attempt=attempt, position=0)
    client.post(reverse("answer_save", args=[attempt.pk, 0]), form_for(item))
    client.logout()
    assert (
        client.post(reverse("answer_save", args=[attempt.pk, 1]), {"q1-choices": "1"}).status_code
        == 401
    )
    client.force_login(enrolled)
    detail = client.get(reverse("quiz_detail", args=[quiz.key])).content.decode()
    assert "Continue your attempt" in detail
    page = client.get(reverse("attempt_take", args=[attempt.pk]), {"q": 1}).content.decode()
    chosen = item.answer if item.answer else right_answer(item)
    assert re.search(rf'value="{token(item, chosen["choice"])}" checked', page)


def test_unenrolled_learner_cannot_start(client, learner, quiz):
    client.force_login(learner)
    assert (
        "Start the course first"
        in client.get(reverse("quiz_detail", args=[quiz.key])).content.decode()
    )
    assert client.post(reverse("quiz_start", args=[quiz.key])).status_code == 403


def test_unpublished_quiz_is_404_for_learners(client, enrolled, quiz):
    Quiz.objects.filter(pk=quiz.pk).update(is_published=False)
    client.force_login(enrolled)
    assert client.get(reverse("quiz_detail", args=[quiz.key])).status_code == 404


@pytest.mark.parametrize(
    ("persona", "status"),
    [("manager", 200), ("other_manager", 404), ("admin", 200), ("other_learner", 404)],
)
def test_review_is_visible_to_the_learners_managers(
    client, request, persona, status, enrolled, quiz, manager, other_manager, admin, other_learner
):
    client.force_login(enrolled)
    attempt = start(client, quiz)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("attempt_review", args=[attempt.pk])).status_code in {
        403,
        404,
    }  # not before submit
    client.force_login(enrolled)
    client.post(reverse("attempt_submit", args=[attempt.pk]), {"confirm": "1"})
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("attempt_review", args=[attempt.pk])).status_code == status


def test_confidence_before_is_fixed_once_the_module_quiz_starts(
    client, enrolled, other_learner, quiz
):
    from assessments.models import SelfRating

    Quiz.objects.filter(pk=quiz.pk).update(
        self_rating_prompt="How sure are you with angry customers?"
    )
    rate = lambda moment, rating, **extra: client.post(  # noqa: E731
        reverse("self_rating_save", args=[quiz.key, moment]), {"rating": rating, **extra}
    )
    ratings = lambda: dict(SelfRating.objects.values_list("moment", "rating"))  # noqa: E731
    client.force_login(enrolled)
    assert (
        "How sure are you with angry customers?"
        in client.get(reverse("quiz_detail", args=[quiz.key])).content.decode()
    )
    rate("before", "2")
    rate("before", "3")  # still before the module: a change of mind is fine
    assert ratings() == {"before": 3}
    rate("after", "4")  # nothing finished yet: there is no "after"
    assert ratings() == {"before": 3}

    attempt = start(client, quiz)
    rate("before", "5")  # past the point it describes: fixed
    assert ratings() == {"before": 3}
    client.post(reverse("attempt_submit", args=[attempt.pk]), {"confirm": "1"})
    response = rate("after", "4", next="https://evil.example/")
    assert response.status_code == 302
    assert response.url == reverse("quiz_detail", args=[quiz.key])
    bad = rate("after", "9")
    assert bad.status_code == 302
    assert ratings() == {"before": 3, "after": 4}
    assert rate("during", "3").status_code == 404

    client.force_login(other_learner)  # not enrolled in the course
    assert rate("before", "1").status_code == 403
    assert SelfRating.objects.filter(user=other_learner).count() == 0


@pytest.mark.parametrize("extra", [0, 40])
def test_quiz_pages_make_a_bounded_number_of_queries(
    client, enrolled, course, django_assert_num_queries, extra
):
    from assessments.models import QuizSlot
    from assessments.questions import services

    quiz = build_quiz(course)
    bank = services.bank_path_get_or_create(path=["Big bank"])
    for n in range(extra):
        services.question_create(bank=bank, data=single(f"extra {n}"))
    if extra:
        QuizSlot.objects.create(quiz=quiz, position=9, bank=bank, draw_count=4)
    client.force_login(enrolled)
    attempt = start(client, quiz)
    with django_assert_num_queries(9):
        assert client.get(reverse("attempt_take", args=[attempt.pk])).status_code == 200
    with django_assert_num_queries(9):
        assert client.get(reverse("attempt_check", args=[attempt.pk])).status_code == 200
    item = AttemptItem.objects.select_related("version").get(attempt=attempt, position=0)
    with django_assert_num_queries(14):
        client.post(reverse("answer_save", args=[attempt.pk, 0]), form_for(item))
    with django_assert_num_queries(17):
        client.post(reverse("attempt_submit", args=[attempt.pk]), {"confirm": "1"})
    # A failed attempt's review also asks whether the learner may try again (three queries).
    with django_assert_num_queries(12):
        assert client.get(reverse("attempt_review", args=[attempt.pk])).status_code == 200


def test_before_rating_is_asked_on_the_first_lesson_until_answered(client, enrolled, quiz, course):
    from assessments.models import SelfRating

    Quiz.objects.filter(pk=quiz.pk).update(
        self_rating_prompt="How sure are you with angry customers?"
    )
    first = course.published_version.lessons.order_by("module__position", "position").first()
    url = reverse("lesson_detail", args=[course.slug, first.key])
    client.force_login(enrolled)
    assert "Before you start:" in client.get(url).content.decode()
    response = client.post(
        reverse("self_rating_save", args=[quiz.key, "before"]), {"rating": "2", "next": url}
    )
    assert response.url == url
    assert SelfRating.objects.get(moment="before").rating == 2
    assert "Before you start:" not in client.get(url).content.decode()


def test_an_untouched_ordering_question_earns_nothing(client, enrolled, course):
    from tests.assessments.builders import ordering

    quiz = build_quiz(course, questions=[ordering()])
    client.force_login(enrolled)
    attempt = start(client, quiz)
    url = reverse("attempt_take", args=[attempt.pk])
    html = client.get(url, {"q": 1}).content.decode()
    # The shuffled order is shown, but its fields are off until the learner orders something.
    assert html.count('name="q0-order"') == 3
    assert html.count('name="q0-order" value="1" disabled') == 1
    # A plain form post of the untouched step sends no order: nothing is saved.
    client.post(f"{url}?q=1", {"go": "check", "q0-confidence": "2"})
    item = AttemptItem.objects.get(attempt=attempt)
    assert (item.answer, item.confidence) == (None, 2)
    client.post(reverse("attempt_submit", args=[attempt.pk]), {"confirm": "1"})
    attempt.refresh_from_db()
    assert attempt.score == 0


def test_dashboard_points_at_the_quick_check_once_lessons_are_done(client, enrolled, quiz, course):
    from courses.models import Enrolment

    enrolment = Enrolment.objects.get(user=enrolled, course=course)
    for lesson in course.published_version.lessons.all():
        progress.lesson_complete(enrolment=enrolment, lesson_key=lesson.key)
    client.force_login(enrolled)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Take the quick check" in html
    assert reverse("quiz_detail", args=[quiz.key]) in html


def test_timed_quiz_shows_its_deadline_for_the_countdown(client, enrolled, course):
    quiz = build_quiz(course, questions=[single()], time_limit_minutes=15)
    client.force_login(enrolled)
    attempt = start(client, quiz)
    html = client.get(reverse("attempt_take", args=[attempt.pk])).content.decode()
    assert f'data-deadline="{attempt.deadline.isoformat()}"' in html
    assert 'role="timer"' in html
