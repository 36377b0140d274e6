"""Authoring question banks, questions and quizzes (training admins)."""

from django.urls import path

from . import quiz_views, views

urlpatterns = [
    # Question banks and questions
    path("author/question-banks/", views.bank_list, name="author_banks"),
    path("author/question-banks/new/", views.bank_new, name="author_bank_new"),
    path("author/question-banks/<int:pk>/", views.bank_detail, name="author_bank"),
    path(
        "author/question-banks/<int:pk>/questions/new/",
        views.question_new,
        name="author_question_new",
    ),
    path("author/questions/<int:pk>/", views.question_edit, name="author_question"),
    path("author/questions/preview/", views.question_preview, name="author_question_preview"),
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
