"""Imported pictures and sounds on the learner's quiz pages: a sound has controls and a label,
a picture keeps its description, on the taking page and the review, and pictures in options
hint at the answer no more than their text does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from assessments.models import Attempt, Question, Quiz, QuizSlot
from assessments.questions.interchange import questions_import
from courses.services import enrolment_create
from tests.courses.builders import build_course

pytestmark = pytest.mark.django_db

MEDIA = Path(__file__).parents[1] / "questions" / "fixtures_interchange" / "moodle_media.xml"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def quiz(learner) -> Quiz:
    course = build_course(modules=1, lessons=1)
    questions_import(content=MEDIA.read_bytes(), filename=MEDIA.name, bank_path=["Languages"])
    module = course.published_version.modules.get()
    quiz = Quiz.objects.create(
        course=course, module_key=module.key, title="Listening", is_published=True
    )
    question = Question.objects.get(current__title="Which language")
    QuizSlot.objects.create(quiz=quiz, position=0, question=question)
    enrolment_create(user=learner, course=course)
    return quiz


def _start(client, quiz: Quiz) -> Attempt:
    assert client.post(reverse("quiz_start", args=[quiz.key])).status_code == 302
    return Attempt.objects.latest("pk")


def _labels(html: str) -> list[str]:
    return re.findall(
        r'<label class="choice"><input type="radio" name="q0-choice"[^>]*> '
        r"<span>(.*?)</span></label>",
        html,
    )


def test_the_taking_page_plays_the_sound_and_shows_the_flags(client, learner, quiz):
    client.force_login(learner)
    attempt = _start(client, quiz)

    html = client.get(reverse("attempt_take", args=[attempt.pk])).content.decode()

    assert re.search(
        r'<audio controls="" preload="none" src="/media/question-audio/\d+/[0-9a-f]{32}\.mp3" '
        r'aria-label="Audio clip"></audio>',
        html,
    )
    labels = _labels(html)
    assert sorted(re.sub(r"<img [^>]*>", "", label).strip() for label in labels) == [
        "French",
        "German",
        "Italian",
    ]
    for label in labels:
        assert re.fullmatch(
            r'<img class="option-image" src="/media/question-images/\d+/[0-9a-f]{32}\.png" '
            r'alt="(French|German|Italian) flag"> \1',
            label,
        ), label
    # The feedback, and its picture, stay hidden until the attempt is submitted.
    assert "Oui!" not in html and 'alt="Tick"' not in html


def test_pictures_add_the_same_markup_to_every_option(client, learner, quiz):
    """Once each option's own words (its text and its picture's description) and the picture's
    random file name are set aside, the right option's markup is the wrong ones' markup."""
    client.force_login(learner)
    attempt = _start(client, quiz)

    html = client.get(reverse("attempt_take", args=[attempt.pk])).content.decode()

    shapes = {
        re.sub(
            r"(French|German|Italian)",
            "WORD",
            re.sub(r"[0-9a-f]{32}", "NAME", re.sub(r'value="\d"', "", label)),
        )
        for label in re.findall(
            r"<label class=\"choice\"><input[^>]*name=\"q0-choice\".*?</label>", html
        )
    }
    assert len(shapes) == 1


def test_the_review_shows_the_flags_and_the_feedback_picture(client, learner, quiz):
    client.force_login(learner)
    attempt = _start(client, quiz)
    item = attempt.items.get()
    french = item.version.choices.get(fraction=1)
    client.post(
        reverse("answer_save", args=[attempt.pk, 0]),
        {"q0-choice": str(item.option_order.index(french.pk) + 1)},
    )
    client.post(reverse("attempt_submit", args=[attempt.pk]))

    html = client.get(reverse("attempt_review", args=[attempt.pk])).content.decode()

    assert re.search(
        r'<strong>Your answer:</strong> <img class="option-image" src="[^"]+" alt="French flag">'
        r" French",
        html,
    )
    assert re.search(r'<img class="option-image" src="[^"]+" alt="German flag"> German', html)
    assert re.search(
        r'<span class="answer-feedback"><img class="option-image" src="[^"]+" alt="Tick"> Oui!',
        html,
    )
    assert '<audio controls="" preload="none"' in html and 'aria-label="Audio clip"' in html
