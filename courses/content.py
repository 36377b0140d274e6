"""Authored content: Markdown to safe HTML, and video links to embeddable URLs.

Markdown is rendered with markdown-it-py (raw HTML disabled, so tags typed into a lesson show as
text) and the result is cleaned with nh3 against an allow-list. Both steps run when content is
saved; pages only ever show the stored, cleaned HTML. Images pass `images.image_allowed` in both
steps: one the rule refuses is left out, with its description kept as text.

Sounds are uploads too (the clip of an imported listening question) and are written like
images, `![label](/media/….mp3)`: an image the rule allows whose file has a sound's extension
is shown as an audio player with controls, labelled by its alt text.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import nh3
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import OptionsDict

from .images import image_allowed

# The most a lesson may hold. Rendering costs about 3 microseconds a character, so this keeps
# a save well under a second; it is thirty times the longest lesson of the curriculum.
MAX_LESSON_CHARS = 100_000

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "blockquote",
    "ul", "ol", "li", "code", "pre", "table", "thead", "tbody", "tr", "th", "td", "a", "img",
    "audio",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
    "audio": {"src", "controls", "preload", "aria-label"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

# The sounds an upload may be; config/media.py serves the same ones.
AUDIO_EXTENSIONS = frozenset({"mp3", "ogg", "wav", "flac", "m4a"})


def is_audio_upload(src: str, images: Collection[str] | None = None) -> bool:
    """True when `src` is an upload the image rule allows (`images` as it takes them) with a
    sound's extension."""
    return image_allowed(src, images) and src.rsplit(".", 1)[-1].lower() in AUDIO_EXTENSIONS


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.enable("strikethrough")

    def demote_h1(state: object) -> None:
        # The page's own title is the only <h1>; a "# Heading" in a lesson becomes an <h2>.
        tokens: list[Token] = state.tokens  # type: ignore[attr-defined]
        for token in tokens:
            if token.type in {"heading_open", "heading_close"} and token.tag == "h1":
                token.tag = "h2"

    md.core.ruler.push("demote_h1", demote_h1)

    def image(
        renderer: RendererHTML,
        tokens: Sequence[Token],
        idx: int,
        options: OptionsDict,
        env: dict[str, Any],
    ) -> str:
        # An image the rule refuses leaves no <img> at all (an <img> without src still loads
        # nothing but shows a broken picture); its description stays, as plain text.
        token = tokens[idx]
        src = str(token.attrGet("src") or "")
        label = renderer.renderInlineAsText(token.children or [], options, env)
        if is_audio_upload(src, env.get("images")):
            # preload="none": learners are often on a phone's data; the clip loads on play.
            return (
                f'<audio controls preload="none" src="{escapeHtml(src)}" '
                f'aria-label="{escapeHtml(label or _("Audio clip"))}"></audio>'
            )
        if image_allowed(src, env.get("images")):
            return RendererHTML.image(renderer, tokens, idx, options, env)
        return escapeHtml(label)

    md.add_render_rule("image", image)
    return md


_md = _markdown()
_TEXT = RendererHTML()  # an image's description as plain text


def sanitise_html(html: str, *, images: Collection[str] | None = None) -> str:
    """Clean HTML against the lesson allow-list; scripts, handlers, styles and unsafe URLs go,
    and so does every image source `images.image_allowed` refuses (`images` as it takes them)."""

    def keep_attribute(tag: str, attribute: str, value: str) -> str | None:
        # Outside images can track readers and change after review; other addresses on this
        # site are not the author's to show.
        if tag == "img" and attribute == "src":
            return value if image_allowed(value, images) else None
        if tag == "audio" and attribute == "src":
            return value if is_audio_upload(value, images) else None
        return value

    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        attribute_filter=keep_attribute,
        strip_comments=True,
    )


def render_markdown(text: str, *, images: Collection[str] | None = None) -> str:
    """Markdown to sanitised HTML. Empty text gives an empty string.

    `images` is what `images.image_allowed` takes: for a lesson, the addresses of its course's
    images (`images.course_image_urls`); any other image is left out, its description kept as
    text. None (question text) allows any plain address of a stored upload.
    """
    if not text.strip():
        return ""
    return sanitise_html(_md.render(text, {"images": images}), images=images)


@dataclass(frozen=True)
class ImageSource:
    """An image Markdown shows, as the renderer sees it."""

    src: str  # the address, as it would appear in the page
    alt: str
    line: int  # 1-based, in the Markdown


def image_sources(text: str) -> list[ImageSource]:
    """Every image the Markdown shows, in order, however it is written (inline, by reference,
    inside links or tables); [] when there is none. Parsed exactly as `render_markdown` parses,
    so nothing that renders as an image escapes the check."""
    lines = text.splitlines()
    found: list[ImageSource] = []

    def line_of(src: str, block: list[int] | None) -> int:
        # The parser knows the block an image is in; the image's own line is the first line of
        # that block that spells its address.
        start, end = block or (0, len(lines))
        for number in range(start, min(end, len(lines))):
            if src in lines[number] or unquote(src) in lines[number]:
                return number + 1
        return start + 1

    def walk(tokens: Sequence[Token], block: list[int] | None) -> None:
        for token in tokens:
            where = token.map or block
            if token.type == "image":
                src = str(token.attrGet("src") or "")
                alt = _TEXT.renderInlineAsText(token.children or [], _md.options, {})
                found.append(ImageSource(src=src, alt=alt, line=line_of(src, where)))
            if token.children:
                walk(token.children, where)

    walk(_md.parse(text), None)
    return found


# --- Video ------------------------------------------------------------------------------------

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_VIMEO_ID = re.compile(r"^[0-9]{6,12}$")
VIDEO_HOSTS_HELP = "youtube.com, youtu.be, vimeo.com"


def video_embed_url(url: str) -> str | None:
    """The privacy-friendly embed URL for an allowed video link, or None if it is not one.

    Allowed: https links to youtube.com/watch?v=ID, youtu.be/ID, youtube.com/embed/ID and
    vimeo.com/NUMBER. Anything else (other hosts, other schemes, odd ids) gives None.
    """
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme != "https":
        return None
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    video_id = None
    if host == "youtube.com" and parts.path == "/watch":
        video_id = (parse_qs(parts.query).get("v") or [""])[0]
    elif host in {"youtube.com", "youtube-nocookie.com"} and parts.path.startswith("/embed/"):
        video_id = parts.path.removeprefix("/embed/")
    elif host == "youtu.be":
        video_id = parts.path.lstrip("/")
    if video_id is not None:
        return (
            f"https://www.youtube-nocookie.com/embed/{video_id}"
            if _YOUTUBE_ID.match(video_id)
            else None
        )
    if host == "vimeo.com":
        vimeo_id = parts.path.strip("/")
        return f"https://player.vimeo.com/video/{vimeo_id}" if _VIMEO_ID.match(vimeo_id) else None
    return None
