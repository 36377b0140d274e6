"""Operators can look at review items and the course setting. Both change only through
refreshers.services (the schedule when people answer, the setting on the authors' page, which
logs it), so they are read-only here."""

from typing import Any

from django.contrib import admin

from .models import CourseRefresherPolicy, ReviewItem


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(ReviewItem)
class ReviewItemAdmin(ReadOnlyAdmin):
    list_display = ["user", "kind", "course", "due_at", "reps", "lapses", "stability"]
    list_filter = ["kind"]
    search_fields = ["user__email"]
    list_select_related = ["user", "course"]


@admin.register(CourseRefresherPolicy)
class CourseRefresherPolicyAdmin(ReadOnlyAdmin):
    list_display = ["course", "renews_recurring", "grace_days", "updated_at"]
    list_select_related = ["course"]
