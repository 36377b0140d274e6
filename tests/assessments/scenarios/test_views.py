"""Practice conversations through the browser: playing, the debrief, authoring, previewing."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.urls import reverse

from assessments.models import Scenario, ScenarioNode, ScenarioReply, ScenarioRun
from assessments.scenarios.services import editing, play
from assessments.scenarios.specs import reply_total
from courses import services as course_services
from courses.services import enrolment_create
from tests.assessments.scenarios.test_scenarios import WRONG_ORDER, build_scenario, reply
from tests.courses.builders import build_course

pytestmark = pytest.mark.django_db

HIDDEN_UNTIL_THE_END = ["FEEDBACK-", "OUTCOME-", "Takes ownership", "Stays calm", "Why it matters"]


def run_url(run: ScenarioRun) -> str:
    return reverse("scenario_run", args=[run.scenario.slug, run.pk])


def reply_url(run: ScenarioRun) -> str:
    return reverse("scenario_reply", args=[run.scenario.slug, run.pk])


def start(client, scenario: Scenario) -> ScenarioRun:
    response = client.post(reverse("scenario_start", args=[scenario.slug]))
    run = ScenarioRun.objects.get(finished_at__isnull=True, scenario=scenario)
    assert response.status_code == 302 and response.url == run_url(run)
    return run


def assert_nothing_given_away(html: str) -> None:
    for secret in HIDDEN_UNTIL_THE_END:
        assert secret not in html, secret


# --- Playing ---------------------------------------------------------------------------------


def test_play_through_to_the_debrief(client, learner):
    scenario = build_scenario()
    enrolment_create(user=learner, course=scenario.course)
    client.force_login(learner)
    intro = client.get(reverse("scenario_detail", args=[scenario.slug]))
    assert intro.status_code == 200
    assert "Sam ordered a blue kettle" in intro.content.decode()

    run = start(client, scenario)
    page = client.get(run_url(run)).content.decode()
    assert "This is the second time you&#x27;ve sent me the wrong thing!" in page
    assert "(angry)" in page  # the mood is in words, not only in colour
    assert page.count('name="reply"') == 3
    assert_nothing_given_away(page)

    number = reply(scenario, "What's your order")
    response = client.post(reply_url(run), {"reply": number.pk, "step": 0})
    assert response.status_code == 302 and response.url == f"{run_url(run)}#latest"
    page = client.get(run_url(run)).content.decode()
    assert "What&#x27;s your order number?" in page  # your reply, as a bubble
    assert "Fine. So what are you going to do about it?" in page
    assert page.count('name="reply"') == 3
    assert_nothing_given_away(page)

    options = reply(scenario, "I can send")
    response = client.post(reply_url(run), {"reply": options.pk, "step": 1})
    assert response.status_code == 302 and response.url == run_url(run)
    run.refresh_from_db()
    assert run.finished_at is not None and run.outcome == "loyal"

    debrief = client.get(run_url(run)).content.decode()
    assert "Outcome: Calmed and loyal" in debrief
    assert "OUTCOME-LOYAL: Sam leaves a five-star review." in debrief
    assert "FEEDBACK-NUMBER" in debrief and "FEEDBACK-OPTIONS" in debrief
    assert "A better reply" in debrief
    assert "FEEDBACK-SORRY" in debrief  # the better reply's feedback
    assert "Offers options" in debrief and "+2" in debrief
    assert "Play again" in debrief

    again = client.post(reverse("scenario_start", args=[scenario.slug]))
    fresh = ScenarioRun.objects.get(finished_at__isnull=True)
    assert fresh.pk != run.pk and again.url == run_url(fresh)


def shown_order(client, run: ScenarioRun) -> list[int]:
    page = client.get(run_url(run)).content.decode()
    return [int(n) for n in re.findall(r'name="reply" value="(\d+)"', page)]


def test_replies_are_shuffled_per_play_and_stay_put_on_reload(client, learner):
    scenario = build_scenario()
    enrolment_create(user=learner, course=scenario.course)
    client.force_login(learner)
    orders = []
    for _play in range(8):
        run = start(client, scenario)
        order = shown_order(client, run)
        assert shown_order(client, run) == order  # a reload keeps it
        orders.append(tuple(order))
        calm_down = reply(scenario, "Please calm down")
        client.post(reply_url(run), {"reply": calm_down.pk, "step": 0})  # an ending
        run.refresh_from_db()
        assert run.finished_at is not None
    assert len(set(orders)) > 1
    assert {frozenset(order) for order in orders} == {
        frozenset(reply.pk for reply in play.ScenarioGraph(scenario).start.replies.all())
    }


def test_the_best_reply_is_equally_likely_in_every_place():
    """Over many plays, the best reply's place carries no hint (the authored order put it
    second here; real files used to put it first)."""
    scenario = build_scenario()
    offered = list(play.ScenarioGraph(scenario).start.replies.all())
    best = max(offered, key=reply_total)
    places = Counter(
        play.reply_order(run=ScenarioRun(pk=pk), replies=offered).index(best)
        for pk in range(1, 901)
    )
    assert sorted(places) == [0, 1, 2]
    assert all(240 <= count <= 360 for count in places.values()), places


def test_htmx_swaps_the_chat_and_moves_focus(client, learner):
    scenario = build_scenario()
    enrolment_create(user=learner, course=scenario.course)
    client.force_login(learner)
    run = start(client, scenario)
    response = client.post(
        reply_url(run),
        {"reply": reply(scenario, "I'm sorry").pk, "step": 0},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="conversation"')
    assert 'id="latest" tabindex="-1" autofocus' in html
    assert 'id="chat-status" hx-swap-oob="innerHTML"' in html
    assert "<html" not in html
    assert_nothing_given_away(html)
    finish = client.post(
        reply_url(run),
        {"reply": reply(scenario, "I can send").pk, "step": 1},
        headers={"HX-Request": "true"},
    )
    assert finish["HX-Redirect"] == run_url(run)


def test_tampered_replies_are_rejected(client, learner):
    scenario = build_scenario()
    enrolment_create(user=learner, course=scenario.course)
    client.force_login(learner)
    run = start(client, scenario)
    elsewhere = reply(scenario, "I can send")  # belongs to a later line
    response = client.post(reply_url(run), {"reply": elsewhere.pk, "step": 0})
    assert response.status_code == 400
    assert "That isn&#x27;t one of the replies you can choose here." in response.content.decode()
    assert client.post(reply_url(run), {"reply": "1 OR 1=1"}).status_code == 400
    assert client.post(reply_url(run), {}).status_code == 400
    sorry = reply(scenario, "I'm sorry")
    stale = client.post(reply_url(run), {"reply": sorry.pk, "step": "-1"})
    assert stale.status_code == 302 and stale.url == run_url(run)  # "the page was out of date"
    run.refresh_from_db()
    assert run.path == [] and run.current.name == "opening"


def test_a_finished_run_refuses_replies(client, learner):
    scenario = build_scenario()
    enrolment_create(user=learner, course=scenario.course)
    client.force_login(learner)
    run = start(client, scenario)
    client.post(reply_url(run), {"reply": reply(scenario, "Please calm").pk, "step": 0})
    response = client.post(reply_url(run), {"reply": reply(scenario, "I'm sorry").pk})
    assert response.status_code == 400
    assert "This conversation has already finished." in response.content.decode()


def test_another_learners_run_is_404(client, learner, other_learner):
    scenario = build_scenario()
    run = play.run_start(user=learner, scenario=scenario)
    client.force_login(other_learner)
    assert client.get(run_url(run)).status_code == 404
    sorry = reply(scenario, "I'm sorry")
    assert client.post(reply_url(run), {"reply": sorry.pk, "step": 0}).status_code == 404
    run.refresh_from_db()
    assert run.path == []


def test_runs_are_only_reached_through_their_own_scenario(client, learner):
    scenario = build_scenario()
    other = build_scenario(WRONG_ORDER.replace("slug: wrong-order", "slug: second"))
    run = play.run_start(user=learner, scenario=scenario)
    client.force_login(learner)
    assert client.get(reverse("scenario_run", args=[other.slug, run.pk])).status_code == 404


@pytest.mark.parametrize("persona", ["learner", "admin"])
def test_draft_scenarios_and_unpublished_courses_are_404(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    scenario = build_scenario()
    detail = reverse("scenario_detail", args=[scenario.slug])
    assert client.get(detail).status_code == 200
    editing.scenario_unpublish(scenario=scenario, actor=None)
    assert client.get(detail).status_code == 404
    assert client.post(reverse("scenario_start", args=[scenario.slug])).status_code == 404
    editing.scenario_publish(scenario=scenario, actor=None)
    course_services.course_unpublish(course=scenario.course, actor=None)
    assert client.get(detail).status_code == 404
    assert not ScenarioRun.objects.exists()


def test_visitors_are_sent_to_sign_in(client):
    scenario = build_scenario()
    response = client.get(reverse("scenario_detail", args=[scenario.slug]))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_conversation_page_query_count_does_not_grow_with_the_path(
    client, learner, django_assert_num_queries
):
    scenario = build_scenario()
    enrolment_create(user=learner, course=scenario.course)
    client.force_login(learner)
    run = start(client, scenario)
    client.post(reply_url(run), {"reply": reply(scenario, "I'm sorry").pk, "step": 0})
    # session, user, scenario (+ course), run, lines, replies, the menu's "is a manager?"
    url = run_url(run)
    with django_assert_num_queries(7):
        short = client.get(url)
    again = reply(scenario, "Sorry, could you")
    for step in range(1, 6):
        client.post(reply_url(run), {"reply": again.pk, "step": step})
    run.refresh_from_db()
    assert len(run.path) == 6
    with django_assert_num_queries(7):
        long = client.get(url)
    assert short.status_code == long.status_code == 200
    assert long.content.decode().count("bubble-you") == 6


# --- Authoring -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"), [("learner", 404), ("manager", 404), ("admin", 200)]
)
def test_only_training_admins_author_scenarios(client, request, persona, status, learner, manager):
    scenario = build_scenario()
    node = scenario.start
    first = reply(scenario, "I'm sorry")
    client.force_login(request.getfixturevalue(persona))
    for url in [
        reverse("author_scenarios"),
        reverse("author_scenario_new"),
        reverse("author_scenario", args=[scenario.pk]),
        reverse("author_scenario_check", args=[scenario.pk]),
        reverse("author_scenario_preview", args=[scenario.pk]),
        reverse("author_scenario_node", args=[node.pk]),
        reverse("author_scenario_reply_new", args=[node.pk]),
        reverse("author_scenario_reply", args=[first.pk]),
    ]:
        assert client.get(url).status_code == status, url
    unpublish = client.post(reverse("author_scenario_unpublish", args=[scenario.pk]))
    assert unpublish.status_code == (302 if status == 200 else 404)
    scenario.refresh_from_db()
    assert scenario.is_published is (status != 200)


def test_learners_cannot_post_authoring_changes(client, learner):
    scenario = build_scenario()
    client.force_login(learner)
    first = reply(scenario, "I'm sorry")
    for name, args in [
        ("author_scenario_publish", [scenario.pk]),
        ("author_scenario_node_new", [scenario.pk]),
        ("author_scenario_node_delete", [scenario.start_id]),
        ("author_scenario_reply_delete", [first.pk]),
    ]:
        assert client.post(reverse(name, args=args), {"node-name": "x"}).status_code == 404
    assert ScenarioReply.objects.filter(pk=first.pk).exists()


def test_create_a_scenario_then_lines_and_replies_then_publish(client, admin):
    course = build_course(slug="phones", modules=1, lessons=1)
    client.force_login(admin)
    response = client.post(
        reverse("author_scenario_new"),
        {"title": "Late parcel", "course": course.pk, "intro": "It's day 9.", "required": "on"},
    )
    scenario = Scenario.objects.get(slug="late-parcel")
    assert response.url == reverse("author_scenario", args=[scenario.pk])
    assert not scenario.is_published

    new_line = reverse("author_scenario_node_new", args=[scenario.pk])
    client.post(
        new_line, {"node-name": "opening", "node-mood": "anxious", "node-line": "Where is it?"}
    )
    client.post(
        new_line,
        {
            "node-name": "thanks",
            "node-mood": "delighted",
            "node-line": "Thanks!",
            "node-outcome": "loyal",
            "node-outcome_text": "They stay.",
        },
    )
    opening = ScenarioNode.objects.get(scenario=scenario, name="opening")
    thanks = ScenarioNode.objects.get(scenario=scenario, name="thanks")
    scenario.refresh_from_db()
    assert scenario.start == opening

    scores = {
        "score_acknowledges_emotion": "2",
        "score_stays_calm": "0",
        "score_takes_ownership": "1",
        "score_offers_options": "",
        "score_builds_rapport": "-1",
    }
    add_reply = reverse("author_scenario_reply_new", args=[opening.pk])
    response = client.post(add_reply, {"text": "Let me look.", "next_node": thanks.pk, **scores})
    assert response.status_code == 302
    created = ScenarioReply.objects.get(node=opening)
    assert created.next_node == thanks
    assert created.scores == {"acknowledges_emotion": 2, "takes_ownership": 1, "builds_rapport": -1}

    publish = reverse("author_scenario_publish", args=[scenario.pk])
    refused = client.post(publish)
    assert refused.status_code == 400
    assert "“opening” has 1 reply; offer 2 to 4" in refused.content.decode()
    scenario.refresh_from_db()
    assert not scenario.is_published

    client.post(add_reply, {"text": "I'll ring the courier.", "next_node": thanks.pk})
    assert client.post(publish).status_code == 302
    scenario.refresh_from_db()
    assert scenario.is_published

    editor = client.get(reverse("author_scenario", args=[scenario.pk])).content.decode()
    assert 'href="#line-thanks"' in editor
    assert "Acknowledges emotion +2" in editor


def test_form_errors_keep_what_was_typed(client, admin):
    scenario = build_scenario()
    editing.scenario_unpublish(scenario=scenario, actor=None)
    client.force_login(admin)
    typed = "A long customer line the author must not lose."
    response = client.post(
        reverse("author_scenario_node_new", args=[scenario.pk]),
        {"node-name": "opening", "node-mood": "calm", "node-line": typed},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Another line in this scenario already has this label." in html
    assert typed in html

    response = client.post(
        reverse("author_scenario_reply_new", args=[scenario.start_id]),
        {"text": "Keep me", "score_stays_calm": "7"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Keep me" in html
    assert "Ensure this value is less than or equal to 2." in html


def test_check_lists_problems_naming_the_line(client, admin):
    scenario = build_scenario()
    editing.scenario_unpublish(scenario=scenario, actor=None)
    ScenarioNode.objects.create(scenario=scenario, name="orphan", line="Hello?", position=9)
    client.force_login(admin)
    html = client.get(reverse("author_scenario_check", args=[scenario.pk])).content.decode()
    assert '<a href="#line-orphan">“orphan” can&#x27;t be reached' in html
    fragment = client.get(
        reverse("author_scenario_check", args=[scenario.pk]), headers={"HX-Request": "true"}
    )
    assert "<html" not in fragment.content.decode()
    assert "“orphan” can&#x27;t be reached" in fragment.content.decode()


def test_preview_plays_without_recording(client, admin):
    scenario = build_scenario()
    client.force_login(admin)
    url = reverse("author_scenario_preview", args=[scenario.pk])
    first = client.get(url).content.decode()
    assert "Preview: nothing is recorded." in first
    sorry = reply(scenario, "I'm sorry")
    assert f'href="{url}?path={sorry.pk}"' in first
    assert_nothing_given_away(first)

    options = reply(scenario, "I can send")
    middle = client.get(url, {"path": f"{sorry.pk}"}).content.decode()
    assert f'href="{url}?path={sorry.pk},{options.pk}"' in middle
    end = client.get(url, {"path": f"{sorry.pk},{options.pk}"})
    assert end.status_code == 200
    assert "OUTCOME-LOYAL" in end.content.decode()
    assert "FEEDBACK-OPTIONS" in end.content.decode()

    assert client.get(url, {"path": f"{options.pk}"}).status_code == 400
    assert client.get(url, {"path": "x"}).status_code == 400
    assert not ScenarioRun.objects.exists()


def test_author_list_query_count_is_flat(client, admin, django_assert_num_queries):
    build_scenario()
    client.force_login(admin)
    # session, user, scenarios (+ courses), lines, replies
    with django_assert_num_queries(5):
        one = client.get(reverse("author_scenarios"))
    build_scenario(WRONG_ORDER.replace("slug: wrong-order", "slug: second"))
    build_scenario(WRONG_ORDER.replace("slug: wrong-order", "slug: third"))
    with django_assert_num_queries(5):
        three = client.get(reverse("author_scenarios"))
    assert one.content.decode().count("<tr>") == 2
    assert three.content.decode().count("<tr>") == 4


# --- Who may play: the same rule as quizzes ---------------------------------------------------


def test_practice_needs_a_place_on_the_course_like_a_quiz(client, learner, admin):
    from assessments.quizzes.permissions import can_take_quiz
    from assessments.scenarios.permissions import can_play_scenario
    from tests.assessments.builders import build_quiz, single

    scenario = build_scenario()
    quiz = build_quiz(scenario.course, questions=[single()])
    client.force_login(learner)
    page = client.get(reverse("scenario_detail", args=[scenario.slug])).content.decode()
    assert "Start the course first" in page
    assert reverse("scenario_start", args=[scenario.slug]) not in page
    assert client.post(reverse("scenario_start", args=[scenario.slug])).status_code == 403
    assert not ScenarioRun.objects.exists()
    for person in (learner, admin):  # admins are no exception on learner pages
        assert can_play_scenario(person, scenario) is False
        assert can_take_quiz(person, quiz) is False

    enrolment_create(user=learner, course=scenario.course)
    assert can_play_scenario(learner, scenario) and can_take_quiz(learner, quiz)
    start(client, scenario)
    course_services.course_unpublish(course=scenario.course, actor=None)
    assert can_play_scenario(learner, scenario) is False
    assert can_take_quiz(learner, quiz) is False


def test_a_draft_conversation_is_reached_through_its_preview_only(client, admin):
    scenario = build_scenario()
    editing.scenario_unpublish(scenario=scenario, actor=None)
    client.force_login(admin)
    assert client.get(reverse("scenario_detail", args=[scenario.slug])).status_code == 404
    preview = client.get(reverse("author_scenario_preview", args=[scenario.pk]))
    assert preview.status_code == 200


def test_a_manager_reads_a_finished_debrief_but_not_a_conversation_going_on(
    client, learner, manager, other_manager
):
    scenario = build_scenario()
    enrolment_create(user=learner, course=scenario.course)
    client.force_login(learner)
    run = start(client, scenario)
    client.force_login(manager)
    assert client.get(run_url(run)).status_code == 404  # still going on: the learner's alone
    client.force_login(learner)
    client.post(reply_url(run), {"reply": reply(scenario, "Please calm").pk, "step": 0})
    run.refresh_from_db()
    assert run.finished_at is not None
    client.force_login(manager)
    page = client.get(run_url(run))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Leo Learner's behaviours" in html and "Play again" not in html
    assert client.post(reply_url(run), {"reply": 1, "step": 0}).status_code == 404
    client.force_login(other_manager)
    assert client.get(run_url(run)).status_code == 404


def test_the_channel_is_shown_with_the_conversation(client, learner):
    scenario = build_scenario(
        WRONG_ORDER.replace("start: opening", "channel: chat\nstart: opening")
    )
    assert scenario.channel == Scenario.Channel.CHAT
    enrolment_create(user=learner, course=scenario.course)
    client.force_login(learner)
    intro = client.get(reverse("scenario_detail", args=[scenario.slug])).content.decode()
    assert "Practice conversation, in a written chat" in intro
    run = start(client, scenario)
    assert "In a written chat" in client.get(run_url(run)).content.decode()
