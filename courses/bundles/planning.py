"""What importing a bundle would do to the course it matches, worked out before anything is
written: the course, what changes in it, and the learners it touches. An import that would
change an existing course goes ahead only once someone has seen this and confirmed it
(`importing.import_data`); the upload page and `import_course` show the same summary."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import SuspiciousFileOperation
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from .. import events
from ..models import Course, CourseImage, CourseVersion, Enrolment
from .manifest import MARKDOWN_IMAGE, BundleData, media_name

# Keys given to modules and lessons that a bundle leaves without one are derived from the course
# slug and the item's title, so a key-less bundle gets the same keys on every import and on every
# server, and re-importing it keeps learners' progress.
_KEY_NAMESPACE = uuid.UUID("dd388678-0c78-4505-af0d-4fbe430eede0")

# (key, title, markdown, minutes, video) for a lesson; (key, title, summary, lessons) for a module;
# (title, summary, modules) for a version. Two versions with equal snapshots show the same thing.
LessonSnap = tuple[uuid.UUID, str, str, int, str]
ModuleSnap = tuple[uuid.UUID, str, str, tuple[LessonSnap, ...]]
Snapshot = tuple[str, str, tuple[ModuleSnap, ...]]


def version_snapshot(version: CourseVersion) -> Snapshot:
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


def find_course(data: BundleData, *, lock: bool) -> Course | None:
    """The course a bundle imports into: the one with its key, else the one with its slug, else
    None (a new course). `lock` holds the row until the transaction ends. One or two queries."""
    courses = Course.objects.select_for_update() if lock else Course.objects.all()
    course = None
    if data.key is not None:
        course = courses.filter(key=data.key).first()
    if course is None:
        course = courses.filter(slug=data.slug).first()
    return course


def current_version(course: Course) -> CourseVersion | None:
    """The version an import starts from: the draft, else the newest. One query."""
    return (
        course.versions.filter(status=CourseVersion.Status.DRAFT).first()
        or course.versions.order_by("-number").first()
    )


def _derived_key(slug: str, kind: str, title: str, seen: dict[str, int]) -> uuid.UUID:
    count = seen.get(title, 0)
    seen[title] = count + 1
    return uuid.uuid5(_KEY_NAMESPACE, f"{slug}/{kind}/{title}/{count}")


def assign_keys(
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


def stored_images(course: Course, data: BundleData) -> dict[str, CourseImage]:
    """{bundle media name: the course's stored image with the same bytes} for the images the
    lessons show that the course already has; re-importing reuses these instead of storing
    copies. One query, and a read of each stored image of a matching size."""
    wanted = {
        ref.name for module in data.modules for lesson in module.lessons for ref in lesson.images
    }
    if not wanted:
        return {}
    by_digest = {hashlib.sha256(data.media[name].content).hexdigest(): name for name in wanted}
    sizes = {len(data.media[name].content) for name in wanted}
    found: dict[str, CourseImage] = {}
    for existing in course.images.all():
        try:
            if existing.image.size not in sizes:
                continue
            with existing.image.open("rb") as handle:
                name = by_digest.get(hashlib.sha256(handle.read()).hexdigest())
        except (OSError, ValueError, SuspiciousFileOperation):
            continue  # a missing file is replaced by a fresh copy
        if name is not None:
            found.setdefault(name, existing)
    return found


def with_urls(markdown: str, urls: dict[str, str]) -> str:
    """The lesson with each inline media/<name> image pointed at `urls[name]`; images whose
    name is not in `urls` are left as written."""

    def replace(match: re.Match[str]) -> str:
        name = media_name(match.group("url").strip("<>").strip())
        if name is None or name not in urls:
            return match.group(0)
        start, end = match.span("url")
        offset = match.start()
        text = match.group(0)
        return text[: start - offset] + urls[name] + text[end - offset :]

    return MARKDOWN_IMAGE.sub(replace, markdown)


def wanted_snapshot(
    data: BundleData,
    keys: tuple[list[uuid.UUID], list[list[uuid.UUID]]],
    urls: dict[str, str],
) -> Snapshot:
    """The version the bundle describes, its lessons' media/ images pointed at `urls` (stored
    addresses by media name; names not in it are left as written)."""
    module_keys, lesson_keys = keys
    return (
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
                        with_urls(lesson.markdown, urls),
                        lesson.minutes,
                        lesson.video,
                    )
                    for key, lesson in zip(keys_, module.lessons, strict=True)
                ),
            )
            for module, module_key, keys_ in zip(
                data.modules, module_keys, lesson_keys, strict=True
            )
        ),
    )


# --- The plan -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportPlan:
    """What importing a bundle would do to the existing course it matches. Lists hold titles,
    in the order of the course as it is now (removed) or as it will be (added, changed)."""

    course: Course
    title: str  # the course's title now: the live version's, else the newest's
    # Found by its web address, but the bundle names another course (its key differs).
    different_course: bool
    is_live: bool
    new_title: str | None
    new_slug: str | None
    new_self_enrol: bool | None
    modules_added: tuple[str, ...]
    modules_changed: tuple[str, ...]
    modules_removed: tuple[str, ...]
    lessons_added: tuple[str, ...]
    lessons_changed: tuple[str, ...]  # text, title, minutes, video or place
    lessons_removed: tuple[str, ...]
    lessons_kept: int  # lessons learners have now that stay, changed or not
    draft_replaced: bool  # the draft holds edits that were never published
    content_changes: bool  # a new version would be published
    enrolled: int
    finished: int
    certificate_holders: int | None  # None when progress could not be asked
    # Changes whenever the course or the bundle does (not when learners come and go): an
    # import confirmed for one fingerprint never writes over anything the author didn't see.
    fingerprint: str

    @property
    def changes(self) -> bool:
        """False when importing would write nothing: the bundle matches the course."""
        settings = (self.new_slug, self.new_self_enrol)
        return self.content_changes or settings != (None, None)


class ConfirmationNeeded(Exception):
    """Importing would change an existing course and nobody confirmed `plan` (or the course
    changed since they did). Nothing has been written."""

    def __init__(self, plan: ImportPlan) -> None:
        self.plan = plan
        super().__init__(f"Importing would change course {plan.course.slug}.")


def _items(
    snapshot: Snapshot,
) -> tuple[dict[uuid.UUID, tuple[str, str]], dict[uuid.UUID, tuple[object, ...]]]:
    """{module key: (title, summary)} and {lesson key: (title, ..., module key, place)}."""
    modules, lessons = {}, {}
    for module_key, module_title, module_summary, module_lessons in snapshot[2]:
        modules[module_key] = (module_title, module_summary)
        for place, (key, *lesson) in enumerate(module_lessons):
            lessons[key] = (*lesson, module_key, place)
    return modules, lessons


def _diff(
    now: Mapping[uuid.UUID, tuple[object, ...]], wanted: Mapping[uuid.UUID, tuple[object, ...]]
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(added, changed, removed) titles; a title is the first field of each item."""
    added = tuple(str(item[0]) for key, item in wanted.items() if key not in now)
    changed = tuple(str(item[0]) for key, item in wanted.items() if key in now and now[key] != item)
    removed = tuple(str(item[0]) for key, item in now.items() if key not in wanted)
    return added, changed, removed


def plan_for(data: BundleData, course: Course) -> ImportPlan:
    """What importing `data` into `course` (the course `find_course` gives) would do. Writes
    nothing. About a dozen queries, plus a read of each stored image of a matching size."""
    current = current_version(course)
    stored = stored_images(course, data)
    wanted = wanted_snapshot(
        data,
        assign_keys(data, current),
        {name: image.image.url for name, image in stored.items()},
    )
    live = course.published_version
    live_snapshot = version_snapshot(live) if live is not None else None
    current_snapshot = version_snapshot(current) if current is not None else None
    # Learners see the live version; a course that isn't live is compared with its newest.
    now = live_snapshot or current_snapshot or ("", "", ())
    modules_now, lessons_now = _items(now)
    modules_wanted, lessons_wanted = _items(wanted)
    modules_added, modules_changed, modules_removed = _diff(modules_now, modules_wanted)
    lessons_added, lessons_changed, lessons_removed = _diff(lessons_now, lessons_wanted)
    counts = Enrolment.objects.filter(course=course).aggregate(
        enrolled=Count("pk"), finished=Count("pk", filter=Q(completed_at__isnull=False))
    )
    state = (course.pk, course.key, course.slug, course.self_enrol, course.published_version_id)
    fingerprint = hashlib.sha256(
        repr((state, live_snapshot, current_snapshot, wanted)).encode()
    ).hexdigest()
    return ImportPlan(
        course=course,
        title=now[0] or course.slug,
        different_course=data.key is not None and data.key != course.key,
        is_live=live is not None,
        new_title=data.title if data.title != now[0] else None,
        new_slug=data.slug if data.slug != course.slug else None,
        new_self_enrol=data.self_enrol if data.self_enrol != course.self_enrol else None,
        modules_added=modules_added,
        modules_changed=modules_changed,
        modules_removed=modules_removed,
        lessons_added=lessons_added,
        lessons_changed=lessons_changed,
        lessons_removed=lessons_removed,
        lessons_kept=len(lessons_now) - len(lessons_removed),
        draft_replaced=(
            current is not None
            and current.is_draft
            and current_snapshot != live_snapshot
            and current_snapshot != wanted
        ),
        content_changes=live_snapshot != wanted,
        enrolled=counts["enrolled"],
        finished=counts["finished"],
        certificate_holders=events.certificate_holders(course_id=course.pk),
        fingerprint=fingerprint,
    )


def plan_import(data: BundleData) -> ImportPlan | None:
    """What importing `data` would do to the course it matches (`find_course`); None when it
    would create a new course. Writes nothing."""
    course = find_course(data, lock=False)
    return plan_for(data, course) if course is not None else None


# --- The summary the author confirms --------------------------------------------------------------


def _titles(titles: tuple[str, ...]) -> str:
    return ", ".join(f"“{title}”" for title in titles)


def plan_summary(plan: ImportPlan) -> list[tuple[str, list[str]]]:
    """The plan in words, as (heading, lines) sections: the same on the upload page and from
    `import_course`. Every line about learners says what the code does (docs/adr/0005): progress
    is kept per lesson key, enrolments and certificates are never removed by a new version, and
    a finished course stays finished."""
    course: list[str] = []
    if plan.different_course:
        course.append(
            _(
                "A different course already uses the web address “%(slug)s”. This bundle is "
                "another course (its key is not this course's), yet importing it replaces this "
                "course's content."
            )
            % {"slug": plan.course.slug}
        )
    course.append(
        (
            _("“%(title)s”, at the web address “%(slug)s”, live for learners now.")
            if plan.is_live
            else _("“%(title)s”, at the web address “%(slug)s”, not live now.")
        )
        % {"title": plan.title, "slug": plan.course.slug}
    )

    changes: list[str] = []
    if plan.new_title is not None:
        changes.append(
            _("Title: “%(old)s” becomes “%(new)s”.") % {"old": plan.title, "new": plan.new_title}
        )
    if plan.new_slug is not None:
        changes.append(
            _("Web address: “%(old)s” becomes “%(new)s”. Old links to it stop working.")
            % {"old": plan.course.slug, "new": plan.new_slug}
        )
    if plan.new_self_enrol is not None:
        changes.append(
            _("Anyone can now start it from the catalog.")
            if plan.new_self_enrol
            else _("It leaves the catalog: people start it only when it is assigned to them.")
        )
    for label, titles in (
        (_("Modules added: %(titles)s."), plan.modules_added),
        (_("Modules changed: %(titles)s."), plan.modules_changed),
        (_("Modules removed: %(titles)s."), plan.modules_removed),
        (_("Lessons added: %(titles)s."), plan.lessons_added),
        (_("Lessons changed: %(titles)s."), plan.lessons_changed),
        (_("Lessons removed: %(titles)s."), plan.lessons_removed),
    ):
        if titles:
            changes.append(label % {"titles": _titles(titles)})
    if plan.content_changes:
        changes.append(
            _("It is published to learners straight away, as a new version of the course.")
        )
    if plan.draft_replaced:
        changes.append(_("Edits in its draft that were never published are thrown away."))

    learners = [
        _("Enrolled: %(enrolled)s. Finished: %(finished)s. Holding its certificate: %(holders)s.")
        % {
            "enrolled": plan.enrolled,
            "finished": plan.finished,
            "holders": "?" if plan.certificate_holders is None else plan.certificate_holders,
        },
        _(
            "Everyone stays enrolled, people who finished stay finished, and every certificate "
            "already issued is kept as it is."
        ),
    ]
    if plan.lessons_removed:
        learners.append(
            _(
                "Progress on the removed lessons stops counting. It counts again if a lesson "
                "with the same key comes back."
            )
        )
    if plan.lessons_kept:
        learners.append(_("Progress on lessons that stay is kept."))
    if plan.lessons_added:
        learners.append(_("People who haven't finished will have the new lessons to do."))
    elif plan.lessons_removed:
        learners.append(
            _(
                "Anyone who has now done every remaining lesson (and the course's required "
                "checks) finishes it and gets a certificate."
            )
        )
    return [
        (_("The course it replaces"), course),
        (_("What changes"), changes),
        (_("Its learners"), learners),
    ]
