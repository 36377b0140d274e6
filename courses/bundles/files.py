"""Getting a bundle's files into memory, from a folder or a zip, safely: no links, no zip entry
that could land outside its folder (zip slip), and size limits kept while reading.

Only the files a bundle is made of are read: course.yaml, lessons/*.md and media/*; anything
else (a README, a stray video) is never opened. Each is read through a cap of its own kind's
limit, one byte past it, so a zip claiming a small size but unpacking to gigabytes (a
decompression bomb) costs no more than reading the limit: what a zip's header declares may be
used to refuse a file early, never to accept one.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..content import MAX_LESSON_CHARS
from ..yaml_reader import Problem


@dataclass(frozen=True)
class Limits:
    """The most a bundle may hold, in bytes (and files, for a zip)."""

    total: int  # every file read, together
    entries: int  # files in a zip
    manifest: int  # course.yaml
    lesson: int  # one lessons/*.md file
    lessons: int  # every lesson file, together: what importing renders
    media: int  # one media/* file

    def for_file(self, name: str) -> int | None:
        """The most bytes the file `name` (relative to course.yaml's folder) may hold; None for a
        file that is not part of a bundle, which is never read."""
        if name == "course.yaml":
            return self.manifest
        if _is_lesson(name):
            return self.lesson
        if name.startswith("media/"):
            return self.media
        return None


def _is_lesson(name: str) -> bool:
    return name.startswith("lessons/") and name.endswith(".md")


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):.3g} MB"
    if limit >= 1024:
        return f"{limit / 1024:.3g} KB"
    return f"{limit} bytes"


def lesson_too_long(length: int | None) -> str:
    """The problem of a lesson file over MAX_LESSON_CHARS; `length` is None when the file was
    not read to its end."""
    split = "Split it into two or more lessons."
    if length is None:
        return (
            f"This lesson is longer than {MAX_LESSON_CHARS:,} characters, the most a lesson may "
            f"hold. {split}"
        )
    return (
        f"This lesson is {length:,} characters long; the most a lesson may hold is "
        f"{MAX_LESSON_CHARS:,}. {split}"
    )


def _too_large(name: str, limits: Limits) -> Problem:
    if name == "course.yaml":
        message = (
            f"course.yaml is larger than {_size(limits.manifest)}, the most it may be. It holds "
            "titles, keys and file names; lesson text goes in lessons/."
        )
    elif name.startswith("lessons/"):
        message = lesson_too_long(None)
    else:
        message = f"This image is larger than {_size(limits.media)}, the most an image may be."
    return Problem(name, None, message)


def _too_large_in_all(label: str, limits: Limits) -> Problem:
    return Problem(
        label, None, f"The bundle unpacks to more than {_size(limits.total)}, the most it may hold."
    )


def _too_much_text(label: str, limits: Limits) -> Problem:
    return Problem(
        label,
        None,
        f"The lessons hold more than {_size(limits.lessons)} of text together, the most one "
        "course may. Split the course into two or more courses.",
    )


class _Budget:
    """What may still be read: of the whole bundle, and of its lesson text."""

    def __init__(self, limits: Limits, label: str) -> None:
        self.limits, self.label = limits, label
        self.total, self.lessons = limits.total, limits.lessons

    def cap(self, relative: str, limit: int) -> int:
        """The most bytes worth reading of the file: past this, it is refused whatever it is."""
        cap = min(limit, self.total)
        return min(cap, self.lessons) if _is_lesson(relative) else cap

    def spend(self, relative: str, limit: int, content: bytes) -> tuple[Problem | None, bool]:
        """(the problem with `content`, read through `cap` plus one byte, or None; whether the
        whole bundle is refused)."""
        if len(content) > limit:
            return _too_large(relative, self.limits), False
        self.total -= len(content)
        if self.total < 0:
            return _too_large_in_all(self.label, self.limits), True
        if _is_lesson(relative):
            self.lessons -= len(content)
            if self.lessons < 0:
                return _too_much_text(self.label, self.limits), True
        return None, False


def _unsafe_name(name: str) -> bool:
    """True for zip entry names that could write outside the folder they are extracted into."""
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return True
    return ".." in re.split(r"[/\\]", name)


def _ignored(relative: str) -> bool:
    """Hidden files and macOS zip droppings are not part of a bundle."""
    return any(part.startswith(".") or part == "__MACOSX" for part in relative.split("/"))


def _root(names: Collection[str], label: str) -> tuple[str, list[Problem]]:
    """The folder holding course.yaml, as a prefix of `names`: "" at the top, "name/" one folder
    down; or a problem when there is no single one."""
    if "course.yaml" in names:
        return "", []
    candidates = {name.split("/", 1)[0] for name in names if name.count("/") == 1}
    candidates = {root for root in candidates if f"{root}/course.yaml" in names}
    if len(candidates) != 1:
        return "", [
            Problem(
                label,
                None,
                "No course.yaml found. Put it at the top of the bundle or in one folder there.",
            )
        ]
    return f"{candidates.pop()}/", []


def _wanted(names: Collection[str], root: str, limits: Limits) -> dict[str, tuple[str, int]]:
    """{name in the source: (name relative to course.yaml's folder, its limit)} for each file
    the bundle is made of."""
    wanted = {}
    for name in names:
        if not name.startswith(root):
            continue
        relative = name.removeprefix(root)
        limit = limits.for_file(relative)
        if limit is not None:
            wanted[name] = (relative, limit)
    return wanted


def _files_from_zip(
    source: str | os.PathLike[str] | IO[bytes], label: str, limits: Limits
) -> tuple[dict[str, bytes], list[Problem]]:
    problems: list[Problem] = []
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError):
        return {}, [Problem(label, None, "This is not a zip file (or it is damaged).")]
    with archive:
        entries = archive.infolist()
        if len(entries) > limits.entries:
            return {}, [
                Problem(
                    label,
                    None,
                    f"The zip holds {len(entries)} files; the most is {limits.entries}.",
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
        if problems:
            return {}, problems
        infos = {
            info.filename.replace("\\", "/"): info
            for info in entries
            if not info.is_dir() and not _ignored(info.filename.replace("\\", "/"))
        }
        root, problems = _root(infos, label)
        if problems:
            return {}, problems
        wanted = _wanted(infos, root, limits)
        # What the zip declares is enough to refuse it at once, before unpacking anything: a
        # file over its own limit is named below; the rest must fit together.
        declared = {
            relative: infos[name].file_size
            for name, (relative, limit) in wanted.items()
            if infos[name].file_size <= limit
        }
        if sum(declared.values()) > limits.total:
            return {}, [_too_large_in_all(label, limits)]
        if sum(size for relative, size in declared.items() if _is_lesson(relative)) > (
            limits.lessons
        ):
            return {}, [_too_much_text(label, limits)]
        files: dict[str, bytes] = {}
        budget = _Budget(limits, label)
        for name, (relative, limit) in wanted.items():
            info = infos[name]
            if info.file_size > limit:
                problems.append(_too_large(relative, limits))
                continue
            try:
                with archive.open(info) as member:
                    # One byte past the cap tells "too large" from "exactly the limit".
                    content = member.read(budget.cap(relative, limit) + 1)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError):
                problems.append(
                    Problem(
                        relative, None, "This file in the zip can't be read (damaged or encrypted)."
                    )
                )
                continue
            problem, refused = budget.spend(relative, limit, content)
            if refused:
                return {}, [problem] if problem else []
            if problem is not None:
                problems.append(problem)
            else:
                files[relative] = content
    return files, problems


def _files_from_folder(folder: Path, limits: Limits) -> tuple[dict[str, bytes], list[Problem]]:
    paths: dict[str, Path] = {}
    problems: list[Problem] = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if _ignored(relative):
            continue
        if path.is_symlink():
            problems.append(
                Problem(relative, None, "Links are not allowed in a bundle; copy the file in.")
            )
        elif path.is_file():
            paths[relative] = path
    if problems:
        return {}, problems
    root, problems = _root(paths, folder.name)
    if problems:
        return {}, problems
    files: dict[str, bytes] = {}
    budget = _Budget(limits, folder.name)
    for name, (relative, limit) in _wanted(paths, root, limits).items():
        if paths[name].stat().st_size > limit:
            problems.append(_too_large(relative, limits))
            continue
        with paths[name].open("rb") as handle:
            # Capped too: the file may have grown since it was measured.
            content = handle.read(budget.cap(relative, limit) + 1)
        problem, refused = budget.spend(relative, limit, content)
        if refused:
            return {}, [problem] if problem else []
        if problem is not None:
            problems.append(problem)
        else:
            files[relative] = content
    return files, problems


def load_files(
    source: str | os.PathLike[str] | IO[bytes], *, limits: Limits
) -> tuple[dict[str, bytes], list[Problem]]:
    """The bundle's files (course.yaml, lessons/*.md, media/*) by path relative to the folder
    holding course.yaml, which sits at the top or one folder down; or ({}, the problems) when
    it can't be read safely or a file is over its limit.

    `source` is a folder, a path to a .zip, or an open .zip file (an upload). However large a
    zip's files really are, each is read only to one byte past its limit, all of them together
    to `limits.total`, and the lesson files together to `limits.lessons`.
    """
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if path.is_dir():
            files, problems = _files_from_folder(path, limits)
        elif path.is_file():
            files, problems = _files_from_zip(path, path.name, limits)
        else:
            return {}, [Problem(str(path), None, "No such folder or .zip file.")]
    else:
        label = os.path.basename(str(getattr(source, "name", "") or "bundle.zip"))
        files, problems = _files_from_zip(source, label, limits)
    if problems:
        return {}, problems
    return files, []
