from django.urls import path

from . import quiz_views

urlpatterns = [
    path("quizzes/<uuid:key>/", quiz_views.quiz_detail, name="quiz_detail"),
    path("quizzes/<uuid:key>/start/", quiz_views.quiz_start, name="quiz_start"),
    path(
        "quizzes/<uuid:key>/confidence/<str:moment>/",
        quiz_views.self_rating_save,
        name="self_rating_save",
    ),
    path("attempts/<int:pk>/", quiz_views.attempt_take, name="attempt_take"),
    path("attempts/<int:pk>/answers/<int:position>/", quiz_views.answer_save, name="answer_save"),
    path("attempts/<int:pk>/submit/", quiz_views.attempt_submit, name="attempt_submit"),
    path("attempts/<int:pk>/review/", quiz_views.attempt_review, name="attempt_review"),
]
