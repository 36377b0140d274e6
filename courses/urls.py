from django.urls import path

from . import author_views, bundle_views

urlpatterns = [
    # Authoring (training admins)
    path("author/", author_views.course_list, name="author_courses"),
    path("author/courses/new/", author_views.course_new, name="author_course_new"),
    path("author/courses/<int:pk>/", author_views.course_edit, name="author_course"),
    path(
        "author/courses/<int:pk>/edit/", author_views.course_start_draft, name="author_start_draft"
    ),
    path("author/courses/<int:pk>/publish/", author_views.course_publish, name="author_publish"),
    path(
        "author/courses/<int:pk>/unpublish/", author_views.course_unpublish, name="author_unpublish"
    ),
    path(
        "author/courses/<int:pk>/republish/", author_views.course_republish, name="author_republish"
    ),
    path("author/courses/<int:pk>/preview/", author_views.course_preview, name="author_preview"),
    path(
        "author/courses/<int:pk>/preview/<uuid:key>/",
        author_views.lesson_preview,
        name="author_lesson_preview",
    ),
    path("author/courses/<int:pk>/modules/new/", author_views.module_new, name="author_module_new"),
    path("author/modules/<int:pk>/", author_views.module_edit, name="author_module"),
    path(
        "author/modules/<int:pk>/delete/", author_views.module_delete, name="author_module_delete"
    ),
    path("author/modules/<int:pk>/move/", author_views.module_move, name="author_module_move"),
    path("author/modules/<int:pk>/lessons/new/", author_views.lesson_new, name="author_lesson_new"),
    path("author/lessons/<int:pk>/", author_views.lesson_edit, name="author_lesson"),
    path(
        "author/lessons/<int:pk>/delete/", author_views.lesson_delete, name="author_lesson_delete"
    ),
    path("author/lessons/<int:pk>/move/", author_views.lesson_move, name="author_lesson_move"),
    path("author/markdown-preview/", author_views.markdown_preview, name="author_markdown_preview"),
    path("author/courses/<int:pk>/images/", author_views.image_upload, name="author_image_upload"),
    path("author/import/", bundle_views.course_import, name="author_course_import"),
    path(
        "author/import/confirm/",
        bundle_views.course_import_confirm,
        name="author_course_import_confirm",
    ),
    path(
        "author/courses/<int:pk>/export/", bundle_views.course_export, name="author_course_export"
    ),
]
