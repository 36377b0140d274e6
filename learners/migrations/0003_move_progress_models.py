"""Enrolments move to courses, lesson progress and certificates to the new progress app, so that
imports run one way (docs/adr/0007). The rows stay; only the tables are renamed."""

from django.db import migrations


def _relabel_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, app_label in [
        ("enrolment", "courses"),
        ("lessonprogress", "progress"),
        ("certificate", "progress"),
    ]:
        ContentType.objects.filter(app_label="learners", model=model).update(app_label=app_label)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("learners", "0002_enrolment_certificate_lessonprogress_and_more"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable("enrolment", "courses_enrolment"),
                migrations.AlterModelTable("lessonprogress", "progress_lessonprogress"),
                migrations.AlterModelTable("certificate", "progress_certificate"),
                migrations.RunPython(_relabel_content_types, migrations.RunPython.noop),
            ],
            state_operations=[
                migrations.DeleteModel("Certificate"),
                migrations.DeleteModel("LessonProgress"),
                migrations.DeleteModel("Enrolment"),
            ],
        ),
    ]
