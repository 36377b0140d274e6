"""Question banks, questions and question files, under /author/questions/ (authors only;
learners meet questions inside quizzes)."""

from django.urls import path

from . import author_views

urlpatterns = [
    path("author/questions/banks/", author_views.bank_list, name="author_banks"),
    path("author/questions/banks/new/", author_views.bank_new, name="author_bank_new"),
    path("author/questions/banks/<int:pk>/", author_views.bank_detail, name="author_bank"),
    path(
        "author/questions/banks/<int:pk>/new/",
        author_views.question_new,
        name="author_question_new",
    ),
    path("author/questions/<int:pk>/", author_views.question_edit, name="author_question"),
    path(
        "author/questions/preview/", author_views.question_preview, name="author_question_preview"
    ),
    path("author/questions/import/", author_views.question_import, name="question_import"),
    path(
        "author/questions/import/help/",
        author_views.question_import_help,
        name="question_import_help",
    ),
    path(
        "author/questions/import/<int:pk>/",
        author_views.question_import_job,
        name="question_import_job",
    ),
    path("author/questions/export/", author_views.question_export, name="question_export"),
]
