"""Course bundle upload and download for training admins (being written)."""

from django.http import HttpRequest, HttpResponse


def course_import(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def course_export(request: HttpRequest, pk: int) -> HttpResponse:
    raise NotImplementedError
