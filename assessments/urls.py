"""Each area of assessments answers under its own prefix (docs/url-map.md)."""

from django.urls import include, path

urlpatterns = [
    path("", include("assessments.questions.urls")),
    path("", include("assessments.quizzes.urls")),
    path("", include("assessments.scenarios.urls")),
]
