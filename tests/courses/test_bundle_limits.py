"""Size limits on bundles and lessons, kept while reading: a small zip that unpacks to a huge
lesson (a decompression bomb) is refused after reading a sliver of it, naming the file, and the
editor holds lessons to the same length."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from courses import bundles, services
from courses.bundles import BundleError, export_course, import_bundle, read_bundle
from courses.content import MAX_LESSON_CHARS
from courses.models import Course, Lesson
from tests.courses.builders import build_course
from tests.courses.test_bundles import write_bundle, zip_folder

pytestmark = pytest.mark.django_db

BOMB_BYTES = 45 * 1024 * 1024  # the lesson that made one upload take 150 s


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media-root"
    return settings.MEDIA_ROOT


class CountingFile(io.BytesIO):
    """A zip file that counts the bytes read from it: how much of a bomb was unpacked."""

    def __init__(self, content: bytes) -> None:
        super().__init__(content)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def bomb_zip(tmp_path, *, lie_about_size: bool = False) -> bytes:
    """The usual bundle, its second lesson replaced by 45 MB of text that zips to ~44 KB and
    comes last in the zip. `lie_about_size` makes the zip's headers declare 1 KB for it."""
    folder = write_bundle(tmp_path)
    (folder / "lessons" / "02-not-you.md").unlink()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
        archive.writestr("lessons/02-not-you.md", b"a" * BOMB_BYTES)
    content = bytearray(buffer.getvalue())
    if lie_about_size:
        declared = struct.pack("<I", BOMB_BYTES)
        small = struct.pack("<I", 1024)
        # The uncompressed size sits 22 bytes into the local header, 24 into the central one.
        for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
            start = content.rfind(signature)
            assert content[start + offset : start + offset + 4] == declared
            content[start + offset : start + offset + 4] = small
    return bytes(content)


def test_a_zip_bomb_lesson_is_refused_by_name_after_reading_a_sliver(tmp_path):
    archive = bomb_zip(tmp_path)
    source = CountingFile(archive)
    assert len(archive) < 100 * 1024

    with pytest.raises(BundleError) as caught:
        read_bundle(source)

    assert [(p.file, p.line, p.message) for p in caught.value.problems] == [
        (
            "lessons/02-not-you.md",
            None,
            f"This lesson is longer than {MAX_LESSON_CHARS:,} characters, the most a lesson "
            "may hold. Split it into two or more lessons.",
        )
    ]
    # Refused before it was unpacked: less than a tenth of the zip was even read.
    assert source.bytes_read < len(archive) / 10


def test_a_zip_that_understates_a_lesson_is_not_unpacked_past_what_it_declares(tmp_path):
    # Declared 1 KB, under every limit: unpacking stops at 1 KB, where the checksum shows the
    # file is not what the zip says.
    archive = bomb_zip(tmp_path, lie_about_size=True)

    with pytest.raises(BundleError) as caught:
        read_bundle(io.BytesIO(archive))

    assert [(p.file, p.message) for p in caught.value.problems] == [
        ("lessons/02-not-you.md", "This file in the zip can't be read (damaged or encrypted).")
    ]


def test_an_upload_of_a_zip_bomb_is_refused_with_its_file_named(client, admin, tmp_path):
    upload = io.BytesIO(bomb_zip(tmp_path))
    upload.name = "de-escalation.zip"
    client.force_login(admin)

    response = client.post(reverse("author_course_import"), {"bundle": upload})

    assert response.status_code == 400
    assert "lessons/02-not-you.md: This lesson is longer than" in response.content.decode()
    assert Course.objects.count() == 0


def test_a_lesson_file_over_the_limit_in_a_folder_is_refused_unread(tmp_path):
    folder = write_bundle(
        tmp_path, files={"lessons/03-listen.md": b"x" * (4 * MAX_LESSON_CHARS + 1)}
    )

    with pytest.raises(BundleError) as caught:
        read_bundle(folder)

    assert [p.file for p in caught.value.problems] == ["lessons/03-listen.md"]
    assert "longer than 100,000 characters" in caught.value.problems[0].message


@pytest.mark.parametrize("as_zip", [False, True])
def test_a_lesson_one_character_too_long_is_refused_with_its_length(tmp_path, as_zip):
    folder = write_bundle(tmp_path, files={"lessons/03-listen.md": "x" * (MAX_LESSON_CHARS + 1)})
    source = io.BytesIO(zip_folder(folder)) if as_zip else folder

    with pytest.raises(BundleError) as caught:
        read_bundle(source)

    assert [(p.file, p.message) for p in caught.value.problems] == [
        (
            "lessons/03-listen.md",
            "This lesson is 100,001 characters long; the most a lesson may hold is 100,000. "
            "Split it into two or more lessons.",
        )
    ]


def test_the_longest_lesson_the_editor_saves_exports_and_imports_again(tmp_path, admin):
    # Four bytes a character in UTF-8: the bundle's byte limit must not be tighter than the
    # editor's character limit.
    longest = "😀" * MAX_LESSON_CHARS
    course = build_course(modules=1, lessons=1)
    draft = services.course_draft(course=course, user=admin)
    lesson = draft.lessons.get()
    services.lesson_update(lesson=lesson, title=lesson.title, body_markdown=longest, minutes=4)
    services.course_publish(course=course, actor=admin)
    course.refresh_from_db()
    folder = export_course(course, tmp_path)
    course.delete()

    again = import_bundle(read_bundle(folder), user=admin)

    assert again.published_version.lessons.get().body_markdown == longest


@pytest.mark.parametrize("as_zip", [False, True])
def test_lessons_holding_too_much_text_together_are_refused(tmp_path, monkeypatch, as_zip):
    # Each lesson is within its own limit; together they would take too long to import.
    monkeypatch.setattr(bundles, "MAX_LESSONS_BYTES", 80)
    folder = write_bundle(tmp_path)
    source = io.BytesIO(zip_folder(folder)) if as_zip else folder

    with pytest.raises(BundleError) as caught:
        read_bundle(source)

    assert [(p.file, p.message) for p in caught.value.problems] == [
        (
            "bundle.zip" if as_zip else "de-escalation",
            "The lessons hold more than 80 bytes of text together, the most one course may. "
            "Split the course into two or more courses.",
        )
    ]


def test_course_yaml_over_its_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(bundles, "MAX_MANIFEST_BYTES", 100)

    with pytest.raises(BundleError) as caught:
        read_bundle(io.BytesIO(zip_folder(write_bundle(tmp_path))))

    assert [(p.file, p.message) for p in caught.value.problems] == [
        (
            "course.yaml",
            "course.yaml is larger than 100 bytes, the most it may be. It holds titles, keys "
            "and file names; lesson text goes in lessons/.",
        )
    ]


def test_files_that_are_not_part_of_a_bundle_are_never_read(tmp_path):
    # A large README is no reason to refuse a bundle; it is skipped unread.
    folder = write_bundle(tmp_path, files={"README.md": b"r" * (2 * 1024 * 1024)})
    archive = zip_folder(folder, {"de-escalation/video.mp4": b"\0" * (1024 * 1024)})

    assert read_bundle(io.BytesIO(archive)).slug == "de-escalation"


# --- The editor ---------------------------------------------------------------------------------


def test_saving_a_lesson_over_the_limit_is_refused():
    course = build_course()
    draft = services.course_draft(course=course, user=None)
    module = draft.modules.first()

    with pytest.raises(ValidationError) as caught:
        services.lesson_create(module=module, title="Long", body_markdown="x" * 100_001)

    assert caught.value.message_dict["body_markdown"] == [
        "This lesson is 100,001 characters long; the most is 100,000. "
        "Split it into two or more lessons."
    ]


def test_the_editor_shows_the_length_limit_next_to_the_text_and_keeps_it(client, admin):
    course = build_course()
    draft = services.course_draft(course=course, user=admin)
    lesson = draft.lessons.first()
    body = "Start of my long lesson. " + "x" * MAX_LESSON_CHARS
    client.force_login(admin)

    response = client.post(
        reverse("author_lesson", args=[lesson.pk]),
        {"title": lesson.title, "minutes": "4", "body_markdown": body},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["body_markdown"] == [
        f"This lesson is {len(body):,} characters long; the most is 100,000. "
        "Split it into two or more lessons."
    ]
    html = response.content.decode()
    assert 'id="id_body_markdown_error"' in html  # beside the text, named by aria-describedby
    textarea = html.split('name="body_markdown"')[1].split("</textarea>")[0]
    assert body in textarea  # every character typed is still there
    assert "maxlength" not in textarea  # a browser would cut a paste short without a word
    lesson.refresh_from_db()
    assert lesson.body_markdown != body
    assert Lesson.objects.filter(body_markdown=body).count() == 0
