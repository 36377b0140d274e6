"""A lesson shows its own course's uploaded images and nothing else: refused when it is saved
(in the editor or from a bundle, naming the reference), and left out when it is rendered."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse

from courses import services
from courses.bundles import BundleError, export_course, import_bundle, read_bundle
from courses.content import image_sources, render_markdown
from courses.images import course_image_urls, image_allowed
from courses.models import Course, CourseImage, Lesson
from tests.courses.builders import build_course
from tests.courses.test_bundles import png_bytes, write_bundle, zip_folder

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media-root"
    return settings.MEDIA_ROOT


def add_image(course: Course, alt: str = "A calm face") -> CourseImage:
    image = CourseImage(course=course, alt_text=alt)
    image.image.save("calm.png", ContentFile(png_bytes()), save=True)
    return image


# Every way a lesson might point at something that is not its course's own upload. (A
# `javascript:` image never parses as an image at all: tests/courses/test_content.py.)
ESCAPES = [
    "/media/../admin/",
    "/media/../accounts/logout/",
    "/media/%2e%2e/admin/",
    "/media/%2E%2E/%2e%2e/admin/",
    "/media/..%2fadmin/",
    "/media/..\\admin\\x.png",
    "/media\\..\\admin",
    "//evil.example/media/x.png",
    "https://evil.example/x.png",
    "http://127.0.0.1/media/course-images/x.png",
    "data:image/png;base64,iVBORw0KGgo=",
    "/media/course-images/",
    "/author/",
]


def other_course_image() -> str:
    other = build_course(slug="other-course", title="Someone else's course")
    return add_image(other, "Not yours").image.url


# --- The rule ----------------------------------------------------------------------------------


@pytest.mark.parametrize("src", ESCAPES)
def test_the_rule_allows_only_the_courses_own_images(src):
    course = build_course()
    own = add_image(course).image.url
    images = course_image_urls(course.pk)

    assert images == {own}
    assert image_allowed(own, images)
    assert not image_allowed(src, images)
    assert not image_allowed(other_course_image(), images)
    assert not image_allowed(own + "?x=1", images)


@pytest.mark.parametrize("src", ESCAPES)
def test_outside_a_course_only_plain_stored_upload_addresses_pass(src):
    assert image_allowed("/media/question-images/7/0a1b2c.png", None)
    assert not image_allowed(src, None)


def test_image_sources_finds_images_however_they_are_written():
    text = (
        "Intro\n"
        "\n"
        "![inline](/a.png) and [![in a link](/b.png)](https://example.com)\n"
        "\n"
        "![by reference][pic]\n"
        "\n"
        "![alt [with] brackets](/c.png)\n"
        "\n"
        "| A | B |\n"
        "|---|---|\n"
        "| x | ![in a table](/d.png) |\n"
        "\n"
        "`![in code](/not-an-image.png)`\n"
        "\n"
        "[pic]: /e.png\n"
    )

    found = [(image.src, image.alt, image.line) for image in image_sources(text)]

    assert found == [
        ("/a.png", "inline", 3),
        ("/b.png", "in a link", 3),
        ("/e.png", "by reference", 5),
        ("/c.png", "alt [with] brackets", 7),
        ("/d.png", "in a table", 11),
    ]


# --- Rendering (defence in depth) ---------------------------------------------------------------


@pytest.mark.parametrize("src", ESCAPES)
def test_the_renderer_leaves_out_images_that_are_not_the_courses(src):
    course = build_course()
    own = add_image(course).image.url
    text = f"![Ours]({own})\n\n![Sneaky]({src})\n\n![By reference][r]\n\n[r]: {src}\n"

    html = render_markdown(text, images=course_image_urls(course.pk))

    assert html.count("<img") == 1
    assert f'<img src="{own}" alt="Ours"' in html
    assert "<p>Sneaky</p>" in html and "<p>By reference</p>" in html  # the description stays
    assert "evil" not in html and "admin" not in html


def test_the_renderer_leaves_out_another_courses_image():
    course = build_course()
    stolen = other_course_image()

    html = render_markdown(f"![Theirs]({stolen})", images=course_image_urls(course.pk))

    assert "<img" not in html
    assert html == "<p>Theirs</p>\n"


# --- Saving in the editor ----------------------------------------------------------------------


def draft_module(course: Course):
    draft = services.course_draft(course=course, user=None)
    return draft.modules.first()


@pytest.mark.parametrize("src", ESCAPES)
def test_saving_a_lesson_refuses_an_image_that_is_not_the_courses(src):
    course = build_course()
    module = draft_module(course)
    lessons_before = Lesson.objects.count()

    with pytest.raises(ValidationError) as caught:
        services.lesson_create(
            module=module, title="Sneaky", body_markdown=f"Hello\n\n![x]({src})\n"
        )

    [message] = caught.value.message_dict["body_markdown"]
    assert message.startswith("Line 3: the image “")
    assert "isn't one uploaded for this course" in message
    assert Lesson.objects.count() == lessons_before


def test_saving_a_lesson_refuses_another_courses_image_and_names_it(admin):
    course = build_course()
    lesson = draft_module(course).lessons.first()
    stolen = other_course_image()

    with pytest.raises(ValidationError) as caught:
        services.lesson_update(
            lesson=lesson, title=lesson.title, body_markdown=f"![x][r]\n\n[r]: {stolen}", minutes=4
        )

    assert caught.value.message_dict["body_markdown"] == [
        f"Line 1: the image “{stolen}” isn't one uploaded for this course. "
        "Upload it on the course page, then paste the line it gives you."
    ]
    lesson.refresh_from_db()
    assert stolen not in lesson.body_markdown


def test_saving_a_lesson_with_the_courses_own_image_renders_it():
    course = build_course()
    own = add_image(course).image.url
    lesson = draft_module(course).lessons.first()

    services.lesson_update(
        lesson=lesson, title=lesson.title, body_markdown=f"![Calm]({own})", minutes=4
    )

    lesson.refresh_from_db()
    assert f'<img src="{own}" alt="Calm"' in lesson.body_html


def test_the_editor_shows_the_refusal_next_to_the_text_and_keeps_it(client, admin):
    course = build_course()
    lesson = draft_module(course).lessons.first()
    body = "Keep this paragraph.\n\n![Sneaky](/media/../admin/)\n"
    client.force_login(admin)

    response = client.post(
        reverse("author_lesson", args=[lesson.pk]),
        {"title": lesson.title, "minutes": "4", "body_markdown": body},
    )

    assert response.status_code == 400
    errors = response.context["form"].errors["body_markdown"]
    assert errors == [
        "Line 3: the image “/media/../admin/” isn't one uploaded for this course. "
        "Upload it on the course page, then paste the line it gives you."
    ]
    html = response.content.decode()
    assert 'id="id_body_markdown_error"' in html  # beside the text, named by aria-describedby
    assert "Keep this paragraph." in html  # nothing typed is lost
    assert "<img" not in html.split('id="preview"')[1]  # nor shown in the preview
    lesson.refresh_from_db()
    assert "Sneaky" not in lesson.body_markdown


def test_the_live_preview_follows_the_courses_rule(client, admin):
    course = build_course()
    own = add_image(course).image.url
    stolen = other_course_image()
    client.force_login(admin)
    text = f"![Ours]({own}) ![Theirs]({stolen})"

    response = client.post(
        reverse("author_markdown_preview"), {"body_markdown": text, "course": str(course.pk)}
    )

    html = response.content.decode()
    assert html.count("<img") == 1 and own in html and stolen not in html


# --- Bundles ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lesson", "line", "message"),
    [
        (
            "Look:\n\n![Sneaky](/media/../admin/)\n",
            3,
            "Image '/media/../admin/': images must be files in this bundle's media/ folder, "
            "written as ![description](media/name.png).",
        ),
        (
            "Look:\n\n![Sneaky][r]\n\n[r]: /media/%2e%2e/admin/\n",
            3,
            "Image '/media/%2e%2e/admin/': images must be files in this bundle's media/ folder, "
            "written as ![description](media/name.png).",
        ),
        (
            "One\n\ntwo\n\n![alt [nested]](//evil.example/x.png)\n",
            5,
            "Image '//evil.example/x.png': images must be files in this bundle's media/ folder, "
            "written as ![description](media/name.png).",
        ),
        (
            "![Calm][r]\n\n[r]: media/calm.png\n",
            1,
            "Image media/calm.png: write it where it shows, as ![description](media/calm.png).",
        ),
        (
            "![Calm](media/missing.png)\n",
            1,
            "Image media/missing.png is not in the media/ folder.",
        ),
    ],
)
def test_a_bundle_lesson_image_outside_its_media_is_refused_on_its_line(
    tmp_path, lesson, line, message
):
    folder = write_bundle(tmp_path, files={"lessons/02-not-you.md": lesson})

    with pytest.raises(BundleError) as caught:
        read_bundle(folder)

    assert [(p.file, p.line, p.message) for p in caught.value.problems] == [
        ("lessons/02-not-you.md", line, message)
    ]


def test_a_bundle_image_in_code_is_text_not_an_image(tmp_path, admin):
    folder = write_bundle(
        tmp_path, files={"lessons/02-not-you.md": "Write `![x](/media/../admin/)` never.\n"}
    )

    course = import_bundle(read_bundle(folder), user=admin)

    lesson = Lesson.objects.get(version=course.published_version, title="Not about you")
    assert "<img" not in lesson.body_html
    assert "<code>![x](/media/../admin/)</code>" in lesson.body_html


def test_an_uploaded_bundle_with_an_escaping_image_is_refused_with_file_and_line(
    client, admin, tmp_path
):
    folder = write_bundle(tmp_path, files={"lessons/03-listen.md": "![x](/media/../admin/)"})
    archive = io.BytesIO(zip_folder(folder))
    archive.name = "de-escalation.zip"
    client.force_login(admin)

    response = client.post(reverse("author_course_import"), {"bundle": archive})

    assert response.status_code == 400
    assert "lessons/03-listen.md, line 1: Image &#x27;/media/../admin/&#x27;" in (
        response.content.decode()
    )
    assert Course.objects.count() == 0


def test_export_copies_only_the_courses_own_images(tmp_path, admin):
    course = import_bundle(read_bundle(write_bundle(tmp_path / "in")), user=admin)
    stolen = other_course_image()
    # Written before images were confined: the export must not carry it away.
    lesson = course.published_version.lessons.get(title="Listen fully")
    Lesson.objects.filter(pk=lesson.pk).update(body_markdown=f"![x]({stolen})")

    folder = export_course(course, tmp_path / "out")

    assert sorted(p.name for p in (folder / "media").iterdir()) == [
        CourseImage.objects.get(course=course).image.name.rsplit("/", 1)[1]
    ]
    exported = {p.name: p.read_text() for p in (folder / "lessons").iterdir()}
    assert exported["03-listen-fully.md"] == f"![x]({stolen})"
