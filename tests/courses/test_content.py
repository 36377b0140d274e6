"""Authored Markdown becomes safe HTML whatever is typed into it."""

from html.parser import HTMLParser

import pytest

from courses.content import ALLOWED_TAGS, render_markdown, sanitise_html, video_embed_url

XSS_CORPUS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<a href="#" style="color:red" onclick="alert(1)">x</a>',
    '"><script>alert(1)</script>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '[x](" onmouseover="alert(1))',
    "<details open ontoggle=alert(1)>",
    '<object data="data:text/html,<script>alert(1)</script>"></object>',
]


class _Inspector(HTMLParser):
    """Collects what a browser would act on: tags, event attributes and URL schemes."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.problems.append(f"attribute {name} on <{tag}>")
            if name in {"href", "src"} and value:
                scheme = value.strip().lower().split(":", 1)[0]
                if ":" in value and scheme not in {"http", "https", "mailto"}:
                    self.problems.append(f"{name}={value!r}")


def dangers(html: str) -> list[str]:
    inspector = _Inspector()
    inspector.feed(html)
    return inspector.problems


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_payloads_never_survive_rendering(payload):
    html = render_markdown(f"Hello\n\n{payload}\n\nbye")
    assert dangers(html) == [], html


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_payloads_never_survive_the_sanitiser_alone(payload):
    # Defence in depth: even raw HTML that skipped Markdown comes out inert.
    html = sanitise_html(payload)
    assert dangers(html) == [], html


def test_the_inspector_itself_catches_danger():
    assert dangers('<img src=x onerror="alert(1)">') != []
    assert dangers('<a href="javascript:alert(1)">x</a>') != []
    assert dangers("<script>alert(1)</script>") != []


def test_ordinary_markdown_keeps_its_shape():
    html = render_markdown(
        "# Title\n\n## Say this\n\n- **calm** words\n- *short* ones\n\n> A quote\n\n"
        "| Say | Not |\n|---|---|\n| Sorry | Whatever |\n\n[help](https://example.com)"
    )
    assert "<h2>Title</h2>" in html  # a lesson's own title is the page's only h1
    assert "<h2>Say this</h2>" in html
    assert "<strong>calm</strong>" in html and "<em>short</em>" in html
    assert "<blockquote>" in html and "<table>" in html
    assert 'href="https://example.com"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_images_only_from_our_uploads():
    html = render_markdown("![ok](/media/course-images/a.png) ![no](https://tracker.example/p.gif)")
    assert 'src="/media/course-images/a.png"' in html
    assert "tracker.example" not in html


def test_empty_text_renders_empty():
    assert render_markdown("  \n ") == ""


@pytest.mark.parametrize(
    ("url", "embed"),
    [
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        ),
        ("https://youtu.be/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://vimeo.com/123456789", "https://player.vimeo.com/video/123456789"),
        ("http://youtu.be/dQw4w9WgXcQ", None),
        ("https://evil.example/watch?v=dQw4w9WgXcQ", None),
        ("https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ", None),
        ('https://youtu.be/dQw4w9WgXcQ"><script>', None),
        ("javascript:alert(1)", None),
        ("", None),
    ],
)
def test_video_allow_list(url, embed):
    assert video_embed_url(url) == embed
