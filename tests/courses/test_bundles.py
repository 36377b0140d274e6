"""Course bundles: reading and checking, importing (idempotent, keys kept), exporting, the
management commands and the upload/download views."""

from __future__ import annotations

import hashlib
import io
import re
import uuid
import zipfile
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from PIL import Image

from courses import bundles, services
from courses.bundles import BundleError, export_course, import_bundle, load_path, read_bundle
from courses.management.commands.import_course import Command as ImportCourseCommand
from courses.models import Course, CourseImage, CourseVersion, LearningPath, Lesson

pytestmark = pytest.mark.django_db

COURSE_KEY = "6f1c2a4e-0b7d-4c55-9a51-3e2f1d9b8c70"
MODULE_KEYS = ["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"]
LESSON_KEYS = [
    "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaa1",
    "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaa2",
    "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaa3",
]
VIDEO = "https://youtu.be/dQw4w9WgXcQ"


def png_bytes(colour: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), colour).save(buffer, "PNG")
    return buffer.getvalue()


def manifest(**overrides: object) -> dict:
    data: dict = {
        "format": 1,
        "key": COURSE_KEY,
        "slug": "de-escalation",
        "title": "De-escalation",
        "summary": "Stay calm.",
        "self_enrol": True,
        "modules": [
            {
                "key": MODULE_KEYS[0],
                "title": "Keep your calm",
                "summary": "Breathe.",
                "lessons": [
                    {
                        "key": LESSON_KEYS[0],
                        "title": "Spot the alarm",
                        "file": "lessons/01-alarm.md",
                        "minutes": 5,
                        "video": VIDEO,
                    },
                    {
                        "key": LESSON_KEYS[1],
                        "title": "Not about you",
                        "file": "lessons/02-not-you.md",
                        "minutes": 4,
                    },
                ],
            },
            {
                "key": MODULE_KEYS[1],
                "title": "Calm the conversation",
                "lessons": [
                    {
                        "key": LESSON_KEYS[2],
                        "title": "Listen fully",
                        "file": "lessons/03-listen.md",
                        "minutes": 6,
                    }
                ],
            },
        ],
    }
    data.update(overrides)
    return data


LESSON_FILES: dict[str, bytes | str] = {
    "lessons/01-alarm.md": "# The alarm\n\nYour body reacts.\n\n![A calm face](media/calm.png)\n",
    "lessons/02-not-you.md": "It's **not** about you.\n",
    "lessons/03-listen.md": "Listen, then name the feeling.\n",
}


def write_bundle(
    root: Path,
    data: dict | str | None = None,
    files: dict[str, bytes | str] | None = None,
    *,
    media: dict[str, bytes] | None = None,
) -> Path:
    """A bundle folder `root/de-escalation/` with a manifest, lesson files and media."""
    folder = root / "de-escalation"
    folder.mkdir(parents=True, exist_ok=True)
    text = data if isinstance(data, str) else yaml.safe_dump(data or manifest(), sort_keys=False)
    (folder / "course.yaml").write_text(text, encoding="utf-8")
    for name, content in {**LESSON_FILES, **(files or {})}.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    for name, content in (media if media is not None else {"calm.png": png_bytes()}).items():
        (folder / "media").mkdir(exist_ok=True)
        (folder / "media" / name).write_bytes(content)
    return folder


def zip_folder(folder: Path, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def snapshot(course: Course) -> dict:
    """What learners see, with stored image URLs replaced by a hash of the image's bytes."""
    course.refresh_from_db()
    version = course.published_version
    assert version is not None

    def images_by_hash(markdown: str) -> str:
        def replace(match: re.Match[str]) -> str:
            image = CourseImage.objects.get(image=match.group(1).removeprefix("/media/"))
            with image.image.open("rb") as handle:
                return "(sha256:" + hashlib.sha256(handle.read()).hexdigest() + ")"

        return re.sub(r"\((/media/[^)\s]+)\)", replace, markdown)

    return {
        "key": course.key,
        "slug": course.slug,
        "self_enrol": course.self_enrol,
        "title": version.title,
        "summary": version.summary,
        "modules": [
            (
                module.key,
                module.title,
                module.summary,
                [
                    (
                        lesson.key,
                        lesson.title,
                        images_by_hash(lesson.body_markdown),
                        lesson.minutes,
                        lesson.video_url,
                    )
                    for lesson in module.lessons.all()
                ],
            )
            for module in version.modules.prefetch_related("lessons")
        ],
    }


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media-root"
    return settings.MEDIA_ROOT


# --- Importing ---------------------------------------------------------------------------------


def test_import_creates_and_publishes_the_course(tmp_path, admin):
    assert Course.objects.count() == 0

    course = import_bundle(read_bundle(write_bundle(tmp_path)), user=admin)

    course.refresh_from_db()
    assert str(course.key) == COURSE_KEY
    assert (course.slug, course.self_enrol) == ("de-escalation", True)
    live = course.published_version
    assert live is not None
    assert (live.number, live.status, live.title) == (
        1,
        CourseVersion.Status.FROZEN,
        "De-escalation",
    )
    modules = list(live.modules.all())
    assert [(str(m.key), m.title, m.position) for m in modules] == [
        (MODULE_KEYS[0], "Keep your calm", 0),
        (MODULE_KEYS[1], "Calm the conversation", 1),
    ]
    lessons = list(live.lessons.all())
    assert [(str(lesson.key), lesson.title, lesson.minutes) for lesson in lessons] == [
        (LESSON_KEYS[0], "Spot the alarm", 5),
        (LESSON_KEYS[1], "Not about you", 4),
        (LESSON_KEYS[2], "Listen fully", 6),
    ]
    assert lessons[0].video_url == VIDEO
    assert "<strong>not</strong>" in lessons[1].body_html
    image = CourseImage.objects.get(course=course)
    assert image.alt_text == "A calm face"
    assert image.uploaded_by == admin
    assert f"![A calm face]({image.image.url})" in lessons[0].body_markdown
    assert f'src="{image.image.url}"' in lessons[0].body_html
    assert image.image.url.startswith("/media/course-images/")


def test_reimporting_the_same_bundle_changes_nothing(tmp_path, admin):
    folder = write_bundle(tmp_path)
    course = import_bundle(read_bundle(folder), user=admin)
    course.refresh_from_db()
    before = (
        CourseVersion.objects.count(),
        CourseImage.objects.count(),
        course.published_version_id,
    )

    again = bundles.import_bundle_result(read_bundle(folder), user=admin)

    course.refresh_from_db()
    assert again.changed is False
    assert again.course.pk == course.pk
    assert (
        CourseVersion.objects.count(),
        CourseImage.objects.count(),
        course.published_version_id,
    ) == before


def test_reimport_with_a_changed_lesson_publishes_a_new_version_and_keeps_keys(tmp_path, admin):
    folder = write_bundle(tmp_path)
    course = import_bundle(read_bundle(folder), user=admin)
    data = manifest()
    first_module = data["modules"][0]
    first_module["lessons"].reverse()  # reorder
    first_module["lessons"][0]["minutes"] = 7
    data["modules"][1]["lessons"].append(
        {"title": "A new lesson without a key", "file": "lessons/04-new.md"}
    )
    write_bundle(
        tmp_path,
        data,
        {
            "lessons/03-listen.md": "Listen fully, then name the feeling.\n",
            "lessons/04-new.md": "New.",
        },
    )

    import_bundle(read_bundle(folder), user=admin, replace=True)

    course.refresh_from_db()
    live = course.published_version
    assert live is not None and live.number == 2
    assert list(course.versions.values_list("number", "status")) == [(2, "frozen"), (1, "frozen")]
    lessons = list(live.lessons.all())
    assert [str(lesson.key) for lesson in lessons[:3]] == [
        LESSON_KEYS[1],
        LESSON_KEYS[0],
        LESSON_KEYS[2],
    ]
    assert lessons[0].minutes == 7
    assert lessons[2].body_markdown == "Listen fully, then name the feeling.\n"
    assert lessons[3].title == "A new lesson without a key"
    assert lessons[3].minutes == 5
    assert CourseImage.objects.count() == 1  # the unchanged image is reused
    # Version 1 is untouched.
    old = course.versions.get(number=1)
    assert old.lessons.get(key=LESSON_KEYS[2]).body_markdown == "Listen, then name the feeling.\n"


def test_a_lesson_removed_from_the_bundle_leaves_the_new_version(tmp_path, admin):
    folder = write_bundle(tmp_path)
    course = import_bundle(read_bundle(folder), user=admin)
    data = manifest()
    del data["modules"][0]["lessons"][1]
    write_bundle(tmp_path, data)

    import_bundle(read_bundle(folder), user=admin, replace=True)

    course.refresh_from_db()
    assert course.published_version is not None
    assert [str(k) for k in course.published_version.lessons.values_list("key", flat=True)] == [
        LESSON_KEYS[0],
        LESSON_KEYS[2],
    ]
    assert course.versions.get(number=1).lessons.count() == 3


def test_a_bundle_without_keys_imports_the_same_way_every_time(tmp_path, admin):
    data = manifest()
    del data["key"]
    for module in data["modules"]:
        del module["key"]
        for lesson in module["lessons"]:
            del lesson["key"]
    folder = write_bundle(tmp_path, data)
    course = import_bundle(read_bundle(folder), user=admin)
    course.refresh_from_db()
    keys = list(
        Lesson.objects.filter(version=course.published_version).values_list("key", flat=True)
    )

    import_bundle(read_bundle(folder), user=admin)

    course.refresh_from_db()
    assert course.versions.count() == 1
    assert len(set(keys)) == 3
    assert list(course.published_version.lessons.values_list("key", flat=True)) == keys


def test_importing_over_an_edited_draft_replaces_the_draft(tmp_path, admin):
    folder = write_bundle(tmp_path)
    course = import_bundle(read_bundle(folder), user=admin)
    draft = services.course_draft(course=course, user=admin)
    services.version_update(version=draft, title="Edited in the browser", summary="")
    data = manifest(title="De-escalation, second edition")
    write_bundle(tmp_path, data)

    import_bundle(read_bundle(folder), user=admin, replace=True)

    course.refresh_from_db()
    assert course.published_version.pk == draft.pk
    assert course.published_version.title == "De-escalation, second edition"
    assert not course.versions.filter(status=CourseVersion.Status.DRAFT).exists()


def test_settings_only_changes_update_the_course_without_a_new_version(tmp_path, admin):
    folder = write_bundle(tmp_path)
    course = import_bundle(read_bundle(folder), user=admin)
    write_bundle(tmp_path, manifest(slug="calm-down", self_enrol=False))

    result = bundles.import_bundle_result(read_bundle(folder), user=admin, replace=True)

    course.refresh_from_db()
    assert result.changed is True
    assert (course.slug, course.self_enrol) == ("calm-down", False)
    assert course.versions.count() == 1


def test_import_refuses_a_slug_another_course_uses(tmp_path, admin):
    import_bundle(read_bundle(write_bundle(tmp_path)), user=admin)
    services.course_create(title="Other", slug="taken", created_by=admin)
    write_bundle(tmp_path, manifest(slug="taken"))

    with pytest.raises(BundleError) as caught:
        import_bundle(read_bundle(tmp_path / "de-escalation"), user=admin)

    assert [(p.file, p.line) for p in caught.value.problems] == [("course.yaml", 3)]
    assert Course.objects.get(key=COURSE_KEY).slug == "de-escalation"


# --- Checking ----------------------------------------------------------------------------------

BROKEN = f"""\
format: 2
key: not-a-uuid
slug: bad slug!
title: Broken
colour: blue
modules:
  - key: {MODULE_KEYS[0]}
    title: One
    lessons:
      - key: {LESSON_KEYS[0]}
        title: First
        file: lessons/01-alarm.md
        minutes: 0
      - key: {LESSON_KEYS[0]}
        title: Second
        file: lessons/02-not-you.md
        video: https://example.com/video
      - file: lessons/missing.md
        minutes: 3
      - title: Not UTF-8
        file: lessons/latin1.md
  - title: ""
    lessons: []
"""


def test_every_problem_is_reported_with_file_and_line_and_nothing_is_imported(tmp_path, admin):
    folder = write_bundle(
        tmp_path,
        BROKEN,
        {
            "lessons/01-alarm.md": "Look:\n\n![](media/calm.png)\n\n![A map](media/map.png)\n",
            "lessons/latin1.md": "Caf\xe9 first line\nsecond line \xe9".encode("latin-1"),
        },
        media={"calm.png": png_bytes(), "fake.png": b"this is text, not a picture"},
    )
    before = Course.objects.count()

    with pytest.raises(BundleError) as caught:
        read_bundle(folder)

    found = {(p.file, p.line, p.message.split(" ")[0]) for p in caught.value.problems}
    expected_places = {
        ("course.yaml", 1),  # format 2
        ("course.yaml", 2),  # key not a UUID
        ("course.yaml", 3),  # slug
        ("course.yaml", 5),  # unknown field
        ("course.yaml", 13),  # minutes 0
        ("course.yaml", 14),  # duplicate lesson key
        ("course.yaml", 17),  # video host
        ("course.yaml", 18),  # the third lesson has no title: its own line
        ("course.yaml", 18),  # ... and its file is missing
        ("course.yaml", 22),  # empty module title
        ("course.yaml", 23),  # module without lessons
        ("lessons/01-alarm.md", 3),  # image without a description
        ("lessons/01-alarm.md", 5),  # image not in media/
        ("lessons/latin1.md", 1),  # not UTF-8
        ("media/fake.png", None),  # not a real image
    }
    assert {(file, line) for file, line, _ in found} == expected_places
    messages = [str(p) for p in caught.value.problems]
    assert "course.yaml:18: The lesson has no 'title'." in messages
    assert "course.yaml:18: lessons/missing.md is not in the bundle." in messages
    assert any(m.startswith("course.yaml:14: Key") and "line 10" in m for m in messages)
    assert len(caught.value.problems) == 15
    assert Course.objects.count() == before


def test_yaml_syntax_errors_point_at_their_line(tmp_path):
    folder = write_bundle(tmp_path, "format: 1\nslug: x\ntitle: [unclosed\nmodules: []\n")

    with pytest.raises(BundleError) as caught:
        read_bundle(folder)

    [problem] = caught.value.problems
    assert problem.file == "course.yaml"
    assert problem.line == 4
    assert problem.message.startswith("YAML syntax error")


def test_repeated_yaml_fields_are_reported(tmp_path):
    text = yaml.safe_dump(manifest(), sort_keys=False).replace(
        "title: De-escalation\n", "title: De-escalation\ntitle: Again\n"
    )
    with pytest.raises(BundleError) as caught:
        read_bundle(write_bundle(tmp_path, text))

    assert [(p.file, p.line) for p in caught.value.problems] == [("course.yaml", 5)]


def test_a_text_file_named_png_is_rejected(tmp_path):
    folder = write_bundle(tmp_path, media={"calm.png": b"<svg>not really a png</svg>"})

    with pytest.raises(BundleError) as caught:
        read_bundle(folder)

    assert [(p.file, p.line) for p in caught.value.problems] == [("media/calm.png", None)]
    assert "not an image" in caught.value.problems[0].message


def test_an_image_over_5_mb_is_rejected(tmp_path, monkeypatch):
    monkeypatch.setattr(bundles, "MAX_MEDIA_BYTES", 10)
    with pytest.raises(BundleError) as caught:
        read_bundle(write_bundle(tmp_path))

    assert [p.file for p in caught.value.problems] == ["media/calm.png"]


@pytest.mark.parametrize("evil", ["../evil.txt", "/etc/evil.txt", "de-escalation/../../evil.txt"])
def test_zip_slip_entries_are_rejected_and_nothing_is_written(tmp_path, admin, evil):
    archive = zip_folder(write_bundle(tmp_path / "src"), {evil: b"owned"})

    with pytest.raises(BundleError) as caught:
        read_bundle(io.BytesIO(archive))

    assert [p.file for p in caught.value.problems] == [evil]
    assert "Unsafe path" in caught.value.problems[0].message
    assert not (tmp_path / "evil.txt").exists()
    assert Course.objects.count() == 0


def test_a_zip_that_unpacks_too_large_is_rejected(tmp_path, monkeypatch):
    archive = zip_folder(write_bundle(tmp_path))
    monkeypatch.setattr(bundles, "MAX_BUNDLE_BYTES", 100)

    with pytest.raises(BundleError) as caught:
        read_bundle(io.BytesIO(archive))

    assert caught.value.problems[0].message == (
        "The bundle unpacks to more than 100 bytes, the most it may hold."
    )


def test_a_zip_bundle_reads_like_the_folder(tmp_path):
    folder = write_bundle(tmp_path)
    path = tmp_path / "bundle.zip"
    path.write_bytes(zip_folder(folder))

    from_zip, from_folder = read_bundle(path), read_bundle(folder)

    assert from_zip == from_folder


# --- Exporting ---------------------------------------------------------------------------------


def test_export_then_import_into_an_empty_database_reproduces_the_course(tmp_path, admin):
    course = import_bundle(read_bundle(write_bundle(tmp_path / "in")), user=admin)
    # A later edit made in the browser, to show the export carries the live version.
    draft = services.course_draft(course=course, user=admin)
    module = draft.modules.get(key=MODULE_KEYS[1])
    services.lesson_create(module=module, title="Added online", body_markdown="Hello", minutes=3)
    services.course_publish(course=course, actor=None)
    before = snapshot(course)

    folder = export_course(course, tmp_path / "out")
    course.delete()
    CourseImage.objects.all().delete()
    assert Course.objects.count() == 0

    again = import_bundle(read_bundle(folder), user=admin)

    assert folder == tmp_path / "out" / "de-escalation"
    assert len(list((folder / "media").iterdir())) == 1
    assert snapshot(again) == before
    assert before["modules"][1][3][1][1] == "Added online"


def test_export_of_a_course_written_in_the_browser_gives_images_their_description(tmp_path, admin):
    course = services.course_create(title="Written online", slug="online", created_by=admin)
    image = CourseImage(course=course, alt_text="A calm face", uploaded_by=admin)
    image.image.save("calm.png", ContentFile(png_bytes()), save=True)
    draft = services.course_draft(course=course, user=admin)
    module = services.module_create(version=draft, title="Only module")
    services.lesson_create(
        module=module, title="Only lesson", body_markdown=f"Look:\r\n\r\n![]({image.image.url})"
    )
    services.course_publish(course=course, actor=None)

    folder = export_course(course, tmp_path)

    [lesson_file] = (folder / "lessons").iterdir()
    media_name = Path(image.image.name).name
    assert lesson_file.read_bytes() == f"Look:\r\n\r\n![A calm face](media/{media_name})".encode()
    assert (folder / "media" / media_name).read_bytes() == png_bytes()
    assert read_bundle(folder).modules[0].lessons[0].images[0].alt == "A calm face"


def test_export_refuses_to_overwrite_unless_asked(tmp_path, admin):
    course = import_bundle(read_bundle(write_bundle(tmp_path / "in")), user=admin)
    export_course(course, tmp_path / "out")

    with pytest.raises(FileExistsError):
        export_course(course, tmp_path / "out")
    assert export_course(course, tmp_path / "out", overwrite=True).is_dir()


# --- Learning paths ----------------------------------------------------------------------------


def write_path(root: Path) -> Path:
    write_bundle(root)
    second = manifest(
        key=str(uuid.uuid4()), slug="emotional-connection", title="Emotional connection"
    )
    for module in second["modules"]:
        module["key"] = str(uuid.uuid4())
        for lesson in module["lessons"]:
            lesson["key"] = str(uuid.uuid4())
    folder = write_bundle(root / "tmp", second)
    folder.rename(root / "emotional-connection")
    path = root / "path.yaml"
    path.write_text(
        "format: 1\nslug: essentials\ntitle: Customer Service Essentials\nsummary: The basics.\n"
        "courses: [de-escalation, emotional-connection]\n"
    )
    return path


def test_load_path_imports_the_courses_and_publishes_the_path(tmp_path, admin):
    path_file = write_path(tmp_path)

    path = load_path(path_file)

    path.refresh_from_db()
    assert (path.slug, path.title, path.is_published, path.self_enrol) == (
        "essentials",
        "Customer Service Essentials",
        True,
        True,
    )
    assert [step.course.slug for step in path.steps.select_related("course")] == [
        "de-escalation",
        "emotional-connection",
    ]
    assert all(course.is_live for course in Course.objects.all())


def test_load_path_reports_problems_of_every_course_and_imports_nothing(tmp_path):
    path_file = write_path(tmp_path)
    (tmp_path / "emotional-connection" / "lessons" / "03-listen.md").unlink()
    (tmp_path / "de-escalation" / "media" / "calm.png").write_bytes(b"nope")

    with pytest.raises(BundleError) as caught:
        load_path(path_file)

    assert {p.file for p in caught.value.problems} == {
        "de-escalation/media/calm.png",
        "emotional-connection/course.yaml",
    }
    assert Course.objects.count() == 0
    assert LearningPath.objects.count() == 0


# --- Commands ----------------------------------------------------------------------------------


def test_import_course_command_prints_the_version(tmp_path):
    folder = write_bundle(tmp_path)
    out = StringIO()

    call_command("import_course", str(folder), stdout=out)
    call_command("import_course", str(folder), stdout=out)

    lines = out.getvalue().splitlines()
    assert lines == [
        "Imported De-escalation (de-escalation), version 1",
        "Imported De-escalation (de-escalation), version 1 (no changes)",
    ]
    assert CourseVersion.objects.count() == 1


def test_import_course_command_lists_problems_and_imports_nothing(tmp_path):
    folder = write_bundle(tmp_path, manifest(format=3, slug="bad slug"))
    err = StringIO()

    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_course", str(folder), stderr=err)

    assert err.getvalue().splitlines() == [
        "course.yaml:1: Unsupported format 3; this site reads format: 1.",
        "course.yaml:3: Slug 'bad slug' may only hold letters, numbers, '-' and '_'.",
    ]
    assert Course.objects.count() == 0


def test_import_course_command_exits_1_for_a_bad_bundle(tmp_path, monkeypatch, capsys):
    # run_from_argv is what manage.py uses; it closes connections, which would end the test's
    # transaction.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    argv = ["manage.py", "import_course", str(tmp_path / "nothing-here")]

    with pytest.raises(SystemExit) as exited:
        ImportCourseCommand().run_from_argv(argv)

    assert exited.value.code == 1
    assert f"{tmp_path / 'nothing-here'}: No such folder or .zip file." in capsys.readouterr().err


def test_export_course_command_writes_a_folder(tmp_path, admin):
    import_bundle(read_bundle(write_bundle(tmp_path / "in")), user=admin)
    out = StringIO()

    call_command("export_course", "de-escalation", str(tmp_path / "out"), stdout=out)

    assert (tmp_path / "out" / "de-escalation" / "course.yaml").is_file()
    assert "Exported de-escalation" in out.getvalue()
    with pytest.raises(CommandError, match="No course"):
        call_command("export_course", "nope", str(tmp_path / "out"))


def test_load_curriculum_command_is_idempotent(tmp_path):
    path_file = write_path(tmp_path)
    first, second = StringIO(), StringIO()

    call_command("load_curriculum", "--path", str(path_file), stdout=first)
    call_command("load_curriculum", "--path", str(path_file), stdout=second)

    assert first.getvalue().splitlines() == [
        "Imported De-escalation (de-escalation), version 1",
        "Imported Emotional connection (emotional-connection), version 1",
        "Learning path Customer Service Essentials (essentials) is published.",
    ]
    assert second.getvalue().splitlines()[:2] == [
        "Up to date: De-escalation (de-escalation), version 1",
        "Up to date: Emotional connection (emotional-connection), version 1",
    ]
    assert CourseVersion.objects.count() == 2


# --- Views -------------------------------------------------------------------------------------


def upload(name: str, content: bytes) -> io.BytesIO:
    file = io.BytesIO(content)
    file.name = name
    return file


def test_import_page_shows_the_form_to_admins_only(client, admin, learner):
    client.force_login(admin)
    response = client.get(reverse("author_course_import"))
    assert response.status_code == 200
    assert "Course bundle (.zip)" in response.content.decode()

    client.force_login(learner)
    assert client.get(reverse("author_course_import")).status_code == 404


def test_admin_uploads_a_bundle_and_lands_on_the_course(client, admin, tmp_path):
    archive = zip_folder(write_bundle(tmp_path))
    client.force_login(admin)

    response = client.post(
        reverse("author_course_import"), {"bundle": upload("de-escalation.zip", archive)}
    )

    course = Course.objects.get(slug="de-escalation")
    assert response.status_code == 302
    assert response.url == reverse("author_course", args=[course.pk])
    assert course.is_live


def test_learner_cannot_upload_a_bundle(client, learner, tmp_path):
    archive = zip_folder(write_bundle(tmp_path))
    client.force_login(learner)

    response = client.post(
        reverse("author_course_import"), {"bundle": upload("de-escalation.zip", archive)}
    )

    assert response.status_code == 404
    assert Course.objects.count() == 0


def test_a_bad_bundle_upload_shows_every_problem_and_imports_nothing(client, admin, tmp_path):
    data = manifest()
    data["modules"][0]["lessons"][1]["minutes"] = 999
    archive = zip_folder(write_bundle(tmp_path, data, media={"calm.png": b"fake"}))
    client.force_login(admin)

    response = client.post(
        reverse("author_course_import"), {"bundle": upload("de-escalation.zip", archive)}
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "media/calm.png: This file is not an image" in html
    assert re.search(r"course.yaml, line \d+: &#x27;minutes&#x27; must be a whole number", html)
    assert Course.objects.count() == 0


def test_an_upload_that_is_not_a_zip_is_refused(client, admin):
    client.force_login(admin)

    not_zip = client.post(reverse("author_course_import"), {"bundle": upload("course.yaml", b"x")})
    fake_zip = client.post(reverse("author_course_import"), {"bundle": upload("c.zip", b"x")})

    assert not_zip.status_code == 400
    assert "Upload a .zip file." in not_zip.content.decode()
    assert fake_zip.status_code == 400
    assert "not a zip file" in fake_zip.content.decode()
    assert Course.objects.count() == 0


def test_admin_downloads_a_course_as_a_zip(client, admin, learner, tmp_path):
    course = import_bundle(read_bundle(write_bundle(tmp_path)), user=admin)
    url = reverse("author_course_export", args=[course.pk])

    client.force_login(learner)
    assert client.get(url).status_code == 404
    client.force_login(admin)
    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="de-escalation.zip"'
    content = b"".join(response.streaming_content)
    assert "de-escalation/course.yaml" in zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert read_bundle(io.BytesIO(content)).slug == "de-escalation"
