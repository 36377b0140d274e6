from django.contrib import admin

from .models import Certificate


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["code", "learner_name", "course_title", "issued_at"]
    search_fields = ["code", "learner_name", "user__email"]
    readonly_fields = ["enrolment", "user", "course", "code", "issued_at"]
