"""Showing an option's text, or feedback: plain text, shown exactly as written, except for the
one thing in it that isn't text, a picture stored for its question (`QuestionImage`), written
`![description](/media/question-images/…)`. The question import keeps pictures from Moodle
files this way (a flag to pick, a photo in the feedback) instead of flattening them to their
descriptions.

Every option is shown by the same function, so a picture adds the same markup whether the
option is right or wrong: nothing about it hints at the answer.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from courses.images import image_allowed

_PICTURE = re.compile(r"!\[((?:[^\]\\]|\\.)*)\]\(([^)\s]+)\)")
_ESCAPED = re.compile(r"\\(.)")


def option_html(text: str) -> SafeString:
    """`text` as HTML: escaped, with each `![description](url)` of a question image as an
    `<img>` whose alt text is the description. Any other URL stays text. "" gives ""."""
    pictures = f"{settings.MEDIA_URL}question-images/"
    parts: list[str] = []
    shown = 0
    for match in _PICTURE.finditer(text):
        src = match.group(2)
        if not (src.startswith(pictures) and image_allowed(src, None)):
            continue
        parts.append(escape(text[shown : match.start()]))
        description = _ESCAPED.sub(r"\1", match.group(1))
        parts.append(format_html('<img class="option-image" src="{}" alt="{}">', src, description))
        shown = match.end()
    parts.append(escape(text[shown:]))
    return mark_safe("".join(parts))  # noqa: S308 - every part was escaped or built by format_html
