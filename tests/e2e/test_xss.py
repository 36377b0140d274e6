"""Script typed into any authored field never runs: an XSS corpus goes into every field an author
fills in (course, module, lesson, learning path, image description; the learner's own name too),
and a learner and a training admin then open every page that shows it.

Each page is checked three ways: no dialog opened (every payload calls alert()), the DOM holds no
event-handler attribute, script, foreign iframe, stray image or javascript:/data: link that the
app did not put there itself, and the text the author typed is shown as text.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image
from playwright.sync_api import Page, Route, expect
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from courses import services
from courses.models import Course, CourseImage, Lesson, Module
from learners.models import User
from progress.models import Certificate

pytestmark = pytest.mark.e2e

ADMIN = "admin@example.com"
LEARNER = "learner@example.com"
SLUG = "xss-corpus"
PATH_SLUG = "xss-path"
VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"

# Every payload calls alert(), so any one that runs opens a dialog.
CORPUS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    '"><svg onload=alert(1)>',
    "' onmouseover='alert(1)",
    "<iframe src=javascript:alert(1)>",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<details open ontoggle=alert(1)>",
    '<div hx-get="/catalog/" hx-trigger="load" hx-on::load="alert(1)">htmx</div>',
    "javascript:alert(1)",
]
COURSE_TITLE = "Course \"><svg onload=alert(1)> <script>alert(1)</script> ' onmouseover='alert(1)"
COURSE_SUMMARY = " ".join(CORPUS)
MODULES = [
    (
        "Module <img src=x onerror=alert(1)> </title></textarea><script>alert(1)</script>",
        " ".join(CORPUS[:6]),
    ),
    (
        'Module <iframe src=javascript:alert(1)> [x](javascript:alert(1)) "><b>',
        " ".join(CORPUS[6:]),
    ),
]
LESSON_TITLES = [
    "Lesson <script>alert(1)</script> <img src=x onerror=alert(1)>",
    "Lesson \"><svg onload=alert(1)> ' onmouseover='alert(1) <details open ontoggle=alert(1)>",
    'Lesson <a href="data:text/html,<script>alert(1)</script>">x</a> '
    "</textarea><script>alert(1)</script>",
]
PATH_TITLE = 'Path <script>alert(1)</script> "><svg onload=alert(1)>'
PATH_SUMMARY = " ".join(CORPUS[:8])
IMAGE_ALT = "Picture \"><svg onload=alert(1)> ' onerror='alert(1) <script>alert(1)</script>"
LEARNER_NAME = "Leo <img src=x onerror=alert(1)> Learner"

BAD_VIDEO_URLS = [
    "javascript:alert(1)",
    "JavaScript:alert(document.domain)//https://youtu.be/dQw4w9WgXcQ",
    "data:text/html,<script>alert(1)</script>",
    'https://www.youtube.com/watch?v=dQw4w9WgXcQ"><script>alert(1)</script>',
    'https://youtu.be/" onload="alert(1)',
    "https://evil.example/embed/dQw4w9WgXcQ",
    "http://youtu.be/dQw4w9WgXcQ",
    "https://vimeo.com/123456<svg onload=alert(1)>",
]


def lesson_body(image_url: str) -> str:
    """The corpus as Markdown: raw HTML (inline and in blocks), hostile link and image
    destinations, attribute breakouts in link titles, and a course image with a hostile
    description."""
    markdown_attacks = [
        "## Links that must not run script",
        "[javascript link](javascript:alert(1)) [MiXeD case](JaVaScRiPt:alert(1))",
        "[entity](&#106;avascript:alert(1)) [encoded tab](java&#x09;script:alert(1))",
        "[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[vbscript](vbscript:msgbox(1)) <javascript:alert(1)>",
        "[reference link][evil]\n\n[evil]: javascript:alert(1)",
        '[hover me](https://example.com/ "a\\" onmouseover=\\"alert(1)")',
        "[back to the top](#lesson-title)",
        f"![{IMAGE_ALT}]({image_url})",
        '![broken image](x" onerror="alert(1))',
        '<div onmouseover="alert(1)">\n<script>alert(1)</script>\n</div>',
        "<style>body { display: none }</style>",
        "<!-- <script>alert(1)</script> -->",
        "| table | cell |\n|---|---|\n"
        "| <img src=x onerror=alert(1)> | `<script>alert(1)</script>` |",
        "```html\n<script>alert(1)</script>\n```",
        "<svg><script>alert(1)</script></svg>",
    ]
    return "\n\n".join(["# A heading <script>alert(1)</script>", *CORPUS, *markdown_attacks])


# Finds what a successful injection leaves in the page, whether or not it managed to run.
FIND_INJECTED = """() => {
  const problems = [];
  const describe = (el) => el.outerHTML.slice(0, 160);
  const dangerous = /^(javascript|data|vbscript):/;
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\\s\\u0000-\\u001f]/g, "").toLowerCase();
      if (name.startsWith("on")) problems.push(`${name} on ${describe(el)}`);
      if (["href", "src", "action", "formaction", "xlink:href", "data", "srcdoc"].includes(name)
          && dangerous.test(value)) problems.push(`${name}=${attr.value} on ${describe(el)}`);
      // The app's own htmx: the page body, the lesson editor, and the header's notification bell.
      const appHtmx = el.matches(
        "body, textarea[name=body_markdown], .site-header #bell, .site-header #bell *");
      if (name.startsWith("hx-") && !appHtmx) problems.push(`${name} on ${describe(el)}`);
    }
  }
  const foreign = "script:not([src]), object, embed, body style, base";
  for (const el of document.querySelectorAll(foreign)) problems.push(`element ${describe(el)}`);
  for (const el of document.querySelectorAll("iframe")) {
    if (!el.src.startsWith("https://www.youtube-nocookie.com/embed/")) {
      problems.push(`iframe ${describe(el)}`);
    }
  }
  for (const el of document.querySelectorAll("img")) {
    const src = el.getAttribute("src") || "";
    if (!src.startsWith("/media/") && !src.startsWith("/static/")) {
      problems.push(`img ${describe(el)}`);
    }
  }
  for (const el of document.querySelectorAll("svg")) {
    if (!el.closest(".ring, .site-header #bell")) problems.push(`svg ${describe(el)}`);
  }
  for (const el of document.querySelectorAll("details")) {
    if (!el.matches(".account-menu, .site-menu, .site-header .bell-menu")) {
      problems.push(`details ${describe(el)}`);
    }
  }
  return problems;
}"""


@dataclass
class XssCourse:
    course: Course
    lessons: list[Lesson]
    image: CourseImage


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def xss_course(demo: None, settings: Settings, tmp_path: Any) -> XssCourse:
    """A live course, a learning path and a course image whose every authored field carries the
    corpus, built through the services (and the image model) as authors' input is."""
    settings.MEDIA_ROOT = tmp_path
    admin = User.objects.get(email=ADMIN)
    course = services.course_create(
        title="Placeholder", slug=SLUG, created_by=admin, summary="Placeholder", self_enrol=True
    )
    draft = course.versions.get()
    services.version_update(version=draft, title=COURSE_TITLE, summary=COURSE_SUMMARY)
    image = CourseImage(course=course, alt_text=IMAGE_ALT, uploaded_by=admin)
    image.image.save("picture.png", ContentFile(_png()), save=True)
    body = lesson_body(image.image.url)

    modules = [
        services.module_create(version=draft, title=title, summary=summary)
        for title, summary in MODULES
    ]
    lessons = [
        services.lesson_create(
            module=modules[0], title=LESSON_TITLES[0], body_markdown=body, minutes=3
        ),
        # The video's iframe carries the lesson title in its title attribute.
        services.lesson_create(
            module=modules[0], title=LESSON_TITLES[1], body_markdown=body, video_url=VIDEO
        ),
        services.lesson_create(module=modules[1], title=LESSON_TITLES[2], body_markdown=body),
    ]

    # A video link is the one field with no free text: anything but a plain YouTube or Vimeo
    # link is refused, on create and on update alike.
    for bad in BAD_VIDEO_URLS:
        with pytest.raises(ValidationError) as refused:
            services.lesson_create(module=modules[0], title="Video", video_url=bad)
        assert list(refused.value.message_dict) == ["video_url"], bad
        with pytest.raises(ValidationError) as refused:
            services.lesson_update(
                lesson=lessons[0], title="Video", body_markdown="", minutes=5, video_url=bad
            )
        assert list(refused.value.message_dict) == ["video_url"], bad
    lessons[0].refresh_from_db()
    assert (lessons[0].title, lessons[0].video_url) == (LESSON_TITLES[0], "")
    assert Lesson.objects.filter(version=draft).count() == 3

    services.course_publish(course=course, actor=None)
    path = services.path_create(
        slug=PATH_SLUG, title=PATH_TITLE, summary=PATH_SUMMARY, courses=[course], self_enrol=True
    )
    path.is_published = True
    path.save(update_fields=["is_published"])
    User.objects.filter(email=LEARNER).update(full_name=LEARNER_NAME)
    return XssCourse(course=course, lessons=lessons, image=image)


class Watcher:
    """Records every dialog (and dismisses it) and any navigation to a javascript:/data: URL,
    and checks a page for traces of injected markup."""

    def __init__(self, page: Page, who: str) -> None:
        self.page, self.who = page, who
        self.events: list[str] = []
        page.on("dialog", self._dialog)
        page.on("framenavigated", self._navigated)
        # Links in lesson bodies may point outside; answer them here instead of the internet.
        page.context.route(
            re.compile(r"^https://(example\.com|www\.youtube-nocookie\.com)/"), _stub
        )

    def _dialog(self, dialog: Any) -> None:
        self.events.append(f"{dialog.type} dialog {dialog.message!r} on {self.page.url}")
        dialog.dismiss()

    def _navigated(self, frame: Any) -> None:
        if urlsplit(frame.url).scheme not in {"http", "https", "about", "chrome-error"}:
            self.events.append(f"navigated to {frame.url}")

    def check(self, where: str) -> None:
        # Give handlers that run on load (onerror, ontoggle, htmx "load") their chance.
        self.page.wait_for_load_state("load")
        self.page.wait_for_timeout(50)
        assert not self.events, f"{self.who} on {where}: {self.events}"
        injected = self.page.evaluate(FIND_INJECTED)
        assert not injected, f"{self.who} on {where} ({self.page.url}): {injected}"

    def visit(self, url: str, where: str) -> None:
        self.page.goto(url)
        self.check(where)

    def poke_lesson_body(self, where: str) -> None:
        """Hover over every block of the lesson text, then hover and click every link in it."""
        page = self.page
        here = page.url
        _drop_video(page)
        body = page.locator(".lesson-body")
        for block in body.locator(":scope > *").all():
            block.hover()
        links = body.locator("a")
        hrefs = links.evaluate_all("(links) => links.map((a) => a.href)")
        assert hrefs, f"no links in the lesson text on {where}"
        for index, href in enumerate(hrefs):
            assert urlsplit(href).scheme in {"http", "https", "mailto"}, f"{where}: {href}"
            link = links.nth(index)
            link.hover()
            link.click()
            page.wait_for_load_state("load")
            assert urlsplit(page.url).scheme in {"http", "https"}, f"{where}: {page.url}"
            assert not self.events, f"{self.who} clicking {href} on {where}: {self.events}"
            if page.url != here:
                page.goto(here)
                _drop_video(page)
        self.check(f"{where} after hovering and clicking")


def _drop_video(page: Page) -> None:
    """Take the video's iframe out before clicking on the page. It is cross-site, so Chromium
    runs it in another process, and headless Chromium can route a click made just after a
    scroll to where that iframe was before the scroll: the page never sees it. Call this once
    the video's own markup has been checked."""
    page.locator(".video").evaluate_all("(videos) => videos.forEach((v) => v.remove())")


def _stub(route: Route) -> None:
    route.fulfill(
        status=200, content_type="text/html", body="<!doctype html><title>Outside</title>"
    )


def test_payloads_in_every_authored_field_never_run(
    desktop_page: Page,
    new_page: Callable[[str], Page],
    live_server: LiveServer,
    xss_course: XssCourse,
    sign_in: Callable[..., None],
) -> None:
    course, lessons = xss_course.course, xss_course.lessons
    lesson_urls = [f"/courses/{SLUG}/lessons/{lesson.key}/" for lesson in lessons]
    heading = desktop_page.get_by_role("heading", level=1)

    # --- The learner ------------------------------------------------------------------------
    page = desktop_page
    learner = Watcher(page, "learner")
    sign_in(page, LEARNER)
    learner.check("dashboard (first visit)")
    expect(page.get_by_role("article", name="Your next step")).to_contain_text(PATH_TITLE)

    learner.visit("/catalog/", "catalog")
    # The path heads its courses, in its order.
    expect(page.get_by_role("heading", level=2)).to_have_text([PATH_TITLE])
    expect(page.get_by_role("heading", level=3)).to_have_text([COURSE_TITLE])
    expect(page.locator(".catalog-path > p").first).to_have_text(PATH_SUMMARY)
    expect(page.get_by_text(COURSE_SUMMARY, exact=True)).to_be_visible()

    learner.visit(f"/paths/{PATH_SLUG}/", "path page")
    expect(heading).to_have_text(PATH_TITLE)
    expect(page.locator("ol.path-steps")).to_contain_text(COURSE_TITLE)

    learner.visit(f"/courses/{SLUG}/", "course page")
    expect(heading).to_have_text(COURSE_TITLE)
    expect(page).to_have_title(re.compile("^" + re.escape(COURSE_TITLE) + " · "))
    expect(page.get_by_role("heading", level=3)).to_have_text([t for t, _s in MODULES])
    for _title, summary in MODULES:
        expect(page.get_by_text(summary, exact=True)).to_be_visible()
    page.get_by_role("button", name="Start this course").click()

    for number, url in enumerate(lesson_urls, start=1):
        where = f"lesson {number}"
        expect(page).to_have_url(live_server.url + url)
        learner.check(where)
        expect(heading).to_have_text(LESSON_TITLES[number - 1])
        expect(page).to_have_title(
            re.compile("^" + re.escape(f"{LESSON_TITLES[number - 1]} · {COURSE_TITLE}"))
        )
        body = page.locator(".lesson-body")
        for payload in CORPUS:
            expect(body).to_contain_text(payload)
        expect(body.locator("img")).to_have_attribute("alt", IMAGE_ALT)
        expect(body.locator("img")).to_have_js_property("naturalWidth", 8)  # the upload loads
        if number == 2:
            expect(page.locator(".video iframe")).to_have_attribute(
                "title", f"Video: {LESSON_TITLES[1]}"
            )
        heading.hover()
        if number == 1:  # the three lessons share their text
            learner.poke_lesson_body(where)
        _drop_video(page)
        done = "Done, finish the course" if number == len(lessons) else "Done, next lesson"
        page.get_by_role("button", name=done).click()

    expect(page).to_have_url(f"{live_server.url}/courses/{SLUG}/")
    learner.check("course page (finished)")
    expect(page.get_by_role("status")).to_contain_text(f"You finished “{COURSE_TITLE}”.")
    page.get_by_role("button", name="See your certificate").click()
    learner.check("certificate")
    certificate = Certificate.objects.get(user__email=LEARNER, course=course)
    facts = page.locator("dl.certificate-facts dd")
    expect(facts.nth(0)).to_have_text(LEARNER_NAME)
    expect(facts.nth(1)).to_have_text(COURSE_TITLE)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My training").click()
    learner.check("dashboard (after finishing)")
    expect(page.get_by_role("region", name="Certificates")).to_contain_text(COURSE_TITLE)

    # --- The training admin ----------------------------------------------------------------
    page = new_page("desktop")
    heading = page.get_by_role("heading", level=1)
    admin = Watcher(page, "admin")
    sign_in(page, ADMIN)
    admin.check("dashboard")
    admin.visit("/catalog/", "catalog")
    admin.visit(f"/courses/{SLUG}/", "course page")
    page.get_by_role("button", name="Start this course").click()
    admin.check("lesson 1")
    for number, url in enumerate(lesson_urls[1:], start=2):
        admin.visit(url, f"lesson {number}")
        expect(heading).to_have_text(LESSON_TITLES[number - 1])
    admin.visit(f"/certificates/{certificate.code}/", "the learner's certificate")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Authoring").click()
    admin.check("authoring course list")
    page.get_by_role("link", name=COURSE_TITLE).click()
    expect(page).to_have_url(f"{live_server.url}/author/courses/{course.pk}/")
    admin.check("authoring course page (published)")
    page.get_by_role("button", name="Edit this course").click()
    expect(page.get_by_text("You're editing draft version 2")).to_be_visible()
    admin.check("authoring course page (draft)")
    expect(heading).to_have_text(COURSE_TITLE)
    expect(page.get_by_label(re.compile(r"^Title:?$"))).to_have_value(COURSE_TITLE)
    expect(page.get_by_label(re.compile(r"^Summary:?$")).first).to_have_value(COURSE_SUMMARY)
    expect(page.get_by_role("region", name="Images").locator("code")).to_have_text(
        f"![{IMAGE_ALT}]({xss_course.image.image.url})"
    )
    expect(page.locator("article.module-card h3")).to_have_text(
        [f"{n}. {t}" for n, (t, _s) in enumerate(MODULES, start=1)]
    )

    draft_modules = list(Module.objects.filter(version__course=course, version__number=2))
    for module, (title, summary) in zip(draft_modules, MODULES, strict=True):
        admin.visit(f"/author/modules/{module.pk}/", f"module page {title!r}")
        expect(page.get_by_label(re.compile(r"^Module title:?$"))).to_have_value(title)
        expect(page.get_by_label(re.compile(r"^Summary:?$"))).to_have_value(summary)

    draft_lessons = list(Lesson.objects.filter(version__course=course, version__number=2))
    body = lesson_body(xss_course.image.image.url)
    for number, lesson in enumerate(draft_lessons, start=1):
        admin.visit(f"/author/lessons/{lesson.pk}/", f"lesson editor {number}")
        expect(heading).to_have_text(LESSON_TITLES[number - 1])
        expect(page.get_by_label(re.compile(r"^Lesson title:?$"))).to_have_value(
            LESSON_TITLES[number - 1]
        )
        expect(page.get_by_label("Lesson text (Markdown)")).to_have_value(body)
        expect(page.locator("#preview")).to_contain_text(CORPUS[0])

    # Typing into the editor: htmx posts to the server's Markdown preview and swaps the answer
    # in. The payloads must arrive there as text.
    editor = page.get_by_label("Lesson text (Markdown)")
    preview = page.locator("#preview")
    typed = "\n\n".join(CORPUS)
    with page.expect_response(re.compile(r"/author/markdown-preview/$")) as answer:
        editor.fill(typed)
    assert answer.value.ok
    for payload in CORPUS:
        expect(preview).to_contain_text(payload)
    admin.check("lesson editor after pasting the corpus")
    with page.expect_response(
        lambda r: (
            r.url.endswith("/author/markdown-preview/") and "onerror" in (r.request.post_data or "")
        )
    ):
        editor.press("End")
        editor.press_sequentially("\n\n<img src=x onerror=alert(1)>")
    expect(preview.locator("p").last).to_have_text("<img src=x onerror=alert(1)>")
    admin.check("lesson editor after typing")

    admin.visit(f"/author/courses/{course.pk}/preview/", "preview as learner (course)")
    expect(heading).to_have_text(COURSE_TITLE)
    for number, lesson in enumerate(draft_lessons, start=1):
        where = f"preview as learner (lesson {number})"
        admin.visit(f"/author/courses/{course.pk}/preview/{lesson.key}/", where)
        expect(heading).to_have_text(LESSON_TITLES[number - 1])
        heading.hover()
        if number == 1:
            admin.poke_lesson_body(where)
