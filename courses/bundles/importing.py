"""Importing a checked bundle: the course is made to match it and published, in one
transaction. Modules and lessons are matched by key, so learners' progress survives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils.text import slugify

from learners.models import User

from .. import services
from ..models import Course, CourseImage, CourseVersion
from ..yaml_reader import Problem
from .manifest import BundleData
from .planning import (
    ConfirmationNeeded,
    Snapshot,
    assign_keys,
    current_version,
    find_course,
    plan_for,
    stored_images,
    version_snapshot,
    wanted_snapshot,
)
from .problems import BundleError

_T = TypeVar("_T")


@dataclass(frozen=True)
class ImportResult:
    """What importing one bundle did."""

    course: Course
    changed: bool  # False when the bundle matched the live version and nothing was written


def _store_images(
    course: Course, data: BundleData, user: User | None, saved: list[FieldFile]
) -> dict[str, str]:
    """The stored URL of every image the lessons use. Images already stored for the course (same
    bytes) are reused, so re-importing a bundle adds no files; new ones become CourseImages."""
    stored = stored_images(course, data)
    urls: dict[str, str] = {}
    for module in data.modules:
        for lesson in module.lessons:
            for ref in lesson.images:
                if ref.name in urls:
                    continue
                image = stored.get(ref.name)
                if image is None:
                    media = data.media[ref.name]
                    image = CourseImage(course=course, alt_text=ref.alt, uploaded_by=user)
                    stem = slugify(ref.name.rsplit(".", 1)[0]) or "image"
                    image.image.save(
                        f"{stem}.{media.extension}", ContentFile(media.content), save=False
                    )
                    saved.append(image.image)
                    image.save()
                urls[ref.name] = image.image.url
    return urls


def _fill_draft(draft: CourseVersion, wanted: Snapshot) -> None:
    """Make the draft hold exactly `wanted`: update, create, move and delete by key."""
    title, summary, modules_wanted = wanted
    if (draft.title, draft.summary) != (title, summary):
        services.version_update(version=draft, title=title, summary=summary)
    modules = {module.key: module for module in draft.modules.all()}
    lessons = {lesson.key: lesson for lesson in draft.lessons.all()}
    for position, (module_key, module_title, module_summary, lessons_wanted) in enumerate(
        modules_wanted
    ):
        module = modules.pop(module_key, None)
        if module is None:
            module = services.module_create(
                version=draft, title=module_title, summary=module_summary, key=module_key
            )
        elif (module.title, module.summary) != (module_title, module_summary):
            services.module_update(module=module, title=module_title, summary=module_summary)
        if module.position != position:
            # No service puts a module at a given place (item_move swaps neighbours), so the
            # bundle's order is written directly.
            module.position = position
            module.save(update_fields=["position"])
        for lesson_position, (key, lesson_title, markdown, minutes, video) in enumerate(
            lessons_wanted
        ):
            lesson = lessons.pop(key, None)
            if lesson is None:
                lesson = services.lesson_create(
                    module=module,
                    title=lesson_title,
                    body_markdown=markdown,
                    minutes=minutes,
                    video_url=video,
                    key=key,
                )
            elif (lesson.title, lesson.body_markdown, lesson.minutes, lesson.video_url) != (
                lesson_title,
                markdown,
                minutes,
                video,
            ):
                services.lesson_update(
                    lesson=lesson,
                    title=lesson_title,
                    body_markdown=markdown,
                    minutes=minutes,
                    video_url=video,
                )
            if (lesson.module_id, lesson.position) != (module.pk, lesson_position):
                # No service moves a lesson to another module or to a given place; order is the
                # bundle's, so it is set directly.
                lesson.module, lesson.position = module, lesson_position
                lesson.save(update_fields=["module", "position"])
    for lesson in lessons.values():
        services.lesson_delete(lesson=lesson)
    for module in modules.values():
        services.module_delete(module=module)


def import_data(
    data: BundleData,
    *,
    user: User | None,
    saved: list[FieldFile],
    replace: bool = False,
    confirmed: str | None = None,
) -> ImportResult:
    """`import_bundle_result`'s work, inside a transaction the caller opened (see
    `cleaning_up_files`); every image file stored is appended to `saved`."""
    course = find_course(data, lock=True)
    if (
        course is not None
        and course.slug != data.slug
        and Course.objects.filter(slug=data.slug).exclude(pk=course.pk).exists()
    ):
        raise BundleError(
            [
                Problem(
                    "course.yaml",
                    data.slug_line,
                    f"Another course already uses the slug '{data.slug}'.",
                )
            ]
        )
    if course is not None and not replace:
        plan = plan_for(data, course)
        if plan.changes and plan.fingerprint != confirmed:
            raise ConfirmationNeeded(plan)
    settings_changed = False
    if course is None:
        course = services.course_create(
            title=data.title,
            slug=data.slug,
            created_by=user,
            summary=data.summary,
            self_enrol=data.self_enrol,
        )
        if data.key is not None:
            # course_create takes no key; the bundle's key is what finds this course next time.
            course.key = data.key
            course.save(update_fields=["key"])
    elif (course.slug, course.self_enrol) != (data.slug, data.self_enrol):
        services.course_settings_update(course=course, slug=data.slug, self_enrol=data.self_enrol)
        settings_changed = True
    keys = assign_keys(data, current_version(course))
    wanted = wanted_snapshot(data, keys, _store_images(course, data, user, saved))
    live = course.published_version
    if live is not None and version_snapshot(live) == wanted:
        # Slug and self-enrolment live on the course, not in versions: no new version for them.
        return ImportResult(course=course, changed=settings_changed)
    try:
        draft = services.course_draft(course=course, user=user)
        _fill_draft(draft, wanted)
        services.course_publish(course=course, actor=user)
    except ValidationError as exc:
        raise BundleError(
            [Problem("course.yaml", None, message) for message in exc.messages]
        ) from exc
    course.refresh_from_db()
    return ImportResult(course=course, changed=True)


def cleaning_up_files(work: Callable[[list[FieldFile]], _T]) -> _T:
    """Run `work` in a transaction; if it fails, delete the image files it stored (files are not
    rolled back with the database)."""
    saved: list[FieldFile] = []
    try:
        with transaction.atomic():
            return work(saved)
    except BaseException:
        for stored in saved:
            if stored.name:
                stored.storage.delete(stored.name)
        raise


def import_bundle_result(
    data: BundleData,
    *,
    user: User | None,
    replace: bool = False,
    confirmed: str | None = None,
) -> ImportResult:
    """Like `import_bundle`, also telling whether anything changed."""
    return cleaning_up_files(
        lambda saved: import_data(
            data, user=user, saved=saved, replace=replace, confirmed=confirmed
        )
    )


def import_bundle(
    data: BundleData,
    *,
    user: User | None,
    replace: bool = False,
    confirmed: str | None = None,
) -> Course:
    """Make the course match the bundle and publish it, in one transaction; returns the course.

    The course is found by the bundle's key, else by its slug, else created. Its draft (made from
    the newest version when there is none; any unpublished edits in it are replaced) is brought
    to match the bundle, modules and lessons matched by key so progress carries over, then
    published as a new version. When the bundle matches the live version exactly, nothing is
    written and no version is made.

    A new course, or a bundle that changes nothing, needs no confirmation. Changing an existing
    course needs `replace`, or `confirmed` equal to the fingerprint of the plan
    (`planning.plan_for`) someone saw and confirmed; otherwise ConfirmationNeeded carries the
    plan, and nothing is written. Raises BundleError (nothing written) when another course has
    the bundle's slug.
    """
    return import_bundle_result(data, user=user, replace=replace, confirmed=confirmed).course
