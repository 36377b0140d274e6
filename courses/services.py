"""Authoring and publishing operations. Only drafts change; publishing freezes a draft and makes
it what learners see."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from learners.audit import audit_record
from learners.models import User

from . import events
from .content import MAX_LESSON_CHARS, image_sources, render_markdown, video_embed_url
from .images import course_image_urls, image_allowed
from .models import (
    Course,
    CourseImage,
    CourseVersion,
    Enrolment,
    LearningPath,
    Lesson,
    Module,
    PathCourse,
)
from .ordering import move_among


def _require_draft(version: CourseVersion) -> None:
    if not version.is_draft:
        raise ValidationError(
            _("This version is published and can't be changed. Edit the draft instead.")
        )


def course_create(
    *,
    title: str,
    slug: str,
    created_by: User | None,
    summary: str = "",
    self_enrol: bool = False,
) -> Course:
    """Create a course with an empty draft (version 1). Raises ValidationError on a taken slug."""
    if Course.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": _("Another course already uses this web address.")})
    with transaction.atomic():
        course = Course.objects.create(slug=slug, self_enrol=self_enrol)
        CourseVersion.objects.create(
            course=course,
            number=1,
            title=title.strip(),
            summary=summary.strip(),
            created_by=created_by,
        )
    return course


def course_draft(*, course: Course, user: User | None) -> CourseVersion:
    """The course's draft, creating it as a copy of the newest version when there is none.

    The copy keeps every module's and lesson's key, so progress carries over when it is
    published. Costs a handful of queries only when a copy is made.
    """
    with transaction.atomic():
        # Lock the course row so two authors clicking "Edit" at once make one draft, not two.
        Course.objects.select_for_update().get(pk=course.pk)
        draft = course.versions.filter(status=CourseVersion.Status.DRAFT).first()
        if draft is not None:
            return draft
        source = course.versions.order_by("-number").first()
        if source is None:
            raise ValidationError(_("This course has no content to edit."))
        draft = CourseVersion.objects.create(
            course=course,
            number=source.number + 1,
            title=source.title,
            summary=source.summary,
            created_by=user,
        )
        for module in source.modules.prefetch_related("lessons"):
            lessons = list(module.lessons.all())
            module.pk, module.version = None, draft
            module.save()
            for lesson in lessons:
                lesson.pk, lesson.version, lesson.module = None, draft, module
            Lesson.objects.bulk_create(lessons)
    return draft


def version_update(*, version: CourseVersion, title: str, summary: str) -> CourseVersion:
    _require_draft(version)
    if not title.strip():
        raise ValidationError({"title": _("Give the course a title.")})
    version.title, version.summary = title.strip(), summary.strip()
    version.save(update_fields=["title", "summary"])
    return version


def course_details_update(
    *,
    course: Course,
    draft: CourseVersion,
    title: str,
    summary: str,
    slug: str,
    self_enrol: bool,
) -> Course:
    """Save what the course page's settings form holds: the draft's title and summary, and the
    course's web address and "open to everyone", all or nothing.

    Raises ValidationError keyed by field (title, slug) with every problem at once; nothing is
    saved then. Three to five queries.
    """
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = _("Give the course a title.")
    if Course.objects.filter(slug=slug).exclude(pk=course.pk).exists():
        errors["slug"] = _("Another course already uses this web address.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        version_update(version=draft, title=title, summary=summary)
        course_settings_update(course=course, slug=slug, self_enrol=self_enrol)
    return course


def course_image_add(
    *, course: Course, image: UploadedFile, alt_text: str, uploaded_by: User
) -> CourseImage:
    """Store an image for the course's lessons. `image` must already have passed the upload
    form's checks (courses.images.check_image). One query."""
    return CourseImage.objects.create(
        course=course, image=image, alt_text=alt_text.strip(), uploaded_by=uploaded_by
    )


def course_settings_update(*, course: Course, slug: str, self_enrol: bool) -> Course:
    if Course.objects.filter(slug=slug).exclude(pk=course.pk).exists():
        raise ValidationError({"slug": _("Another course already uses this web address.")})
    course.slug, course.self_enrol = slug, self_enrol
    course.save(update_fields=["slug", "self_enrol", "updated_at"])
    return course


def module_create(
    *, version: CourseVersion, title: str, summary: str = "", key: uuid.UUID | None = None
) -> Module:
    """Add a module at the end of the draft. `key` keeps an identity from elsewhere (a bundle);
    a new one is made when it is None."""
    _require_draft(version)
    if not title.strip():
        raise ValidationError({"title": _("Give the module a title.")})
    last = version.modules.aggregate(m=Max("position"))["m"]
    return Module.objects.create(
        version=version,
        key=key or uuid.uuid4(),
        title=title.strip(),
        summary=summary.strip(),
        position=0 if last is None else last + 1,
    )


def module_update(*, module: Module, title: str, summary: str = "") -> Module:
    _require_draft(module.version)
    if not title.strip():
        raise ValidationError({"title": _("Give the module a title.")})
    module.title, module.summary = title.strip(), summary.strip()
    module.save(update_fields=["title", "summary"])
    return module


def module_delete(*, module: Module) -> None:
    _require_draft(module.version)
    module.delete()


def _body_problems(body_markdown: str, course_images: frozenset[str]) -> list[str]:
    """What stops the lesson text from being saved: too long, or an image that isn't one of
    the course's (`images.image_allowed`), each named with its line."""
    if len(body_markdown) > MAX_LESSON_CHARS:
        return [
            _(
                "This lesson is %(length)s characters long; the most is %(limit)s. "
                "Split it into two or more lessons."
            )
            % {"length": f"{len(body_markdown):,}", "limit": f"{MAX_LESSON_CHARS:,}"}
        ]
    problems = []
    for image in image_sources(body_markdown):
        if not image_allowed(image.src, course_images):
            problems.append(
                _(
                    "Line %(line)s: the image “%(src)s” isn't one uploaded for this course. "
                    "Upload it on the course page, then paste the line it gives you."
                )
                % {"line": image.line, "src": image.src}
            )
    return problems


def _clean_lesson(
    title: str, minutes: int, video_url: str, body_markdown: str, course_images: frozenset[str]
) -> None:
    errors: dict[str, str | list[str]] = {}
    if not title.strip():
        errors["title"] = _("Give the lesson a title.")
    if not 1 <= minutes <= 240:
        errors["minutes"] = _("Between 1 and 240 minutes.")
    if video_url and video_embed_url(video_url) is None:
        errors["video_url"] = _(
            "Use a https link to a video on youtube.com, youtu.be or vimeo.com."
        )
    body_problems = _body_problems(body_markdown, course_images)
    if body_problems:
        errors["body_markdown"] = body_problems
    if errors:
        raise ValidationError(errors)


def lesson_create(
    *,
    module: Module,
    title: str,
    body_markdown: str = "",
    minutes: int = 5,
    video_url: str = "",
    key: uuid.UUID | None = None,
) -> Lesson:
    """Add a lesson at the end of `module`, with its HTML rendered and sanitised now. `key`
    keeps an identity from elsewhere (a bundle); a new one is made when it is None.

    Raises ValidationError keyed by field: no title, minutes outside 1-240, a video that is
    not an allowed link, text over MAX_LESSON_CHARS, or an image that isn't one uploaded for
    the course (each named with its line)."""
    _require_draft(module.version)
    images = course_image_urls(module.version.course_id)
    _clean_lesson(title, minutes, video_url, body_markdown, images)
    last = module.lessons.aggregate(m=Max("position"))["m"]
    return Lesson.objects.create(
        version=module.version,
        module=module,
        key=key or uuid.uuid4(),
        title=title.strip(),
        body_markdown=body_markdown,
        body_html=render_markdown(body_markdown, images=images),
        minutes=minutes,
        video_url=video_url.strip(),
        position=0 if last is None else last + 1,
    )


def lesson_update(
    *, lesson: Lesson, title: str, body_markdown: str, minutes: int, video_url: str = ""
) -> Lesson:
    """Save the lesson's fields, its HTML rendered and sanitised now. Raises ValidationError
    as `lesson_create` does."""
    _require_draft(lesson.version)
    images = course_image_urls(lesson.version.course_id)
    _clean_lesson(title, minutes, video_url, body_markdown, images)
    lesson.title = title.strip()
    lesson.body_markdown = body_markdown
    lesson.body_html = render_markdown(body_markdown, images=images)
    lesson.minutes = minutes
    lesson.video_url = video_url.strip()
    lesson.save(update_fields=["title", "body_markdown", "body_html", "minutes", "video_url"])
    return lesson


def lesson_delete(*, lesson: Lesson) -> None:
    _require_draft(lesson.version)
    lesson.delete()


def item_move(*, item: Module | Lesson, direction: str) -> bool:
    """Swap a module or lesson with its neighbour ("up" or "down") within the same parent
    (`ordering.move_among`).

    Returns False when it is already first/last. Positions are renumbered 0..n-1 on the way,
    which also repairs gaps left by deletions. Raises ValidationError for a published version
    or any other direction.
    """
    _require_draft(item.version)
    with transaction.atomic():
        if isinstance(item, Module):
            modules = list(item.version.modules.select_for_update().order_by("position", "pk"))
            if move_among(modules, item.pk, direction) is None:
                return False
            Module.objects.bulk_update(modules, ["position"])
        else:
            lessons = list(item.module.lessons.select_for_update().order_by("position", "pk"))
            if move_among(lessons, item.pk, direction) is None:
                return False
            Lesson.objects.bulk_update(lessons, ["position"])
    return True


def course_publish(*, course: Course, actor: User | None) -> CourseVersion:
    """Freeze the draft and make it what learners see. Learners' progress is kept: it is
    recorded against lesson keys, which the draft shares with earlier versions.

    Raises ValidationError when there is no draft, no lesson, or an empty module.
    """
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course.pk)
        draft = course.versions.filter(status=CourseVersion.Status.DRAFT).first()
        if draft is None:
            raise ValidationError(_("There are no unpublished changes to publish."))
        modules = list(draft.modules.prefetch_related("lessons"))
        if not any(m.lessons.all() for m in modules):
            raise ValidationError(_("Add at least one lesson before publishing."))
        empty = [m.title for m in modules if not m.lessons.all()]
        if empty:
            raise ValidationError(
                _("These modules have no lessons yet: %(names)s. Add a lesson or remove them.")
                % {"names": ", ".join(empty)}
            )
        draft.status = CourseVersion.Status.FROZEN
        draft.published_at = timezone.now()
        draft.save(update_fields=["status", "published_at"])
        previous = course.published_version_id
        course.published_version = draft
        course.save(update_fields=["published_version", "updated_at"])
        events.announce_requirements_changed(course_id=course.pk)
        _audit(actor, "course.publish", course, previous, draft)
    return draft


def _audit(
    actor: User | None,
    action: str,
    course: Course,
    previous_version_id: int | None,
    live: CourseVersion | None,
) -> None:
    """One activity log entry for a change of what learners see, as version numbers."""
    numbers = dict(course.versions.values_list("pk", "number"))
    audit_record(
        actor=actor,
        action=action,
        target_type="course",
        target_id=course.pk,
        target_label=live.title if live else course.slug,
        changes={
            "live version": (
                numbers.get(previous_version_id) if previous_version_id else None,
                live.number if live else None,
            )
        },
    )


def course_unpublish(*, course: Course, actor: User | None) -> Course:
    """Hide the course from learners. Their progress stays and returns when it is republished."""
    with transaction.atomic():
        previous = course.published_version_id
        course.published_version = None
        course.save(update_fields=["published_version", "updated_at"])
        events.announce_requirements_changed(course_id=course.pk)
        _audit(actor, "course.unpublish", course, previous, None)
    return course


def course_republish(*, course: Course, actor: User | None) -> Course:
    """Show the newest previously published version again. Raises ValidationError if none."""
    latest = course.versions.filter(status=CourseVersion.Status.FROZEN).order_by("-number").first()
    if latest is None:
        raise ValidationError(_("This course has never been published."))
    with transaction.atomic():
        previous = course.published_version_id
        course.published_version = latest
        course.save(update_fields=["published_version", "updated_at"])
        events.announce_requirements_changed(course_id=course.pk)
        _audit(actor, "course.publish", course, previous, latest)
    return course


def path_create(
    *,
    slug: str,
    title: str,
    courses: list[Course],
    summary: str = "",
    self_enrol: bool = False,
    is_published: bool = False,
) -> LearningPath:
    """Create or refresh a learning path so it holds exactly `courses`, in that order."""
    with transaction.atomic():
        path, _created = LearningPath.objects.update_or_create(
            slug=slug,
            defaults={
                "title": title,
                "summary": summary,
                "self_enrol": self_enrol,
                "is_published": is_published,
            },
        )
        path.steps.exclude(course__in=courses).delete()
        for position, course in enumerate(courses):
            PathCourse.objects.update_or_create(
                path=path, course=course, defaults={"position": position}
            )
    return path


# --- Enrolments: a person's place on a course ---------------------------------------------


def enrolment_create(
    *,
    user: User,
    course: Course,
    source: str = Enrolment.Source.SELF,
    path: LearningPath | None = None,
) -> Enrolment:
    """Enrol `user` in `course` (a live course); returns the existing enrolment if there is one.

    Raises ValidationError when the course is not live.
    """
    if not course.is_live:
        raise ValidationError(_("This course isn't available right now."))
    enrolment, _created = Enrolment.objects.get_or_create(
        user=user, course=course, defaults={"source": source, "path": path}
    )
    return enrolment


def path_enrol(*, user: User, path: LearningPath) -> list[Enrolment]:
    """Enrol `user` in every live course of `path`, in order. Existing enrolments are kept."""
    with transaction.atomic():
        return [
            enrolment_create(user=user, course=step.course, source=Enrolment.Source.PATH, path=path)
            for step in path.steps.select_related("course").order_by("position")
            if step.course.is_live
        ]
