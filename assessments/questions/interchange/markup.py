"""Turning the text formats of Moodle XML and GIFT into what our questions store.

A question's prompt and explanation are Markdown (rendered and sanitised by
`courses.content.render_markdown` when saved); options, feedback, pairs and accepted answers are
plain text. Moodle text arrives as HTML, "Moodle auto-format" (HTML with line breaks), plain text
or Markdown. HTML is converted, never passed through: paragraphs, headings, bold, italic, code,
lists, quotes, links and images keep their meaning, every other tag is reduced to its text, and
the text itself is escaped so that it can't turn into Markdown markup by accident.

Files embedded in the same Moodle XML element (`@@PLUGINFILE@@/name`) are kept as
`![label](@@PLUGINFILE@@/name)`, which the importer checks and swaps for the stored file's URL:
images (`<img>`), and in the question text and explanation sounds too (`<audio>`, its `<source>`,
or a link to an .mp3, .ogg, .wav, .m4a or .flac file, as Moodle's media filter plays them).
Options and feedback keep embedded images the same way, inside their plain text
(`assessments.questions.option_text` shows them). Whatever can't be kept (images and sounds from
other sites, videos, embedded pages, links to other attached files, pictures in matching items)
is left out with a note naming what it was, never silently.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from django.conf import settings
from markdown_it import MarkdownIt

from config.parsing import ascii_int

PLUGINFILE = "@@PLUGINFILE@@/"
# Moodle's media filter plays links to these; the importer still checks what the bytes are.
AUDIO_EXTENSIONS = frozenset({"mp3", "ogg", "oga", "opus", "wav", "m4a", "flac"})

# Everything CommonMark (plus tables and strikethrough) gives meaning to inside a line. A
# backslash before any ASCII punctuation is always a literal, so over-escaping is harmless.
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
# What turns the start of a line into a heading, quote, list item or rule.
_LINE_START_SPECIAL = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")
_WHITESPACE = re.compile(r"\s+")
_TAG_LIKE = re.compile(r"<[A-Za-z!/]")

_BLOCK_TAGS = {
    "p", "div", "section", "article", "header", "footer", "table", "thead", "tbody", "tfoot",
    "tr", "dl", "dt", "dd", "figure", "figcaption", "address", "center",
}  # fmt: skip
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_SKIPPED_CONTENT = {"script", "style", "head", "title", "template", "noscript"}
# Elements whose content is a fallback for what they show; what they show is kept or noted.
_EMBEDS = {"audio", "video", "iframe", "object"}
_LINK_SCHEMES = {"http", "https", "mailto"}


def _escape_line_start(line: str) -> str:
    match = _LINE_START_SPECIAL.match(line)
    if not match:
        return line
    marker = match.group(2)
    return match.group(1) + marker[:-1] + "\\" + marker[-1] + line[match.end() :]


def escape_markdown(text: str) -> str:
    """`text` with every character Markdown would treat as markup backslash-escaped, so it is
    shown exactly as written. Works line by line (list and heading markers at a line's start)."""
    return "\n".join(
        _escape_line_start(_INLINE_SPECIAL.sub(r"\\\1", line)) for line in text.split("\n")
    )


def plain_to_markdown(text: str) -> str:
    """Plain text as Markdown that shows it unchanged: markup escaped, blank lines kept as
    paragraph breaks and single line breaks as hard breaks. Empty text gives ""."""
    paragraphs = re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n").strip())
    out = []
    for paragraph in paragraphs:
        lines = [escape_markdown(line.strip()) for line in paragraph.split("\n") if line.strip()]
        if lines:
            out.append("\\\n".join(lines))
    return "\n\n".join(out)


class _Block:
    __slots__ = ("kind", "list_id", "text")

    def __init__(self, text: str, kind: str, list_id: int = 0) -> None:
        self.text = text
        self.kind = kind  # "para", "item" (list item) or "code"
        self.list_id = list_id  # items of one top-level list sit on consecutive lines


def _label(text: str) -> str:
    """Text for the brackets of `![label](…)`, escaped so that it stays as written."""
    return _INLINE_SPECIAL.sub(r"\\\1", _WHITESPACE.sub(" ", text).strip())


def _file_name(src: str) -> str:
    return unquote(src.removeprefix(PLUGINFILE))


def is_audio_name(name: str) -> bool:
    """True when a file name's extension is one Moodle plays as a sound (.mp3, .ogg, …)."""
    return PurePosixPath(name).suffix.lower().lstrip(".") in AUDIO_EXTENSIONS


class _HtmlConverter(HTMLParser):
    """One pass over HTML; `markdown=False` gives plain text (no markup, no escaping), keeping
    embedded images as `![alt](@@PLUGINFILE@@/name)` when `images` is set."""

    def __init__(self, *, markdown: bool, images: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.markdown = markdown
        self.images = images
        # The <audio>/<video>/<iframe>/<object> being read: its tag, file and label.
        self.embed: dict[str, str] | None = None
        self.blocks: list[_Block] = []
        self.notes: list[str] = []
        self.inline: list[str] = []
        # Open inline elements: (tag, index in self.inline where they started, href or "").
        self.open_inline: list[tuple[str, int, str]] = []
        self.lists: list[list[int]] = []  # per open list: [next number] or [] for bullets
        self.list_serial = 0
        self.item_prefix = ""
        self.quote_depth = 0
        self.heading = 0
        self.pre_depth = 0
        self.skip_depth = 0

    # -- helpers -----------------------------------------------------------------------------

    def _flush(self, kind: str = "para") -> None:
        text = "".join(self.inline)
        self.inline = []
        self.open_inline = []
        if kind == "code":
            text = text.strip("\n")
        else:
            text = re.sub(r"[ \t]+", " ", text)
            text = "\n".join(line.strip() for line in text.split("\n")).strip()
            text = text.removesuffix("\\").strip()
            if self.markdown:
                # Text after a line break must not become a list item or heading.
                text = "\n".join(_escape_line_start(line) for line in text.split("\n"))
        if not text:
            return
        if self.markdown and self.heading and kind == "para":
            text = "#" * self.heading + " " + text.replace("\\\n", " ")
        if self.item_prefix:
            indent = ("   " if self.markdown else "  ") * (len(self.lists) - 1)
            text = indent + self.item_prefix + text.replace("\n", "\n" + indent + "   ")
            self.item_prefix = ""
            kind = "item"
        if self.markdown and self.quote_depth:
            text = "\n".join("> " * self.quote_depth + line for line in text.split("\n"))
        self.blocks.append(_Block(text, kind, self.list_serial))

    def _text(self, data: str) -> None:
        if self.pre_depth:
            self.inline.append(data)
            return
        data = _WHITESPACE.sub(" ", data)
        if self.markdown and not any(tag == "code" for tag, _, _ in self.open_inline):
            data = _INLINE_SPECIAL.sub(r"\\\1", data)
        self.inline.append(data)

    def _wrap(self, start: int, before: str, after: str) -> None:
        inner = "".join(self.inline[start:])
        del self.inline[start:]
        stripped = inner.strip()
        if not stripped:
            self.inline.append(inner)
            return
        lead = inner[: len(inner) - len(inner.lstrip())]
        trail = inner[len(inner.rstrip()) :]
        self.inline.append(f"{lead}{before}{stripped}{after}{trail}")

    # -- HTMLParser callbacks ----------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "source" and self.embed is not None and not self.embed["src"]:
            self.embed["src"] = attributes.get("src", "").strip()
            return
        if tag in _EMBEDS:
            if not self.skip_depth:
                self.embed = {
                    "tag": tag,
                    "src": (attributes.get("src") or attributes.get("data") or "").strip(),
                    "label": attributes.get("aria-label") or attributes.get("title") or "",
                }
            self.skip_depth += 1
            return
        if tag in _SKIPPED_CONTENT:
            self.skip_depth += 1
            return
        if self.skip_depth:
            return
        if tag == "embed":
            self.notes.append(f"embedded content was left out: {_shown(attributes.get('src'))}")
        elif tag == "br":
            self.inline.append("\\\n" if self.markdown else "\n")
        elif tag == "img":
            self._image(attributes)
        elif tag in {"strong", "b", "em", "i", "code", "tt", "a", "del", "s", "strike"}:
            self.open_inline.append((tag, len(self.inline), attributes.get("href", "")))
        elif tag in {"ul", "ol"}:
            self._flush()
            if not self.lists:
                self.list_serial += 1
            start = ascii_int(attributes.get("start"))
            self.lists.append([start if start is not None else 1] if tag == "ol" else [])
        elif tag == "li":
            self._flush()
            counter = self.lists[-1] if self.lists else []
            if counter:
                self.item_prefix = f"{counter[0]}. "
                counter[0] += 1
            else:
                self.item_prefix = "- "
        elif tag in _HEADINGS:
            self._flush()
            self.heading = _HEADINGS[tag]
        elif tag == "blockquote":
            self._flush()
            self.quote_depth += 1
        elif tag == "pre":
            self._flush()
            self.pre_depth += 1
        elif tag == "hr":
            self._flush()
            if self.markdown:
                self.blocks.append(_Block("---", "para"))
        elif tag in {"td", "th"}:
            if self.inline and "".join(self.inline).strip():
                self.inline.append(" · ")
        elif tag in _BLOCK_TAGS:
            self._flush()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _EMBEDS:  # `<audio src="…"/>`: nothing inside to wait for
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _EMBEDS:
            self.skip_depth = max(0, self.skip_depth - 1)
            if not self.skip_depth and self.embed is not None:
                self._embedded(**self.embed)
                self.embed = None
            return
        if tag in _SKIPPED_CONTENT:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if self.skip_depth:
            return
        if tag in {"strong", "b", "em", "i", "code", "tt", "a", "del", "s", "strike"}:
            self._close_inline(tag)
        elif tag in {"ul", "ol"}:
            self._flush()
            if self.lists:
                self.lists.pop()
        elif tag == "li":
            self._flush()
        elif tag in _HEADINGS:
            self._flush()
            self.heading = 0
        elif tag == "blockquote":
            self._flush()
            self.quote_depth = max(0, self.quote_depth - 1)
        elif tag == "pre":
            if self.markdown:
                code = "".join(self.inline).strip("\n")
                self.inline = []
                if code.strip():
                    fence = "````" if "```" in code else "```"
                    self.blocks.append(_Block(f"{fence}\n{code}\n{fence}", "code"))
            else:
                self._flush("code")
            self.pre_depth = max(0, self.pre_depth - 1)
        elif tag in _BLOCK_TAGS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self._text(data)

    def _close_inline(self, tag: str) -> None:
        for index in range(len(self.open_inline) - 1, -1, -1):
            if self.open_inline[index][0] == tag:
                break
        else:
            return  # a stray closing tag: ignore it, as browsers do
        _tag, start, href = self.open_inline[index]
        del self.open_inline[index:]
        if not self.markdown:
            return
        if tag in {"strong", "b"}:
            self._wrap(start, "**", "**")
        elif tag in {"em", "i"}:
            self._wrap(start, "*", "*")
        elif tag in {"del", "s", "strike"}:
            self._wrap(start, "~~", "~~")
        elif tag in {"code", "tt"}:
            inner = "".join(self.inline[start:])
            fence = "``" if "`" in inner else "`"
            self._wrap(start, fence, fence)
        elif tag == "a" and href.startswith(PLUGINFILE) and is_audio_name(_file_name(href)):
            self._audio_link(start, href)
        elif tag == "a" and href.startswith(PLUGINFILE):
            self.notes.append(
                f'a link to the attached file "{_file_name(href)[:100]}" was left out '
                "(only pictures and sounds are kept); its text stays"
            )
        elif tag == "a" and urlsplit(href).scheme in _LINK_SCHEMES:
            self._wrap(start, "[", f"]({_link_target(href)})")
        # Other links (relative, javascript:) keep only their text.

    def _audio_link(self, start: int, href: str) -> None:
        """A link to an embedded sound, which Moodle's media filter shows as a player."""
        text = "".join(self.inline[start:])
        del self.inline[start:]
        if not self.markdown:
            self.inline.append(text)
            self.notes.append(
                f'the sound "{_file_name(href)[:100]}" was left out: sounds can be played in the '
                "question and its explanation, not in options or feedback; its text stays"
            )
            return
        label = re.sub(r"\\(.)", r"\1", text).strip()
        # Moodle writes the file's name as the link's text; a name like "french.mp3" would
        # give the answer away to anyone reading the page's source, so it is no label.
        if label == _file_name(href) or is_audio_name(label):
            label = ""
        self.inline.append(f"![{_label(label)}]({_link_target(href)})")

    def _embedded(self, *, tag: str, src: str, label: str) -> None:
        """What an <audio>, <video>, <iframe> or <object> leaves: a sound embedded in the file
        becomes `![label](@@PLUGINFILE@@/name)` in Markdown; everything else a note."""
        if tag == "audio" and src.startswith(PLUGINFILE) and self.markdown:
            self.inline.append(f"![{_label(label)}]({_link_target(src)})")
        elif tag == "audio" and src.startswith(PLUGINFILE):
            self.notes.append(
                f'the sound "{_file_name(src)[:100]}" was left out: sounds can be played in the '
                "question and its explanation, not in options or feedback"
            )
        elif tag == "audio":
            self.notes.append(
                f"a sound from outside the file was left out (only sounds inside the file can "
                f"be played): {_shown(src)}"
            )
        elif tag == "video":
            self.notes.append(f"a video was left out (videos can't be shown here): {_shown(src)}")
        elif tag == "iframe":
            self.notes.append(f"an embedded page (iframe) was left out: {_shown(src)}")
        else:
            self.notes.append(f"embedded content was left out: {_shown(src)}")

    def _image(self, attributes: dict[str, str]) -> None:
        src = attributes.get("src", "").strip()
        alt = _WHITESPACE.sub(" ", attributes.get("alt", "")).strip()
        if src.startswith(PLUGINFILE) and (self.markdown or self.images):
            self.inline.append(f"![{_label(alt)}]({_link_target(src)})")
            return
        if src.startswith(PLUGINFILE):
            # Matching items are shown inside a drop-down, where a picture can't go.
            self.notes.append(
                f'the picture "{_file_name(src)[:100]}" in a matching item was left out'
                + (f' and replaced by its description "{alt}"' if alt else "")
            )
            self.inline.append(alt)
            return
        self.notes.append(f"an image from outside the file was left out: {_shown(src)}")
        self.inline.append(escape_markdown(alt) if self.markdown else alt)

    def result(self) -> str:
        if self.embed is not None:
            # Browsers take everything after an unclosed <audio> for its fallback and hide it.
            tag = self.embed["tag"]
            self._embedded(**self.embed)
            self.embed = None
            self.notes.append(f"the <{tag}> is never closed, so the text after it was left out")
        self._flush()
        out = ""
        previous: _Block | None = None
        for block in self.blocks:
            if previous is not None:
                together = (
                    previous.kind == block.kind == "item" and previous.list_id == block.list_id
                )
                out += "\n" if together or not self.markdown else "\n\n"
            out += block.text
            previous = block
        return out


def _shown(src: str | None) -> str:
    """A source for a note: at most 100 characters, and never a whole data: URL."""
    src = (src or "").strip()
    if not src:
        return "(no file named)"
    if src.lower().startswith("data:"):
        return src[: src.find(",") if "," in src else 40][:60] + ",…"
    return src[:100]


def _link_target(url: str) -> str:
    # Spaces and parentheses would end a Markdown link destination early.
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def html_to_markdown(html: str) -> tuple[str, list[str]]:
    """HTML as Markdown: (markdown, notes about what was left out). No raw HTML survives; text
    is escaped. Empty or whitespace-only HTML gives ("", [])."""
    converter = _HtmlConverter(markdown=True)
    converter.feed(html)
    converter.close()
    return converter.result(), converter.notes


def html_to_text(html: str) -> str:
    """HTML as plain text: tags dropped (an image becomes its alt text), entities decoded,
    whitespace collapsed, block elements on lines of their own."""
    return html_to_plain(html, images=False)[0]


def html_to_plain(html: str, *, images: bool) -> tuple[str, list[str]]:
    """HTML as plain text, as `html_to_text`, with notes about what was left out; with
    `images`, embedded images stay as `![alt](@@PLUGINFILE@@/name)`."""
    converter = _HtmlConverter(markdown=False, images=images)
    converter.feed(html)
    converter.close()
    return converter.result(), converter.notes


def moodle_auto_to_html(text: str) -> str:
    """Moodle's "auto-format" text as the HTML Moodle would show: whitespace between tags
    dropped, blank lines made paragraph breaks, then each remaining line break a <br>."""
    text = re.sub(r">\s+<", "><", text.replace("\r\n", "\n").strip())
    text = re.sub(r"\n[ \t]*\n\s*", "<p>", text)
    return text.replace("\n", "<br>")


def looks_like_html(text: str) -> bool:
    """True when `text` contains something that looks like a tag (`<p`, `</b`, `<!--`)."""
    return bool(_TAG_LIKE.search(text))


# `![alt](target)` and `[text](target)` as Markdown writes them inline, with an optional title.
_MARKDOWN_LINK = re.compile(
    r"(!?)\[((?:[^\]\\]|\\.)*)\]\(\s*<?([^)\s>]*)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
)
# Options written in Markdown are shown as plain text: rendered first, so that `**bold**`
# shows as "bold", as it does in Moodle. Raw HTML is allowed here because the HTML converter
# reads it; it never reaches a page.
_OPTION_MARKDOWN = MarkdownIt("commonmark", {"html": True})


def _markdown_media(text: str) -> tuple[str, list[str]]:
    """Markdown kept as written, except what it can't show here: an image from another site
    becomes its alt text, with a note (the site only shows its own uploads), and a link to an
    embedded sound becomes `![label](…)`, which plays it. Links to this site's uploads
    (`/media/…`, as an export of a question that shows another upload writes them) stay."""
    notes: list[str] = []

    def swap(match: re.Match[str]) -> str:
        bang, label, target = match.group(1), match.group(2), match.group(3)
        own = target.startswith((PLUGINFILE, settings.MEDIA_URL))
        if bang and not own:
            notes.append(f"an image from outside the file was left out: {_shown(target)}")
            return label
        if not bang and target.startswith(PLUGINFILE) and is_audio_name(_file_name(target)):
            shown = re.sub(r"\\(.)", r"\1", label).strip()
            keep = "" if shown == _file_name(target) or is_audio_name(shown) else label
            return f"![{keep}]({target})"
        return match.group(0)

    return _MARKDOWN_LINK.sub(swap, text), notes


def to_markdown(text: str, text_format: str) -> tuple[str, list[str]]:
    """Text in one of Moodle's formats ("html", "moodle_auto_format", "plain_text",
    "markdown") as Markdown, with notes about anything left out. Unknown formats are read as
    HTML, the safest reading."""
    if text_format == "markdown":
        # Markdown is kept as written; only blank lines around it go (indentation matters).
        return _markdown_media(text.replace("\r\n", "\n").strip("\n").rstrip())
    if text_format == "plain_text":
        return plain_to_markdown(text), []
    if text_format == "moodle_auto_format":
        return html_to_markdown(moodle_auto_to_html(text))
    return html_to_markdown(text)


def to_plain(text: str, text_format: str, *, images: bool) -> tuple[str, list[str]]:
    """Text in one of Moodle's formats as plain text, for options, feedback and matching items,
    with notes about anything left out. Plain text is kept as written (trimmed); HTML,
    auto-format and Markdown show their text without markup. With `images` (options and
    feedback), embedded images stay as `![alt](@@PLUGINFILE@@/name)`; without (matching items,
    shown in drop-downs), they become their alt text, with a note."""
    if text_format == "plain_text":
        return text.strip(), []
    if text_format == "markdown":
        html = _OPTION_MARKDOWN.render(text)
    elif text_format == "moodle_auto_format":
        html = moodle_auto_to_html(text)
    else:
        html = text
    plain, notes = html_to_plain(html, images=images)
    return plain.strip(), notes


def to_text(text: str, text_format: str) -> str:
    """`to_plain` without images or notes, for names made from a question's text."""
    return to_plain(text, text_format, images=False)[0]


def title_from(prompt_markdown: str, *, limit: int = 60) -> str:
    """A short name for a question that has none: the start of its text, at most `limit`
    characters, cut at a word with "…". Empty text gives ""."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", prompt_markdown)
    text = re.sub(r"\\(.)", r"\1", text)
    text = re.sub(r"[*_`#>]+", "", text)
    text = _WHITESPACE.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(" ,;:.") + "…"
