"""The content check: does a quiz or a practice conversation test judgement, or can it be passed
by spotting patterns (the longest option, "false" every time, the best reply first)? And does a
conversation's scoring teach the right thing?

`quiz_check` and `scenario_check` look at what is in the database, so they work the same on the
shipped content and on anything authors import or write. `check_content` (the command) prints
them; a test holds the shipped content to them. The thresholds and why they are where they are:
docs/content-check.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from assessments.models import QuestionVersion, Quiz, Scenario, ScenarioNode, ScenarioReply

from .scenarios.services.play import ScenarioGraph
from .scenarios.specs import BEHAVIOURS, reply_total

# The share of single-choice questions whose right answer is also the longest option (and,
# separately, the shortest): at most this, rounded to the nearest whole question (four options
# give a 25 % baseline).
EXTREME_CORRECT_MAX = Decimal("0.35")
# True/false answers across a set of quizzes: the share of "true" must sit in this range once
# there are at least TRUE_FALSE_MIN_COUNT of them.
TRUE_SHARE_RANGE = (Decimal("0.3"), Decimal("0.7"))
TRUE_FALSE_MIN_COUNT = 4
# Short answers: learners phrase a right answer in several ways.
SHORT_ACCEPTED_MIN = 3
# Replies to one line: the longest at most this many times the length of the shortest.
REPLY_LENGTH_RATIO_MAX = Decimal("2.0")
# The best reply is (or ties for) the longest at no more than this share of lines.
BEST_LONGEST_MAX = Decimal("0.5")
# A behaviour the debrief scores must be scored at this many lines at least.
BEHAVIOUR_LINES_MIN = 3
# Walking every path is cheap for hand-written conversations; stop before a huge import hurts.
PATHS_MAX = 20_000


@dataclass
class Report:
    """What the check found about one quiz or conversation: `figures` (label, value) to show,
    `problems` to fix, `notes` worth knowing. Passes when there are no problems."""

    kind: str  # "quiz" or "conversation"
    name: str
    figures: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


def _share(part: int, whole: int) -> str:
    return f"{part} of {whole}" + (f" ({round(100 * part / whole)} %)" if whole else "")


# --- Quizzes ---------------------------------------------------------------------------------


def quiz_versions(quiz: Quiz) -> list[QuestionVersion]:
    """The current version of each fixed question of `quiz`, in order (random draws from a
    bank aside: they differ per learner). Three queries."""
    slots = quiz.slots.filter(question__isnull=False).select_related("question__current")
    versions = [s.question.current for s in slots if s.question and s.question.current]
    ids = [v.pk for v in versions]
    by_id = {
        v.pk: v
        for v in QuestionVersion.objects.filter(pk__in=ids).prefetch_related("choices", "accepted")
    }
    return [by_id[pk] for pk in ids]


def true_false_answers(versions: Iterable[QuestionVersion]) -> list[bool]:
    """The right answer of each true/false question (True when "True" is right). No query once
    choices are prefetched."""
    answers = []
    for version in versions:
        if version.kind != QuestionVersion.Kind.TRUE_FALSE:
            continue
        right = [c for c in version.choices.all() if c.fraction == 1]
        if right:
            answers.append(right[0].text.strip().lower() == "true")
    return answers


def true_false_problem(answers: Sequence[bool]) -> str:
    """A problem when the answers lean one way (enough of them to tell); "" otherwise."""
    if len(answers) < TRUE_FALSE_MIN_COUNT:
        if len(answers) >= 2 and len(set(answers)) == 1:
            word = "true" if answers[0] else "false"
            return f"Every true/false answer is “{word}”: mix them."
        return ""
    share = Decimal(sum(answers)) / len(answers)
    low, high = TRUE_SHARE_RANGE
    if low <= share <= high:
        return ""
    return (
        f"{sum(answers)} of {len(answers)} true/false answers are “true”: keep it between "
        f"{round(100 * low)} % and {round(100 * high)} %."
    )


def quiz_check(quiz: Quiz, versions: Sequence[QuestionVersion] | None = None) -> Report:
    """The check of one quiz's fixed questions: `versions` when given (their choices and
    accepted answers prefetched: no query), else read here (three queries)."""
    report = Report("quiz", quiz.title)
    if versions is None:
        versions = quiz_versions(quiz)
    singles = [v for v in versions if v.kind == QuestionVersion.Kind.SINGLE]
    allowed = int((EXTREME_CORRECT_MAX * len(singles)).to_integral_value())
    # Writers who learn that long answers give the game away tend to swing to short ones.
    for word, pick in (("longest", max), ("shortest", min)):
        flagged = []
        for version in singles:
            choices = list(version.choices.all())
            extreme = pick((len(c.text.strip()) for c in choices), default=0)
            if any(c.fraction == 1 and len(c.text.strip()) == extreme for c in choices):
                flagged.append(version.title)
        report.figures.append(
            (f"Right answer is the {word} option", _share(len(flagged), len(singles)))
        )
        if len(flagged) > allowed:
            report.problems.append(
                f"The right answer is the {word} option in {len(flagged)} of {len(singles)} "
                f"single-choice questions (at most {allowed}): "
                + ", ".join(f"“{t}”" for t in flagged)
                + ". Vary which option is longest."
            )

    answers = true_false_answers(versions)
    report.figures.append(
        ("True/false answers", f"{sum(answers)} true, {len(answers) - sum(answers)} false")
    )
    if problem := true_false_problem(answers):
        report.problems.append(problem)

    for version in versions:
        if version.kind == QuestionVersion.Kind.SHORT:
            count = len(version.accepted.all())
            if count < SHORT_ACCEPTED_MIN:
                report.problems.append(
                    f"“{version.title}” accepts {count} answer(s): list at least "
                    f"{SHORT_ACCEPTED_MIN} ways of saying it right, or make it a choice."
                )

    first = sum(
        1 for v in singles if (cs := list(v.choices.all())) and cs[0].fraction == Decimal(1)
    )
    report.notes.append(
        f"The right answer is written first in {_share(first, len(singles))} single-choice "
        "questions; learners see options shuffled, so this is only for your information."
    )
    return report


# --- Practice conversations ------------------------------------------------------------------


def _best(replies: Sequence[ScenarioReply]) -> set[int]:
    top = max(reply_total(r) for r in replies)
    return {r.pk for r in replies if reply_total(r) == top}


def _paths(graph: ScenarioGraph) -> Iterable[list[ScenarioReply]]:
    """Every path of replies from the start to an ending that visits no line twice (a loop
    only repeats a line already counted), up to PATHS_MAX of them."""
    start = graph.start
    if start is None:
        return
    found = 0
    stack: list[tuple[ScenarioNode, list[ScenarioReply], frozenset[int]]] = [
        (start, [], frozenset({start.pk}))
    ]
    while stack and found < PATHS_MAX:
        node, path, seen = stack.pop()
        if node.is_end:
            found += 1
            yield path
            continue
        for reply in graph.choices(node):
            nxt = graph.next_of(reply)
            if nxt is not None and nxt.pk not in seen:
                stack.append((nxt, [*path, reply], seen | {nxt.pk}))


def scenario_check(scenario: Scenario) -> Report:
    """The check of one practice conversation. Two queries."""
    report = Report("conversation", scenario.title)
    graph = ScenarioGraph(scenario)
    lines = [n for n in graph.nodes if not n.is_end and len(graph.choices(n)) >= 2]

    best_longest = best_first = 0
    spread_problems = []
    for node in lines:
        replies = graph.choices(node)
        best = _best(replies)
        lengths = {r.pk: len(r.text.strip()) for r in replies}
        if max(lengths[pk] for pk in best) == max(lengths.values()):
            best_longest += 1
        if replies[0].pk in best:
            best_first += 1
        shortest = max(min(lengths.values()), 1)
        ratio = Decimal(max(lengths.values())) / shortest
        if ratio > REPLY_LENGTH_RATIO_MAX:
            spread_problems.append(f"“{node.name}” ({ratio:.1f}×)")
    report.figures.append(("Best reply is the longest", _share(best_longest, len(lines))))
    if lines and Decimal(best_longest) / len(lines) > BEST_LONGEST_MAX:
        report.problems.append(
            f"The best reply is the longest at {best_longest} of {len(lines)} lines (at most "
            f"{round(100 * BEST_LONGEST_MAX)} %): a learner could pick by length."
        )
    report.figures.append(
        (
            f"Lines whose replies differ in length by more than {REPLY_LENGTH_RATIO_MAX}×",
            _share(len(spread_problems), len(lines)),
        )
    )
    if spread_problems:
        report.problems.append(
            f"Replies differ a lot in length at {', '.join(spread_problems)}: keep the longest "
            f"within {REPLY_LENGTH_RATIO_MAX}× the shortest."
        )
    report.notes.append(
        f"The best reply is written first at {_share(best_first, len(lines))} lines; learners "
        "see replies shuffled, so this is only for your information."
    )

    behaviours = graph.scored_behaviours()
    report.figures.append(
        (
            "Lines scoring each behaviour",
            ", ".join(f"{BEHAVIOURS[k]} {behaviours[k]}" for k in BEHAVIOURS if k in behaviours),
        )
    )
    for key, count in behaviours.items():
        if count < BEHAVIOUR_LINES_MIN:
            report.problems.append(
                f"“{BEHAVIOURS.get(key, key)}” is scored at {count} line(s) only: score it at "
                f"{BEHAVIOUR_LINES_MIN} or more, or not at all, so its total means something."
            )

    clean_best: int | None = None
    recoveries: list[tuple[int, list[ScenarioReply]]] = []
    best_at = {node.pk: _best(graph.choices(node)) for node in lines}
    for path in _paths(graph):
        total = sum(reply_total(r) for r in path)
        if all(r.pk in best_at.get(r.node_id, {r.pk}) for r in path):
            clean_best = total if clean_best is None else max(clean_best, total)
        else:
            recoveries.append((total, path))
    report.figures.append(("Clean path's score", "none" if clean_best is None else str(clean_best)))
    if clean_best is not None:
        ties = [(t, p) for t, p in recoveries if t >= clean_best]
        named: set[int] = set()
        for total, path in sorted(ties, key=lambda tp: -tp[0]):
            slip = next(r for r in path if r.pk not in best_at.get(r.node_id, {r.pk}))
            if slip.pk in named:
                continue
            named.add(slip.pk)
            report.problems.append(
                f"A path through “{slip.text[:50]}” (at “{graph.by_id[slip.node_id].name}”) "
                f"scores {total}, as much as or more than the clean path ({clean_best}): a "
                "slip, even one put right, should cost something."
            )
    return report


def content_check(
    quizzes: Iterable[Quiz], scenarios: Iterable[Scenario]
) -> tuple[list[Report], list[str]]:
    """Reports for every quiz and conversation, and the problems of the set as a whole (true
    and false across all the quizzes). Three queries per quiz, two per conversation."""
    reports: list[Report] = []
    answers: list[bool] = []
    for quiz in quizzes:
        reports.append(quiz_check(quiz))
        answers += true_false_answers(quiz_versions(quiz))
    reports += [scenario_check(s) for s in scenarios]
    overall = [p for p in [true_false_problem(answers)] if p]
    return reports, overall
