"""Authoring for training admins: courses, modules, lessons, images, publishing, previews.

Every view fetches through courses.permissions (404 for non-authors) and changes state only
through courses.services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.forms import add_service_errors
from config.http import AuthedRequest
from config.parsing import ascii_int
from learners.permissions import require_author

from . import permissions, selectors, services
from .content import MAX_LESSON_CHARS, render_markdown, video_embed_url
from .forms import CourseForm, ImageUploadForm, LessonForm, ModuleForm
from .images import course_image_urls
from .models import Course, CourseVersion, Lesson, Module


def _module_for(request: AuthedRequest, pk: int) -> Module:
    require_author(request.user)
    return get_object_or_404(Module.objects.select_related("version__course"), pk=pk)


def _lesson_for(request: AuthedRequest, pk: int) -> Lesson:
    require_author(request.user)
    return get_object_or_404(Lesson.objects.select_related("version__course", "module"), pk=pk)


@login_required
def course_list(request: AuthedRequest) -> HttpResponse:
    require_author(request.user)
    courses = Course.objects.select_related("published_version").prefetch_related(
        Prefetch(
            "versions",
            queryset=CourseVersion.objects.filter(status=CourseVersion.Status.DRAFT),
            to_attr="drafts",
        )
    )
    return render(request, "courses/author/course_list.html", {"courses": courses})


@login_required
def course_new(request: AuthedRequest) -> HttpResponse:
    require_author(request.user)
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.course_create(
                title=form.cleaned_data["title"],
                slug=form.cleaned_data["slug"],
                summary=form.cleaned_data["summary"],
                self_enrol=form.cleaned_data["self_enrol"],
                created_by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Course created. Add a module and your first lesson."))
            return redirect("author_course", pk=course.pk)
    return render(request, "courses/author/course_new.html", {"form": form})


def _course_page_context(course: Course, version: CourseVersion) -> dict[str, Any]:
    modules = list(
        version.modules.prefetch_related(
            Prefetch("lessons", queryset=Lesson.objects.order_by("position", "pk"))
        ).order_by("position", "pk")
    )
    return {
        "course": course,
        "version": version,
        "modules": modules,
        "versions": list(course.versions.order_by("-number")),
        "images": list(course.images.all()[:30]),
        "module_form": ModuleForm(prefix="module"),
        "image_form": ImageUploadForm(prefix="image"),
    }


@login_required
def course_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    course = permissions.get_authored_course(request.user, pk)
    draft = course.versions.filter(status=CourseVersion.Status.DRAFT).first()
    version = draft or course.published_version or course.versions.order_by("-number").first()
    if version is None:
        raise Http404
    initial = {
        "title": version.title,
        "summary": version.summary,
        "slug": course.slug,
        "self_enrol": course.self_enrol,
    }
    form = CourseForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if draft is None:
            messages.error(request, _("Start editing first: press “Edit this course”."))
            return redirect("author_course", pk=course.pk)
        if form.is_valid():
            try:
                services.course_details_update(
                    course=course,
                    draft=draft,
                    title=form.cleaned_data["title"],
                    summary=form.cleaned_data["summary"],
                    slug=form.cleaned_data["slug"],
                    self_enrol=form.cleaned_data["self_enrol"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("author_course", pk=course.pk)
    context = _course_page_context(course, version)
    context["form"] = form
    return render(
        request, "courses/author/course_edit.html", context, status=400 if form.errors else 200
    )


@login_required
@require_POST
def course_start_draft(request: AuthedRequest, pk: int) -> HttpResponse:
    course = permissions.get_authored_course(request.user, pk)
    services.course_draft(course=course, user=request.user)
    messages.info(
        request,
        _("You're editing a draft. Learners keep seeing the published version until you publish."),
    )
    return redirect("author_course", pk=course.pk)


@login_required
@require_POST
def course_publish(request: AuthedRequest, pk: int) -> HttpResponse:
    course = permissions.get_authored_course(request.user, pk)
    try:
        version = services.course_publish(course=course, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Version %(n)s is live. Learners' progress carries over.") % {"n": version.number},
        )
    return redirect("author_course", pk=course.pk)


@login_required
@require_POST
def course_unpublish(request: AuthedRequest, pk: int) -> HttpResponse:
    course = permissions.get_authored_course(request.user, pk)
    services.course_unpublish(course=course, actor=request.user)
    messages.success(request, _("The course is hidden from learners. Their progress is kept."))
    return redirect("author_course", pk=course.pk)


@login_required
@require_POST
def course_republish(request: AuthedRequest, pk: int) -> HttpResponse:
    course = permissions.get_authored_course(request.user, pk)
    try:
        services.course_republish(course=course, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The course is live again."))
    return redirect("author_course", pk=course.pk)


def _preview_version(course: Course) -> CourseVersion:
    version = (
        course.versions.filter(status=CourseVersion.Status.DRAFT).first()
        or course.published_version
        or course.versions.order_by("-number").first()
    )
    if version is None:
        raise Http404
    return version


@login_required
def course_preview(request: AuthedRequest, pk: int) -> HttpResponse:
    course = permissions.get_authored_course(request.user, pk)
    version = _preview_version(course)
    outline = selectors.outline_for(version)
    return render(
        request,
        "progress/course_detail.html",
        {
            "course": course,
            "version": version,
            "outline": outline,
            "enrolment": None,
            "next_lesson": outline.next_lesson(),
            "preview": True,
            "can_start": False,
        },
    )


@login_required
def lesson_preview(request: AuthedRequest, pk: int, key: object) -> HttpResponse:
    course = permissions.get_authored_course(request.user, pk)
    version = _preview_version(course)
    outline = selectors.outline_for(version, current=key)  # type: ignore[arg-type]
    index = next((i for i, ls in enumerate(outline.lessons) if ls.key == key), None)
    if index is None:
        raise Http404
    lesson = outline.lessons[index]
    previous, following = outline.neighbours(lesson.key)
    return render(
        request,
        "progress/lesson.html",
        {
            "course": course,
            "version": version,
            "outline": outline,
            "lesson": lesson,
            "number": index + 1,
            "previous": previous,
            "following": following,
            "completed": False,
            "video_embed": video_embed_url(lesson.video_url),
            "preview": True,
        },
    )


@login_required
@require_POST
def module_new(request: AuthedRequest, pk: int) -> HttpResponse:
    course = permissions.get_authored_course(request.user, pk)
    draft = services.course_draft(course=course, user=request.user)
    form = ModuleForm(request.POST, prefix="module")
    if form.is_valid():
        try:
            services.module_create(
                version=draft,
                title=form.cleaned_data["title"],
                summary=form.cleaned_data["summary"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Module added."))
            return redirect("author_course", pk=course.pk)
    context = _course_page_context(course, draft)
    context["form"] = CourseForm(
        initial={
            "title": draft.title,
            "summary": draft.summary,
            "slug": course.slug,
            "self_enrol": course.self_enrol,
        }
    )
    context["module_form"] = form
    return render(request, "courses/author/course_edit.html", context, status=400)


@login_required
def module_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    module = _module_for(request, pk)
    form = ModuleForm(
        request.POST or None, initial={"title": module.title, "summary": module.summary}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.module_update(
                module=module,
                title=form.cleaned_data["title"],
                summary=form.cleaned_data["summary"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Module saved."))
            return redirect("author_course", pk=module.version.course_id)
    return render(
        request,
        "courses/author/module_edit.html",
        {"module": module, "form": form, "course": module.version.course},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def module_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    module = _module_for(request, pk)
    course_id = module.version.course_id
    try:
        services.module_delete(module=module)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Module “%(title)s” removed.") % {"title": module.title})
    return redirect("author_course", pk=course_id)


def _move(request: AuthedRequest, item: Module | Lesson) -> HttpResponse:
    direction = request.POST.get("direction", "")
    try:
        moved = services.item_move(item=item, direction=direction)
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400)
    if not moved:
        messages.info(
            request,
            _("It's already at the %(end)s.")
            % {"end": _("top") if direction == "up" else _("bottom")},
        )
    anchor = f"{type(item).__name__.lower()}-{item.pk}"
    return redirect(f"{reverse('author_course', args=[item.version.course_id])}#{anchor}")


@login_required
@require_POST
def module_move(request: AuthedRequest, pk: int) -> HttpResponse:
    return _move(request, _module_for(request, pk))


@login_required
@require_POST
def lesson_move(request: AuthedRequest, pk: int) -> HttpResponse:
    return _move(request, _lesson_for(request, pk))


def _lesson_form_page(
    request: AuthedRequest, form: LessonForm, module: Module, lesson: Lesson | None
) -> HttpResponse:
    body = str(form["body_markdown"].value() or "")
    course = module.version.course
    # Text past the limit is kept in the form, not previewed: rendering it is what costs.
    preview = render_markdown(body[:MAX_LESSON_CHARS], images=course_image_urls(course.pk))
    return render(
        request,
        "courses/author/lesson_edit.html",
        {
            "form": form,
            "module": module,
            "lesson": lesson,
            "course": course,
            "version": module.version,
            "preview_html": preview,
        },
        status=400 if form.errors else 200,
    )


@login_required
def lesson_new(request: AuthedRequest, pk: int) -> HttpResponse:
    module = _module_for(request, pk)
    if not module.version.is_draft:
        raise Http404
    form = LessonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lesson = services.lesson_create(module=module, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Lesson “%(title)s” added.") % {"title": lesson.title})
            return redirect("author_course", pk=module.version.course_id)
    return _lesson_form_page(request, form, module, None)


@login_required
def lesson_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    lesson = _lesson_for(request, pk)
    initial = {
        "title": lesson.title,
        "minutes": lesson.minutes,
        "video_url": lesson.video_url,
        "body_markdown": lesson.body_markdown,
    }
    form = LessonForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not lesson.version.is_draft:
            messages.error(request, _("This version is published. Press “Edit this course” first."))
            return redirect("author_course", pk=lesson.version.course_id)
        if form.is_valid():
            try:
                services.lesson_update(lesson=lesson, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Lesson saved."))
                if "stay" in request.POST:
                    return redirect("author_lesson", pk=lesson.pk)
                return redirect("author_course", pk=lesson.version.course_id)
    return _lesson_form_page(request, form, lesson.module, lesson)


@login_required
@require_POST
def lesson_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    lesson = _lesson_for(request, pk)
    course_id = lesson.version.course_id
    try:
        services.lesson_delete(lesson=lesson)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Lesson “%(title)s” removed.") % {"title": lesson.title})
    return redirect("author_course", pk=course_id)


@login_required
@require_POST
def markdown_preview(request: AuthedRequest) -> HttpResponse:
    """The server's rendering of what the author typed: exactly what learners will see. With
    `course` (the lesson editor sends it), images follow that course's rule; without it, the
    rule for text outside a course."""
    require_author(request.user)
    course_pk = ascii_int(request.POST.get("course"))
    images = None
    if course_pk is not None:
        images = course_image_urls(permissions.get_authored_course(request.user, course_pk).pk)
    body = request.POST.get("body_markdown", "")[:MAX_LESSON_CHARS]
    html = render_markdown(body, images=images)
    return render(request, "courses/author/_preview.html", {"preview_html": html})


@login_required
@require_POST
def image_upload(request: AuthedRequest, pk: int) -> HttpResponse:
    course = permissions.get_authored_course(request.user, pk)
    form = ImageUploadForm(request.POST, request.FILES, prefix="image")
    if form.is_valid():
        image = services.course_image_add(
            course=course,
            image=form.cleaned_data["image"],
            alt_text=form.cleaned_data["alt_text"],
            uploaded_by=request.user,
        )
        messages.success(
            request,
            _("Image uploaded. Paste this into a lesson: ![%(alt)s](%(url)s)")
            % {"alt": image.alt_text, "url": image.image.url},
        )
        return redirect("author_course", pk=course.pk)
    version = _preview_version(course)
    context = _course_page_context(course, version)
    context["form"] = CourseForm(
        initial={
            "title": version.title,
            "summary": version.summary,
            "slug": course.slug,
            "self_enrol": course.self_enrol,
        }
    )
    context["image_form"] = form
    return render(request, "courses/author/course_edit.html", context, status=400)
