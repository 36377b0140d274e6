"""The one check for pictures the site stores (images uploaded in the course editor and the
images in course bundles; Pillow reads the bytes, a file's name never decides what it is), and
the one rule for which images authored content may show (`image_allowed`)."""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Collection
from dataclasses import dataclass
from enum import Enum
from io import BytesIO
from typing import IO

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from .models import CourseImage

MAX_IMAGE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class ImageFormat:
    """An image format the site accepts."""

    name: str  # Pillow's name for the format ("PNG", "JPEG", "WEBP", "GIF"); messages show it
    extension: str  # the extension a stored copy gets
    extensions: frozenset[str]  # the extensions an uploaded file's name may have
    content_type: str


IMAGE_FORMATS: dict[str, ImageFormat] = {
    image_format.name: image_format
    for image_format in (
        ImageFormat("PNG", "png", frozenset({"png"}), "image/png"),
        ImageFormat("JPEG", "jpg", frozenset({"jpg", "jpeg"}), "image/jpeg"),
        ImageFormat("WEBP", "webp", frozenset({"webp"}), "image/webp"),
        ImageFormat("GIF", "gif", frozenset({"gif"}), "image/gif"),
    )
}
# For a file input's `accept`: lets the browser's file picker offer only these.
IMAGE_ACCEPT = ",".join(image_format.content_type for image_format in IMAGE_FORMATS.values())


class ImageProblem(Enum):
    TOO_LARGE = "too_large"
    UNREADABLE = "unreadable"  # not an image, damaged, or a decompression bomb
    UNSUPPORTED = "unsupported"  # an image, in a format not in IMAGE_FORMATS
    MISNAMED = "misnamed"  # the file name's extension doesn't match the content


@dataclass(frozen=True)
class ImageRejected:
    """Why an image can't be used."""

    problem: ImageProblem
    message: str  # translated, for the person who supplied the file
    size: int  # in bytes
    format: str = ""  # Pillow's name for what the file is, when Pillow could tell


def check_image(
    source: bytes | IO[bytes], *, name: str | None = None, max_bytes: int = MAX_IMAGE_BYTES
) -> ImageFormat | ImageRejected:
    """The format of the image in `source` (bytes, or a file, which is read from its start and
    left at its start), or why the site can't use it.

    Rejected, in this order: more than `max_bytes`; anything Pillow can't open and verify,
    decompression bombs included; formats not in IMAGE_FORMATS; and, only when `name` is given,
    a name whose extension doesn't fit the content ("photo.gif" holding a PNG).
    """
    stream: IO[bytes]
    if isinstance(source, bytes):
        size, stream = len(source), BytesIO(source)
    else:
        size, stream = source.seek(0, os.SEEK_END), source
        source.seek(0)
    if size > max_bytes:
        return ImageRejected(
            ImageProblem.TOO_LARGE,
            _("This file is over %(limit)s MB. Make it smaller and try again.")
            % {"limit": max_bytes // (1024 * 1024)},
            size,
        )
    try:
        with warnings.catch_warnings():
            # Pillow only warns about decompression bombs below twice its limit; refuse them all.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream) as picture:
                kind = picture.format or ""
                picture.verify()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        return ImageRejected(
            ImageProblem.UNREADABLE, _("This file isn't a picture we can use."), size
        )
    finally:
        stream.seek(0)
    image_format = IMAGE_FORMATS.get(kind)
    if image_format is None:
        return ImageRejected(
            ImageProblem.UNSUPPORTED, _("Use a PNG, JPEG, WebP or GIF image."), size, kind
        )
    if name is not None:
        extension = name.rsplit(".", 1)[-1].lower()
        if extension not in image_format.extensions:
            return ImageRejected(
                ImageProblem.MISNAMED,
                _(
                    "The file name says .%(ext)s but the file is a %(kind)s. "
                    "Rename it and try again."
                )
                % {"ext": extension, "kind": kind},
                size,
                kind,
            )
    return image_format


# --- Which images a lesson may show -------------------------------------------------------------

# The shape of a stored upload's address below MEDIA_URL: plain segments that each start with a
# letter or digit, so no '.', '..', '%', '\\' or '//' can make a browser read it as another path.
_STORED_UPLOAD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(?:/[A-Za-z0-9][A-Za-z0-9_.-]*)*")


def image_allowed(src: str, known: Collection[str] | None) -> bool:
    """Whether authored content may show the image at `src`: the one rule, used when a lesson
    is saved or imported and again when Markdown is rendered.

    `known` holds the addresses of the images uploaded for the content's course (from
    `course_image_urls`): a lesson shows those and nothing else, so other sites, `data:` and
    `javascript:` URLs, other courses' images and every other spelling of a path on this site
    (`/media/../`, `%2e%2e`, backslashes, `//host`) are refused without having to be
    recognised. Where no course is involved (question text), `known` is None and any plain
    address of a stored upload is allowed. No query.
    """
    if known is not None:
        return src in known
    prefix = settings.MEDIA_URL
    return src.startswith(prefix) and _STORED_UPLOAD.fullmatch(src[len(prefix) :]) is not None


def course_image_urls(course_id: int) -> frozenset[str]:
    """The address of every image uploaded for the course, the only images its lessons may
    show; empty when it has none. One query."""
    names = CourseImage.objects.filter(course_id=course_id).values_list("image", flat=True)
    return frozenset(default_storage.url(name) for name in names if name)
