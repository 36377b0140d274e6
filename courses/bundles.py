"""Course bundles: a course as a folder of files (or a .zip of that folder), in and out.

A bundle is `course.yaml` (the manifest), `lessons/*.md` (lesson bodies) and optional
`media/*` (images the lessons show). docs/course-bundle-format.md describes the format for
authors. This module has four entry points:

- `read_bundle` parses and validates a bundle without touching the database. It reports every
  problem it finds at once (`BundleError.problems`), each with the file and line to fix.
- `import_bundle` makes a course match a bundle and publishes it, in one transaction. Modules and
  lessons are matched by key, so learners' progress (recorded against lesson keys) survives.
  Importing the same bundle again changes nothing.
- `export_course` writes a course's live version back out as a bundle, keys and images included.
- `load_path` imports a learning path file and every course folder it lists.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import tempfile
import uuid
import warnings
import zipfile
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import IO, Any, TypeVar

import yaml
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import validate_slug
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils.text import slugify
from PIL import Image, UnidentifiedImageError

from learners.models import User

from . import services
from .content import video_embed_url
from .models import Course, CourseImage, CourseVersion, LearningPath

_T = TypeVar("_T")

FORMAT_VERSION = 1
MAX_BUNDLE_BYTES = 50 * 1024 * 1024  # everything in the bundle, uncompressed
MAX_MEDIA_BYTES = 5 * 1024 * 1024  # one image; the same limit as the image upload form
MAX_ENTRIES = 2000
MAX_TITLE = 160
MAX_SUMMARY = 600
MAX_SLUG = 80
MAX_ALT = 200
# Pillow's name for each image format we accept -> the extension the stored file gets.
IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}

COURSE_FIELDS = ("format", "key", "slug", "title", "summary", "self_enrol", "modules")
MODULE_FIELDS = ("key", "title", "summary", "lessons")
LESSON_FIELDS = ("key", "title", "file", "minutes", "video")
PATH_FIELDS = ("format", "slug", "title", "summary", "courses")

# Keys given to modules and lessons that a bundle leaves without one are derived from the course
# slug and the item's title, so a key-less bundle gets the same keys on every import and on every
# server, and re-importing it keeps learners' progress.
_KEY_NAMESPACE = uuid.UUID("dd388678-0c78-4505-af0d-4fbe430eede0")

# An inline Markdown image: ![alt](url) or ![alt](url "title"); `url` may be wrapped in <>.
_IMAGE = re.compile(
    r"!\[(?P<alt>[^\]]*)\]\(\s*(?P<url><[^>\n]*>|[^\s)]+)"
    r"(?P<title>\s+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^)\n]*\)))?\s*\)"
)


# --- Problems ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a bundle: the file inside the bundle, the 1-based line (None when
    the problem is with the file as a whole) and what to fix."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        """`file:line: message`, the way compilers and linters report (for the command line)."""
        if self.line is None:
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}: {self.message}"

    @property
    def display(self) -> str:
        """`file, line N: message`, for people reading a web page."""
        if self.line is None:
            return f"{self.file}: {self.message}"
        return f"{self.file}, line {self.line}: {self.message}"


class BundleError(Exception):
    """A bundle that can't be imported. `problems` lists every problem found, sorted by file
    and line; nothing has been written to the database."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0))
        super().__init__("\n".join(str(p) for p in self.problems))


# --- What a valid bundle holds ----------------------------------------------------------------


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


@dataclass(frozen=True)
class ImportResult:
    course: Course
    changed: bool  # False when the bundle matched the live version and nothing was written


# --- YAML with line numbers -------------------------------------------------------------------


class _Mapping(dict[Any, Any]):
    """A YAML mapping that remembers the line it starts on and the line of each of its keys."""

    line: int = 1
    key_lines: dict[Any, int]

    def line_of(self, key: str) -> int:
        """The line of `key` when present, else the line the mapping starts on."""
        return self.key_lines.get(key, self.line)


class _LineLoader(yaml.SafeLoader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[str, int]] = []

    def compose_node(self, parent: Any, index: Any) -> Any:
        # Aliases can make a small file expand into a huge document; manifests don't need them.
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (*name) are not allowed", event.start_mark
            )
        return super().compose_node(parent, index)


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Mapping:
    mapping = _Mapping()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                None, None, "a field name must be plain text", key_node.start_mark
            )
        if key in mapping:
            loader.duplicates.append((str(key), line))
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = line
    return mapping


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def _decode(raw: bytes, file: str, problems: list[Problem]) -> str | None:
    """UTF-8 text without a byte-order mark, or None (and a problem on the failing line)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        problems.append(Problem(file, line, "This file is not UTF-8 text. Save it as UTF-8."))
        return None


def _parse_yaml(text: str, file: str, problems: list[Problem]) -> Any:
    """The document, or None with problems recorded for syntax errors and repeated fields."""
    loader = _LineLoader(text)
    try:
        document = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or exc.context or "unreadable YAML"
        problems.append(Problem(file, line, f"YAML syntax error: {what}."))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(file, None, f"YAML syntax error: {exc}."))
        return None
    finally:
        loader.dispose()
    for name, line in loader.duplicates:
        problems.append(Problem(file, line, f"'{name}' appears twice here; keep one."))
    return document


class _Fields:
    """Reads typed fields out of one YAML mapping, recording a problem for each bad one."""

    def __init__(self, mapping: _Mapping, file: str, what: str, problems: list[Problem]) -> None:
        self.mapping, self.file, self.what, self.problems = mapping, file, what, problems

    def problem(self, name: str | None, message: str) -> None:
        line = self.mapping.line if name is None else self.mapping.line_of(name)
        self.problems.append(Problem(self.file, line, message))

    def unknown(self, allowed: tuple[str, ...]) -> None:
        for name in self.mapping:
            if name not in allowed:
                self.problem(
                    str(name),
                    f"Unknown field '{name}' in the {self.what}. Allowed: {', '.join(allowed)}.",
                )

    def text(self, name: str, *, required: bool, max_length: int) -> str:
        value = self.mapping.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required and name not in self.mapping:
                self.problem(None, f"The {self.what} has no '{name}'.")
            elif required:
                self.problem(name, f"The {self.what}'s '{name}' is empty.")
            return ""
        if not isinstance(value, str):
            self.problem(name, f"'{name}' must be text; put it in quotes.")
            return ""
        value = value.strip()
        if len(value) > max_length:
            self.problem(name, f"'{name}' is {len(value)} characters; the most is {max_length}.")
        return value

    def key(self, seen: dict[uuid.UUID, int]) -> uuid.UUID | None:
        value = self.mapping.get("key")
        if value is None:
            return None
        try:
            key = uuid.UUID(str(value).strip()) if isinstance(value, str) else None
        except ValueError:
            key = None
        if key is None:
            self.problem("key", f"'{value}' is not a valid key (a UUID such as {_EXAMPLE_KEY}).")
            return None
        line = self.mapping.line_of("key")
        if key in seen:
            self.problem(
                "key", f"Key {key} is already used on line {seen[key]}; keys must be unique."
            )
            return None
        seen[key] = line
        return key

    def boolean(self, name: str, default: bool) -> bool:
        value = self.mapping.get(name, default)
        if not isinstance(value, bool):
            self.problem(name, f"'{name}' must be true or false.")
            return default
        return value

    def items(self, name: str) -> list[Any]:
        value = self.mapping.get(name)
        if name not in self.mapping:
            self.problem(None, f"The {self.what} has no '{name}'; add at least one.")
            return []
        if not isinstance(value, list) or not value:
            self.problem(name, f"'{name}' must be a list with at least one entry.")
            return []
        return value


_EXAMPLE_KEY = "6f1c2a4e-0b7d-4c55-9a51-3e2f1d9b8c70"


# --- Reading the files ------------------------------------------------------------------------


def _unsafe_name(name: str) -> bool:
    """True for zip entry names that could write outside the folder they are extracted into."""
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return True
    return ".." in re.split(r"[/\\]", name)


def _ignored(relative: str) -> bool:
    """Hidden files and macOS zip droppings are not part of a bundle."""
    return any(part.startswith(".") or part == "__MACOSX" for part in relative.split("/"))


def _files_from_zip(
    source: str | os.PathLike[str] | IO[bytes], label: str
) -> tuple[dict[str, bytes], list[Problem]]:
    problems: list[Problem] = []
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError):
        return {}, [Problem(label, None, "This is not a zip file (or it is damaged).")]
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            return {}, [
                Problem(
                    label, None, f"The zip holds {len(entries)} files; the most is {MAX_ENTRIES}."
                )
            ]
        for info in entries:
            is_link = stat.S_ISLNK(info.external_attr >> 16)
            if _unsafe_name(info.filename) or is_link:
                problems.append(
                    Problem(
                        info.filename,
                        None,
                        "Unsafe path in the zip (absolute, a link, or climbing out with '..').",
                    )
                )
        total = sum(info.file_size for info in entries)
        if total > MAX_BUNDLE_BYTES:
            problems.append(
                Problem(
                    label,
                    None,
                    f"The zip unpacks to {total // (1024 * 1024)} MB; the most is "
                    f"{MAX_BUNDLE_BYTES // (1024 * 1024)} MB.",
                )
            )
        if problems:
            return {}, problems
        files: dict[str, bytes] = {}
        read = 0
        for info in entries:
            name = info.filename.replace("\\", "/")
            if info.is_dir() or _ignored(name):
                continue
            try:
                with archive.open(info) as member:
                    # Never trust the declared size: stop reading just past the limit.
                    content = member.read(MAX_BUNDLE_BYTES - read + 1)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError):
                problems.append(
                    Problem(
                        name, None, "This file in the zip can't be read (damaged or encrypted)."
                    )
                )
                continue
            read += len(content)
            if read > MAX_BUNDLE_BYTES:
                return {}, [Problem(label, None, "The zip unpacks to more than 50 MB.")]
            files[name] = content
    return files, problems


def _files_from_folder(folder: Path) -> tuple[dict[str, bytes], list[Problem]]:
    files: dict[str, bytes] = {}
    problems: list[Problem] = []
    total = 0
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if _ignored(relative):
            continue
        if path.is_symlink():
            problems.append(
                Problem(relative, None, "Links are not allowed in a bundle; copy the file in.")
            )
            continue
        if not path.is_file():
            continue
        total += path.stat().st_size
        if total > MAX_BUNDLE_BYTES:
            return {}, [Problem(folder.name, None, "The bundle is larger than 50 MB.")]
        files[relative] = path.read_bytes()
    return files, problems


def _strip_root(files: dict[str, bytes], label: str) -> tuple[dict[str, bytes], list[Problem]]:
    """Files relative to the folder holding course.yaml: the top, or one folder down."""
    if "course.yaml" in files:
        return files, []
    roots = {name.split("/", 1)[0] for name in files if "/" in name}
    candidates = [root for root in roots if f"{root}/course.yaml" in files]
    if len(candidates) != 1:
        return {}, [
            Problem(
                label,
                None,
                "No course.yaml found. Put it at the top of the bundle or in one folder there.",
            )
        ]
    prefix = candidates[0] + "/"
    return {
        name.removeprefix(prefix): data for name, data in files.items() if name.startswith(prefix)
    }, []


def _load_files(
    source: str | os.PathLike[str] | IO[bytes],
) -> tuple[dict[str, bytes], list[Problem]]:
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if path.is_dir():
            files, problems = _files_from_folder(path)
            label = path.name
        elif path.is_file():
            label = path.name
            files, problems = _files_from_zip(path, label)
        else:
            return {}, [Problem(str(path), None, "No such folder or .zip file.")]
    else:
        label = os.path.basename(str(getattr(source, "name", "") or "bundle.zip"))
        files, problems = _files_from_zip(source, label)
    if problems:
        return {}, problems
    return _strip_root(files, label)


def _check_image(name: str, content: bytes) -> tuple[str | None, str | None]:
    """(extension, None) for a usable image, else (None, what is wrong)."""
    if len(content) > MAX_MEDIA_BYTES:
        return None, f"This image is {len(content) / (1024 * 1024):.1f} MB; the most is 5 MB."
    try:
        with warnings.catch_warnings():
            # Pillow only warns about decompression bombs below twice its limit; refuse them all.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(content)) as picture:
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
        return None, "This file is not an image we can use (PNG, JPEG, WebP or GIF)."
    if kind not in IMAGE_FORMATS:
        return None, f"This is a {kind} image; use PNG, JPEG, WebP or GIF."
    return IMAGE_FORMATS[kind], None


def _media_name(url: str) -> str | None:
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
    """The images a lesson shows; a problem for each that isn't a file in media/ or has no
    description. (Whether each media file is a usable image is `_read_media`'s business.)"""
    refs: list[ImageRef] = []
    for match in _IMAGE.finditer(markdown):
        line = markdown.count("\n", 0, match.start()) + 1
        url = match.group("url").strip("<>").strip()
        alt = match.group("alt").strip()
        name = _media_name(url)
        if name is None:
            problems.append(
                Problem(
                    file,
                    line,
                    f"Image '{url}': images must be files in this bundle's media/ folder, "
                    "written as ![description](media/name.png).",
                )
            )
            continue
        if f"media/{name}" not in files:
            problems.append(Problem(file, line, f"Image media/{name} is not in the media/ folder."))
            continue
        if not alt:
            problems.append(
                Problem(
                    file,
                    line,
                    f"Image media/{name} needs a description: ![what it shows](media/{name}).",
                )
            )
            continue
        refs.append(ImageRef(name=name, alt=alt[:MAX_ALT]))
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


def _read_media(files: dict[str, bytes], problems: list[Problem]) -> dict[str, MediaFile]:
    media: dict[str, MediaFile] = {}
    for path, content in files.items():
        if not path.startswith("media/"):
            continue
        name = _media_name(path)
        if name is None:
            problems.append(
                Problem(path, None, "Put images directly in media/, not in a sub-folder.")
            )
            continue
        extension, error = _check_image(name, content)
        if error is not None or extension is None:
            problems.append(Problem(path, None, error or "Not an image."))
            continue
        media[name] = MediaFile(name=name, content=content, extension=extension)
    return media


def _read_lesson(
    entry: object,
    files: dict[str, bytes],
    seen: dict[uuid.UUID, int],
    problems: list[Problem],
) -> LessonData | None:
    if not isinstance(entry, _Mapping):
        return None
    fields = _Fields(entry, "course.yaml", "lesson", problems)
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
        text = _decode(files[file], file, problems)
        if text is not None and "\x00" in text:
            problems.append(
                Problem(file, None, "This file holds NUL characters; save it as plain text.")
            )
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


def _read_manifest(files: dict[str, bytes], problems: list[Problem]) -> BundleData | None:
    # Images are checked even when the manifest can't be read, so one round shows every problem.
    media = _read_media(files, problems)
    text = _decode(files["course.yaml"], "course.yaml", problems)
    if text is None:
        return None
    document = _parse_yaml(text, "course.yaml", problems)
    if document is None and not problems:
        problems.append(Problem("course.yaml", None, "course.yaml is empty."))
    if not isinstance(document, _Mapping):
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
    fields = _Fields(document, "course.yaml", "course", problems)
    fields.unknown(COURSE_FIELDS)
    if document.get("format") != FORMAT_VERSION or isinstance(document.get("format"), bool):
        fields.problem(
            None if "format" not in document else "format",
            f"Unsupported format {document.get('format')!r}; "
            f"this site reads format: {FORMAT_VERSION}.",
        )
    key = fields.key(seen)
    slug = fields.text("slug", required=True, max_length=MAX_SLUG)
    if slug:
        try:
            validate_slug(slug)
        except ValidationError:
            fields.problem("slug", f"Slug '{slug}' may only hold letters, numbers, '-' and '_'.")
    title = fields.text("title", required=True, max_length=MAX_TITLE)
    summary = fields.text("summary", required=False, max_length=MAX_SUMMARY)
    self_enrol = fields.boolean("self_enrol", False)
    modules: list[ModuleData] = []
    for entry in fields.items("modules"):
        if not isinstance(entry, _Mapping):
            fields.problem("modules", "Each module must be a list of fields (title, lessons).")
            continue
        module_fields = _Fields(entry, "course.yaml", "module", problems)
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
    files, problems = _load_files(source)
    if problems:
        raise BundleError(problems)
    data = _read_manifest(files, problems)
    if problems or data is None:
        raise BundleError(problems)
    return data


# --- Importing --------------------------------------------------------------------------------

# (key, title, markdown, minutes, video) for a lesson; (key, title, summary, lessons) for a module;
# (title, summary, modules) for a version. Two versions with equal snapshots show the same thing.
_LessonSnap = tuple[uuid.UUID, str, str, int, str]
_ModuleSnap = tuple[uuid.UUID, str, str, tuple[_LessonSnap, ...]]
_Snapshot = tuple[str, str, tuple[_ModuleSnap, ...]]


def _version_snapshot(version: CourseVersion) -> _Snapshot:
    """Two queries (modules, lessons)."""
    return (
        version.title,
        version.summary,
        tuple(
            (
                module.key,
                module.title,
                module.summary,
                tuple(
                    (
                        lesson.key,
                        lesson.title,
                        lesson.body_markdown,
                        lesson.minutes,
                        lesson.video_url,
                    )
                    for lesson in module.lessons.all()
                ),
            )
            for module in version.modules.prefetch_related("lessons")
        ),
    )


def _derived_key(slug: str, kind: str, title: str, seen: dict[str, int]) -> uuid.UUID:
    count = seen.get(title, 0)
    seen[title] = count + 1
    return uuid.uuid5(_KEY_NAMESPACE, f"{slug}/{kind}/{title}/{count}")


def _assign_keys(
    data: BundleData, current: CourseVersion | None
) -> tuple[list[uuid.UUID], list[list[uuid.UUID]]]:
    """Keys for every module and lesson: the bundle's own, else the key of an unclaimed item with
    the same title in the course's current content, else one derived from slug and title."""
    module_by_title: dict[str, list[uuid.UUID]] = {}
    lesson_by_title: dict[str, list[uuid.UUID]] = {}
    if current is not None:
        for existing_module in current.modules.all():
            module_by_title.setdefault(existing_module.title, []).append(existing_module.key)
        for existing_lesson in current.lessons.all():
            lesson_by_title.setdefault(existing_lesson.title, []).append(existing_lesson.key)
    claimed = {m.key for m in data.modules if m.key} | {
        lesson.key for m in data.modules for lesson in m.lessons if lesson.key
    }

    def pick(
        existing: dict[str, list[uuid.UUID]], kind: str, title: str, seen: dict[str, int]
    ) -> uuid.UUID:
        for candidate in existing.get(title, []):
            if candidate not in claimed:
                claimed.add(candidate)
                return candidate
        key = _derived_key(data.slug, kind, title, seen)
        if key in claimed:
            key = uuid.uuid4()
        claimed.add(key)
        return key

    module_seen: dict[str, int] = {}
    lesson_seen: dict[str, int] = {}
    module_keys, lesson_keys = [], []
    for module in data.modules:
        module_keys.append(module.key or pick(module_by_title, "module", module.title, module_seen))
        lesson_keys.append(
            [
                lesson.key or pick(lesson_by_title, "lesson", lesson.title, lesson_seen)
                for lesson in module.lessons
            ]
        )
    return module_keys, lesson_keys


def _with_urls(markdown: str, urls: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = _media_name(match.group("url").strip("<>").strip())
        if name is None or name not in urls:
            return match.group(0)
        start, end = match.span("url")
        offset = match.start()
        text = match.group(0)
        return text[: start - offset] + urls[name] + text[end - offset :]

    return _IMAGE.sub(replace, markdown)


def _store_images(
    course: Course, data: BundleData, user: User | None, saved: list[FieldFile]
) -> dict[str, str]:
    """The stored URL of every image the lessons use. Images already stored for the course (same
    bytes) are reused, so re-importing a bundle adds no files; new ones become CourseImages."""
    wanted: dict[str, str] = {}
    for module in data.modules:
        for lesson in module.lessons:
            for ref in lesson.images:
                wanted.setdefault(ref.name, ref.alt)
    if not wanted:
        return {}
    sizes = {len(data.media[name].content) for name in wanted}
    stored: dict[str, CourseImage] = {}
    for existing in course.images.all():
        try:
            if existing.image.size not in sizes:
                continue
            with existing.image.open("rb") as handle:
                stored.setdefault(hashlib.sha256(handle.read()).hexdigest(), existing)
        except (OSError, ValueError, SuspiciousFileOperation):
            continue  # a missing file is replaced by a fresh copy below
    urls: dict[str, str] = {}
    for name, alt in wanted.items():
        media = data.media[name]
        digest = hashlib.sha256(media.content).hexdigest()
        image: CourseImage | None = stored.get(digest)
        if image is None:
            image = CourseImage(course=course, alt_text=alt, uploaded_by=user)
            stem = slugify(name.rsplit(".", 1)[0]) or "image"
            image.image.save(f"{stem}.{media.extension}", ContentFile(media.content), save=False)
            saved.append(image.image)
            image.save()
            stored[digest] = image
        urls[name] = image.image.url
    return urls


def _fill_draft(draft: CourseVersion, wanted: _Snapshot) -> None:
    """Make the draft hold exactly `wanted`: update, create, move and delete by key."""
    title, summary, modules_wanted = wanted
    if (draft.title, draft.summary) != (title, summary):
        services.version_update(version=draft, title=title, summary=summary)
    modules = {module.key: module for module in draft.modules.all()}
    lessons = {lesson.key: lesson for lesson in draft.lessons.all()}
    for position, (module_key, module_title, module_summary, lessons_wanted) in enumerate(
        modules_wanted
    ):
        module = modules.pop(module_key, None)
        if module is None:
            module = services.module_create(
                version=draft, title=module_title, summary=module_summary
            )
            # The services give new items a fresh key; a bundle's key is what keeps progress.
            module.key = module_key
        elif (module.title, module.summary) != (module_title, module_summary):
            services.module_update(module=module, title=module_title, summary=module_summary)
        module.position = position
        module.save(update_fields=["key", "position"])
        for lesson_position, (key, lesson_title, markdown, minutes, video) in enumerate(
            lessons_wanted
        ):
            lesson = lessons.pop(key, None)
            if lesson is None:
                lesson = services.lesson_create(
                    module=module,
                    title=lesson_title,
                    body_markdown=markdown,
                    minutes=minutes,
                    video_url=video,
                )
                lesson.key = key
            elif (lesson.title, lesson.body_markdown, lesson.minutes, lesson.video_url) != (
                lesson_title,
                markdown,
                minutes,
                video,
            ):
                services.lesson_update(
                    lesson=lesson,
                    title=lesson_title,
                    body_markdown=markdown,
                    minutes=minutes,
                    video_url=video,
                )
            # No service moves a lesson to another module or to a given place; order is the
            # bundle's, so it is set directly.
            lesson.module, lesson.position = module, lesson_position
            lesson.save(update_fields=["key", "module", "position"])
    for lesson in lessons.values():
        services.lesson_delete(lesson=lesson)
    for module in modules.values():
        services.module_delete(module=module)


def _find_course(data: BundleData) -> Course | None:
    course = None
    if data.key is not None:
        course = Course.objects.select_for_update().filter(key=data.key).first()
    if course is None:
        course = Course.objects.select_for_update().filter(slug=data.slug).first()
    return course


def _import(data: BundleData, user: User | None, saved: list[FieldFile]) -> ImportResult:
    course = _find_course(data)
    settings_changed = False
    if course is None:
        course = services.course_create(
            title=data.title,
            slug=data.slug,
            created_by=user,
            summary=data.summary,
            self_enrol=data.self_enrol,
        )
        if data.key is not None:
            course.key = data.key
            course.save(update_fields=["key"])
    elif (course.slug, course.self_enrol) != (data.slug, data.self_enrol):
        if Course.objects.filter(slug=data.slug).exclude(pk=course.pk).exists():
            raise BundleError(
                [
                    Problem(
                        "course.yaml",
                        data.slug_line,
                        f"Another course already uses the slug '{data.slug}'.",
                    )
                ]
            )
        services.course_settings_update(course=course, slug=data.slug, self_enrol=data.self_enrol)
        settings_changed = True
    current = (
        course.versions.filter(status=CourseVersion.Status.DRAFT).first()
        or course.versions.order_by("-number").first()
    )
    module_keys, lesson_keys = _assign_keys(data, current)
    urls = _store_images(course, data, user, saved)
    wanted: _Snapshot = (
        data.title,
        data.summary,
        tuple(
            (
                module_key,
                module.title,
                module.summary,
                tuple(
                    (
                        key,
                        lesson.title,
                        _with_urls(lesson.markdown, urls),
                        lesson.minutes,
                        lesson.video,
                    )
                    for key, lesson in zip(keys, module.lessons, strict=True)
                ),
            )
            for module, module_key, keys in zip(data.modules, module_keys, lesson_keys, strict=True)
        ),
    )
    live = course.published_version
    if live is not None and _version_snapshot(live) == wanted:
        # Slug and self-enrolment live on the course, not in versions: no new version for them.
        return ImportResult(course=course, changed=settings_changed)
    try:
        draft = services.course_draft(course=course, user=user)
        _fill_draft(draft, wanted)
        services.course_publish(course=course)
    except ValidationError as exc:
        raise BundleError(
            [Problem("course.yaml", None, message) for message in exc.messages]
        ) from exc
    course.refresh_from_db()
    return ImportResult(course=course, changed=True)


def _cleaning_up_files(work: Callable[[list[FieldFile]], _T]) -> _T:
    """Run `work` in a transaction; if it fails, delete the image files it stored (files are not
    rolled back with the database)."""
    saved: list[FieldFile] = []
    try:
        with transaction.atomic():
            return work(saved)
    except BaseException:
        for stored in saved:
            if stored.name:
                stored.storage.delete(stored.name)
        raise


def import_bundle_result(data: BundleData, *, user: User | None) -> ImportResult:
    """Like `import_bundle`, also telling whether anything changed."""
    return _cleaning_up_files(lambda saved: _import(data, user, saved))


def import_bundle(data: BundleData, *, user: User | None) -> Course:
    """Make the course match the bundle and publish it, in one transaction; returns the course.

    The course is found by the bundle's key, else by its slug, else created. Its draft (made from
    the newest version when there is none; any unpublished edits in it are replaced) is brought
    to match the bundle, modules and lessons matched by key so progress carries over, then
    published as a new version. When the bundle matches the live version exactly, nothing is
    written and no version is made. Raises BundleError (nothing written) when another course has
    the bundle's slug.
    """
    return import_bundle_result(data, user=user).course


# --- Exporting --------------------------------------------------------------------------------


_NEVER_WRAP = 1_000_000  # one line per value reads and diffs better than folded text


class _Dumper(yaml.SafeDumper):
    """Indents list items under their key, the way people write these files by hand."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _export_version(course: Course) -> CourseVersion | None:
    return course.published_version or course.versions.order_by("-number").first()


def _export_images(markdown: str, media: dict[str, str], copies: dict[str, bytes]) -> str:
    """Point the Markdown's stored images at media/<name>, collecting the files in `copies`."""
    prefix = settings.MEDIA_URL

    def replace(match: re.Match[str]) -> str:
        url = match.group("url").strip("<>").strip()
        if not url.startswith(prefix):
            return match.group(0)
        stored_name = url.removeprefix(prefix)
        if stored_name not in media:
            try:
                with default_storage.open(stored_name, "rb") as handle:
                    content = handle.read()
            except (OSError, SuspiciousFileOperation):
                return match.group(0)
            name = PurePosixPath(stored_name).name
            while name in copies:
                name = f"x{name}"
            media[stored_name], copies[name] = name, content
        alt = match.group("alt")
        if not alt.strip():
            # A bundle's images need a description; the upload form made the author write one.
            image = CourseImage.objects.filter(image=stored_name).first()
            alt = re.sub(r"[\[\]]", "", image.alt_text) if image else alt
        offset, text = match.start(), match.group(0)
        alt_start, alt_end = (i - offset for i in match.span("alt"))
        url_start, url_end = (i - offset for i in match.span("url"))
        return (
            text[:alt_start]
            + alt
            + text[alt_end:url_start]
            + f"media/{media[stored_name]}"
            + text[url_end:]
        )

    return _IMAGE.sub(replace, markdown)


def export_course(
    course: Course, dest_dir: str | os.PathLike[str], *, overwrite: bool = False
) -> Path:
    """Write the course's live version (the newest version when none is live) as a bundle in
    `dest_dir/<slug>/`; returns that folder. Keys, lesson files and the images the lessons show
    are all written, so importing the folder elsewhere reproduces the course.

    Raises FileExistsError when the folder exists and is not empty, unless `overwrite`, which
    replaces its course.yaml, lessons/ and media/.
    """
    version = _export_version(course)
    if version is None:
        raise ValueError(f"Course {course.slug} has no content to export.")
    folder = Path(dest_dir) / course.slug
    if folder.exists() and any(folder.iterdir()):
        if not overwrite:
            raise FileExistsError(f"{folder} already exists and is not empty.")
        for part in ("lessons", "media"):
            shutil.rmtree(folder / part, ignore_errors=True)
    (folder / "lessons").mkdir(parents=True, exist_ok=True)
    stored_to_name: dict[str, str] = {}
    copies: dict[str, bytes] = {}
    modules = []
    number = 0
    for module in version.modules.prefetch_related("lessons"):
        lessons = []
        for lesson in module.lessons.all():
            number += 1
            file = f"lessons/{number:02d}-{slugify(lesson.title)[:50] or 'lesson'}.md"
            markdown = _export_images(lesson.body_markdown, stored_to_name, copies)
            (folder / file).write_bytes(markdown.encode("utf-8"))
            entry: dict[str, object] = {
                "key": str(lesson.key),
                "title": lesson.title,
                "file": file,
                "minutes": lesson.minutes,
            }
            if lesson.video_url:
                entry["video"] = lesson.video_url
            lessons.append(entry)
        modules.append(
            {
                "key": str(module.key),
                "title": module.title,
                "summary": module.summary,
                "lessons": lessons,
            }
        )
    if copies:
        (folder / "media").mkdir(exist_ok=True)
        for name, content in copies.items():
            (folder / "media" / name).write_bytes(content)
    manifest = {
        "format": FORMAT_VERSION,
        "key": str(course.key),
        "slug": course.slug,
        "title": version.title,
        "summary": version.summary,
        "self_enrol": course.self_enrol,
        "modules": modules,
    }
    text = yaml.dump(
        manifest, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=_NEVER_WRAP
    )
    (folder / "course.yaml").write_text(text, encoding="utf-8")
    return folder


def _walk(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            yield path


def export_course_zip(course: Course, out: IO[bytes]) -> None:
    """Write the bundle `export_course` makes as a zip into `out`, inside a `<slug>/` folder."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = export_course(course, scratch)
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in _walk(folder):
                archive.write(path, f"{course.slug}/{path.relative_to(folder).as_posix()}")


# --- Learning paths ---------------------------------------------------------------------------


@dataclass
class _PathData:
    slug: str
    title: str
    summary: str
    courses: list[BundleData] = field(default_factory=list)


_FOLDER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _read_path(path_yaml: Path) -> _PathData:
    problems: list[Problem] = []
    file = path_yaml.name
    try:
        raw = path_yaml.read_bytes()
    except OSError:
        raise BundleError([Problem(str(path_yaml), None, "No such file.")]) from None
    text = _decode(raw, file, problems)
    document = _parse_yaml(text, file, problems) if text is not None else None
    if not isinstance(document, _Mapping):
        if not problems:
            problems.append(
                Problem(
                    file,
                    1,
                    "The path file must be a list of fields (format, slug, title, courses).",
                )
            )
        raise BundleError(problems)
    fields = _Fields(document, file, "learning path", problems)
    fields.unknown(PATH_FIELDS)
    if document.get("format") != FORMAT_VERSION or isinstance(document.get("format"), bool):
        fields.problem(
            None if "format" not in document else "format",
            f"Unsupported format {document.get('format')!r}; "
            f"this site reads format: {FORMAT_VERSION}.",
        )
    slug = fields.text("slug", required=True, max_length=MAX_SLUG)
    if slug:
        try:
            validate_slug(slug)
        except ValidationError:
            fields.problem("slug", f"Slug '{slug}' may only hold letters, numbers, '-' and '_'.")
    data = _PathData(
        slug=slug,
        title=fields.text("title", required=True, max_length=MAX_TITLE),
        summary=fields.text("summary", required=False, max_length=MAX_SUMMARY),
    )
    slugs: set[str] = set()
    for folder in fields.items("courses"):
        if not isinstance(folder, str) or not _FOLDER.match(folder):
            fields.problem("courses", f"'{folder}' is not the name of a course folder.")
            continue
        if not (path_yaml.parent / folder).is_dir():
            fields.problem("courses", f"There is no course folder '{folder}' next to {file}.")
            continue
        try:
            bundle = read_bundle(path_yaml.parent / folder)
        except BundleError as exc:
            problems.extend(
                Problem(f"{folder}/{p.file}" if p.file != folder else folder, p.line, p.message)
                for p in exc.problems
            )
            continue
        if bundle.slug in slugs:
            fields.problem("courses", f"Course '{bundle.slug}' is listed twice.")
            continue
        slugs.add(bundle.slug)
        data.courses.append(bundle)
    if problems:
        raise BundleError(problems)
    return data


def load_path(
    path_yaml: str | os.PathLike[str],
    *,
    user: User | None = None,
    report: Callable[[ImportResult], None] | None = None,
) -> LearningPath:
    """Import every course folder a learning path file lists, then create or refresh the path
    (published, open to everyone) holding those courses in that order. One transaction.

    Every folder is read and checked first: BundleError lists the problems of all of them (file
    names prefixed with the folder) and nothing is written. Safe to run again: unchanged courses
    get no new version. `report` is called once per course, in order.
    """
    data = _read_path(Path(path_yaml))

    def work(saved: list[FieldFile]) -> LearningPath:
        courses = []
        for bundle in data.courses:
            result = _import(bundle, user, saved)
            courses.append(result.course)
            if report is not None:
                report(result)
        path = services.path_create(
            slug=data.slug, title=data.title, summary=data.summary, courses=courses, self_enrol=True
        )
        if not path.is_published:
            # path_create has no is_published argument (see the report); publishing is one flag.
            path.is_published = True
            path.save(update_fields=["is_published"])
        return path

    return _cleaning_up_files(work)
