import io

import pytest
from django.urls import reverse
from PIL import Image

from courses.models import Course, CourseImage, Lesson
from tests.courses.builders import build_course

pytestmark = pytest.mark.django_db


def png_bytes(size=(4, 4)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("persona", "status"), [("learner", 404), ("manager", 404), ("admin", 200)]
)
def test_only_training_admins_author(client, request, persona, status, learner, manager, admin):
    course = build_course()
    lesson = course.published_version.lessons.first()
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("author_courses")).status_code == status
    assert client.get(reverse("author_course", args=[course.pk])).status_code == status
    assert client.get(reverse("author_lesson", args=[lesson.pk])).status_code == status
    assert client.get(reverse("author_preview", args=[course.pk])).status_code == status
    publish = client.post(reverse("author_start_draft", args=[course.pk]))
    assert publish.status_code == (302 if status == 200 else 404)


def test_learner_cannot_post_changes(client, learner):
    course = build_course()
    lesson = course.published_version.lessons.first()
    client.force_login(learner)
    for name, args in [
        ("author_publish", [course.pk]),
        ("author_unpublish", [course.pk]),
        ("author_lesson_delete", [lesson.pk]),
        ("author_lesson_move", [lesson.pk]),
    ]:
        assert client.post(reverse(name, args=args), {"direction": "up"}).status_code == 404
    course.refresh_from_db()
    assert course.is_live


def test_create_course_then_module_then_lesson_then_publish(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("author_course_new"),
        {"title": "Phone manner", "summary": "Calls.", "self_enrol": "on"},
    )
    course = Course.objects.get(slug="phone-manner")
    assert response.url == reverse("author_course", args=[course.pk])
    client.post(reverse("author_module_new", args=[course.pk]), {"module-title": "Answering"})
    module = course.versions.get().modules.get()
    client.post(
        reverse("author_lesson_new", args=[module.pk]),
        {
            "title": "The first ring",
            "minutes": "4",
            "body_markdown": "Pick up by the **third** ring.",
        },
    )
    lesson = Lesson.objects.get(title="The first ring")
    assert "<strong>third</strong>" in lesson.body_html
    client.post(reverse("author_publish", args=[course.pk]))
    course.refresh_from_db()
    assert course.published_version.lessons.get() == lesson


def test_lesson_errors_keep_everything_typed(client, admin):
    course = build_course(publish=False, modules=1, lessons=0)
    module = course.versions.get().modules.get()
    client.force_login(admin)
    typed = "A long lesson the author must not lose.\n\n- one\n- two"
    response = client.post(
        reverse("author_lesson_new", args=[module.pk]),
        {
            "title": "",
            "minutes": "0",
            "video_url": "https://evil.example/x",
            "body_markdown": typed,
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {"title", "minutes"}
    assert "A long lesson the author must not lose." in html
    assert "https://evil.example/x" in html
    assert Lesson.objects.count() == 0


def test_bad_video_host_error_sits_on_the_video_field(client, admin):
    course = build_course(publish=False, modules=1, lessons=0)
    module = course.versions.get().modules.get()
    client.force_login(admin)
    response = client.post(
        reverse("author_lesson_new", args=[module.pk]),
        {"title": "Video", "minutes": "3", "video_url": "https://evil.example/x"},
    )
    assert "video_url" in response.context["form"].errors


def test_markdown_preview_renders_on_the_server_and_sanitises(client, admin, learner):
    client.force_login(admin)
    response = client.post(
        reverse("author_markdown_preview"),
        {"body_markdown": "**bold** <script>alert(1)</script>"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "<strong>bold</strong>" in html and "<script" not in html
    client.force_login(learner)
    assert (
        client.post(reverse("author_markdown_preview"), {"body_markdown": "x"}).status_code == 404
    )


def test_editing_a_live_course_needs_a_draft_first(client, admin):
    course = build_course()
    lesson = course.published_version.lessons.first()
    client.force_login(admin)
    response = client.post(
        reverse("author_lesson", args=[lesson.pk]),
        {"title": "Sneaky", "minutes": "3", "body_markdown": "x"},
    )
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert lesson.title != "Sneaky"
    client.post(reverse("author_start_draft", args=[course.pk]))
    draft_lesson = course.versions.get(status="draft").lessons.get(key=lesson.key)
    client.post(
        reverse("author_lesson", args=[draft_lesson.pk]),
        {"title": "Better", "minutes": "3", "body_markdown": "x"},
    )
    draft_lesson.refresh_from_db()
    assert draft_lesson.title == "Better"


def test_course_settings_save_all_or_nothing(client, admin):
    course = build_course(slug="phone-manner", self_enrol=False)
    build_course(slug="taken")
    client.force_login(admin)
    client.post(reverse("author_start_draft", args=[course.pk]))
    draft = course.versions.get(status="draft")
    before = draft.title
    form = {"title": "A new title", "summary": "New summary", "slug": "taken", "self_enrol": "on"}
    response = client.post(reverse("author_course", args=[course.pk]), form)
    assert response.status_code == 400
    assert response.context["form"].errors["slug"] == [
        "Another course already uses this web address."
    ]
    assert 'value="A new title"' in response.content.decode()  # what was typed stays
    draft.refresh_from_db()
    course.refresh_from_db()
    assert (draft.title, draft.summary, course.slug, course.self_enrol) == (
        before,
        "Stay calm.",
        "phone-manner",
        False,
    )

    form["slug"] = "phone-manners"
    assert client.post(reverse("author_course", args=[course.pk]), form).status_code == 302
    draft.refresh_from_db()
    course.refresh_from_db()
    assert (draft.title, course.slug, course.self_enrol) == ("A new title", "phone-manners", True)


def test_reorder_buttons(client, admin):
    course = build_course(publish=False, modules=1, lessons=2)
    first, second = course.versions.get().lessons.order_by("position")
    client.force_login(admin)
    response = client.post(reverse("author_lesson_move", args=[second.pk]), {"direction": "up"})
    assert response.status_code == 302
    assert list(course.versions.get().lessons.order_by("position")) == [second, first]
    bad = client.post(reverse("author_lesson_move", args=[second.pk]), {"direction": "left"})
    assert bad.status_code == 400


def test_preview_as_learner_shows_the_draft_without_recording(client, admin):
    course = build_course(publish=False)
    client.force_login(admin)
    html = client.get(reverse("author_preview", args=[course.pk])).content.decode()
    assert "Preview of version 1" in html
    key = course.versions.get().lessons.first().key
    lesson_page = client.get(reverse("author_lesson_preview", args=[course.pk, key]))
    assert lesson_page.status_code == 200
    assert "Preview: nothing is recorded." in lesson_page.content.decode()


def test_image_upload_accepts_real_images_only(client, admin, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    course = build_course()
    client.force_login(admin)
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("author_image_upload", args=[course.pk])
    fake = SimpleUploadedFile("evil.png", b"<script>alert(1)</script>", content_type="image/png")
    response = client.post(url, {"image-image": fake, "image-alt_text": "x"})
    assert response.status_code == 400
    assert "isn't a picture" in " ".join(response.context["image_form"].errors["image"])
    mislabelled = SimpleUploadedFile("photo.gif", png_bytes(), content_type="image/gif")
    response = client.post(url, {"image-image": mislabelled, "image-alt_text": "x"})
    assert "is a PNG" in " ".join(response.context["image_form"].errors["image"])
    big = SimpleUploadedFile(
        "big.png", png_bytes() + b"0" * (5 * 1024 * 1024), content_type="image/png"
    )
    response = client.post(url, {"image-image": big, "image-alt_text": "x"})
    assert "over 5 MB" in " ".join(response.context["image_form"].errors["image"])
    assert CourseImage.objects.count() == 0
    good = SimpleUploadedFile("smile.png", png_bytes(), content_type="image/png")
    response = client.post(url, {"image-image": good, "image-alt_text": "A smiling cashier"})
    assert response.status_code == 302
    image = CourseImage.objects.get()
    served = client.get(image.image.url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    client.logout()
    assert client.get(image.image.url).status_code == 302  # sign-in required


def test_media_view_refuses_other_files_and_traversal(client, learner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "notes.html").write_text("<script>alert(1)</script>")
    client.force_login(learner)
    assert client.get("/media/notes.html").status_code == 404
    assert client.get("/media/../settings.py").status_code in {400, 404}
    assert client.get("/media/%2e%2e/config/settings.py").status_code in {400, 404}


@pytest.mark.parametrize("size", [1, 5])
def test_author_course_page_query_count_is_fixed(client, admin, django_assert_num_queries, size):
    course = build_course(modules=size, lessons=size, publish=False)
    client.force_login(admin)
    # session, user, course, draft, modules, lessons, versions, images (no nav query: admin)
    with django_assert_num_queries(8):
        assert client.get(reverse("author_course", args=[course.pk])).status_code == 200
