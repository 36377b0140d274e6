"""The content check finds answers that can be spotted without understanding and scoring that
teaches the wrong thing, in any quiz or conversation in the database (shipped or imported)."""

from __future__ import annotations

import textwrap
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from assessments.content_check import quiz_check, scenario_check
from assessments.models import ScenarioReply, ScenarioRun
from assessments.quizzes.loader import load_quiz_file
from courses.services import enrolment_create
from tests.assessments.scenarios.test_scenarios import build_scenario
from tests.courses.builders import build_course

pytestmark = pytest.mark.django_db


def single(title: str, right: str, wrong: list[str]) -> str:
    choices = "".join(f"      - text: {w}\n" for w in wrong)
    return (
        f"  - title: {title}\n    kind: single\n    prompt: What now?\n    choices:\n"
        f"      - text: {right}\n        correct: true\n{choices}"
    )


def truefalse(title: str, answer: str) -> str:
    other = "False" if answer == "True" else "True"
    return (
        f"  - title: {title}\n    kind: truefalse\n    prompt: Is it so?\n    choices:\n"
        f'      - text: "{answer}"\n        correct: true\n      - text: "{other}"\n'
    )


def load_quiz(tmp_path, questions: str):
    course = build_course(modules=1, lessons=1)
    key = course.published_version.modules.get().key
    path = tmp_path / "check.yaml"
    path.write_text(
        f"format: 1\ncourse: {course.slug}\nmodule: {key}\ntitle: Check\nbank: [Check]\n"
        f"questions:\n{questions}",
        encoding="utf-8",
    )
    return load_quiz_file(path).quiz


def test_a_quiz_whose_right_answer_is_always_the_longest_needs_work(tmp_path):
    quiz = load_quiz(
        tmp_path,
        single("One", "Breathe out slowly, then listen", ["Shout", "Leave"])
        + single("Two", "Say sorry and fix it right now", ["Argue", "Blame"])
        + single("Three", "Name the feeling you can see", ["Ignore", "Rush"])
        + truefalse("Four", "False")
        + truefalse("Five", "False"),
    )
    report = quiz_check(quiz)
    assert not report.passed
    assert ("Right answer is the longest option", "3 of 3 (100 %)") in report.figures
    assert any("longest option in 3 of 3" in p for p in report.problems)
    assert any("Every true/false answer is “false”" in p for p in report.problems)


def test_a_quiz_whose_right_answer_is_always_the_shortest_needs_work(tmp_path):
    quiz = load_quiz(
        tmp_path,
        single("One", "Listen", ["Talk over them until they stop", "Leave now"])
        + single("Two", "Say sorry", ["Argue with them about it", "Blame them"])
        + single("Three", "Name it", ["Ignore it", "Rush them out of the door"]),
    )
    report = quiz_check(quiz)
    assert any("shortest option in 3 of 3" in p for p in report.problems), report.problems


def test_a_balanced_quiz_passes(tmp_path):
    quiz = load_quiz(
        tmp_path,
        single("One", "Listen first", ["Talk over them until they stop", "Leave"])
        + single("Two", "Say sorry", ["Argue with them about it", "Blame"])
        + single("Three", "Name the feeling", ["Ignore it", "Rush them out of the door"])
        + truefalse("Four", "True")
        + truefalse("Five", "False"),
    )
    report = quiz_check(quiz)
    assert report.passed, report.problems
    assert ("True/false answers", "1 true, 1 false") in report.figures


SCENARIO = textwrap.dedent(
    """\
    format: 1
    slug: recovery
    course: de-escalation
    title: A slip put right
    start: opening
    nodes:
      - name: opening
        mood: angry
        line: "You've sent the wrong thing again!"
        replies:
          - text: "I'm sorry, that's twice now. I'll sort it."
            next: calmer
            scores: {acknowledges_emotion: 2, takes_ownership: 1}
          - text: "Please calm down, sir, it's only a kettle."
            next: angrier
            scores: {acknowledges_emotion: -2}
      - name: angrier
        mood: angry
        line: "Don't tell me to calm down!"
        replies:
          - text: "You're right, sorry. Twice is too many. I'll fix it."
            next: calmer
            scores: {acknowledges_emotion: 2, takes_ownership: 2}
          - text: "There's no need to raise your voice at me."
            next: lost
            scores: {acknowledges_emotion: -2}
      - name: calmer
        mood: calm
        line: "Fine. What now?"
        replies:
          - text: "A new one today, or a refund now?"
            next: won
            scores: {offers_options: 2, acknowledges_emotion: 1}
          - text: "Fill in the returns form online."
            next: lost
            scores: {offers_options: -1}
      - name: won
        mood: delighted
        line: "Today, thanks."
        outcome: loyal
        outcome_text: Sorted.
      - name: lost
        mood: angry
        line: "Forget it."
        outcome: escalated
        outcome_text: Lost.
    """
)


def test_a_recovery_that_ties_the_clean_path_and_thin_behaviours_need_work():
    scenario = build_scenario(SCENARIO)
    report = scenario_check(scenario)
    assert ("Clean path's score", "6") in report.figures
    problems = "\n".join(report.problems)
    # calm down (-2), then the recovery (+4), then options (+3): 5, under the clean 6. Fine.
    assert "Please calm down" not in problems
    # Takes ownership and offers options are scored at one or two lines only.
    assert "“Takes ownership” is scored at 2 line(s) only" in problems
    assert "“Offers options” is scored at 1 line(s) only" in problems
    assert "“Acknowledges emotion”" not in problems


def test_a_recovery_scoring_as_much_as_the_clean_path_is_reported():
    generous = SCENARIO.replace(
        "{acknowledges_emotion: 2, takes_ownership: 2}",
        "{acknowledges_emotion: 2, takes_ownership: 2, stays_calm: 2}",
    )
    report = scenario_check(build_scenario(generous))
    # calm down (-2), a generously scored recovery (+6), options (+3) = 7, over the clean 6.
    assert any(
        "Please calm down" in p and "scores 7" in p and "clean path (6)" in p
        for p in report.problems
    ), report.problems


def test_lengths_that_give_the_best_reply_away_are_reported():
    report = scenario_check(build_scenario(SCENARIO))
    assert ("Best reply is the longest", "3 of 3 (100 %)") in report.figures
    assert any("longest at 3 of 3 lines" in p for p in report.problems)


def test_the_command_reports_and_fails_on_problems(tmp_path):
    build_scenario(SCENARIO)
    out = StringIO()
    with pytest.raises(CommandError, match="1 of 1 quizzes and conversations need work"):
        call_command("check_content", stdout=out)
    assert "Conversation “A slip put right”: NEEDS WORK" in out.getvalue()
    assert "(info) The best reply is written first" in out.getvalue()


def test_the_debrief_shows_only_the_behaviours_its_conversation_scores(client, learner):
    scenario = build_scenario(SCENARIO)
    enrolment_create(user=learner, course=scenario.course)
    client.force_login(learner)
    client.post(reverse("scenario_start", args=[scenario.slug]))
    run = ScenarioRun.objects.get(scenario=scenario, user=learner)
    for text in ("I'm sorry, that's twice", "A new one today"):
        chosen = ScenarioReply.objects.get(node__scenario=scenario, text__startswith=text)
        client.post(reverse("scenario_reply", args=[scenario.slug, run.pk]), {"reply": chosen.pk})
    page = client.get(reverse("scenario_run", args=[scenario.slug, run.pk])).content.decode()
    totals = page[page.index("behaviour-totals") : page.index("</table>")]
    for shown in ("Acknowledges emotion", "Takes ownership", "Offers options"):
        assert shown in totals
    # Never scored here: a 0 would look like a verdict on something it never asked.
    assert "Stays calm" not in totals and "Builds rapport" not in totals
