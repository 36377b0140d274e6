"""Scenarios as YAML files: reading them into `ScenarioSpec`s, with a line for every problem.

A file looks like this (see `load_scenarios`):

    format: 1
    slug: wrong-order
    course: de-escalation        # the course's slug
    module: <module key>         # optional
    title: The wrong order
    intro: A customer calls ...
    start: opening
    nodes:
      - name: opening
        mood: angry
        line: "You sent me the wrong thing. Again."
        replies:
          - {text: "...", next: calmed, feedback: "...", scores: {acknowledges_emotion: 2}}
      - name: calmed
        mood: delighted
        line: "..."
        outcome: loyal           # loyal | resolved | escalated
        outcome_text: "..."

Reading checks the file's own shape (fields, types, names, moods, scores). Whether the
conversation is playable is `validation.spec_problems`; whether its course exists is
`services.importing.scenario_import_problems`. `locate` turns either kind of problem into a line.

The YAML is read with line numbers by courses.yaml_reader, whose `Problem` (file:line: message)
every file format shares; the field checks and their wording are this format's own.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug

from assessments.models import Scenario, ScenarioNode
from courses.yaml_reader import LineMapping, Problem, decode, parse_yaml

from .specs import BEHAVIOURS, SCORE_MAX, SCORE_MIN, NodeSpec, ReplySpec, ScenarioSpec
from .validation import Problem as ValidationProblem

FORMAT = 1
SCENARIO_FIELDS = (
    "format",
    "slug",
    "course",
    "module",
    "title",
    "intro",
    "channel",
    "required",
    "start",
)
SCENARIO_FIELDS_ALL = (*SCENARIO_FIELDS, "nodes")
NODE_FIELDS = ("name", "mood", "line", "replies", "outcome", "outcome_text")
REPLY_FIELDS = ("text", "next", "feedback", "scores")


def locate(problem: ValidationProblem, spec: ScenarioSpec) -> Problem:
    """Where in `spec`'s file a validation or import problem is: the reply's line, else the
    node's, else the scenario field's, else None (the file as a whole)."""
    line: int | None = None
    node = next((n for n in spec.nodes if n.name == problem.node), None)
    if node is not None:
        line = node.source_line
        if problem.reply is not None and problem.reply < len(node.replies):
            line = node.replies[problem.reply].source_line or line
    elif problem.field is not None:
        line = spec.field_lines.get(problem.field)
    return Problem(spec.file, line, problem.message)


class _Reader:
    """Reads typed fields out of one mapping, recording a problem for each bad one."""

    def __init__(self, mapping: LineMapping, file: str, what: str, problems: list[Problem]):
        self.mapping, self.file, self.what, self.problems = mapping, file, what, problems

    def problem(self, name: str | None, message: str) -> None:
        line = self.mapping.line if name is None else self.mapping.line_of(name)
        self.problems.append(Problem(self.file, line, message))

    def unknown(self, allowed: tuple[str, ...]) -> None:
        for name in self.mapping:
            if name not in allowed:
                self.problem(
                    str(name),
                    f"Unknown field '{name}' in {self.what}. Allowed: {', '.join(allowed)}.",
                )

    def text(self, name: str, *, required: bool, max_length: int | None = None) -> str:
        value = self.mapping.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(
                    name if name in self.mapping else None,
                    f"{self.what.capitalize()} needs '{name}'.",
                )
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problem(name, f"'{name}' must be text; put it in quotes.")
            return ""
        text = str(value).strip()
        if max_length is not None and len(text) > max_length:
            self.problem(name, f"'{name}' is {len(text)} characters; the most is {max_length}.")
        return text

    def slug(self, name: str, *, required: bool, max_length: int) -> str:
        value = self.text(name, required=required, max_length=max_length)
        if value:
            try:
                validate_slug(value)
            except ValidationError:
                self.problem(name, f"'{value}' may only hold letters, numbers, '-' and '_'.")
        return value

    def choice(self, name: str, choices: list[str], default: str) -> str:
        value = self.mapping.get(name, default)
        if value not in choices:
            self.problem(name, f"'{name}' must be one of: {', '.join(choices)}.")
            return default
        return str(value)

    def items(self, name: str) -> list[Any]:
        value = self.mapping.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(name, f"'{name}' must be a list.")
            return []
        return value


def parse_scenario(
    text: str, file: str = "scenario.yaml"
) -> tuple[ScenarioSpec | None, list[Problem]]:
    """The spec in `text`, or None; with every problem in the file's own shape. A spec is only
    returned when there are no problems."""
    problems: list[Problem] = []
    document = parse_yaml(text, file, problems)
    if document is None and problems:
        return None, problems
    if not isinstance(document, LineMapping):
        return None, [*problems, Problem(file, 1, "The file must be a scenario (a mapping).")]

    top = _Reader(document, file, "the scenario", problems)
    top.unknown(SCENARIO_FIELDS_ALL)
    fmt = document.get("format")
    if fmt != FORMAT or isinstance(fmt, bool):
        top.problem(
            "format" if "format" in document else None,
            f"Unsupported format {fmt!r}; this site reads format: {FORMAT}.",
        )
    slug = top.slug("slug", required=True, max_length=80)
    course = top.slug("course", required=True, max_length=80)
    title = top.text("title", required=True, max_length=160)
    intro = top.text("intro", required=False)
    channel = document.get("channel", Scenario.Channel.IN_PERSON)
    if channel not in Scenario.Channel.values:
        top.problem(
            "channel",
            f"'channel' must be one of {', '.join(Scenario.Channel.values)} (got {channel!r}).",
        )
        channel = Scenario.Channel.IN_PERSON
    start = top.text("start", required=True, max_length=60)
    module_key = None
    if document.get("module") is not None:
        try:
            module_key = uuid.UUID(str(document["module"]).strip())
        except ValueError:
            top.problem("module", f"'{document['module']}' is not a module key (a UUID).")
    required = document.get("required", True)
    if not isinstance(required, bool):
        top.problem("required", "'required' must be true or false.")
        required = True

    nodes: list[NodeSpec] = []
    seen: dict[str, int] = {}
    raw_nodes = top.items("nodes")
    if not raw_nodes and "nodes" in document and isinstance(document["nodes"], list):
        top.problem("nodes", "'nodes' is empty; add the lines of the conversation.")
    elif "nodes" not in document:
        top.problem(None, "The scenario needs 'nodes': the lines of the conversation.")
    for index, raw in enumerate(raw_nodes, start=1):
        if not isinstance(raw, LineMapping):
            problems.append(
                Problem(file, document.line_of("nodes"), f"Node {index} must be a mapping.")
            )
            continue
        raw_name = raw.get("name")
        if isinstance(raw_name, str) and raw_name in seen:
            problems.append(
                Problem(
                    file,
                    raw.line_of("name"),
                    f"The name '{raw_name}' is already used on line {seen[raw_name]}.",
                )
            )
            continue
        if isinstance(raw_name, str):
            seen[raw_name] = raw.line_of("name")
        node = _parse_node(raw, file, index, problems)
        if node is not None:
            nodes.append(node)
    if problems:
        return None, problems
    field_lines = {name: document.line_of(name) for name in SCENARIO_FIELDS_ALL if name in document}
    return (
        ScenarioSpec(
            slug=slug,
            course=course,
            title=title,
            intro=intro,
            channel=str(channel),
            start=start,
            nodes=tuple(nodes),
            module_key=module_key,
            required=required,
            file=file,
            field_lines=field_lines,
        ),
        [],
    )


def _parse_node(
    raw: LineMapping, file: str, index: int, problems: list[Problem]
) -> NodeSpec | None:
    before = len(problems)
    reader = _Reader(raw, file, f"node {index}", problems)
    reader.unknown(NODE_FIELDS)
    name = reader.slug("name", required=True, max_length=60)
    mood = reader.choice("mood", ScenarioNode.Mood.values, ScenarioNode.Mood.CALM)
    line = reader.text("line", required=True)
    outcome = reader.choice("outcome", ["", *ScenarioNode.Outcome.values], "")
    if raw.get("outcome") is None:
        outcome = ""
    outcome_text = reader.text("outcome_text", required=False)
    if outcome_text and not outcome:
        reader.problem("outcome_text", "'outcome_text' only belongs on an ending (with 'outcome').")
    replies: list[ReplySpec] = []
    for position, item in enumerate(reader.items("replies"), start=1):
        if not isinstance(item, LineMapping):
            reader.problem("replies", f"Reply {position} of '{name}' must be a mapping.")
            continue
        replies.append(_parse_reply(item, file, f"reply {position} of '{name}'", problems))
    if len(problems) > before:
        return None
    return NodeSpec(
        name=name,
        line=line,
        mood=mood,
        outcome=outcome,
        outcome_text=outcome_text,
        replies=tuple(replies),
        source_line=raw.line,
    )


def _parse_reply(raw: LineMapping, file: str, what: str, problems: list[Problem]) -> ReplySpec:
    reader = _Reader(raw, file, what, problems)
    reader.unknown(REPLY_FIELDS)
    text = reader.text("text", required=True)
    # A missing `next` is a graph problem (the reply leads nowhere), reported by validation.
    next_name = reader.text("next", required=False, max_length=60) or None
    feedback = reader.text("feedback", required=False)
    scores: dict[str, int] = {}
    raw_scores = raw.get("scores") or {}
    if not isinstance(raw_scores, dict):
        reader.problem("scores", "'scores' must be a mapping such as {stays_calm: 1}.")
        raw_scores = {}
    for key, value in raw_scores.items():
        if key not in BEHAVIOURS:
            reader.problem("scores", f"Unknown behaviour '{key}'. Use: {', '.join(BEHAVIOURS)}.")
        elif isinstance(value, bool) or not isinstance(value, int):
            reader.problem("scores", f"The score for '{key}' must be a whole number.")
        elif not SCORE_MIN <= value <= SCORE_MAX:
            reader.problem(
                "scores", f"The score for '{key}' must be from {SCORE_MIN} to {SCORE_MAX}."
            )
        elif value:
            scores[str(key)] = value
    return ReplySpec(
        text=text, next=next_name, feedback=feedback, scores=scores, source_line=raw.line
    )


def read_scenario_file(
    path: Path, name: str | None = None
) -> tuple[ScenarioSpec | None, list[Problem]]:
    """`parse_scenario` on a file; problems name it `name` (default: the file's name)."""
    name = name or path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(name, None, f"Can't read the file: {exc.strerror}.")]
    problems: list[Problem] = []
    text = decode(raw, name, problems)
    if text is None:
        return None, problems
    return parse_scenario(text, name)


def scenario_files(directory: Path) -> list[Path]:
    """The scenario files in `directory` (*.yaml and *.yml, not hidden), sorted by name; [] when
    there are none or the directory doesn't exist."""
    if not directory.is_dir():
        return []
    return sorted(
        p
        for p in directory.iterdir()
        if p.is_file() and p.suffix in {".yaml", ".yml"} and not p.name.startswith(".")
    )
