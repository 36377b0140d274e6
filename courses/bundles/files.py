"""Getting a bundle's files into memory, from a folder or a zip, safely: limits on size and
count, no links, and no zip entry that could land outside its folder (zip slip)."""

from __future__ import annotations

import os
import re
import stat
import zipfile
from pathlib import Path
from typing import IO

from ..yaml_reader import Problem


def _unsafe_name(name: str) -> bool:
    """True for zip entry names that could write outside the folder they are extracted into."""
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return True
    return ".." in re.split(r"[/\\]", name)


def _ignored(relative: str) -> bool:
    """Hidden files and macOS zip droppings are not part of a bundle."""
    return any(part.startswith(".") or part == "__MACOSX" for part in relative.split("/"))


def _files_from_zip(
    source: str | os.PathLike[str] | IO[bytes], label: str, *, max_bytes: int, max_entries: int
) -> tuple[dict[str, bytes], list[Problem]]:
    problems: list[Problem] = []
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError):
        return {}, [Problem(label, None, "This is not a zip file (or it is damaged).")]
    with archive:
        entries = archive.infolist()
        if len(entries) > max_entries:
            return {}, [
                Problem(
                    label, None, f"The zip holds {len(entries)} files; the most is {max_entries}."
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
        if total > max_bytes:
            problems.append(
                Problem(
                    label,
                    None,
                    f"The zip unpacks to {total // (1024 * 1024)} MB; the most is "
                    f"{max_bytes // (1024 * 1024)} MB.",
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
                    content = member.read(max_bytes - read + 1)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError):
                problems.append(
                    Problem(
                        name, None, "This file in the zip can't be read (damaged or encrypted)."
                    )
                )
                continue
            read += len(content)
            if read > max_bytes:
                return {}, [Problem(label, None, "The zip unpacks to more than 50 MB.")]
            files[name] = content
    return files, problems


def _files_from_folder(folder: Path, *, max_bytes: int) -> tuple[dict[str, bytes], list[Problem]]:
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
        if total > max_bytes:
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


def load_files(
    source: str | os.PathLike[str] | IO[bytes], *, max_bytes: int, max_entries: int
) -> tuple[dict[str, bytes], list[Problem]]:
    """The bundle's files by path relative to the folder holding course.yaml, with hidden files
    and macOS droppings left out; or ({}, the problems) when it can't be read safely.

    `source` is a folder, a path to a .zip, or an open .zip file (an upload). At most
    `max_bytes` are read in all, whatever a zip declares; a zip holds at most `max_entries`.
    """
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if path.is_dir():
            files, problems = _files_from_folder(path, max_bytes=max_bytes)
            label = path.name
        elif path.is_file():
            label = path.name
            files, problems = _files_from_zip(
                path, label, max_bytes=max_bytes, max_entries=max_entries
            )
        else:
            return {}, [Problem(str(path), None, "No such folder or .zip file.")]
    else:
        label = os.path.basename(str(getattr(source, "name", "") or "bundle.zip"))
        files, problems = _files_from_zip(
            source, label, max_bytes=max_bytes, max_entries=max_entries
        )
    if problems:
        return {}, problems
    return _strip_root(files, label)
