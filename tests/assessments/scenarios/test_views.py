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
    ]:
        assert client.get(url).status_code == status, url
    # The old pages of a line and a reply lead to the line in the editor.
    for url in [
        reverse("author_scenario_node", args=[node.pk]),
        reverse("author_scenario_reply_new", args=[node.pk]),
        reverse("author_scenario_reply", args=[first.pk]),
    ]:
        assert client.get(url).status_code == (302 if status == 200 else 404), url
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


def line_data(node: ScenarioNode, *rows: dict, keep: bool = True, **line) -> dict:
    """What the line editor posts for `node`: its fields (changed by `line`), its replies as
    they are (unless `keep` is False), then `rows` (changes to them by index, or new ones)."""
    data = {
        "line-name": node.name,
        "line-mood": node.mood,
        "line-line": node.line,
        "line-outcome": node.outcome,
        "line-outcome_text": node.outcome_text,
    }
    if node.scenario.start_id == node.pk:
        data["line-is_start"] = "on"
    data.update({f"line-{k}": v for k, v in line.items()})
    existing = [
        {
            "reply": r.pk,
            "text": r.text,
            "next_node": r.next_node_id or "",
            "feedback": r.feedback,
            **{f"score_{k}": v for k, v in (r.scores or {}).items()},
        }
        for r in node.replies.all()
    ]
    posted = existing if keep else []
    for row in rows:
        index = row.pop("index", None)
        if index is not None:
            posted[index] = {**posted[index], **row}
        else:
            posted.append(row)
    data["reply-TOTAL_FORMS"] = str(len(posted))
    data["reply-INITIAL_FORMS"] = str(sum(1 for r in posted if r.get("reply")))
    for i, row in enumerate(posted):
        data.update({f"reply-{i}-{k}": v for k, v in row.items() if v is not None})
    return data


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
    empty = client.get(response.url)
    assert empty.status_code == 200
    assert "No lines yet" in empty.content.decode()

    new_line = reverse("author_scenario_node_new", args=[scenario.pk])
    client.post(
        new_line, {"node-name": "opening", "node-mood": "anxious", "node-line": "Where is it?"}
    )
    response = client.post(
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
    editor = reverse("author_scenario", args=[scenario.pk])
    assert response.url == f"{editor}?line={thanks.pk}#line-editor"
    scenario.refresh_from_db()
    assert scenario.start == opening

    # The opening line and its first reply, in one form.
    page = client.get(editor, {"line": opening.pk}).content.decode()
    assert 'name="reply-TOTAL_FORMS" value="1"' in page  # one blank reply offered
    scores = {
        "score_acknowledges_emotion": "2",
        "score_stays_calm": "0",
        "score_takes_ownership": "1",
        "score_offers_options": "",
        "score_builds_rapport": "-1",
    }
    save = reverse("author_scenario_node", args=[opening.pk])
    response = client.post(
        save,
        line_data(opening, {"text": "Let me look.", "next_node": thanks.pk, **scores}),
    )
    assert response.status_code == 302
    assert response.url == f"{editor}?line={opening.pk}#line-editor"
    created = ScenarioReply.objects.get(node=opening)
    assert created.next_node == thanks
    assert created.scores == {"acknowledges_emotion": 2, "takes_ownership": 1, "builds_rapport": -1}

    publish = reverse("author_scenario_publish", args=[scenario.pk])
    refused = client.post(publish)
    assert refused.status_code == 400
    assert "“opening” has 1 reply; offer 2 to 4" in refused.content.decode()
    assert "Needs 2 to 4 replies" in refused.content.decode()  # on the line's box
    scenario.refresh_from_db()
    assert not scenario.is_published

    courier = {"text": "I'll ring the courier.", "next_node": thanks.pk}
    client.post(save, line_data(opening, courier))
    assert client.post(publish).status_code == 302
    scenario.refresh_from_db()
    assert scenario.is_published

    editor_page = client.get(editor).content.decode()
    assert 'href="#box-thanks"' in editor_page  # a reply leads to the box of its next line
    assert 'name="reply-0-score_acknowledges_emotion" value="2"' in editor_page


def test_one_save_changes_the_line_removes_a_reply_and_adds_one(client, admin):
    scenario = build_scenario()
    editing.scenario_unpublish(scenario=scenario, actor=None)
    opening = scenario.start
    number = reply(scenario, "What's your order number?")
    calmer = ScenarioNode.objects.get(scenario=scenario, name="calmer")
    client.force_login(admin)

    response = client.post(
        reverse("author_scenario_node", args=[opening.pk]),
        line_data(
            opening,
            {"index": 0, "text": "Please, calm down now.", "feedback": "Never works."},
            {"index": 2, "remove": "on", "text": ""},
            {"text": "That's awful, twice! Let me fix it.", "next_node": calmer.pk},
            line="Wrong AGAIN!",
            mood="frustrated",
        ),
    )

    assert response.status_code == 302
    opening.refresh_from_db()
    assert opening.line == "Wrong AGAIN!" and opening.mood == "frustrated"
    assert list(opening.replies.values_list("text", "feedback")) == [
        ("Please, calm down now.", "Never works."),
        (
            "I'm sorry, getting it wrong twice is really frustrating. I'll sort it.",
            "FEEDBACK-SORRY: you named the feeling and owned the fix.",
        ),
        ("That's awful, twice! Let me fix it.", ""),
    ]
    assert not ScenarioReply.objects.filter(pk=number.pk).exists()
    assert opening.replies.count() == 3


def test_line_editor_errors_sit_on_their_fields_and_keep_everything_typed(client, admin):
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

    opening = scenario.start
    before = list(opening.replies.values_list("text", "scores"))
    url = reverse("author_scenario_node", args=[opening.pk])
    response = client.post(
        url,
        line_data(
            opening,
            {"index": 1, "text": "Changed but refused", "score_stays_calm": "7"},
            {"text": "Keep me", "next_node": ""},
            {"text": "", "feedback": "Feedback with no reply"},
            line=typed,
        ),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert typed in html and "Keep me" in html and "Changed but refused" in html
    assert "Feedback with no reply" in html
    assert 'id="id_reply-1-score_stays_calm_error"' in html
    assert "Ensure this value is less than or equal to 2." in html
    assert 'id="id_reply-4-text_error"' in html  # a reply with feedback but no words
    assert "Write what the learner could say." in html

    # What only the service can tell (the label is taken) is also said next to its field.
    response = client.post(url, line_data(opening, {"text": "Keep me too"}, name="calmer"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_line-name_error"' in html and "already has this label" in html
    assert "Keep me too" in html
    opening.refresh_from_db()
    assert opening.line != typed and opening.name == "opening"
    assert list(opening.replies.values_list("text", "scores")) == before


def test_a_published_conversation_refuses_a_save_that_breaks_it_and_keeps_the_typing(client, admin):
    scenario = build_scenario()
    opening = scenario.start
    client.force_login(admin)
    response = client.post(
        reverse("author_scenario_node", args=[opening.pk]),
        line_data(
            opening,
            {"index": 0, "remove": "on"},
            {"index": 1, "remove": "on"},
            {"index": 2, "text": "Only this one left"},
        ),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Learners are practising this scenario" in html
    assert "Only this one left" in html
    assert opening.replies.count() == 3


def test_a_reply_of_another_line_is_refused(client, admin):
    scenario = build_scenario()
    editing.scenario_unpublish(scenario=scenario, actor=None)
    opening = scenario.start
    elsewhere = reply(scenario, "Sorry, could you")
    client.force_login(admin)
    response = client.post(
        reverse("author_scenario_node", args=[opening.pk]),
        line_data(opening, {"index": 0, "reply": elsewhere.pk, "text": "Hijack"}),
    )
    assert response.status_code == 400
    assert "Some replies changed since you opened this line" in response.content.decode()
    elsewhere.refresh_from_db()
    assert elsewhere.text.startswith("Sorry, could you")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reply-TOTAL_FORMS": "13"}, "A line can have at most 12 replies here."),
        ({"reply-TOTAL_FORMS": "x"}, "This page was out of date, so nothing was saved."),
    ],
)
def test_too_many_or_garbled_reply_rows_are_refused_in_words(client, admin, change, message):
    scenario = build_scenario()
    editing.scenario_unpublish(scenario=scenario, actor=None)
    opening = scenario.start
    client.force_login(admin)
    data = {**line_data(opening, line="Changed"), **change}
    response = client.post(reverse("author_scenario_node", args=[opening.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    opening.refresh_from_db()
    assert opening.line != "Changed"


def test_add_another_reply_shows_a_blank_row_and_saves_nothing(client, admin):
    scenario = build_scenario()
    editing.scenario_unpublish(scenario=scenario, actor=None)
    opening = scenario.start
    client.force_login(admin)
    data = line_data(opening, {"index": 0, "text": "Typed, not saved"})
    url = reverse("author_scenario_node", args=[opening.pk])
    response = client.post(url, {**data, "more": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="reply-TOTAL_FORMS" value="4"' in html
    assert "Typed, not saved" in html and "New reply" in html
    assert not ScenarioReply.objects.filter(text="Typed, not saved").exists()


def test_the_map_shows_steps_start_endings_and_problems_in_words(client, admin):
    scenario = build_scenario()
    editing.scenario_unpublish(scenario=scenario, actor=None)
    ScenarioNode.objects.create(scenario=scenario, name="orphan", line="Hello?", position=9)
    client.force_login(admin)
    html = client.get(reverse("author_scenario", args=[scenario.pk])).content.decode()
    columns = html.split('class="branch-column')[1:]
    assert [c.split('class="branch-step">')[1].split("<")[0] for c in columns] == [
        "Start",
        "Step 2",
        "Step 3",
        "Not reached from the start",
    ]
    assert 'id="box-opening"' in columns[0]
    assert ">Start</span>" in columns[0]
    assert 'id="box-calmer"' in columns[1] and 'id="box-escalated"' in columns[1]
    assert "Ending: Escalated" in columns[1]
    assert 'id="box-loyal"' in columns[2] and 'id="box-cold"' in columns[2]
    orphan = columns[3]
    assert "<strong>Problem:</strong> Can&#x27;t be reached from the start" in orphan
    assert "Dead end: no replies, no outcome" in orphan
    assert 'data-targets="escalated calmer"' in columns[0]
    # What is wrong with the whole conversation is said above the map.
    ScenarioNode.objects.filter(scenario=scenario).update(outcome="")
    whole = client.get(reverse("author_scenario", args=[scenario.pk])).content.decode()
    assert "<strong>Problem:</strong> No line ends the conversation" in whole
    # Every box is a link that opens its line in the editor, with and without script.
    orphan_pk = ScenarioNode.objects.get(name="orphan").pk
    editor = reverse("author_scenario", args=[scenario.pk])
    assert f'href="{editor}?line={orphan_pk}#line-editor"' in html
    assert f'hx-get="{reverse("author_scenario_node", args=[orphan_pk])}"' in html
    # A line that isn't one of this scenario's opens the start instead.
    for wrong in ("x", "999999", str(ScenarioNode.objects.exclude(scenario=scenario).count())):
        page = client.get(editor, {"line": wrong})
        assert page.status_code == 200 and "Line “opening”" in page.content.decode()
    # With no line chosen, the start is open in the editor.
    chosen = 'aria-current="true"><span class="visually-hidden">Edit line </span><code>opening'
    assert chosen in html


def test_choosing_and_saving_a_line_with_htmx_swaps_only_the_workspace(client, admin):
    scenario = build_scenario()
    editing.scenario_unpublish(scenario=scenario, actor=None)
    calmer = ScenarioNode.objects.get(scenario=scenario, name="calmer")
    client.force_login(admin)
    htmx = {"HX-Request": "true", "HX-Target": "scenario-workspace"}
    url = reverse("author_scenario_node", args=[calmer.pk])

    chosen = client.get(url, headers=htmx)
    assert chosen.status_code == 200
    part = chosen.content.decode()
    assert "<html" not in part and part.strip().startswith('<div id="scenario-workspace"')
    assert "Line “calmer”" in part and "Fine. So what are you going to do about it?" in part

    saved = client.post(url, line_data(calmer, line="Fine. Now what?"), headers=htmx)
    assert saved.status_code == 200
    part = saved.content.decode()
    assert "<html" not in part
    assert "Line “calmer” and its replies saved." in part
    assert "“Fine. Now what?”" in part  # the map shows the change
    calmer.refresh_from_db()
    assert calmer.line == "Fine. Now what?"

    refused = client.post(url, line_data(calmer, line=""), headers=htmx)
    assert refused.status_code == 400
    assert "<html" not in refused.content.decode()
    assert 'id="id_line-line_error"' in refused.content.decode()
    assert "Write what the customer says." in refused.content.decode()


@pytest.mark.parametrize("copies", [1, 4])
def test_editor_query_count_is_flat(client, admin, django_assert_num_queries, copies):
    scenario = build_scenario()
    editing.scenario_unpublish(scenario=scenario, actor=None)
    calmer = ScenarioNode.objects.get(scenario=scenario, name="calmer")
    for n in range(copies * 3):
        editing.node_create(scenario=scenario, name=f"extra-{n}", line="More", outcome="loyal")
    client.force_login(admin)
    # session, user, scenario (+ course), lines, replies, courses for the details form, and the
    # content check's own read of the lines and replies
    with django_assert_num_queries(8):
        response = client.get(reverse("author_scenario", args=[scenario.pk]), {"line": calmer.pk})
    assert response.status_code == 200


def test_check_lists_problems_naming_the_line(client, admin):
    scenario = build_scenario()
    editing.scenario_unpublish(scenario=scenario, actor=None)
    ScenarioNode.objects.create(scenario=scenario, name="orphan", line="Hello?", position=9)
    client.force_login(admin)
    html = client.get(reverse("author_scenario_check", args=[scenario.pk])).content.decode()
    assert '<a href="#box-orphan">“orphan” can&#x27;t be reached' in html
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


def test_an_author_playing_the_preview_to_the_end_finishes_nothing(client, admin):
    """The admin is enrolled and has read every lesson: a preview that counted as a run would
    finish the course and issue a certificate."""
    from progress import services as progress_services
    from progress.models import Certificate

    scenario = build_scenario()
    enrolment = enrolment_create(user=admin, course=scenario.course)
    for key in scenario.course.published_version.modules.first().lessons.values_list(
        "key", flat=True
    ):
        progress_services.lesson_complete(enrolment=enrolment, lesson_key=key)
    client.force_login(admin)
    sorry, options = reply(scenario, "I'm sorry"), reply(scenario, "I can send")
    path = f"{sorry.pk},{options.pk}"

    end = client.get(reverse("author_scenario_preview", args=[scenario.pk]), {"path": path})

    assert "OUTCOME-LOYAL" in end.content.decode()
    assert not ScenarioRun.objects.exists()
    enrolment.refresh_from_db()
    assert enrolment.completed_at is None
    assert not Certificate.objects.exists()
    detail = client.get(reverse("scenario_detail", args=[scenario.slug])).content.decode()
    assert reverse("scenario_start", args=[scenario.slug]) in detail


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


def test_the_editor_checks_the_content_and_sets_how_the_customer_gets_in_touch(client, admin):
    scenario = build_scenario()
    client.force_login(admin)
    page = client.get(reverse("author_scenario", args=[scenario.pk])).content.decode()
    assert "Content check" in page
    assert 'name="channel"' in page

    response = client.post(
        reverse("author_scenario", args=[scenario.pk]),
        {
            "title": scenario.title,
            "slug": scenario.slug,
            "course": scenario.course_id,
            "intro": scenario.intro,
            "required": "on",
            "channel": "phone",
        },
    )
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert scenario.channel == Scenario.Channel.PHONE

    refused = client.post(
        reverse("author_scenario", args=[scenario.pk]),
        {
            "title": scenario.title,
            "slug": scenario.slug,
            "course": scenario.course_id,
            "channel": "carrier-pigeon",
        },
    )
    assert refused.status_code == 400
    scenario.refresh_from_db()
    assert scenario.channel == Scenario.Channel.PHONE


@pytest.mark.parametrize("total", ["²", "9" * 5000, "-3", "x"])
def test_add_another_reply_with_a_garbled_row_count_is_not_a_server_error(client, admin, total):
    scenario = build_scenario()
    editing.scenario_unpublish(scenario=scenario, actor=None)
    opening = scenario.start
    client.force_login(admin)
    data = {**line_data(opening), "reply-TOTAL_FORMS": total, "more": "1"}
    response = client.post(reverse("author_scenario_node", args=[opening.pk]), data)
    assert response.status_code < 500
