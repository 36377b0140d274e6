"""Exporting: a course's live version written back out as a bundle folder or zip, with its keys
and the images its lessons show, so importing it elsewhere reproduces the course."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO

import yaml
from django.core.exceptions import SuspiciousFileOperation
from django.utils.text import slugify

from ..models import Course, CourseImage, CourseVersion
from .manifest import FORMAT_VERSION, MARKDOWN_IMAGE

_NEVER_WRAP = 1_000_000  # one line per value reads and diffs better than folded text


class _Dumper(yaml.SafeDumper):
    """Indents list items under their key, the way people write these files by hand."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _export_version(course: Course) -> CourseVersion | None:
    return course.published_version or course.versions.order_by("-number").first()


def _export_images(
    markdown: str,
    images: dict[str, CourseImage],
    media: dict[str, str],
    copies: dict[str, bytes],
) -> str:
    """Point the Markdown's images at media/<name>, collecting the files in `copies`. Only the
    course's own images (`images`, by address) are copied; any other address is left as it is,
    and importing the bundle refuses it."""

    def replace(match: re.Match[str]) -> str:
        url = match.group("url").strip("<>").strip()
        image = images.get(url)
        if image is None:
            return match.group(0)
        if url not in media:
            try:
                with image.image.open("rb") as handle:
                    content = handle.read()
            except (OSError, ValueError, SuspiciousFileOperation):
                return match.group(0)
            name = PurePosixPath(image.image.name or "image").name
            while name in copies:
                name = f"x{name}"
            media[url], copies[name] = name, content
        alt = match.group("alt")
        if not alt.strip():
            # A bundle's images need a description; the upload form made the author write one.
            alt = re.sub(r"[\[\]]", "", image.alt_text)
        offset, text = match.start(), match.group(0)
        alt_start, alt_end = (i - offset for i in match.span("alt"))
        url_start, url_end = (i - offset for i in match.span("url"))
        before, after = text[:alt_start] + alt + text[alt_end:url_start], text[url_end:]
        return f"{before}media/{media[url]}{after}"

    return MARKDOWN_IMAGE.sub(replace, markdown)


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
    images = {image.image.url: image for image in course.images.all()}
    url_to_name: dict[str, str] = {}
    copies: dict[str, bytes] = {}
    modules = []
    number = 0
    for module in version.modules.prefetch_related("lessons"):
        lessons = []
        for lesson in module.lessons.all():
            number += 1
            file = f"lessons/{number:02d}-{slugify(lesson.title)[:50] or 'lesson'}.md"
            markdown = _export_images(lesson.body_markdown, images, url_to_name, copies)
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
