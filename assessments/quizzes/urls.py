"""Quizzes: the learner's pages under /quizzes/ (attempts under /quizzes/attempts/), the
authors' under /author/quizzes/."""

from django.urls import path

from . import author_views, views

urlpatterns = [
    # Learners
    path("quizzes/<uuid:key>/", views.quiz_detail, name="quiz_detail"),
    path("quizzes/<uuid:key>/start/", views.quiz_start, name="quiz_start"),
    path(
        "quizzes/<uuid:key>/confidence/<str:moment>/",
        views.self_rating_save,
        name="self_rating_save",
    ),
    path("quizzes/attempts/<int:pk>/", views.attempt_take, name="attempt_take"),
    path(
        "quizzes/attempts/<int:pk>/answers/<int:position>/",
        views.answer_save,
        name="answer_save",
    ),
    path("quizzes/attempts/<int:pk>/check/", views.attempt_check, name="attempt_check"),
    path("quizzes/attempts/<int:pk>/submit/", views.attempt_submit, name="attempt_submit"),
    path("quizzes/attempts/<int:pk>/review/", views.attempt_review, name="attempt_review"),
    # Authoring (training admins)
    path("author/quizzes/course/<int:pk>/", author_views.quiz_list, name="author_quizzes"),
    path("author/quizzes/course/<int:pk>/new/", author_views.quiz_new, name="author_quiz_new"),
    path("author/quizzes/<int:pk>/", author_views.quiz_edit, name="author_quiz"),
    path(
        "author/quizzes/<int:pk>/questions/",
        author_views.questions_add,
        name="author_quiz_add_question",
    ),
    path("author/quizzes/<int:pk>/draws/", author_views.slot_add_draw, name="author_quiz_add_draw"),
    path("author/quizzes/<int:pk>/preview/", author_views.quiz_preview, name="author_quiz_preview"),
    path("author/quizzes/<int:pk>/publish/", author_views.quiz_publish, name="author_quiz_publish"),
    path(
        "author/quizzes/<int:pk>/unpublish/",
        author_views.quiz_unpublish,
        name="author_quiz_unpublish",
    ),
    path(
        "author/quizzes/slots/<int:pk>/move/", author_views.slot_move, name="author_quiz_slot_move"
    ),
    path(
        "author/quizzes/slots/<int:pk>/remove/",
        author_views.slot_remove,
        name="author_quiz_slot_remove",
    ),
]
