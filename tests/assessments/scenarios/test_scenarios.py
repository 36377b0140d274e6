"""Practice conversations: the file format, validation, importing, playing and the debrief."""

from __future__ import annotations

import io
import textwrap

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from assessments.models import Scenario, ScenarioNode, ScenarioReply, ScenarioRun
from assessments.scenarios.loader import locate, parse_scenario
from assessments.scenarios.services import editing, importing, play
from assessments.scenarios.services.play import ScenarioGraph
from assessments.scenarios.specs import NodeSpec, ReplySpec, ScenarioSpec
from assessments.scenarios.validation import scenario_problems, spec_problems
from tests.courses.builders import build_course

pytestmark = pytest.mark.django_db

# Feedback and outcome texts carry markers, so tests can prove they stay out of pages.
WRONG_ORDER = textwrap.dedent(
    """\
    format: 1
    slug: wrong-order
    course: de-escalation
    title: The wrong order
    intro: Sam ordered a blue kettle and got a red toaster, again.
    start: opening
    nodes:
      - name: opening
        mood: angry
        line: "This is the second time you've sent me the wrong thing!"
        replies:
          - text: "Please calm down."
            next: escalated
            feedback: "FEEDBACK-CALM-DOWN: telling someone to calm down dismisses the feeling."
            scores: {acknowledges_emotion: -2, stays_calm: -1}
          - text: "I'm sorry, getting it wrong twice is really frustrating. I'll sort it."
            next: calmer
            feedback: "FEEDBACK-SORRY: you named the feeling and owned the fix."
            scores: {acknowledges_emotion: 2, takes_ownership: 2}
          - text: "What's your order number?"
            next: calmer
            feedback: "FEEDBACK-NUMBER: efficient, but it skips the feeling."
            scores: {stays_calm: 1}
      - name: calmer
        mood: frustrated
        line: "Fine. So what are you going to do about it?"
        replies:
          - text: "Sorry, could you say that again?"
            next: calmer
            feedback: "FEEDBACK-REPEAT: asking twice sounds like you weren't listening."
            scores: {builds_rapport: -1}
          - text: "I can send the kettle by express today, or refund you now. Which suits you?"
            next: loyal
            feedback: "FEEDBACK-OPTIONS: two real options put Sam back in control."
            scores: {offers_options: 2, builds_rapport: 1}
          - text: "Our policy is a replacement in 5 to 7 days."
            next: cold
            feedback: "FEEDBACK-POLICY: correct, but it hides behind the rules."
            scores: {offers_options: -1}
      - name: loyal
        mood: delighted
        line: "Express would be brilliant, thank you!"
        outcome: loyal
        outcome_text: "OUTCOME-LOYAL: Sam leaves a five-star review."
      - name: cold
        mood: calm
        line: "Whatever. I'll wait."
        outcome: resolved
        outcome_text: "OUTCOME-COLD: Sam gets the kettle but won't order again."
      - name: escalated
        mood: angry
        line: "Don't tell me to calm down! Get me your manager."
        outcome: escalated
        outcome_text: "OUTCOME-ESCALATED: a complaint lands on your manager's desk."
    """
)


def parse(text: str = WRONG_ORDER) -> ScenarioSpec:
    spec, problems = parse_scenario(text, "wrong-order.yaml")
    assert problems == []
    assert spec is not None
    return spec


def build_scenario(text: str = WRONG_ORDER, *, course_slug: str = "de-escalation") -> Scenario:
    """The wrong-order scenario, published, in a live course (created when missing)."""
    from courses.models import Course

    if not Course.objects.filter(slug=course_slug).exists():
        build_course(slug=course_slug, modules=1, lessons=1)
    return importing.scenario_import(spec=parse(text)).scenario


def reply(scenario: Scenario, text_start: str) -> ScenarioReply:
    return ScenarioReply.objects.get(node__scenario=scenario, text__startswith=text_start)


def node(name: str, *replies: tuple[str, str | None], outcome: str = "") -> NodeSpec:
    return NodeSpec(
        name=name,
        line=f"{name} says something",
        outcome=outcome,
        replies=tuple(ReplySpec(text=t, next=n) for t, n in replies),
    )


def graph(*nodes: NodeSpec, start: str = "a") -> ScenarioSpec:
    return ScenarioSpec(slug="s", course="c", title="T", start=start, nodes=nodes)


# --- The file format -------------------------------------------------------------------------


def test_a_valid_file_is_read_with_lines():
    spec = parse()
    assert spec.slug == "wrong-order"
    assert spec.start == "opening"
    assert [n.name for n in spec.nodes] == ["opening", "calmer", "loyal", "cold", "escalated"]
    opening = spec.nodes[0]
    assert opening.mood == "angry"
    assert opening.replies[1].scores == {"acknowledges_emotion": 2, "takes_ownership": 2}
    assert opening.source_line == 8
    assert opening.replies[0].source_line == 12
    assert spec.field_lines["start"] == 6


def test_file_problems_point_at_their_lines():
    text = textwrap.dedent(
        """\
        format: 1
        slug: broken
        course: de-escalation
        title: Broken
        start: a
        colour: blue
        nodes:
          - name: a
            mood: furious
            line: "Hi"
            replies:
              - {text: "One", next: b, scores: {stays_calm: 5, charm: 1}}
          - name: a
            line: "Again"
        """
    )
    spec, problems = parse_scenario(text, "broken.yaml")
    assert spec is None
    found = {(p.line, p.message.split(" ")[0]) for p in problems}
    assert (6, "Unknown") in found  # colour
    assert any(p.line == 9 and "'mood' must be one of" in p.message for p in problems)
    assert any(p.line == 12 and "from -2 to 2" in p.message for p in problems)
    assert any(p.line == 12 and "Unknown behaviour 'charm'" in p.message for p in problems)
    assert any(p.line == 13 and "already used on line 8" in p.message for p in problems)
    assert all(str(p).startswith("broken.yaml:") for p in problems)


def test_yaml_syntax_errors_name_the_line():
    spec, problems = parse_scenario("format: 1\nslug: [unclosed\ntitle: x\n", "bad.yaml")
    assert spec is None
    assert len(problems) == 1 and problems[0].line is not None
    assert "YAML syntax error" in problems[0].message


def test_graph_problems_are_located_on_their_node_line():
    text = WRONG_ORDER.replace("next: escalated", "next: nowhere")
    spec = parse(text)
    (problem,) = [p for p in spec_problems(spec) if "nowhere" in p.message]
    located = locate(problem, spec)
    assert located.line == 12
    assert str(located).startswith("wrong-order.yaml:12: ")


# --- Validation ------------------------------------------------------------------------------


def test_a_valid_graph_has_no_problems():
    assert spec_problems(parse()) == []
    assert scenario_problems(build_scenario()) == []


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(
            graph(node("a", ("x", "end"), ("y", "end")), node("end", outcome="loyal"), start=""),
            "There is no start",
            id="no-start",
        ),
        pytest.param(
            graph(node("a", ("x", "end"), ("y", "end")), node("end", outcome="loyal"), start="z"),
            "The start “z” isn't one of the lines",
            id="unknown-start",
        ),
        pytest.param(
            graph(
                node("a", ("x", "end"), ("y", "end")),
                node("island", ("x", "end"), ("y", "end")),
                node("end", outcome="loyal"),
            ),
            "“island” can't be reached",
            id="unreachable",
        ),
        pytest.param(
            graph(
                node("a", ("x", "end"), ("y", "stuck")), node("stuck"), node("end", outcome="loyal")
            ),
            "“stuck” is a dead end",
            id="dead-end-node",
        ),
        pytest.param(
            graph(node("a", ("x", "end"), ("Go nowhere", None)), node("end", outcome="loyal")),
            "“a”, reply 2 (“Go nowhere”) doesn't lead anywhere",
            id="reply-without-next",
        ),
        pytest.param(
            graph(node("a", ("x", "end"), ("y", "ghost")), node("end", outcome="loyal")),
            "leads to “ghost”, which isn't a line",
            id="unknown-next",
        ),
        pytest.param(
            graph(
                node("a", ("x", "end"), ("y", "end")),
                node("end", ("more?", "a"), outcome="loyal"),
            ),
            "“end” is an ending (it has an outcome) but also has replies",
            id="end-with-replies",
        ),
        pytest.param(
            graph(
                node("a", ("x", "end"), ("y", "loop1")),
                node("loop1", ("x", "loop2"), ("y", "loop2")),
                node("loop2", ("x", "loop1"), ("y", "loop1")),
                node("end", outcome="loyal"),
            ),
            "No ending can be reached from “loop1”",
            id="loop-without-exit",
        ),
        pytest.param(
            graph(node("a", ("x", "b"), ("y", "b")), node("b", ("x", "a"), ("y", "a"))),
            "No line ends the conversation",
            id="no-ending",
        ),
        pytest.param(
            graph(node("a", ("only", "end")), node("end", outcome="loyal")),
            "“a” has 1 reply; offer 2 to 4",
            id="one-reply",
        ),
        pytest.param(
            graph(node("a", *[(f"r{i}", "end") for i in range(5)]), node("end", outcome="loyal")),
            "“a” has 5 replies; offer 2 to 4",
            id="five-replies",
        ),
    ],
)
def test_each_kind_of_problem_is_found(spec, expected):
    messages = [p.message for p in spec_problems(spec)]
    assert any(expected in m for m in messages), messages


def test_problems_in_the_database_name_the_node():
    scenario = build_scenario()
    editing.scenario_unpublish(scenario=scenario, actor=None)
    calmer = ScenarioNode.objects.get(scenario=scenario, name="calmer")
    ScenarioNode.objects.create(scenario=scenario, name="orphan", line="Hello?")
    reply(scenario, "Our policy").delete()
    reply(scenario, "I can send").delete()
    problems = scenario_problems(scenario)
    assert "“orphan” can't be reached: no reply on the way from the start leads to it." in problems
    assert any("“orphan” is a dead end" in p for p in problems)
    assert any(f"No ending can be reached from “{calmer.name}”" in p for p in problems)
    assert any("“calmer” has 1 reply" in p for p in problems)
    Scenario.objects.filter(pk=scenario.pk).update(start=None)
    scenario.refresh_from_db()
    assert any("There is no start" in p for p in scenario_problems(scenario))


# --- Importing -------------------------------------------------------------------------------


def test_import_creates_a_published_scenario():
    build_course(slug="de-escalation", modules=1, lessons=1)
    result = importing.scenario_import(spec=parse())
    scenario = result.scenario
    assert result.status == "created"
    assert scenario.is_published
    assert scenario.start.name == "opening"
    assert scenario.nodes.count() == 5
    assert ScenarioReply.objects.filter(node__scenario=scenario).count() == 6
    sorry = reply(scenario, "I'm sorry")
    assert sorry.next_node.name == "calmer"
    assert sorry.scores == {"acknowledges_emotion": 2, "takes_ownership": 2}


def test_reimporting_the_same_file_changes_nothing():
    scenario = build_scenario()
    ids = sorted(ScenarioReply.objects.values_list("pk", flat=True))
    result = importing.scenario_import(spec=parse())
    assert result.status == "unchanged"
    assert result.scenario.pk == scenario.pk
    assert sorted(ScenarioReply.objects.values_list("pk", flat=True)) == ids


def test_reimporting_changed_content_updates_in_place_and_keeps_runs(learner, other_learner):
    scenario = build_scenario()
    sorry = reply(scenario, "I'm sorry")
    finished = play.run_start(user=learner, scenario=scenario)
    play.run_reply(run=finished, reply_id=sorry.pk)
    play.run_reply(run=finished, reply_id=reply(scenario, "I can send").pk)
    stranded = play.run_start(user=other_learner, scenario=scenario)
    play.run_reply(run=stranded, reply_id=sorry.pk)  # now on "calmer"

    # The new version rewrites one reply's feedback and drops "calmer" altogether.
    head, tail = WRONG_ORDER.split("  - name: calmer")
    text = (
        head.replace("FEEDBACK-SORRY", "FEEDBACK-SORRY-v2")
        .replace("next: calmer", "next: loyal", 1)
        .replace("next: calmer", "next: cold", 1)
        + "  - name: loyal"
        + tail.split("  - name: loyal")[1]
    )
    result = importing.scenario_import(spec=parse(text))

    assert result.status == "updated"
    assert result.runs_restarted == 1
    assert not ScenarioRun.objects.filter(pk=stranded.pk).exists()
    sorry.refresh_from_db()  # the same row, rewritten
    assert sorry.feedback.startswith("FEEDBACK-SORRY-v2")
    assert not ScenarioNode.objects.filter(scenario=scenario, name="calmer").exists()
    finished.refresh_from_db()
    assert finished.outcome == "loyal"
    assert finished.totals["takes_ownership"] == 2
    steps = ScenarioGraph(scenario).debrief(finished.path)
    assert [s.reply.pk for s in steps] == [sorry.pk]  # the removed line's reply is skipped


def test_import_is_refused_for_a_missing_course_and_writes_nothing():
    with pytest.raises(ValidationError) as exc:
        importing.scenario_import(spec=parse())
    assert "There is no course “de-escalation”." in exc.value.messages
    assert not Scenario.objects.exists()


def test_import_is_refused_for_an_invalid_graph():
    build_course(slug="de-escalation", modules=1, lessons=1)
    with pytest.raises(ValidationError) as exc:
        importing.scenario_import(spec=parse(WRONG_ORDER.replace("next: cold", "next: gone")))
    assert any("“gone”" in m for m in exc.value.messages)
    assert not Scenario.objects.exists()


def test_load_scenarios_command_loads_then_reports_unchanged(tmp_path):
    build_course(slug="de-escalation", modules=1, lessons=1)
    (tmp_path / "wrong-order.yaml").write_text(WRONG_ORDER)
    out = io.StringIO()
    call_command("load_scenarios", str(tmp_path), stdout=out)
    assert out.getvalue() == "wrong-order: created (5 lines)\n"
    out = io.StringIO()
    call_command("load_scenarios", str(tmp_path), stdout=out)
    assert out.getvalue() == "wrong-order: unchanged (5 lines)\n"
    assert Scenario.objects.get().is_published


def test_load_scenarios_command_imports_nothing_when_one_file_is_bad(tmp_path):
    build_course(slug="de-escalation", modules=1, lessons=1)
    (tmp_path / "a-good.yaml").write_text(WRONG_ORDER)
    bad = WRONG_ORDER.replace("slug: wrong-order", "slug: other").replace(
        "    outcome: escalated\n", "    outcome: exploded\n"
    )
    (tmp_path / "b-bad.yaml").write_text(bad)
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("load_scenarios", str(tmp_path), stdout=io.StringIO(), stderr=err)
    assert "b-bad.yaml:" in err.getvalue()
    assert "'outcome' must be one of" in err.getvalue()
    assert not Scenario.objects.exists()


# --- Playing ---------------------------------------------------------------------------------


def test_a_run_moves_through_the_conversation_to_an_ending(learner):
    scenario = build_scenario()
    run = play.run_start(user=learner, scenario=scenario)
    assert run.current.name == "opening" and run.path == [] and run.finished_at is None
    assert not play.scenario_completed(learner, scenario)

    number = reply(scenario, "What's your order")
    run = play.run_reply(run=run, reply_id=number.pk, step=0)
    run.refresh_from_db()
    assert run.current.name == "calmer"
    assert run.path == [number.pk]
    assert run.totals == {"stays_calm": 1}

    options = reply(scenario, "I can send")
    run = play.run_reply(run=run, reply_id=options.pk, step=1)
    run.refresh_from_db()
    assert run.finished_at is not None
    assert run.outcome == "loyal"
    assert run.current.name == "loyal"
    assert run.totals == {"stays_calm": 1, "offers_options": 2, "builds_rapport": 1}
    assert play.scenario_completed(learner, scenario)


def test_start_continues_the_open_run_and_play_again_starts_fresh(learner):
    scenario = build_scenario()
    first = play.run_start(user=learner, scenario=scenario)
    assert play.run_start(user=learner, scenario=scenario).pk == first.pk
    play.run_reply(run=first, reply_id=reply(scenario, "Please calm").pk)
    again = play.run_start(user=learner, scenario=scenario)
    assert again.pk != first.pk
    assert again.current == scenario.start and again.path == []


def test_only_one_open_run_per_learner_and_scenario(learner):
    scenario = build_scenario()
    play.run_start(user=learner, scenario=scenario)
    with pytest.raises(IntegrityError), transaction.atomic():
        ScenarioRun.objects.create(scenario=scenario, user=learner, current=scenario.start)


def test_a_reply_from_another_line_is_rejected(learner):
    scenario = build_scenario()
    run = play.run_start(user=learner, scenario=scenario)
    with pytest.raises(ValidationError) as exc:
        play.run_reply(run=run, reply_id=reply(scenario, "I can send").pk)
    assert exc.value.code == "not_a_choice"
    with pytest.raises(ValidationError):
        play.run_reply(run=run, reply_id=999_999)
    run.refresh_from_db()
    assert run.path == [] and run.current.name == "opening"


def test_a_finished_run_takes_no_more_replies(learner):
    scenario = build_scenario()
    run = play.run_start(user=learner, scenario=scenario)
    play.run_reply(run=run, reply_id=reply(scenario, "Please calm").pk)
    with pytest.raises(ValidationError) as exc:
        play.run_reply(run=run, reply_id=reply(scenario, "I'm sorry").pk)
    assert exc.value.code == "finished"


def test_a_double_click_records_one_reply_and_a_stale_page_is_refused(learner):
    scenario = build_scenario()
    run = play.run_start(user=learner, scenario=scenario)
    sorry = reply(scenario, "I'm sorry")
    play.run_reply(run=run, reply_id=sorry.pk, step=0)
    play.run_reply(run=run, reply_id=sorry.pk, step=0)  # the same form again
    run.refresh_from_db()
    assert run.path == [sorry.pk]
    with pytest.raises(ValidationError) as exc:
        play.run_reply(run=run, reply_id=reply(scenario, "What's your").pk, step=0)
    assert exc.value.code == "stale"
    # Choosing the same reply twice in a row on purpose (a loop back) still counts.
    again = reply(scenario, "Sorry, could you")
    play.run_reply(run=run, reply_id=again.pk, step=1)
    play.run_reply(run=run, reply_id=again.pk, step=2)
    run.refresh_from_db()
    assert run.path == [sorry.pk, again.pk, again.pk]
    assert run.totals["builds_rapport"] == -2


def test_debrief_offers_a_better_reply_only_where_one_scored_higher(learner):
    scenario = build_scenario()
    run = play.run_start(user=learner, scenario=scenario)
    play.run_reply(run=run, reply_id=reply(scenario, "What's your order").pk)
    play.run_reply(run=run, reply_id=reply(scenario, "I can send").pk)
    run.refresh_from_db()
    first, second = ScenarioGraph(scenario).debrief(run.path)
    assert first.reply.text == "What's your order number?"
    assert first.better == reply(scenario, "I'm sorry")
    assert second.better is None  # the best reply at "calmer" was chosen
    rows = {row.key: (row.value, row.percent) for row in play.behaviour_totals(run.totals)}
    assert rows == {
        "acknowledges_emotion": (0, 0),
        "stays_calm": (1, 50),
        "takes_ownership": (0, 0),
        "offers_options": (2, 100),
        "builds_rapport": (1, 50),
    }


# --- Authoring -------------------------------------------------------------------------------


def test_authoring_builds_a_publishable_scenario():
    course = build_course(slug="phones", modules=1, lessons=1)
    scenario = editing.scenario_create(course=course, title="Late parcel", slug="late-parcel")
    opening = editing.node_create(scenario=scenario, name="opening", line="Where is it?")
    scenario.refresh_from_db()
    assert scenario.start == opening  # the first line becomes the start
    happy = editing.node_create(scenario=scenario, name="happy", line="Great!", outcome="loyal")
    with pytest.raises(ValidationError, match="“opening” is a dead end"):
        editing.scenario_publish(scenario=scenario, actor=None)
    editing.reply_create(
        node=opening, text="Let me check.", next_node=happy, scores={"stays_calm": 1}
    )
    with pytest.raises(ValidationError, match="1 reply"):
        editing.scenario_publish(scenario=scenario, actor=None)
    editing.reply_create(node=opening, text="I'll track it now.", next_node=happy)
    editing.scenario_publish(scenario=scenario, actor=None)
    scenario.refresh_from_db()
    assert scenario.is_published


def test_a_published_scenario_refuses_changes_that_would_break_it():
    scenario = build_scenario()
    calmer = ScenarioNode.objects.get(scenario=scenario, name="calmer")
    with pytest.raises(ValidationError, match="Unpublish it to rework it"):
        editing.node_create(scenario=scenario, name="extra", line="Hm?")
    assert not ScenarioNode.objects.filter(name="extra").exists()
    with pytest.raises(ValidationError, match="Unpublish"):
        editing.reply_delete(reply=reply(scenario, "Our policy"))
    with pytest.raises(ValidationError):
        editing.reply_delete(reply=reply(scenario, "Please calm"))
    # A change that keeps it playable is fine.
    editing.node_update(
        node=calmer,
        name="calmer",
        line="Fine. What now?",
        mood="frustrated",
        outcome="",
        outcome_text="",
        is_start=False,
    )
    calmer.refresh_from_db()
    assert calmer.line == "Fine. What now?"


def test_a_line_others_lead_to_cannot_be_deleted():
    scenario = build_scenario()
    editing.scenario_unpublish(scenario=scenario, actor=None)
    calmer = ScenarioNode.objects.get(scenario=scenario, name="calmer")
    with pytest.raises(ValidationError, match="Replies in “opening” lead to “calmer”"):
        editing.node_delete(node=calmer)
    escalated = ScenarioNode.objects.get(scenario=scenario, name="escalated")
    reply(scenario, "Please calm").delete()
    editing.node_delete(node=escalated)
    assert not ScenarioNode.objects.filter(pk=escalated.pk).exists()


def test_reply_scores_are_checked():
    scenario = build_scenario()
    editing.scenario_unpublish(scenario=scenario, actor=None)
    opening = scenario.start
    with pytest.raises(ValidationError):
        editing.reply_create(node=opening, text="Hi", next_node=None, scores={"stays_calm": 3})
    with pytest.raises(ValidationError):
        editing.reply_create(node=opening, text="Hi", next_node=None, scores={"charm": 1})
    created = editing.reply_create(
        node=opening, text="Hi", next_node=None, scores={"stays_calm": 0, "builds_rapport": -2}
    )
    assert created.scores == {"builds_rapport": -2}


def test_a_channel_is_read_and_an_unknown_one_is_refused():
    assert parse().channel == "in_person"
    spec, problems = parse_scenario(
        WRONG_ORDER.replace("start: opening", "channel: phone\nstart: opening"), "w.yaml"
    )
    assert problems == [] and spec is not None and spec.channel == "phone"
    spec, problems = parse_scenario(
        WRONG_ORDER.replace("start: opening", "channel: pigeon\nstart: opening"), "w.yaml"
    )
    assert spec is None
    assert [str(p) for p in problems] == [
        "w.yaml:6: 'channel' must be one of in_person, phone, chat (got 'pigeon')."
    ]
