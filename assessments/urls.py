from django.urls import include, path

urlpatterns = [
    path("", include("assessments.quiz_urls")),
    path("", include("assessments.scenarios.urls")),
    path("", include("assessments.questions.urls")),
    path("", include("assessments.authoring.urls")),
]
