"""Learning paths as files: a path.yaml listing course folders beside it, all imported together
by `load_path`."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models.fields.files import FieldFile

from learners.models import User

from .. import services
from ..models import LearningPath
from ..yaml_reader import LineMapping, Problem, decode, parse_yaml
from .importing import ImportResult, cleaning_up_files, import_data
from .manifest import FORMAT_VERSION, MAX_SLUG, MAX_SUMMARY, MAX_TITLE, BundleData, read_bundle
from .planning import find_course
from .problems import BundleError
from .yaml_fields import Fields

PATH_FIELDS = ("format", "slug", "title", "summary", "courses")


@dataclass
class _PathData:
    slug: str
    title: str
    summary: str
    courses: list[BundleData] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)  # beside `courses`


_FOLDER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _read_path(path_yaml: Path) -> _PathData:
    problems: list[Problem] = []
    file = path_yaml.name
    try:
        raw = path_yaml.read_bytes()
    except OSError:
        raise BundleError([Problem(str(path_yaml), None, "No such file.")]) from None
    text = decode(raw, file, problems)
    document = parse_yaml(text, file, problems) if text is not None else None
    if not isinstance(document, LineMapping):
        if not problems:
            problems.append(
                Problem(
                    file,
                    1,
                    "The path file must be a list of fields (format, slug, title, courses).",
                )
            )
        raise BundleError(problems)
    fields = Fields(document, file, "learning path", problems)
    fields.unknown(PATH_FIELDS)
    fields.format_version(FORMAT_VERSION)
    slug = fields.slug(max_length=MAX_SLUG)
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
        data.folders.append(folder)
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
    names prefixed with the folder) and nothing is written. The path's courses are updated
    without asking for confirmation, but a course whose web address another course (another
    key) already uses is a problem, never a replacement. Safe to run again: unchanged courses
    get no new version. `report` is called once per course, in order.
    """
    data = _read_path(Path(path_yaml))
    # A path's courses are its own to update (found by key, or by web address when they have
    # none), but a course with another key is someone else's: never replaced from here.
    taken = [
        Problem(
            f"{folder}/course.yaml",
            bundle.slug_line,
            f"A different course already uses the web address '{bundle.slug}' (its key is not "
            "this course's). Give this course another slug, or import it with import_course.",
        )
        for folder, bundle in zip(data.folders, data.courses, strict=True)
        if (course := find_course(bundle, lock=False)) is not None
        and bundle.key is not None
        and course.key != bundle.key
    ]
    if taken:
        raise BundleError(taken)

    def work(saved: list[FieldFile]) -> LearningPath:
        courses = []
        for bundle in data.courses:
            result = import_data(bundle, user=user, saved=saved, replace=True)
            courses.append(result.course)
            if report is not None:
                report(result)
        return services.path_create(
            slug=data.slug,
            title=data.title,
            summary=data.summary,
            courses=courses,
            self_enrol=True,
            is_published=True,
        )

    return cleaning_up_files(work)
