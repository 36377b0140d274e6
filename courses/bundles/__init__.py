"""Course bundles: a course as a folder of files (or a .zip of that folder), in and out.

A bundle is `course.yaml` (the manifest), `lessons/*.md` (lesson bodies) and optional
`media/*` (images the lessons show). docs/course-bundle-format.md describes the format for
authors. This package has four entry points:

- `read_bundle` parses and validates a bundle without touching the database. It reports every
  problem it finds at once (`BundleError.problems`), each with the file and line to fix.
- `import_bundle` makes a course match a bundle and publishes it, in one transaction. Modules and
  lessons are matched by key, so learners' progress (recorded against lesson keys) survives.
  Importing the same bundle again changes nothing. Changing a course that exists needs a
  confirmation: `plan_import` says what would change (`plan_summary` in words), and the import
  goes ahead for `replace=True` or the fingerprint of the plan that was confirmed.
- `export_course` writes a course's live version back out as a bundle, keys and images included.
- `load_path` imports a learning path file and every course folder it lists.

Modules: `files` (reading a folder or zip safely), `yaml_fields` (field checks; YAML with line
numbers and `Problem` are courses.yaml_reader, shared with quiz and conversation files),
`manifest` (what a bundle holds, `read_bundle`), `planning` (what an import would change),
`importing`, `pending` (uploads waiting for the author's confirmation), `exporting`, `paths`
(learning path files) and `problems`.

The limits below are set here and nowhere else; `read_bundle` looks them up on this package each
time it runs, so the upload form and the reader always agree.
"""

from __future__ import annotations

from ..content import MAX_LESSON_CHARS
from ..images import MAX_IMAGE_BYTES
from ..yaml_reader import Problem
from .exporting import export_course, export_course_zip
from .importing import ImportResult, import_bundle, import_bundle_result
from .manifest import (
    FORMAT_VERSION,
    BundleData,
    ImageRef,
    LessonData,
    MediaFile,
    ModuleData,
    read_bundle,
)
from .paths import load_path
from .planning import ConfirmationNeeded, ImportPlan, plan_import, plan_summary
from .problems import BundleError

MAX_BUNDLE_BYTES = 50 * 1024 * 1024  # everything in the bundle, uncompressed
MAX_ENTRIES = 2000  # files in a zip
MAX_MANIFEST_BYTES = 1024 * 1024  # course.yaml: titles, keys and file names for 2,000 lessons
# One lesson file: the editor's limit in characters, at UTF-8's four bytes a character at most,
# so every lesson the editor saves can be exported and imported again.
MAX_LESSON_BYTES = 4 * MAX_LESSON_CHARS
# All lesson files together. Importing renders every lesson, at about 3 microseconds a
# character: this keeps an import to seconds, and is forty times the whole curriculum.
MAX_LESSONS_BYTES = 2 * 1024 * 1024
MAX_MEDIA_BYTES = MAX_IMAGE_BYTES  # one image: the same limit as the editor's image upload

__all__ = [
    "FORMAT_VERSION",
    "MAX_BUNDLE_BYTES",
    "MAX_ENTRIES",
    "MAX_LESSONS_BYTES",
    "MAX_LESSON_BYTES",
    "MAX_MANIFEST_BYTES",
    "MAX_MEDIA_BYTES",
    "BundleData",
    "BundleError",
    "ConfirmationNeeded",
    "ImageRef",
    "ImportPlan",
    "ImportResult",
    "LessonData",
    "MediaFile",
    "ModuleData",
    "Problem",
    "export_course",
    "export_course_zip",
    "import_bundle",
    "import_bundle_result",
    "load_path",
    "plan_import",
    "plan_summary",
    "read_bundle",
]
