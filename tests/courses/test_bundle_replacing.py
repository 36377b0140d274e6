"""Importing a bundle over a course that is already on the site: the author sees what would
change and who it touches, and nothing happens until they confirm. A new course imports at
once; the command refuses without --replace."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.signing import TimestampSigner
from django.urls import reverse

from courses import bundles, services
from courses.bundles import (
    BundleError,
    ConfirmationNeeded,
    import_bundle,
    load_path,
    plan_import,
    plan_summary,
    read_bundle,
)
from courses.bundles.pending import MAX_AGE
from courses.models import Course, CourseVersion, Enrolment, Lesson
from progress import services as progress_services
from progress.models import Certificate
from tests.courses.builders import build_course
from tests.courses.test_bundles import manifest, write_bundle, write_path, zip_folder
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_roots(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media-root"
    settings.BUNDLE_UPLOAD_ROOT = tmp_path / "bundle-uploads"


def live_course_with_learners(slug: str = "de-escalation") -> Course:
    """A live course of 4 lessons that 4 people are enrolled in and 3 have finished."""
    course = build_course(slug=slug, title="Calm under fire")
    lessons = list(course.published_version.lessons.values_list("key", flat=True))
    for n in range(4):
        enrolment = services.enrolment_create(user=UserFactory(), course=course)
        if n < 3:
            for key in lessons:
                progress_services.lesson_complete(enrolment=enrolment, lesson_key=key)
    assert Enrolment.objects.filter(course=course).count() == 4
    assert Certificate.objects.filter(course=course).count() == 3
    return course


def what_learners_have(course: Course) -> tuple[object, ...]:
    course.refresh_from_db()
    return (
        course.published_version_id,
        course.key,
        list(Enrolment.objects.filter(course=course).values_list("pk", "completed_at")),
        list(Certificate.objects.filter(course=course).values_list("pk", "course_title")),
    )


def upload(content: bytes, name: str = "de-escalation.zip") -> io.BytesIO:
    file = io.BytesIO(content)
    file.name = name
    return file


def summary_text(plan) -> str:
    return "\n".join(line for _heading, lines in plan_summary(plan) for line in lines)


# --- The plan ------------------------------------------------------------------------------------


def test_a_bundle_with_another_key_but_the_same_address_needs_confirmation(tmp_path, admin):
    course = live_course_with_learners()
    before = what_learners_have(course)
    data = read_bundle(write_bundle(tmp_path))  # its own key, the same web address

    with pytest.raises(ConfirmationNeeded) as caught:
        import_bundle(data, user=admin)

    plan = caught.value.plan
    assert plan.course == course
    assert plan.different_course
    assert (plan.title, plan.enrolled, plan.finished, plan.certificate_holders) == (
        "Calm under fire",
        4,
        3,
        3,
    )
    assert plan.lessons_removed == ("Lesson 1.1", "Lesson 1.2", "Lesson 2.1", "Lesson 2.2")
    assert plan.lessons_added == ("Spot the alarm", "Not about you", "Listen fully")
    assert plan.lessons_kept == 0
    assert plan.modules_removed == ("Module 1", "Module 2")
    assert plan.new_title == "De-escalation"
    text = summary_text(plan)
    assert "A different course already uses the web address “de-escalation”" in text
    assert "“Calm under fire”, at the web address “de-escalation”, live for learners now." in text
    assert "Enrolled: 4. Finished: 3. Holding its certificate: 3." in text
    assert "every certificate already issued is kept as it is" in text
    assert "Progress on the removed lessons stops counting" in text
    assert what_learners_have(course) == before
    assert course.versions.count() == 1


def test_confirming_the_plan_replaces_the_course_and_keeps_enrolments_and_certificates(
    tmp_path, admin
):
    course = live_course_with_learners()
    _version, key, enrolments, certificates = what_learners_have(course)
    data = read_bundle(write_bundle(tmp_path))
    plan = plan_import(data)
    assert plan is not None

    import_bundle(data, user=admin, confirmed=plan.fingerprint)

    _version, key_after, enrolments_after, certificates_after = what_learners_have(course)
    assert course.published_version.title == "De-escalation"
    assert course.versions.count() == 2
    assert key_after == key  # still the same course, under its own key
    assert enrolments_after == enrolments  # the finished stay finished
    assert certificates_after == certificates  # with the title they were issued under


def test_a_confirmation_for_another_state_of_the_course_is_not_enough(tmp_path, admin):
    course = live_course_with_learners()
    data = read_bundle(write_bundle(tmp_path))
    plan = plan_import(data)
    # Someone publishes an edit after the author read the summary.
    draft = services.course_draft(course=course, user=admin)
    services.version_update(version=draft, title="Calm under fire, v2", summary="")
    services.course_publish(course=course, actor=admin)

    with pytest.raises(ConfirmationNeeded) as caught:
        import_bundle(data, user=admin, confirmed=plan.fingerprint)

    assert caught.value.plan.title == "Calm under fire, v2"
    assert caught.value.plan.fingerprint != plan.fingerprint
    course.refresh_from_db()
    assert course.published_version.title == "Calm under fire, v2"


def test_a_changed_lesson_of_the_same_course_is_summarised(tmp_path, admin):
    folder = write_bundle(tmp_path)
    course = import_bundle(read_bundle(folder), user=admin)
    data = manifest()
    data["modules"][0]["lessons"][0]["minutes"] = 9
    del data["modules"][0]["lessons"][1]
    write_bundle(tmp_path, data)

    plan = plan_import(read_bundle(folder))

    assert plan is not None and plan.course == course
    assert not plan.different_course
    assert (plan.lessons_added, plan.lessons_changed, plan.lessons_removed) == (
        (),
        ("Spot the alarm",),
        ("Not about you",),
    )
    assert plan.modules_changed == ()
    assert plan.lessons_kept == 2
    assert "Progress on lessons that stay is kept." in summary_text(plan)


def test_a_new_course_and_an_unchanged_one_need_no_confirmation(tmp_path, admin):
    folder = write_bundle(tmp_path)
    data = read_bundle(folder)
    assert plan_import(data) is None

    course = import_bundle(data, user=admin)
    again = bundles.import_bundle_result(read_bundle(folder), user=admin)

    assert course.is_live
    assert again.changed is False
    assert plan_import(read_bundle(folder)).changes is False


def test_unpublished_edits_in_the_draft_are_named_in_the_plan(tmp_path, admin):
    folder = write_bundle(tmp_path)
    course = import_bundle(read_bundle(folder), user=admin)
    draft = services.course_draft(course=course, user=admin)
    services.version_update(version=draft, title="Edited in the browser", summary="")
    write_bundle(tmp_path, manifest(title="De-escalation, second edition"))

    plan = plan_import(read_bundle(folder))

    assert plan.draft_replaced
    assert "Edits in its draft that were never published are thrown away." in summary_text(plan)


# --- The upload page -------------------------------------------------------------------------


def test_uploading_over_a_live_course_shows_what_changes_and_imports_nothing(
    client, admin, tmp_path, settings
):
    course = live_course_with_learners()
    before = what_learners_have(course)
    client.force_login(admin)

    response = client.post(
        reverse("author_course_import"), {"bundle": upload(zip_folder(write_bundle(tmp_path)))}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Replace “Calm under fire”?" in html
    assert "A different course already uses the web address “de-escalation”" in html
    assert "Enrolled: 4. Finished: 3. Holding its certificate: 3." in html
    assert "Lessons removed: “Lesson 1.1”, “Lesson 1.2”, “Lesson 2.1”, “Lesson 2.2”." in html
    assert reverse("author_course_import_confirm") in html
    assert what_learners_have(course) == before
    # The upload waits where nothing is served.
    [kept] = list(Path(settings.BUNDLE_UPLOAD_ROOT).iterdir())
    assert kept.suffix == ".zip"
    assert not Path(settings.MEDIA_ROOT).exists() or not any(
        p.suffix == ".zip" for p in Path(settings.MEDIA_ROOT).rglob("*")
    )


def confirmation_token(response) -> str:
    return response.context["token"]


def test_confirming_imports_the_kept_upload_once(client, admin, tmp_path, settings):
    course = live_course_with_learners()
    _version, _key, enrolments, certificates = what_learners_have(course)
    client.force_login(admin)
    shown = client.post(
        reverse("author_course_import"), {"bundle": upload(zip_folder(write_bundle(tmp_path)))}
    )

    response = client.post(
        reverse("author_course_import_confirm"), {"token": confirmation_token(shown)}
    )

    assert response.status_code == 302
    assert response.url == reverse("author_course", args=[course.pk])
    course.refresh_from_db()
    assert course.published_version.title == "De-escalation"
    assert what_learners_have(course)[2:] == (enrolments, certificates)
    assert list(Path(settings.BUNDLE_UPLOAD_ROOT).iterdir()) == []
    # The same token again: the upload is gone, and nothing is imported twice.
    again = client.post(
        reverse("author_course_import_confirm"), {"token": confirmation_token(shown)}
    )
    assert again.status_code == 400
    assert "That upload is no longer waiting" in again.content.decode()
    assert course.versions.count() == 2


def test_a_token_changed_by_hand_another_authors_or_an_old_one_imports_nothing(
    client, admin, tmp_path, time_machine
):
    course = live_course_with_learners()
    before = what_learners_have(course)
    client.force_login(admin)
    shown = client.post(
        reverse("author_course_import"), {"bundle": upload(zip_folder(write_bundle(tmp_path)))}
    )
    token = confirmation_token(shown)
    other_admin = UserFactory(is_training_admin=True)
    unsigned = TimestampSigner(salt="courses.bundles.pending").sign("x")

    tampered = client.post(reverse("author_course_import_confirm"), {"token": token[:-2] + "xx"})
    forged = client.post(reverse("author_course_import_confirm"), {"token": unsigned})
    client.force_login(other_admin)
    someone_elses = client.post(reverse("author_course_import_confirm"), {"token": token})
    client.force_login(admin)
    time_machine.move_to(datetime.now(UTC) + timedelta(seconds=MAX_AGE + 1), tick=False)
    too_old = client.post(reverse("author_course_import_confirm"), {"token": token})

    for response in (tampered, forged, someone_elses, too_old):
        assert response.status_code == 400
        assert "That upload is no longer waiting" in response.content.decode()
    assert what_learners_have(course) == before


def test_a_course_changed_since_the_summary_is_shown_again(client, admin, tmp_path):
    course = live_course_with_learners()
    client.force_login(admin)
    shown = client.post(
        reverse("author_course_import"), {"bundle": upload(zip_folder(write_bundle(tmp_path)))}
    )
    draft = services.course_draft(course=course, user=admin)
    services.version_update(version=draft, title="Calm under fire, v2", summary="")
    services.course_publish(course=course, actor=admin)

    response = client.post(
        reverse("author_course_import_confirm"), {"token": confirmation_token(shown)}
    )

    assert response.status_code == 409
    assert "The course changed since you looked" in response.content.decode()
    assert "Replace “Calm under fire, v2”?" in response.content.decode()
    course.refresh_from_db()
    assert course.published_version.title == "Calm under fire, v2"
    # Confirming what is shown now goes ahead, without uploading again.
    done = client.post(
        reverse("author_course_import_confirm"), {"token": confirmation_token(response)}
    )
    assert done.status_code == 302
    course.refresh_from_db()
    assert course.published_version.title == "De-escalation"


def test_a_learner_cannot_confirm(client, admin, learner, tmp_path):
    course = live_course_with_learners()
    before = what_learners_have(course)
    client.force_login(admin)
    shown = client.post(
        reverse("author_course_import"), {"bundle": upload(zip_folder(write_bundle(tmp_path)))}
    )
    client.force_login(learner)

    response = client.post(
        reverse("author_course_import_confirm"), {"token": confirmation_token(shown)}
    )

    assert response.status_code == 404
    assert what_learners_have(course) == before


# --- The command and learning paths ------------------------------------------------------------


def test_the_command_refuses_to_change_a_course_without_replace(tmp_path):
    course = live_course_with_learners()
    before = what_learners_have(course)
    folder = write_bundle(tmp_path)
    err = StringIO()

    with pytest.raises(CommandError, match="Run again with --replace"):
        call_command("import_course", str(folder), stderr=err)

    lines = err.getvalue().splitlines()
    assert lines[0] == "The course it replaces:"
    assert "  - A different course already uses the web address “de-escalation”." in lines[1]
    assert "  - Enrolled: 4. Finished: 3. Holding its certificate: 3." in lines
    assert what_learners_have(course) == before


def test_the_command_replaces_with_replace(tmp_path):
    course = live_course_with_learners()
    out = StringIO()

    call_command("import_course", str(write_bundle(tmp_path)), "--replace", stdout=out)

    assert out.getvalue() == "Imported De-escalation (de-escalation), version 2\n"
    course.refresh_from_db()
    assert course.published_version.title == "De-escalation"
    assert Certificate.objects.filter(course=course).count() == 3


def test_a_learning_path_never_takes_over_another_courses_address(tmp_path):
    course = live_course_with_learners()
    before = what_learners_have(course)

    with pytest.raises(BundleError) as caught:
        load_path(write_path(tmp_path))

    [problem] = caught.value.problems
    assert (problem.file, problem.line) == ("de-escalation/course.yaml", 3)
    assert problem.message.startswith("A different course already uses the web address")
    assert what_learners_have(course) == before
    assert Course.objects.count() == 1


def test_a_learning_path_updates_its_own_courses_without_asking(tmp_path):
    path_file = write_path(tmp_path)
    load_path(path_file)
    lesson = tmp_path / "de-escalation" / "lessons" / "03-listen.md"
    lesson.write_text("Listen fully.\n")

    load_path(path_file)

    assert Lesson.objects.filter(
        version__course__slug="de-escalation",
        version__status=CourseVersion.Status.FROZEN,
        body_markdown="Listen fully.\n",
    ).exists()
