"""A bundle's manifest (course.yaml), lessons and media, read and checked: `read_bundle` turns
files into a BundleData ready to import, or a BundleError listing every problem at once."""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

from ..content import MAX_LESSON_CHARS, image_sources, video_embed_url
from ..images import ImageProblem, ImageRejected, check_image, image_allowed
from ..yaml_reader import LineMapping, Problem, decode, parse_yaml
from .files import Limits, lesson_too_long, load_files
from .problems import BundleError
from .yaml_fields import Fields

FORMAT_VERSION = 1
MAX_TITLE = 160
MAX_SUMMARY = 600
MAX_SLUG = 80
MAX_ALT = 200

COURSE_FIELDS = ("format", "key", "slug", "title", "summary", "self_enrol", "modules")
MODULE_FIELDS = ("key", "title", "summary", "lessons")
LESSON_FIELDS = ("key", "title", "file", "minutes", "video")

# An inline Markdown image: ![alt](url) or ![alt](url "title"); `url` may be wrapped in <>.
MARKDOWN_IMAGE = re.compile(
    r"!\[(?P<alt>[^\]]*)\]\(\s*(?P<url><[^>\n]*>|[^\s)]+)"
    r"(?P<title>\s+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^)\n]*\)))?\s*\)"
)


@dataclass
class MediaFile:
    name: str  # file name inside media/
    content: bytes
    extension: str  # from the image's real format, not its name


@dataclass
class ImageRef:
    name: str  # file name inside media/
    alt: str


@dataclass
class LessonData:
    key: uuid.UUID | None
    title: str
    file: str
    markdown: str
    minutes: int
    video: str
    images: list[ImageRef]


@dataclass
class ModuleData:
    key: uuid.UUID | None
    title: str
    summary: str
    lessons: list[LessonData]


@dataclass
class BundleData:
    """A bundle that passed every check in `read_bundle`: ready for `import_bundle`."""

    key: uuid.UUID | None
    slug: str
    title: str
    summary: str
    self_enrol: bool
    modules: list[ModuleData]
    media: dict[str, MediaFile]
    slug_line: int | None = None  # where import problems about the slug point


def media_name(url: str) -> str | None:
    """`media/name.png` -> `name.png`; None for anything that is not a flat file in media/."""
    if not url.startswith("media/"):
        return None
    name = url.removeprefix("media/")
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    return name


def _image_refs(
    markdown: str, file: str, files: dict[str, bytes], problems: list[Problem]
) -> list[ImageRef]:
    """The images a lesson shows; a problem, on its line, for each that isn't written as
    ![description](media/name.png) with that file in media/. (Whether each media file is a
    usable image is `_read_media`'s business.)

    The lesson is checked the way it will be imported: its inline media/ images are swapped for
    stand-ins of their stored addresses, as `importing` swaps them for the real ones; then
    every image the renderer would show, however it is written, must be one of those stand-ins
    (`images.image_allowed`).
    """
    # Random, so no lesson can spell a stand-in.
    prefix = f"/{uuid.uuid4().hex}/"
    stand_ins: dict[str, str] = {}  # stand-in address -> file name in media/
    by_name: dict[str, str] = {}

    def swap(match: re.Match[str]) -> str:
        name = media_name(match.group("url").strip("<>").strip())
        if name is None or f"media/{name}" not in files:
            return match.group(0)
        stand_in = by_name.setdefault(name, f"{prefix}{len(by_name)}")
        stand_ins[stand_in] = name
        start, end = match.span("url")
        offset, text = match.start(), match.group(0)
        return text[: start - offset] + stand_in + text[end - offset :]

    swapped = MARKDOWN_IMAGE.sub(swap, markdown)
    known = frozenset(stand_ins)
    refs: list[ImageRef] = []
    for image in image_sources(swapped):
        if image_allowed(image.src, known):
            name, alt = stand_ins[image.src], image.alt.strip()
            if alt:
                refs.append(ImageRef(name=name, alt=alt[:MAX_ALT]))
            else:
                message = f"Image media/{name} needs a description: ![what it shows](media/{name})."
                problems.append(Problem(file, image.line, message))
            continue
        written = media_name(image.src)
        if written is None:
            message = (
                f"Image '{image.src}': images must be files in this bundle's media/ folder, "
                "written as ![description](media/name.png)."
            )
        elif f"media/{written}" not in files:
            message = f"Image media/{written} is not in the media/ folder."
        else:
            message = (
                f"Image media/{written}: write it where it shows, as "
                f"![description](media/{written})."
            )
        problems.append(Problem(file, image.line, message))
    return refs


def _lesson_file(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    path = PurePosixPath(value.strip())
    if path.is_absolute() or ".." in path.parts or "\\" in value:
        return None
    if len(path.parts) < 2 or path.parts[0] != "lessons" or path.suffix != ".md":
        return None
    return str(path)


def _media_problem(rejected: ImageRejected) -> str:
    # Bundle problems keep their own wording, the one docs/course-bundle-format.md shows: they
    # are read beside a file name, often on a command line, not under an upload field.
    if rejected.problem is ImageProblem.TOO_LARGE:
        return f"This image is {rejected.size / (1024 * 1024):.1f} MB; the most is 5 MB."
    if rejected.problem is ImageProblem.UNSUPPORTED:
        return f"This is a {rejected.format} image; use PNG, JPEG, WebP or GIF."
    return "This file is not an image we can use (PNG, JPEG, WebP or GIF)."


def _read_media(
    files: dict[str, bytes], problems: list[Problem], *, max_image_bytes: int
) -> dict[str, MediaFile]:
    media: dict[str, MediaFile] = {}
    for path, content in files.items():
        if not path.startswith("media/"):
            continue
        name = media_name(path)
        if name is None:
            problems.append(
                Problem(path, None, "Put images directly in media/, not in a sub-folder.")
            )
            continue
        checked = check_image(content, max_bytes=max_image_bytes)
        if isinstance(checked, ImageRejected):
            problems.append(Problem(path, None, _media_problem(checked)))
            continue
        media[name] = MediaFile(name=name, content=content, extension=checked.extension)
    return media


def _read_lesson(
    entry: object,
    files: dict[str, bytes],
    seen: dict[uuid.UUID, int],
    problems: list[Problem],
) -> LessonData | None:
    if not isinstance(entry, LineMapping):
        return None
    fields = Fields(entry, "course.yaml", "lesson", problems)
    fields.unknown(LESSON_FIELDS)
    key = fields.key(seen)
    title = fields.text("title", required=True, max_length=MAX_TITLE)
    minutes = entry.get("minutes", 5)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 240:
        fields.problem(
            "minutes", f"'minutes' must be a whole number from 1 to 240 (got {minutes!r})."
        )
        minutes = 5
    video = entry.get("video") or ""
    if not isinstance(video, str) or (video.strip() and video_embed_url(video.strip()) is None):
        fields.problem(
            "video",
            f"Video '{video}' is not allowed. "
            "Use a https link to youtube.com, youtu.be or vimeo.com.",
        )
        video = ""
    video = video.strip()
    markdown, images = "", []
    raw_file = entry.get("file")
    file = _lesson_file(raw_file)
    if raw_file is None or (isinstance(raw_file, str) and not raw_file.strip()):
        fields.problem(
            None if "file" not in entry else "file",
            "The lesson's file is missing (e.g. file: lessons/01-intro.md).",
        )
    elif file is None:
        fields.problem("file", f"'{raw_file}' is not a lesson file: use lessons/<name>.md.")
    elif file not in files:
        fields.problem("file", f"{file} is not in the bundle.")
    else:
        text = decode(files[file], file, problems)
        if text is not None and "\x00" in text:
            problems.append(
                Problem(file, None, "This file holds NUL characters; save it as plain text.")
            )
        elif text is not None and len(text) > MAX_LESSON_CHARS:
            problems.append(Problem(file, None, lesson_too_long(len(text))))
        elif text is not None:
            markdown = text
            images = _image_refs(text, file, files, problems)
    return LessonData(
        key=key,
        title=title,
        file=file or "",
        markdown=markdown,
        minutes=minutes,
        video=video,
        images=images,
    )


def _read_manifest(
    files: dict[str, bytes], problems: list[Problem], *, max_image_bytes: int
) -> BundleData | None:
    # Images are checked even when the manifest can't be read, so one round shows every problem.
    media = _read_media(files, problems, max_image_bytes=max_image_bytes)
    text = decode(files["course.yaml"], "course.yaml", problems)
    if text is None:
        return None
    document = parse_yaml(text, "course.yaml", problems)
    if document is None and not problems:
        problems.append(Problem("course.yaml", None, "course.yaml is empty."))
    if not isinstance(document, LineMapping):
        if document is not None:
            problems.append(
                Problem(
                    "course.yaml",
                    1,
                    "course.yaml must be a list of fields (format, slug, title, modules).",
                )
            )
        return None
    seen: dict[uuid.UUID, int] = {}
    fields = Fields(document, "course.yaml", "course", problems)
    fields.unknown(COURSE_FIELDS)
    fields.format_version(FORMAT_VERSION)
    key = fields.key(seen)
    slug = fields.slug(max_length=MAX_SLUG)
    title = fields.text("title", required=True, max_length=MAX_TITLE)
    summary = fields.text("summary", required=False, max_length=MAX_SUMMARY)
    self_enrol = fields.boolean("self_enrol", False)
    modules: list[ModuleData] = []
    for entry in fields.items("modules"):
        if not isinstance(entry, LineMapping):
            fields.problem("modules", "Each module must be a list of fields (title, lessons).")
            continue
        module_fields = Fields(entry, "course.yaml", "module", problems)
        module_fields.unknown(MODULE_FIELDS)
        module_key = module_fields.key(seen)
        module_title = module_fields.text("title", required=True, max_length=MAX_TITLE)
        module_summary = module_fields.text("summary", required=False, max_length=MAX_SUMMARY)
        lessons = []
        for lesson_entry in module_fields.items("lessons"):
            lesson = _read_lesson(lesson_entry, files, seen, problems)
            if lesson is None:
                module_fields.problem(
                    "lessons", "Each lesson must be a list of fields (title, file)."
                )
            else:
                lessons.append(lesson)
        modules.append(
            ModuleData(key=module_key, title=module_title, summary=module_summary, lessons=lessons)
        )
    return BundleData(
        key=key,
        slug=slug,
        title=title,
        summary=summary,
        self_enrol=self_enrol,
        modules=modules,
        media=media,
        slug_line=document.line_of("slug"),
    )


def read_bundle(source: str | os.PathLike[str] | IO[bytes]) -> BundleData:
    """Read and check a bundle: a folder, a path to a .zip, or an open .zip file (an upload).

    Checks everything before returning: the manifest's syntax and fields, keys, lesson files,
    images and, for a zip, unsafe paths and size. Raises BundleError listing every problem found;
    never touches the database.
    """
    # The limits are looked up on the package each time: it is the one place they are set, and
    # where the upload form reads (and tests lower) them.
    from courses import bundles as package

    limits = Limits(
        total=package.MAX_BUNDLE_BYTES,
        entries=package.MAX_ENTRIES,
        manifest=package.MAX_MANIFEST_BYTES,
        lesson=package.MAX_LESSON_BYTES,
        lessons=package.MAX_LESSONS_BYTES,
        media=package.MAX_MEDIA_BYTES,
    )
    files, problems = load_files(source, limits=limits)
    if problems:
        raise BundleError(problems)
    data = _read_manifest(files, problems, max_image_bytes=package.MAX_MEDIA_BYTES)
    if problems or data is None:
        raise BundleError(problems)
    return data
