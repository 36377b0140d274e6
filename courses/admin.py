"""Operator views of courses. Authoring happens in the app's own pages (/author/), which go
through the services; here most content is read-only so nothing bypasses versioning."""

from django.contrib import admin
from django.http import HttpRequest

from .models import Course, CourseImage, CourseVersion, Enrolment, LearningPath, PathCourse


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class VersionInline(ReadOnlyInline):
    model = CourseVersion
    fields = ["number", "status", "title", "published_at"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["slug", "published_version", "self_enrol", "updated_at"]
    search_fields = ["slug", "versions__title"]
    readonly_fields = ["key", "published_version", "created_at", "updated_at"]
    fields = ["slug", "self_enrol", "key", "published_version", "created_at", "updated_at"]
    inlines = [VersionInline]


@admin.register(CourseVersion)
class CourseVersionAdmin(admin.ModelAdmin):
    list_display = ["course", "number", "status", "title", "published_at"]
    list_filter = ["status"]
    search_fields = ["title", "course__slug"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class PathCourseInline(admin.TabularInline):
    model = PathCourse
    extra = 0
    autocomplete_fields = ["course"]
    fields = ["position", "course", "requires_previous"]


@admin.register(LearningPath)
class LearningPathAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "is_published", "self_enrol"]
    list_filter = ["is_published"]
    search_fields = ["title", "slug"]
    inlines = [PathCourseInline]


@admin.register(CourseImage)
class CourseImageAdmin(admin.ModelAdmin):
    list_display = ["alt_text", "course", "created_at"]
    readonly_fields = ["image", "course", "uploaded_by", "created_at"]


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["user", "course", "source", "completed_lessons", "completed_at", "due_at"]
    list_filter = ["source", "course"]
    search_fields = ["user__email", "user__full_name", "course__slug"]
    readonly_fields = ["last_lesson_key", "last_activity_at", "completed_lessons", "completed_at"]
    autocomplete_fields = ["user"]
