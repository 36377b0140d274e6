from django.urls import path

from . import views

urlpatterns = [
    path("author/questions/import/", views.question_import, name="question_import"),
    path("author/questions/export/", views.question_export, name="question_export"),
]
