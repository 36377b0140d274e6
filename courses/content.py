"""Authored content: Markdown to safe HTML, and video links to embeddable URLs.

Markdown is rendered with markdown-it-py (raw HTML disabled, so tags typed into a lesson show as
text) and the result is cleaned with nh3 against an allow-list. Both steps run when content is
saved; pages only ever show the stored, cleaned HTML.

Sounds are uploads too (the clip of an imported listening question) and are written like
images, `![label](/media/….mp3)`: an image whose file is one of our uploads with a sound's
extension is shown as an audio player with controls, labelled by its alt text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit

import nh3
from django.conf import settings
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "blockquote",
    "ul", "ol", "li", "code", "pre", "table", "thead", "tbody", "tr", "th", "td", "a", "img",
    "audio",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "audio": {"src", "controls", "preload", "aria-label"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# The sounds an upload may be; config/media.py serves the same ones.
AUDIO_EXTENSIONS = frozenset({"mp3", "ogg", "wav", "flac", "m4a"})


def is_audio_upload(src: str) -> bool:
    """True when `src` is one of our uploads with a sound's extension."""
    return src.startswith(settings.MEDIA_URL) and src.rsplit(".", 1)[-1].lower() in AUDIO_EXTENSIONS


def _render_image(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    if not is_audio_upload(src):
        return str(renderer.image(tokens, idx, options, env))
    label = renderer.renderInlineAsText(token.children, options, env) if token.children else ""
    # preload="none": learners are often on a phone's data; the clip loads when they press play.
    return (
        f'<audio controls preload="none" src="{escapeHtml(src)}" '
        f'aria-label="{escapeHtml(label or _("Audio clip"))}"></audio>'
    )


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
    md.add_render_rule("image", _render_image)
    return md


_md = _markdown()


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    # Images and sounds may only come from our own uploads: outside ones can track readers and
    # change after review.
    if tag == "img" and attribute == "src":
        return value if value.startswith(settings.MEDIA_URL) else None
    if tag == "audio" and attribute == "src":
        return value if is_audio_upload(value) else None
    return value


def sanitise_html(html: str) -> str:
    """Clean HTML against the lesson allow-list; scripts, handlers, styles and unsafe URLs go."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_keep_attribute,
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """Markdown to sanitised HTML. Empty text gives an empty string."""
    if not text.strip():
        return ""
    return sanitise_html(_md.render(text))


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
