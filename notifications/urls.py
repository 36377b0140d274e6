from django.urls import path

from . import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/bell/", views.notification_bell, name="notification_bell"),
    path("notifications/read/", views.notifications_mark_read, name="notifications_mark_read"),
    path(
        "notifications/preferences/",
        views.notification_preferences,
        name="notification_preferences",
    ),
    path(
        "notifications/unsubscribe/<str:token>/",
        views.notification_unsubscribe,
        name="notification_unsubscribe",
    ),
    path("notifications/people/<int:pk>/", views.reminder_ledger, name="reminder_ledger"),
    path("notifications/policy/", views.reminder_policy, name="reminder_policy"),
    path("notifications/templates/", views.email_templates, name="email_templates"),
    path(
        "notifications/templates/<slug:key>/",
        views.email_template_edit,
        name="email_template_edit",
    ),
    path("notifications/failed/", views.failed_notifications, name="failed_notifications"),
    path(
        "notifications/failed/<int:pk>/retry/",
        views.failed_notification_retry,
        name="failed_notification_retry",
    ),
]
