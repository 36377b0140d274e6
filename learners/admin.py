from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import services
from .models import AuditEntry, Invitation, Membership, Team, User


def _actor(request: HttpRequest) -> User | None:
    """The operator using the admin, to name in the activity log."""
    # Only signed-in staff reach the admin; the isinstance check is for the type checker.
    return request.user if isinstance(request.user, User) else None


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["team"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_training_admin", "is_active", "date_joined"]
    list_filter = ["is_training_admin", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password", "full_name")}),
        (_("Roles"), {"fields": ("is_active", "is_training_admin", "is_staff", "is_superuser")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),
    )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "path"]
    search_fields = ["name"]
    readonly_fields = ["path"]
    inlines = [MembershipInline]

    def save_model(self, request: HttpRequest, obj: Team, form: object, change: bool) -> None:
        # The materialised path is maintained by the service; admin edits go through it too.
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.team_create(actor=_actor(request), name=obj.name, parent=obj.parent)
        obj.pk, obj.path = created.pk, created.path

    def get_readonly_fields(self, request: HttpRequest, obj: Team | None = None) -> list[str]:
        # Moving a team would leave its subtree's paths stale, so the parent is fixed once set.
        return ["path", "parent"] if obj else ["path"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "team",
        "invited_by",
        "created_at",
        "sent_at",
        "expires_at",
        "accepted_at",
    ]
    search_fields = ["email"]
    list_filter = ["team"]
    readonly_fields = ["nonce", "queued_at", "sent_at", "accepted_at", "accepted_by"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: entries are written by services in the same transaction as the change they
    describe, and an audit log that can be edited proves nothing."""

    list_display = ["created_at", "actor_label", "action", "target_type", "target_label"]
    list_filter = ["action", "target_type"]
    search_fields = ["actor_label", "target_label", "action"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
