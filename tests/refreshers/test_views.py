"""The learner's refresher pages: the dashboard card, one item per screen, answering (once),
feedback, the end screen; and that nobody reaches anyone else's."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from assessments.models import Choice
from refreshers import display
from refreshers.models import Review, ReviewItem
from refreshers.selectors import sitting_for
from tests.assessments.builders import build_quiz, single
from tests.courses.builders import build_course
from tests.refreshers.builders import course_with_quiz, enrol, play_scenario, take_quiz

pytestmark = pytest.mark.django_db

DAY0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
LATER = DAY0 + dt.timedelta(days=3)


@pytest.fixture
def due_items(learner, django_capture_on_commit_callbacks):
    """Leo took a two-question quiz on day 0, certain and right: due again on day 2."""
    course, quiz = course_with_quiz()
    enrol(learner, course)
    with time_machine.travel(DAY0, tick=False):
        take_quiz(django_capture_on_commit_callbacks, quiz, learner, right=True, confidence=3)
    return list(ReviewItem.objects.filter(user=learner).order_by("due_at", "pk"))


def right_tokens(item: ReviewItem) -> str:
    """The place the page shows the right option in, read as the page shows it."""
    item = sitting_for(item.user_id, now=LATER).item
    shown = display.attempt_item(item)
    right = Choice.objects.get(version=shown.version, fraction=1).pk
    return str(shown.option_order.index(right) + 1)


def test_dashboard_card_says_how_many_and_how_long_then_the_next_date(client, learner, due_items):
    client.force_login(learner)
    with time_machine.travel(DAY0 + dt.timedelta(hours=1), tick=False):
        page = client.get(reverse("dashboard")).content.decode()
    assert "Next refresher on Thu 3 Dec" in page
    with time_machine.travel(LATER, tick=False):
        page = client.get(reverse("dashboard")).content.decode()
    assert "Refresher: 2 to review, about 1 minute<" in page
    assert reverse("refresher_next") in page


def test_answering_reschedules_and_shows_feedback_then_the_end_screen(client, learner, due_items):
    client.force_login(learner)
    with time_machine.travel(LATER, tick=False):
        page = client.get(reverse("refresher_next"))
        assert page.status_code == 200
        assert "Refresher 1 of 2" in page.content.decode()
        first = page.context["screen"].item
        token = right_tokens(first)
        response = client.post(
            reverse("refresher_answer", args=[first.pk]),
            {"reps": first.reps, "q0-choice": token, "q0-confidence": "3"},
        )
        assert response.status_code == 302
        review = Review.objects.get(source=Review.Source.REFRESHER)
        assert response["Location"] == reverse("refresher_feedback", args=[review.pk])
        first.refresh_from_db()
        assert first.reps == 2 and first.due_at > LATER + dt.timedelta(days=3)
        assert review.right and review.rating == Review.Rating.GOOD
        feedback = client.get(response["Location"]).content.decode()
        assert "Right" in feedback and "Calm yourself before you calm anyone else." in feedback

        second = client.get(reverse("refresher_next")).context["screen"].item
        assert second.pk != first.pk
        wrong = Choice.objects.get(version=second.question.current, fraction__lte=0)
        shown = display.attempt_item(second)
        client.post(
            reverse("refresher_answer", args=[second.pk]),
            {
                "reps": second.reps,
                "q0-choice": shown.option_order.index(wrong.pk) + 1,
                "q0-confidence": "3",
            },
        )
        second.refresh_from_db()
        assert second.due_at == LATER + dt.timedelta(days=1)  # certain but wrong: tomorrow
        done = client.get(reverse("refresher_next")).content.decode()
    assert "Done. Nice work!" in done
    assert "Your next refresher is on <strong>Saturday 5 December</strong>" in done


def test_a_double_submit_records_one_answer(client, learner, due_items):
    client.force_login(learner)
    item = due_items[0]
    with time_machine.travel(LATER, tick=False):
        token = right_tokens(item)
        data = {"reps": item.reps, "q0-choice": token, "q0-confidence": "2"}
        first = client.post(reverse("refresher_answer", args=[item.pk]), data)
        again = client.post(reverse("refresher_answer", args=[item.pk]), data)
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Review.objects.filter(source=Review.Source.REFRESHER).count() == 1
    item.refresh_from_db()
    assert item.reps == 2


def test_no_answer_is_refused_beside_the_question_and_keeps_the_confidence(
    client, learner, due_items
):
    client.force_login(learner)
    item = due_items[0]
    with time_machine.travel(LATER, tick=False):
        response = client.post(
            reverse("refresher_answer", args=[item.pk]), {"reps": item.reps, "q0-confidence": "2"}
        )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose an answer first." in page
    assert re.search(r'value="2"\s+checked', page)
    item.refresh_from_db()
    assert item.reps == 1 and not Review.objects.filter(source="refresher").exists()


def test_the_page_never_names_the_right_option(client, learner, due_items):
    client.force_login(learner)
    with time_machine.travel(LATER, tick=False):
        page = client.get(reverse("refresher_next")).content.decode()
    for secret in ["Yes: your calm is contagious.", "Calm yourself before", "fraction"]:
        assert secret not in page
    ids = set(Choice.objects.values_list("pk", flat=True))
    values = {int(v) for v in re.findall(r'name="q0-choice" value="(\d+)"', page)}
    assert values == {1, 2, 3} or values == {1, 2}
    assert not (values - {1, 2, 3}) and (ids - values)


def test_an_item_not_yet_due_is_refused_and_left_alone(client, learner, due_items):
    client.force_login(learner)
    item = due_items[0]
    with time_machine.travel(DAY0 + dt.timedelta(hours=2), tick=False):
        response = client.post(
            reverse("refresher_answer", args=[item.pk]),
            {"reps": item.reps, "q0-choice": "1", "q0-confidence": "3"},
        )
    assert response.status_code == 409
    assert "This one isn&#x27;t due yet." in response.content.decode()
    item.refresh_from_db()
    assert item.reps == 1


@pytest.mark.parametrize("persona", ["other_learner", "manager", "admin"])
def test_nobody_else_can_answer_or_read_a_learners_refresher(
    client, request, learner, due_items, persona
):
    item = due_items[0]
    data = {"reps": item.reps, "q0-choice": "1", "q0-confidence": "3"}
    with time_machine.travel(LATER, tick=False):
        client.force_login(learner)
        client.post(reverse("refresher_answer", args=[item.pk]), data)
        review = Review.objects.get(source="refresher")
        client.force_login(request.getfixturevalue(persona))
        assert (
            client.post(reverse("refresher_answer", args=[due_items[1].pk]), data).status_code
            == 404
        )
        assert client.get(reverse("refresher_feedback", args=[review.pk])).status_code == 404
    assert Review.objects.filter(source="refresher").count() == 1


def test_a_conversation_moment_shows_the_line_and_gives_feedback(
    client, learner, django_capture_on_commit_callbacks
):
    with time_machine.travel(DAY0, tick=False):
        scenario, _run = play_scenario(
            django_capture_on_commit_callbacks, learner, first="Please calm", second=""
        )
    enrol(learner, scenario.course)
    client.force_login(learner)
    with time_machine.travel(LATER, tick=False):
        page = client.get(reverse("refresher_next"))
        screen = page.context["screen"]
        text = page.content.decode()
        assert "This is the second time you&#x27;ve sent me the wrong thing!" in text
        assert "FEEDBACK-" not in text
        best = next(o for o in screen.replies if o.reply.text.startswith("I'm sorry"))
        response = client.post(
            reverse("refresher_answer", args=[screen.item.pk]),
            {"reps": screen.item.reps, "q0-reply": best.token, "q0-confidence": "3"},
        )
        feedback = client.get(response["Location"]).content.decode()
    assert "FEEDBACK-SORRY" in feedback
    review = Review.objects.get(source="refresher")
    assert review.right and review.answer == {"reply": best.reply.pk}


def test_what_is_due_this_week(client, learner, due_items):
    client.force_login(learner)
    with time_machine.travel(DAY0 + dt.timedelta(hours=1), tick=False):
        page = client.get(reverse("refreshers")).content.decode()
    assert "Thursday 3 Dec" in page and "2 to review" in page


def test_signed_out_the_one_tap_link_asks_to_sign_in_and_comes_back(client, db):
    response = client.get(reverse("refresher_next"))
    assert response.status_code == 302
    assert "next=/refreshers/now/" in response["Location"]


@pytest.mark.parametrize("questions", [2, 12])
def test_refresher_pages_make_a_bounded_number_of_queries(
    client, learner, django_assert_num_queries, django_capture_on_commit_callbacks, questions
):
    course = build_course(slug="many", modules=1, lessons=1)
    quiz = build_quiz(course, questions=[single(f"Q{n}") for n in range(questions)])
    enrol(learner, course)
    with time_machine.travel(DAY0, tick=False):
        take_quiz(django_capture_on_commit_callbacks, quiz, learner, right=True)
    client.force_login(learner)
    with time_machine.travel(LATER, tick=False):
        with django_assert_num_queries(9):
            page = client.get(reverse("refresher_next"))
        item = page.context["screen"].item
        data = {"reps": item.reps, "q0-choice": "1", "q0-confidence": "2"}
        with django_assert_num_queries(13):
            response = client.post(reverse("refresher_answer", args=[item.pk]), data)
        with django_assert_num_queries(10):
            client.get(response["Location"])


def test_the_right_option_moves_between_reviews_so_the_place_gives_nothing_away(learner, due_items):
    """ "Pick the first option" (or any fixed place) scores what guessing scores: over many
    reviews the right option lands in every place, in the same share as any other option."""
    item = ReviewItem.objects.select_related("question__current").get(pk=due_items[0].pk)
    right = Choice.objects.get(version=item.question.current, fraction=1).pk
    places = []
    for reps in range(300):
        item.reps = reps
        places.append(display.attempt_item(item).option_order.index(right) + 1)
    shares = {place: places.count(place) / len(places) for place in (1, 2, 3)}
    assert all(0.25 < share < 0.42 for share in shares.values()), shares


def test_an_unreadable_answer_keeps_how_sure_they_were(client, learner, due_items):
    client.force_login(learner)
    item = due_items[0]
    with time_machine.travel(LATER, tick=False):
        response = client.post(
            reverse("refresher_answer", args=[item.pk]),
            {"reps": item.reps, "q0-choice": "7", "q0-confidence": "1"},
        )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose again." in page
    assert re.search(r'value="1"\s+checked', page)
    assert not Review.objects.filter(source="refresher").exists()
