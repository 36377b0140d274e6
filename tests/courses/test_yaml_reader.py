"""The shared YAML reader turns hostile files into problems, never into a crash."""

import pytest

from courses.yaml_reader import Problem, parse_yaml


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("minutes: " + "9" * 5000 + "\n", "number or date"),
        ("when: 2026-13-45\n", "number or date"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ("a:\n" + "".join("  " * n + "b:\n" for n in range(1, 3000)), "nested too deeply"),
    ],
)
def test_hostile_yaml_is_a_problem(text, expected):
    problems: list = []
    assert parse_yaml(text, "course.yaml", problems) is None
    assert [p.file for p in problems] == ["course.yaml"]
    assert expected in problems[0].message


def test_ordinary_yaml_reads():
    problems: list = []
    assert parse_yaml("minutes: 5\n", "course.yaml", problems) == {"minutes": 5}
    assert problems == []


def test_nul_is_refused_on_its_line():
    from courses.yaml_reader import decode

    problems: list = []
    assert decode(b"title: Calm\nintro: a\x00b\n", "quiz.yaml", problems) is None
    assert [(p.line, "NUL" in p.message) for p in problems] == [(2, True)]


@pytest.mark.parametrize("character", ["\x1f", "\x7f", "\ufffe"])
def test_a_control_character_is_a_problem_on_its_line(character):
    problems: list[Problem] = []
    assert parse_yaml(f"title: ok\nsummary: a{character}b\n", "course.yaml", problems) is None
    assert [(p.line, p.message.split(" (")[0]) for p in problems] == [
        (2, "This file holds a character YAML can't read")
    ]
