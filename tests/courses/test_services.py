import pytest
from django.core.exceptions import ValidationError

from courses import services
from courses.models import Course, CourseVersion, Enrolment, Lesson
from courses.services import enrolment_create
from progress import services as progress
from progress.models import Certificate
from tests.courses.builders import build_course

pytestmark = pytest.mark.django_db


def lesson_keys(version):
    return list(
        version.lessons.order_by("module__position", "position").values_list("key", flat=True)
    )


def test_new_course_starts_as_an_invisible_draft(admin):
    course = services.course_create(title="Calm", slug="calm", created_by=admin)
    draft = course.versions.get()
    assert (draft.number, draft.status) == (1, "draft")
    assert course.is_live is False
    assert list(Course.objects.published()) == []


def test_duplicate_slug_is_refused():
    services.course_create(title="A", slug="calm", created_by=None)
    with pytest.raises(ValidationError) as exc:
        services.course_create(title="B", slug="calm", created_by=None)
    assert "slug" in exc.value.message_dict


def test_publish_freezes_the_draft_and_makes_it_live():
    course = build_course(publish=False)
    version = services.course_publish(course=course, actor=None)
    course.refresh_from_db()
    assert course.published_version == version
    assert version.status == "frozen" and version.published_at is not None
    with pytest.raises(ValidationError):
        services.lesson_update(
            lesson=version.lessons.first(), title="x", body_markdown="", minutes=3
        )


def test_publish_refuses_empty_course_and_empty_modules():
    course = services.course_create(title="Empty", slug="empty", created_by=None)
    with pytest.raises(ValidationError, match="at least one lesson"):
        services.course_publish(course=course, actor=None)
    draft = course.versions.get()
    module = services.module_create(version=draft, title="Has one")
    services.lesson_create(module=module, title="Only lesson")
    services.module_create(version=draft, title="Nothing here")
    with pytest.raises(ValidationError, match="Nothing here"):
        services.course_publish(course=course, actor=None)
    course.refresh_from_db()
    assert course.published_version is None


def test_editing_a_live_course_works_on_a_copy_with_the_same_keys():
    course = build_course()
    live = course.published_version
    draft = services.course_draft(course=course, user=None)
    assert draft.number == live.number + 1
    assert lesson_keys(draft) == lesson_keys(live)
    assert set(draft.lessons.values_list("pk", flat=True)).isdisjoint(
        live.lessons.values_list("pk", flat=True)
    )
    # Asking again returns the same draft, not a third version.
    assert services.course_draft(course=course, user=None) == draft
    lesson = draft.lessons.first()
    services.lesson_update(lesson=lesson, title="Changed", body_markdown="New", minutes=6)
    live.refresh_from_db()
    assert live.lessons.get(key=lesson.key).title != "Changed"  # learners still see the old


def test_progress_survives_a_republish(learner):
    course = build_course(modules=1, lessons=3)
    enrolment = enrolment_create(user=learner, course=course)
    first, _second, third = lesson_keys(course.published_version)
    progress.lesson_complete(enrolment=enrolment, lesson_key=first)
    draft = services.course_draft(course=course, user=None)
    # The author reorders and edits; the learner's finished lesson stays finished.
    services.item_move(item=draft.lessons.get(key=third), direction="up")
    services.lesson_update(
        lesson=draft.lessons.get(key=first), title="Renamed", body_markdown="x", minutes=3
    )
    services.course_publish(course=course, actor=None)
    enrolment = progress.enrolment_refresh(enrolment=Enrolment.objects.get(pk=enrolment.pk))
    assert enrolment.completed_lessons == 1
    assert enrolment.completed_at is None


@pytest.mark.django_db(transaction=True)  # the refresh follows the publish's commit
def test_removing_the_last_unfinished_lesson_completes_people_on_republish(learner):
    course = build_course(modules=1, lessons=2)
    enrolment = enrolment_create(user=learner, course=course)
    first, second = lesson_keys(course.published_version)
    progress.lesson_complete(enrolment=enrolment, lesson_key=first)
    draft = services.course_draft(course=course, user=None)
    services.lesson_delete(lesson=draft.lessons.get(key=second))
    services.course_publish(
        course=course, actor=None
    )  # queues refresh_course_progress (eager here)
    enrolment.refresh_from_db()
    assert enrolment.completed_at is not None
    assert Certificate.objects.filter(enrolment=enrolment).exists()


def test_move_swaps_neighbours_and_stops_at_the_ends():
    course = build_course(publish=False, modules=2, lessons=3)
    draft = course.versions.get()
    module_one, _module_two = draft.modules.order_by("position")
    assert services.item_move(item=module_one, direction="up") is False
    assert services.item_move(item=module_one, direction="down") is True
    assert list(draft.modules.order_by("position").values_list("title", flat=True)) == [
        "Module 2",
        "Module 1",
    ]
    lessons = list(module_one.lessons.order_by("position"))
    assert services.item_move(item=lessons[2], direction="down") is False
    services.item_move(item=lessons[2], direction="up")
    assert list(module_one.lessons.order_by("position").values_list("title", flat=True)) == [
        "Lesson 1.1",
        "Lesson 1.3",
        "Lesson 1.2",
    ]
    with pytest.raises(ValidationError):
        services.item_move(item=lessons[0], direction="sideways")


def test_lesson_validation_names_the_field():
    course = build_course(publish=False, modules=1, lessons=0)
    module = course.versions.get().modules.get()
    with pytest.raises(ValidationError) as exc:
        services.lesson_create(
            module=module, title=" ", minutes=0, video_url="https://evil.example/v"
        )
    assert set(exc.value.message_dict) == {"title", "minutes", "video_url"}
    assert Lesson.objects.count() == 0


def test_lesson_html_is_rendered_and_sanitised_at_save():
    course = build_course(publish=False, modules=1, lessons=0)
    module = course.versions.get().modules.get()
    lesson = services.lesson_create(
        module=module, title="T", body_markdown="**Hi** <script>alert(1)</script>"
    )
    assert "<strong>Hi</strong>" in lesson.body_html
    assert "<script" not in lesson.body_html


def test_unpublish_hides_and_republish_restores_the_same_version(learner):
    course = build_course()
    live = course.published_version
    services.course_unpublish(course=course, actor=None)
    assert list(Course.objects.published()) == []
    services.course_republish(course=course, actor=None)
    course.refresh_from_db()
    assert course.published_version == live


def test_only_one_draft_per_course_is_enforced_by_the_database():
    from django.db import IntegrityError, transaction

    course = build_course(publish=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        CourseVersion.objects.create(course=course, number=9, title="Second draft")


def test_path_create_orders_courses_and_is_repeatable():
    a = build_course(slug="a")
    b = build_course(slug="b")
    path = services.path_create(slug="essentials", title="Essentials", courses=[b, a])
    assert [s.course.slug for s in path.steps.order_by("position")] == ["b", "a"]
    again = services.path_create(slug="essentials", title="Essentials", courses=[a])
    assert again.pk == path.pk
    assert [s.course.slug for s in again.steps.all()] == ["a"]
