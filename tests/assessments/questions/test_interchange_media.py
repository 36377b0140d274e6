"""Pictures and sounds in imported questions: sounds in the question text become players,
pictures in options and feedback stay pictures, and whatever can't be kept is named in the
report by question, line and kind, never dropped without a word. Exports carry them back."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from assessments.models import Question, QuestionAudio, QuestionBank, QuestionImage, QuestionVersion
from assessments.questions.interchange import InterchangeError, bank_export, questions_import
from assessments.questions.interchange.audio import FLAC, M4A, MP3, OGG, WAV, audio_format
from assessments.questions.option_text import option_html
from courses.content import render_markdown, sanitise_html

pytestmark = pytest.mark.django_db

MEDIA = Path(__file__).parent / "fixtures_interchange" / "moodle_media.xml"
MP3_BYTES = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\x00" * 413
OGG_BYTES = b"OggS\x00\x02" + b"\x00" * 22 + b"\x01\x1e\x01vorbis" + b"\x00" * 60


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _import(content: bytes | None = None, bank: str = "Training") -> object:
    return questions_import(
        content=MEDIA.read_bytes() if content is None else content,
        filename=MEDIA.name,
        bank_path=bank.split("/"),
    )


def _read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


# --- Sounds ----------------------------------------------------------------------------------


def test_a_sound_in_the_question_becomes_a_labelled_player():
    _import()

    listening = QuestionBank.objects.get(name="Listening")
    version = QuestionVersion.objects.get(title="Which language")
    slow, clip = QuestionAudio.objects.order_by("name")
    assert (clip.name, slow.name) == ("french.mp3", "french-slow.ogg")
    assert clip.bank == slow.bank == listening
    assert _read(clip.file) == MP3_BYTES and _read(slow.file) == OGG_BYTES
    # Stored under a random name: the page's source never says "french".
    assert "french" not in clip.file.name and clip.file.name.endswith(".mp3")
    assert version.prompt_html == (
        "<p>What language is being spoken?</p>\n"
        f'<p><audio controls="" preload="none" src="{clip.file.url}" aria-label="Audio clip">'
        "</audio></p>\n"
    )
    # A link to a sound, as Moodle's media filter plays it, becomes a player too; the link's
    # text, the file's name, is no label.
    assert f'<audio controls="" preload="none" src="{slow.file.url}" aria-label="Audio clip">' in (
        version.explanation_html
    )
    assert "french-slow" not in version.explanation_html


def test_a_sound_that_is_not_a_sound_stops_the_import():
    xml = MEDIA.read_text().replace(
        base64.b64encode(MP3_BYTES).decode(), base64.b64encode(b"#!/bin/sh\necho hi\n").decode(), 1
    )

    with pytest.raises(InterchangeError) as caught:
        _import(xml.encode())

    [problem] = caught.value.problems
    assert problem.line == 11
    assert problem.message.startswith(
        'question "Which language": sound "french.mp3": this file isn\'t a sound we can play'
    )
    assert not (QuestionBank.objects.exists() or QuestionAudio.objects.exists())


def test_the_stored_sound_is_served_to_signed_in_people_only(client, learner):
    _import()
    clip = QuestionAudio.objects.get(name="french.mp3")

    assert client.get(clip.file.url).status_code == 302  # to sign in
    client.force_login(learner)
    response = client.get(clip.file.url)

    assert response.status_code == 200
    assert response["Content-Type"] == "audio/mpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == MP3_BYTES


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (MP3_BYTES, MP3),
        (b"\xff\xfb\x90\x64" + b"\x00" * 413, MP3),  # no ID3 tag
        (OGG_BYTES, OGG),
        (b"OggS\x00\x02" + b"\x00" * 22 + b"OpusHead" + b"\x00" * 60, OGG),
        (b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 40, WAV),
        (b"fLaC\x00\x00\x00\x22" + b"\x00" * 40, FLAC),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00" + b"\x00" * 40, M4A),
        (b"OggS\x00\x02" + b"\x00" * 22 + b"\x80theora" + b"\x00" * 60, None),  # a video
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00" + b"\x00" * 40, None),  # MP4: maybe video
        (b"\x1aE\xdf\xa3" + b"\x00" * 40, None),  # WebM
        (b"%PDF-1.4\n" + b"\x00" * 40, None),
        (b"ID3", None),
        (MP3_BYTES + b"\x00" * (5 * 1024 * 1024), None),  # over 5 MB
    ],
)
def test_the_bytes_decide_what_a_sound_is(content, expected):
    assert audio_format(content) is expected


def test_only_our_uploads_with_a_sounds_extension_play():
    html = render_markdown(
        "![Listen](/media/question-audio/1/a.ogg) ![far](https://elsewhere.example/a.mp3) "
        "![pic](/media/question-images/1/a.png)"
    )

    assert html == (
        '<p><audio controls="" preload="none" src="/media/question-audio/1/a.ogg" '
        'aria-label="Listen"></audio> far '
        '<img src="/media/question-images/1/a.png" alt="pic"></p>\n'
    )
    assert (
        sanitise_html(
            '<audio controls src="https://elsewhere.example/a.mp3" onplay="steal()" autoplay>'
            "</audio>"
        )
        == '<audio controls=""></audio>'
    )


# --- Pictures in options and feedback --------------------------------------------------------


def test_pictures_in_options_and_feedback_stay_pictures():
    _import()

    version = QuestionVersion.objects.get(title="Which language")
    images = {image.name: image for image in QuestionImage.objects.all()}
    assert sorted(images) == ["de.png", "fr.png", "it.png", "tick.png"]
    french, german, italian = version.choices.all()
    assert french.text == f"![French flag]({images['fr.png'].image.url}) French"
    assert german.text == f"![German flag]({images['de.png'].image.url}) German"
    assert french.feedback == f"![Tick]({images['tick.png'].image.url}) Oui!"
    assert option_html(french.text) == (
        f'<img class="option-image" src="{images["fr.png"].image.url}" alt="French flag"> French'
    )
    assert italian.fraction == 0 and "Italian flag" in italian.text


def test_option_text_is_shown_as_written_with_only_our_pictures():
    assert option_html("<b>Hi</b> & ![x](/media/lesson-images/a.png)") == (
        "&lt;b&gt;Hi&lt;/b&gt; &amp; ![x](/media/lesson-images/a.png)"
    )
    assert option_html('![A \\] "flag"](/media/question-images/1/a.png)') == (
        '<img class="option-image" src="/media/question-images/1/a.png" alt="A ] &quot;flag&quot;">'
    )
    assert option_html('![x](/media/question-images/1/a.png" onerror="alert(1))') == (
        "![x](/media/question-images/1/a.png&quot; onerror=&quot;alert(1))"
    )


# --- What can't be kept ----------------------------------------------------------------------


def test_what_cannot_be_kept_is_named_by_question_line_and_kind():
    report = _import()

    assert [str(note) for note in report.notes] == [
        f'moodle_media.xml:55: question "Things we cannot show": {note}'
        for note in [
            "a video was left out (videos can't be shown here): @@PLUGINFILE@@/agent.mp4",
            "an embedded page (iframe) was left out: https://www.youtube.com/embed/abcdefghijk",
            "a sound from outside the file was left out (only sounds inside the file can be "
            "played): https://media.example.org/clip.mp3",
            'a link to the attached file "script.pdf" was left out (only pictures and sounds '
            "are kept); its text stays",
            "an image from outside the file was left out: https://media.example.org/desk.png",
            "embedded content was left out: https://media.example.org/old.swf",
            "embedded content was left out: https://media.example.org/old2.swf",
            'the sound "yes.mp3" was left out: sounds can be played in the question and its '
            "explanation, not in options or feedback",
        ]
    ] + [
        f'moodle_media.xml:88: question "Flags to languages": the picture "{name}" in a '
        f'matching item was left out and replaced by its description "{alt}"'
        for name, alt in [("fr.png", "French flag"), ("de.png", "German flag")]
    ]
    shown = QuestionVersion.objects.get(title="Things we cannot show")
    assert shown.prompt_markdown == (
        "Watch how the agent handles it.\n\n"
        "Read the call script and look at the desk.\n\n"
        "She stayed calm."
    )
    assert [c.feedback for c in shown.choices.all()] == ["Yes.", "No."]
    matching = QuestionVersion.objects.get(title="Flags to languages")
    assert [(p.prompt, p.answer) for p in matching.pairs.all()] == [
        ("French flag", "French"),
        ("German flag", "German"),
    ]


def test_gift_media_from_other_sites_is_noted_with_its_line():
    gift = (
        "::Fine::Breathe first {T}\n"
        "\n"
        "::Clip::[html]<p>Who is speaking?</p><audio src='https://media.example.org/a.mp3'>"
        "</audio> {=The manager ~The customer}\n"
        "\n"
        "::Pic::[markdown]Look: ![the desk](https://media.example.org/desk.png) {T}\n"
    )

    report = questions_import(content=gift.encode(), filename="m.gift", bank_path=["T"])

    assert [str(note) for note in report.notes] == [
        'm.gift:3: question "Clip": a sound from outside the file was left out (only sounds '
        "inside the file can be played): https://media.example.org/a.mp3",
        'm.gift:5: question "Pic": an image from outside the file was left out: '
        "https://media.example.org/desk.png",
    ]
    assert QuestionVersion.objects.get(title="Pic").prompt_markdown == "Look: the desk"


def test_a_file_referred_to_but_not_held_is_noted_and_this_sites_uploads_stay():
    gift = (
        '::Desk::[html]<p>Look: <img src="@@PLUGINFILE@@/desk.png" alt="the desk"></p> {T}\n'
        "\n"
        "::Logo::[markdown]Our logo: ![logo](/media/question-images/1/logo.png) {T}\n"
    )

    report = questions_import(content=gift.encode(), filename="m.gift", bank_path=["T"])

    assert [str(note) for note in report.notes] == [
        'm.gift:1: question "Desk": "desk.png" was left out: the file refers to it but doesn\'t '
        "hold it"
    ]
    assert QuestionVersion.objects.get(title="Desk").prompt_markdown == "Look: the desk"
    assert QuestionVersion.objects.get(title="Logo").prompt_markdown == (
        "Our logo: ![logo](/media/question-images/1/logo.png)"
    )


def test_an_option_with_a_long_text_and_a_picture_must_fit_once_stored():
    xml = MEDIA.read_text().replace("> German</p>", "> " + "G" * 450 + "</p>")

    with pytest.raises(InterchangeError) as caught:
        _import(xml.encode())

    assert [p.message for p in caught.value.problems] == [
        'question "Which language": an option is longer than 500 characters',
        'question "Which language": choices: Keep each option under 500 characters.',
    ]
    assert not Question.objects.exists()


# --- Export and back -------------------------------------------------------------------------


def test_pictures_and_sounds_go_out_and_come_back():
    _import()
    before = {
        (v.title, tuple(c.text.split("](")[0] for c in v.choices.all()))
        for v in QuestionVersion.objects.all()
    }
    files = {
        (item.name, _read(item.image if isinstance(item, QuestionImage) else item.file))
        for item in [*QuestionImage.objects.all(), *QuestionAudio.objects.all()]
    }

    xml = bank_export(bank=QuestionBank.objects.get(name="Training")).decode()

    # Options with pictures go out as HTML, so that Moodle shows the pictures too.
    assert re.search(
        r'<answer fraction="100" format="html">\s*<text>&lt;img src="@@PLUGINFILE@@/fr.png" '
        r'alt="French flag"&gt; French</text>\s*<file name="fr.png"',
        xml,
    )
    assert '<feedback format="html">' in xml and 'name="tick.png"' in xml
    assert "![](@@PLUGINFILE@@/french.mp3)" in xml and 'name="french.mp3"' in xml

    Question.objects.all().delete()
    QuestionImage.objects.all().delete()
    QuestionAudio.objects.all().delete()
    questions_import(content=xml.encode(), filename="training.xml", bank_path=["Copy"])

    after = {
        (v.title, tuple(c.text.split("](")[0] for c in v.choices.all()))
        for v in QuestionVersion.objects.filter(question__bank__parent__name="Copy")
    }
    assert after == before
    assert {
        (item.name, _read(item.image if isinstance(item, QuestionImage) else item.file))
        for item in [*QuestionImage.objects.all(), *QuestionAudio.objects.all()]
    } == files
    version = QuestionVersion.objects.get(title="Which language", question__isnull=False)
    assert "<audio controls" in version.prompt_html
    assert 'alt="Tick"' in option_html(version.choices.first().feedback)


def test_an_unclosed_player_says_what_it_swallowed():
    from assessments.questions.interchange.markup import to_markdown

    markdown, notes = to_markdown(
        '<p>Hear this:</p><audio src="@@PLUGINFILE@@/a.mp3"><p>Which language?</p>', "html"
    )

    assert markdown == "Hear this:\n\n![](@@PLUGINFILE@@/a.mp3)"
    assert notes == ["the <audio> is never closed, so the text after it was left out"]
