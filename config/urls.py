from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from .csp import csp_report
from .health import healthz
from .media import media

admin.site.site_header = settings.SITE_NAME
admin.site.site_title = settings.SITE_NAME

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("csp-report/", csp_report, name="csp_report"),
    path("admin/", admin.site.urls),
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media, name="media"),
    path("accounts/", include("allauth.urls")),
    path("", include("learners.urls")),
    path("", include("courses.urls")),
    path("", include("assessments.urls")),
    path("", include("refreshers.urls")),
    path("", include("progress.urls")),
    path("", include("notifications.urls")),
]

if settings.DEBUG:
    # Lets a developer look at the error pages without breaking anything.
    urlpatterns += [
        path("_errors/404/", TemplateView.as_view(template_name="404.html")),
        path("_errors/500/", TemplateView.as_view(template_name="500.html")),
    ]
