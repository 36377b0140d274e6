"""Question import and export: Moodle XML and GIFT in, Moodle XML out.

Entry points:

- `questions_import` reads a file, checks every question with the same rules as the editor
  (`assessments.questions.services.question_validate`), its embedded images with
  `courses.images` and sounds with `audio`, and then creates everything in one transaction, or
  raises `InterchangeError` listing every problem with its line, having written nothing. Unsupported
  question types are skipped and listed in the returned `ImportReport`, never dropped silently,
  and so is content that can't be shown (videos, media from other sites); a file with nothing
  to import is refused. Given an import job (`import_job_id`), it writes in short batches
  instead, every row hidden until the job is done (`assessments.questions.imports`,
  docs/adr/0012).
- `bank_export` writes a bank and the banks below it as Moodle XML, pictures and sounds
  embedded; importing that file into an empty bank gives the same questions back.

Modules: `moodle_xml` (safe XML reading and writing), `gift` (reading), `markup` (HTML and plain
text to Markdown), `audio` (what an embedded sound is, from its bytes), `common` (what readers
produce, problems, reports), `importing` and `exporting`. The upload and download pages for
training admins are in `assessments.questions.author_views`. docs/question-import-formats.md
describes the formats for authors.
"""

from __future__ import annotations

from .common import ImportReport, InterchangeError, Problem, Skipped
from .exporting import bank_export, bank_find
from .importing import EXTENSIONS, READERS, format_for, questions_check, questions_import

# An upload larger than this is refused before it is read; the command line has no limit.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024

__all__ = [
    "EXTENSIONS",
    "MAX_UPLOAD_BYTES",
    "READERS",
    "ImportReport",
    "InterchangeError",
    "Problem",
    "Skipped",
    "bank_export",
    "bank_find",
    "format_for",
    "questions_check",
    "questions_import",
]
