"""Importing a checked bundle: the course is made to match it and published, in one
transaction. Modules and lessons are matched by key, so learners' progress survives."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils.text import slugify

from learners.models import User

from .. import services
from ..models import Course, CourseImage, CourseVersion
from ..yaml_reader import Problem
from .manifest import MARKDOWN_IMAGE, BundleData, media_name
from .problems import BundleError

_T = TypeVar("_T")


# Keys given to modules and lessons that a bundle leaves without one are derived from the course
# slug and the item's title, so a key-less bundle gets the same keys on every import and on every
# server, and re-importing it keeps learners' progress.
_KEY_NAMESPACE = uuid.UUID("dd388678-0c78-4505-af0d-4fbe430eede0")


@dataclass(frozen=True)
class ImportResult:
    """What importing one bundle did."""

    course: Course
    changed: bool  # False when the bundle matched the live version and nothing was written


# (key, title, markdown, minutes, video) for a lesson; (key, title, summary, lessons) for a module;
# (title, summary, modules) for a version. Two versions with equal snapshots show the same thing.
_LessonSnap = tuple[uuid.UUID, str, str, int, str]
_ModuleSnap = tuple[uuid.UUID, str, str, tuple[_LessonSnap, ...]]
_Snapshot = tuple[str, str, tuple[_ModuleSnap, ...]]


def _version_snapshot(version: CourseVersion) -> _Snapshot:
    """Two queries (modules, lessons)."""
    return (
        version.title,
        version.summary,
        tuple(
            (
                module.key,
                module.title,
                module.summary,
                tuple(
                    (
                        lesson.key,
                        lesson.title,
                        lesson.body_markdown,
                        lesson.minutes,
                        lesson.video_url,
                    )
                    for lesson in module.lessons.all()
                ),
            )
            for module in version.modules.prefetch_related("lessons")
        ),
    )


def _derived_key(slug: str, kind: str, title: str, seen: dict[str, int]) -> uuid.UUID:
    count = seen.get(title, 0)
    seen[title] = count + 1
    return uuid.uuid5(_KEY_NAMESPACE, f"{slug}/{kind}/{title}/{count}")


def _assign_keys(
    data: BundleData, current: CourseVersion | None
) -> tuple[list[uuid.UUID], list[list[uuid.UUID]]]:
    """Keys for every module and lesson: the bundle's own, else the key of an unclaimed item with
    the same title in the course's current content, else one derived from slug and title."""
    module_by_title: dict[str, list[uuid.UUID]] = {}
    lesson_by_title: dict[str, list[uuid.UUID]] = {}
    if current is not None:
        for existing_module in current.modules.all():
            module_by_title.setdefault(existing_module.title, []).append(existing_module.key)
        for existing_lesson in current.lessons.all():
            lesson_by_title.setdefault(existing_lesson.title, []).append(existing_lesson.key)
    claimed = {m.key for m in data.modules if m.key} | {
        lesson.key for m in data.modules for lesson in m.lessons if lesson.key
    }

    def pick(
        existing: dict[str, list[uuid.UUID]], kind: str, title: str, seen: dict[str, int]
    ) -> uuid.UUID:
        for candidate in existing.get(title, []):
            if candidate not in claimed:
                claimed.add(candidate)
                return candidate
        key = _derived_key(data.slug, kind, title, seen)
        if key in claimed:
            key = uuid.uuid4()
        claimed.add(key)
        return key

    module_seen: dict[str, int] = {}
    lesson_seen: dict[str, int] = {}
    module_keys, lesson_keys = [], []
    for module in data.modules:
        module_keys.append(module.key or pick(module_by_title, "module", module.title, module_seen))
        lesson_keys.append(
            [
                lesson.key or pick(lesson_by_title, "lesson", lesson.title, lesson_seen)
                for lesson in module.lessons
            ]
        )
    return module_keys, lesson_keys


def _with_urls(markdown: str, urls: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = media_name(match.group("url").strip("<>").strip())
        if name is None or name not in urls:
            return match.group(0)
        start, end = match.span("url")
        offset = match.start()
        text = match.group(0)
        return text[: start - offset] + urls[name] + text[end - offset :]

    return MARKDOWN_IMAGE.sub(replace, markdown)


def _store_images(
    course: Course, data: BundleData, user: User | None, saved: list[FieldFile]
) -> dict[str, str]:
    """The stored URL of every image the lessons use. Images already stored for the course (same
    bytes) are reused, so re-importing a bundle adds no files; new ones become CourseImages."""
    wanted: dict[str, str] = {}
    for module in data.modules:
        for lesson in module.lessons:
            for ref in lesson.images:
                wanted.setdefault(ref.name, ref.alt)
    if not wanted:
        return {}
    sizes = {len(data.media[name].content) for name in wanted}
    stored: dict[str, CourseImage] = {}
    for existing in course.images.all():
        try:
            if existing.image.size not in sizes:
                continue
            with existing.image.open("rb") as handle:
                stored.setdefault(hashlib.sha256(handle.read()).hexdigest(), existing)
        except (OSError, ValueError, SuspiciousFileOperation):
            continue  # a missing file is replaced by a fresh copy below
    urls: dict[str, str] = {}
    for name, alt in wanted.items():
        media = data.media[name]
        digest = hashlib.sha256(media.content).hexdigest()
        image: CourseImage | None = stored.get(digest)
        if image is None:
            image = CourseImage(course=course, alt_text=alt, uploaded_by=user)
            stem = slugify(name.rsplit(".", 1)[0]) or "image"
            image.image.save(f"{stem}.{media.extension}", ContentFile(media.content), save=False)
            saved.append(image.image)
            image.save()
            stored[digest] = image
        urls[name] = image.image.url
    return urls


def _fill_draft(draft: CourseVersion, wanted: _Snapshot) -> None:
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


def _find_course(data: BundleData) -> Course | None:
    course = None
    if data.key is not None:
        course = Course.objects.select_for_update().filter(key=data.key).first()
    if course is None:
        course = Course.objects.select_for_update().filter(slug=data.slug).first()
    return course


def import_data(data: BundleData, *, user: User | None, saved: list[FieldFile]) -> ImportResult:
    """`import_bundle_result`'s work, inside a transaction the caller opened (see
    `cleaning_up_files`); every image file stored is appended to `saved`."""
    course = _find_course(data)
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
        if Course.objects.filter(slug=data.slug).exclude(pk=course.pk).exists():
            raise BundleError(
                [
                    Problem(
                        "course.yaml",
                        data.slug_line,
                        f"Another course already uses the slug '{data.slug}'.",
                    )
                ]
            )
        services.course_settings_update(course=course, slug=data.slug, self_enrol=data.self_enrol)
        settings_changed = True
    current = (
        course.versions.filter(status=CourseVersion.Status.DRAFT).first()
        or course.versions.order_by("-number").first()
    )
    module_keys, lesson_keys = _assign_keys(data, current)
    urls = _store_images(course, data, user, saved)
    wanted: _Snapshot = (
        data.title,
        data.summary,
        tuple(
            (
                module_key,
                module.title,
                module.summary,
                tuple(
                    (
                        key,
                        lesson.title,
                        _with_urls(lesson.markdown, urls),
                        lesson.minutes,
                        lesson.video,
                    )
                    for key, lesson in zip(keys, module.lessons, strict=True)
                ),
            )
            for module, module_key, keys in zip(data.modules, module_keys, lesson_keys, strict=True)
        ),
    )
    live = course.published_version
    if live is not None and _version_snapshot(live) == wanted:
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


def import_bundle_result(data: BundleData, *, user: User | None) -> ImportResult:
    """Like `import_bundle`, also telling whether anything changed."""
    return cleaning_up_files(lambda saved: import_data(data, user=user, saved=saved))


def import_bundle(data: BundleData, *, user: User | None) -> Course:
    """Make the course match the bundle and publish it, in one transaction; returns the course.

    The course is found by the bundle's key, else by its slug, else created. Its draft (made from
    the newest version when there is none; any unpublished edits in it are replaced) is brought
    to match the bundle, modules and lessons matched by key so progress carries over, then
    published as a new version. When the bundle matches the live version exactly, nothing is
    written and no version is made. Raises BundleError (nothing written) when another course has
    the bundle's slug.
    """
    return import_bundle_result(data, user=user).course
