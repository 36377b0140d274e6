"""Authoring quizzes (training admins)."""

from django.urls import path

from . import quiz_views

urlpatterns = [
    # Quizzes
    path("author/courses/<int:pk>/quizzes/", quiz_views.quiz_list, name="author_quizzes"),
    path("author/courses/<int:pk>/quizzes/new/", quiz_views.quiz_new, name="author_quiz_new"),
    path("author/quizzes/<int:pk>/", quiz_views.quiz_edit, name="author_quiz"),
    path(
        "author/quizzes/<int:pk>/questions/",
        quiz_views.slot_add_question,
        name="author_quiz_add_question",
    ),
    path("author/quizzes/<int:pk>/draws/", quiz_views.slot_add_draw, name="author_quiz_add_draw"),
    path("author/quizzes/<int:pk>/preview/", quiz_views.quiz_preview, name="author_quiz_preview"),
    path("author/quizzes/<int:pk>/publish/", quiz_views.quiz_publish, name="author_quiz_publish"),
    path(
        "author/quizzes/<int:pk>/unpublish/",
        quiz_views.quiz_unpublish,
        name="author_quiz_unpublish",
    ),
    path("author/quiz-slots/<int:pk>/move/", quiz_views.slot_move, name="author_quiz_slot_move"),
    path(
        "author/quiz-slots/<int:pk>/remove/", quiz_views.slot_remove, name="author_quiz_slot_remove"
    ),
]
