"""Build courses through the real services, so tests see what authors would produce."""

from __future__ import annotations

from courses import services
from courses.models import Course


def build_course(
    *,
    slug: str = "de-escalation",
    title: str = "Calm under fire",
    modules: int = 2,
    lessons: int = 2,
    publish: bool = True,
    self_enrol: bool = True,
    author=None,
) -> Course:
    course = services.course_create(
        title=title, slug=slug, summary="Stay calm.", created_by=author, self_enrol=self_enrol
    )
    draft = course.versions.get()
    for m in range(modules):
        module = services.module_create(version=draft, title=f"Module {m + 1}")
        for n in range(lessons):
            services.lesson_create(
                module=module,
                title=f"Lesson {m + 1}.{n + 1}",
                body_markdown=f"## Step {n + 1}\n\nSay **hello** to lesson {m + 1}.{n + 1}.",
                minutes=4,
            )
    if publish:
        services.course_publish(course=course, actor=None)
    course.refresh_from_db()
    return course
