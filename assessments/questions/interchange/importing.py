"""Importing a question file: read it, check every question, then write all of it or nothing."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import PurePosixPath
from urllib.parse import unquote

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction

from assessments.models import QuestionBank, QuestionImage
from courses.images import ImageFormat, ImageRejected, check_image

from ..services import bank_path_get_or_create, question_create, question_validate
from . import gift, moodle_xml
from .common import (
    MAX_BANK_NAME,
    ImportReport,
    InterchangeError,
    ParsedFile,
    ParsedQuestion,
    Problem,
    length_problems,
)

READERS: dict[str, Callable[[bytes, str], ParsedFile]] = {
    "moodle_xml": moodle_xml.read,
    "gift": gift.read,
}
EXTENSIONS = {".xml": "moodle_xml", ".gift": "gift", ".txt": "gift"}

# Questions per transaction: about a quarter of a second of writing on SQLite, so a sign-in
# that needs the database waits no longer than that (docs/adr/0010).
BATCH_SIZE = 200

# Called as progress(questions stored, questions in the file), inside the transaction that
# stored them: raising rolls that batch back and stops the import.
Progress = Callable[[int, int], None]

# SQLite's write lock is not a queue: a writer waiting for it retries every 100 ms or so, and a
# loop that takes the lock again straight after committing can keep it out until its timeout.
SQLITE_PAUSE_S = 0.15


def pause_for_other_writers() -> None:
    """Between two write transactions of a long job: on SQLite, sleep long enough for a waiting
    writer (a sign-in) to get the lock; elsewhere (PostgreSQL locks rows, not the database)
    return at once."""
    if connection.vendor == "sqlite":
        time.sleep(SQLITE_PAUSE_S)


# `![alt](@@PLUGINFILE@@/name)` as the readers write embedded images, and any other Markdown
# link to an embedded file (which we can't keep: only images are stored).
_IMAGE_REF = re.compile(r"!\[((?:[^\]\\]|\\.)*)\]\(@@PLUGINFILE@@/([^)\s]+)\)")
_FILE_LINK = re.compile(r"(?<!!)\[((?:[^\]\\]|\\.)*)\]\(@@PLUGINFILE@@/[^)\s]*\)")


def format_for(filename: str, file_format: str | None = None) -> str | None:
    """The reader to use: `file_format` when given (a key of READERS), otherwise the one the
    file name's extension suggests. None when neither says."""
    if file_format:
        return file_format if file_format in READERS else None
    return EXTENSIONS.get(PurePosixPath(filename.lower()).suffix)


def _field_images(
    parsed: ParsedFile,
    question: ParsedQuestion,
    field: str,
    formats: dict[str, ImageFormat],
) -> str:
    """The field's Markdown with references to missing files turned into their alt text (with a
    note); embedded images are checked and their formats put in `formats` by content hash."""
    files = question.files.get(field, {})
    title = question.data.title

    def image(match: re.Match[str]) -> str:
        name = unquote(match.group(2))
        content = files.get(name)
        if content is None:
            parsed.note(question.line, f'question "{title}": the image "{name}" is not in the file')
            return match.group(1)
        checked = check_image(content)
        if isinstance(checked, ImageRejected):
            parsed.problem(question.line, f'question "{title}": image "{name}": {checked.message}')
        else:
            formats[hashlib.sha256(content).hexdigest()] = checked
        return match.group(0)

    def link(match: re.Match[str]) -> str:
        parsed.note(question.line, f'question "{title}": a link to an attached file was left out')
        return match.group(1)

    markdown = question.data.prompt if field == "prompt" else question.data.explanation
    return _FILE_LINK.sub(link, _IMAGE_REF.sub(image, markdown))


def questions_check(
    *, content: bytes, filename: str, file_format: str | None = None
) -> tuple[ParsedFile, dict[str, ImageFormat]]:
    """The file read and every question checked as `question_create` would, images included,
    without touching the database. Returns the parsed file and the format of each embedded image
    by SHA-256. Raises InterchangeError listing every problem found."""
    reader = READERS.get(format_for(filename, file_format) or "")
    if reader is None:
        raise InterchangeError(
            [
                Problem(
                    filename,
                    None,
                    "choose the file's format: .xml files are read as Moodle XML, "
                    ".gift and .txt files as GIFT",
                )
            ]
        )
    parsed = reader(content, filename)
    formats: dict[str, ImageFormat] = {}
    for question in parsed.questions:
        question.data = replace(
            question.data,
            prompt=_field_images(parsed, question, "prompt", formats),
            explanation=_field_images(parsed, question, "explanation", formats),
        )
        messages = length_problems(question.data)
        try:
            question_validate(question.data)
        except ValidationError as exc:
            messages += [
                f"{name}: {message}" if name != "__all__" else message
                for name, field_messages in exc.message_dict.items()
                for message in field_messages
            ]
        for message in messages:
            parsed.problem(question.line, f'question "{question.data.title}": {message}')
    if parsed.problems:
        raise InterchangeError(parsed.problems)
    return parsed, formats


class _ImageStore:
    """Saves embedded images as QuestionImages (once per bank and content) and remembers the
    files written, so they can be removed if the import is rolled back."""

    def __init__(self, formats: dict[str, ImageFormat], import_job_id: int | None = None) -> None:
        self.formats = formats
        self.import_job_id = import_job_id
        self.urls: dict[tuple[int, str], str] = {}
        self.saved: list[str] = []

    def rewrite(self, markdown: str, files: dict[str, bytes], bank: QuestionBank) -> str:
        def image(match: re.Match[str]) -> str:
            name = unquote(match.group(2))
            return f"![{match.group(1)}]({self.url(name, files[name], bank)})"

        return _IMAGE_REF.sub(image, markdown)

    def url(self, name: str, content: bytes, bank: QuestionBank) -> str:
        digest = hashlib.sha256(content).hexdigest()
        key = (bank.pk, digest)
        if key not in self.urls:
            image = QuestionImage(
                bank=bank, name=PurePosixPath(name).name[:200], import_job_id=self.import_job_id
            )
            extension = self.formats[digest].extension
            image.image.save(f"image.{extension}", ContentFile(content), save=False)
            self.saved.append(image.image.name or "")
            image.save()
            self.urls[key] = image.image.url
        return self.urls[key]

    def discard(self) -> None:
        for name in self.saved:
            if name:
                default_storage.delete(name)


def questions_import(
    *,
    content: bytes,
    filename: str,
    bank_path: Sequence[str],
    file_format: str | None = None,
    import_job_id: int | None = None,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Import every supported question in a Moodle XML or GIFT file into the bank at
    `bank_path` (created if missing) and the banks below it that the file's categories name.

    All or nothing, in one transaction: raises InterchangeError listing every problem (syntax
    errors with line and column, question problems with the question's name and line), and then
    nothing has been written, to the database or to storage. Questions of unsupported types are
    skipped and listed in the report. `file_format` ("moodle_xml" or "gift") overrides the
    file name's extension. Each import adds new questions; importing a file twice gives two
    copies.

    With `import_job_id` (an ImportJob running the import), the file is checked the same way
    but written in batches, each its own short transaction; see `_import_in_batches`.
    """
    names = [name.strip() for name in bank_path if name.strip()]
    if not names or any(len(name) > MAX_BANK_NAME for name in names):
        raise InterchangeError(
            [Problem(filename, None, "give a bank name of at most 120 characters per level")]
        )
    parsed, formats = questions_check(content=content, filename=filename, file_format=file_format)
    if import_job_id is not None:
        return _import_in_batches(parsed, formats, names, import_job_id, progress, batch_size)
    store = _ImageStore(formats)
    try:
        with transaction.atomic():
            banks: dict[tuple[str, ...], QuestionBank] = {}

            def bank_for(path: tuple[str, ...]) -> QuestionBank:
                if path not in banks:
                    banks[path] = bank_path_get_or_create(path=[*names, *path])
                return banks[path]

            bank_for(())
            for category in parsed.categories:
                bank_for(category)
            for question in parsed.questions:
                bank = bank_for(question.category)
                data = replace(
                    question.data,
                    prompt=store.rewrite(
                        question.data.prompt, question.files.get("prompt", {}), bank
                    ),
                    explanation=store.rewrite(
                        question.data.explanation, question.files.get("explanation", {}), bank
                    ),
                )
                question_create(bank=bank, data=data)
    except BaseException:
        store.discard()
        raise
    return ImportReport(len(parsed.questions), parsed.skipped, parsed.notes)


# --- Writing in batches, for import jobs ------------------------------------------------------


def _import_in_batches(
    parsed: ParsedFile,
    formats: dict[str, ImageFormat],
    names: list[str],
    import_job_id: int,
    progress: Progress | None,
    batch_size: int,
) -> ImportReport:
    """Write a checked file: first every bank in one transaction, then `batch_size` questions
    per transaction, pausing between them on SQLite (`pause_for_other_writers`). Each bank,
    question and image created carries `import_job_id`, which keeps it hidden until the job is
    done; deleting what a failed job left is the job's work (`imports.import_job_run`). Image
    files saved here are removed again if anything raises. Raises InterchangeError when a bank
    the file needs is being created by another import."""
    store = _ImageStore(formats, import_job_id=import_job_id)
    total = len(parsed.questions)
    report = progress or (lambda stored, total: None)
    try:
        with transaction.atomic():
            banks: dict[tuple[str, ...], QuestionBank] = {}
            for path in [(), *parsed.categories, *(q.category for q in parsed.questions)]:
                if path not in banks:
                    try:
                        banks[path] = bank_path_get_or_create(
                            path=[*names, *path], import_job_id=import_job_id
                        )
                    except ValidationError as exc:
                        raise InterchangeError(
                            [Problem(parsed.filename, None, message) for message in exc.messages]
                        ) from exc
            report(0, total)
        for start in range(0, total, batch_size):
            with transaction.atomic():
                for question in parsed.questions[start : start + batch_size]:
                    bank = banks[question.category]
                    data = replace(
                        question.data,
                        prompt=store.rewrite(
                            question.data.prompt, question.files.get("prompt", {}), bank
                        ),
                        explanation=store.rewrite(
                            question.data.explanation, question.files.get("explanation", {}), bank
                        ),
                    )
                    question_create(bank=bank, data=data, import_job_id=import_job_id)
                report(min(start + batch_size, total), total)
            pause_for_other_writers()
    except BaseException:
        store.discard()
        raise
    return ImportReport(len(parsed.questions), parsed.skipped, parsed.notes)
