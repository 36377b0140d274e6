"""Quiz files (YAML): every problem names the file and the line to fix, and nothing loads."""

from __future__ import annotations

import pytest

from assessments.models import Question, Quiz
from assessments.quizzes.loader import QuizFileError, load_quiz_file
from tests.courses.builders import build_course

pytestmark = pytest.mark.django_db


def quiz_file(module_key: str, *, points: str = "1", course: str = "de-escalation") -> str:
    return f"""format: 1
course: {course}
module: {module_key}
title: Check
bank: ["Service", "Calm"]
questions:
  - title: First
    kind: single
    prompt: What first?
    choices:
      - text: Breathe
        correct: true
      - text: Shout
  - title: Second
    kind: single
    prompt: And then?
    points: {points}
    choices:
      - text: Listen
        correct: true
      - text: Leave
"""


@pytest.fixture
def module_key(db) -> str:
    course = build_course(modules=1, lessons=1)
    return str(course.published_version.modules.get().key)


def test_a_good_quiz_file_loads(tmp_path, module_key):
    path = tmp_path / "calm.yaml"
    path.write_text(quiz_file(module_key), encoding="utf-8")

    result = load_quiz_file(path)

    assert result.created == 2
    assert result.quiz.slots.count() == 2


def test_a_problem_in_a_question_points_at_its_line(tmp_path, module_key):
    path = tmp_path / "calm.yaml"
    path.write_text(quiz_file(module_key, points="many"), encoding="utf-8")

    with pytest.raises(QuizFileError) as caught:
        load_quiz_file(path)

    # "points: many" is on line 17 of the file.
    assert [str(p) for p in caught.value.problems] == [
        "calm.yaml:17: question 2 'Second': points: Points must be a number."
    ]
    assert not Quiz.objects.exists() and not Question.objects.exists()


def test_an_unknown_course_and_a_repeated_field_point_at_their_lines(tmp_path, module_key):
    path = tmp_path / "calm.yaml"
    path.write_text(quiz_file(module_key, course="nowhere") + "title: Again\n", encoding="utf-8")

    with pytest.raises(QuizFileError) as caught:
        load_quiz_file(path)

    assert [str(p) for p in caught.value.problems] == [
        "calm.yaml:22: 'title' appears twice here; keep one."
    ]
    path.write_text(quiz_file(module_key, course="nowhere"), encoding="utf-8")
    with pytest.raises(QuizFileError) as caught:
        load_quiz_file(path)
    assert [str(p) for p in caught.value.problems] == [
        "calm.yaml:2: no published course with slug 'nowhere'"
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("      - text: Shout\n", "      - null\n"), "choices: Give a list, each item"),
        (("points: 1e30", "points: 1e30"), "points: Points must be a number from 0 to 1,000."),
        (('bank: ["Service", "Calm"]', "bank: 7"), "bank: give a list of names"),
        (("questions:\n  - title: First", "questions: 5\nx:\n  - title: First"), "questions:"),
        (("module: ", "module: not-a-key-"), "the course has no module with key"),
    ],
)
def test_malformed_quiz_files_are_refused_with_a_reason(tmp_path, module_key, change, expected):
    text = quiz_file(module_key, points="1e30").replace(*change, 1)
    if change[0] != "points: 1e30":
        text = text.replace("points: 1e30", "points: 1")
    path = tmp_path / "calm.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(QuizFileError) as caught:
        load_quiz_file(path)

    assert any(expected in str(p) for p in caught.value.problems), caught.value.problems
    assert not Quiz.objects.exists() and not Question.objects.exists()
