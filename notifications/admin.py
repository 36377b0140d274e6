from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """For operators looking into one message; people use the ledger and the failed list."""

    list_display = [
        "kind",
        "channel",
        "user",
        "state",
        "reason",
        "attempts",
        "created_at",
        "sent_at",
    ]
    list_filter = ["state", "kind", "channel"]
    search_fields = ["dedupe_key", "user__email"]
    readonly_fields = [f.name for f in Notification._meta.fields]
