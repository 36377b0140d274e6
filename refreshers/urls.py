"""Refreshers answer under /refreshers/ (docs/url-map.md); the course setting for renewing a
recurring course by refreshers under /author/courses/<pk>/refreshers/."""

from django.urls import path

from . import author_views, views

urlpatterns = [
    path("refreshers/", views.refreshers_home, name="refreshers"),
    path("refreshers/now/", views.refresher_next, name="refresher_next"),
    path("refreshers/items/<int:pk>/answer/", views.refresher_answer, name="refresher_answer"),
    path("refreshers/answers/<int:pk>/", views.refresher_feedback, name="refresher_feedback"),
    path(
        "author/courses/<int:pk>/refreshers/",
        author_views.course_refreshers,
        name="author_course_refreshers",
    ),
]
