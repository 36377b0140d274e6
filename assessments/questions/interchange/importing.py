"""Importing a question file: read it, check every question, then write all of it or nothing."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import PurePosixPath
from urllib.parse import unquote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction

from assessments.models import QuestionAudio, QuestionBank, QuestionImage
from courses.images import ImageFormat, check_image

from ..services import bank_path_get_or_create, question_create, question_validate
from . import gift, moodle_xml
from .audio import MAX_AUDIO_BYTES, AudioFormat, audio_format
from .common import (
    MARKDOWN_SLOTS,
    MAX_BANK_NAME,
    MAX_CATEGORY_DEPTH,
    ImportReport,
    InterchangeError,
    ParsedFile,
    ParsedQuestion,
    Problem,
    length_problems,
    map_texts,
)
from .markup import is_audio_name

READERS: dict[str, Callable[[bytes, str], ParsedFile]] = {
    "moodle_xml": moodle_xml.read,
    "gift": gift.read,
}
EXTENSIONS = {".xml": "moodle_xml", ".gift": "gift", ".txt": "gift"}

# Questions per transaction: about a quarter of a second of writing on SQLite, so a sign-in
# that needs the database waits no longer than that (docs/adr/0012).
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


# `![alt](@@PLUGINFILE@@/name)` as the readers write embedded pictures and sounds, and any
# other Markdown link to an embedded file (which we can't keep: only those two are stored).
_MEDIA_REF = re.compile(r"!\[((?:[^\]\\]|\\.)*)\]\(@@PLUGINFILE@@/([^)\s]+)\)")
_FILE_LINK = re.compile(r"(?<!!)\[((?:[^\]\\]|\\.)*)\]\(@@PLUGINFILE@@/[^)\s]*\)")
_ESCAPE = re.compile(r"\\(.)")

MediaFormat = ImageFormat | AudioFormat


def format_for(filename: str, file_format: str | None = None) -> str | None:
    """The reader to use: `file_format` when given (a key of READERS), otherwise the one the
    file name's extension suggests. None when neither says."""
    if file_format:
        return file_format if file_format in READERS else None
    return EXTENSIONS.get(PurePosixPath(filename.lower()).suffix)


def _slot_media(
    parsed: ParsedFile,
    question: ParsedQuestion,
    formats: dict[str, MediaFormat],
    slot: str,
    text: str,
) -> str:
    """`text` (of the question's `slot`) with each embedded picture or sound checked and its
    format put in `formats` by content hash. What can't be kept is left out with a note, its
    description kept: a file the reference names but the file doesn't hold, a sound outside the
    question text and explanation, a link to any other attached file. A file that is neither a
    picture nor a sound we can use is a problem."""
    files = question.files.get(slot, {})
    title = question.data.title
    markdown = slot in MARKDOWN_SLOTS

    def description(escaped: str) -> str:
        return escaped if markdown else _ESCAPE.sub(r"\1", escaped)

    def media(match: re.Match[str]) -> str:
        name = unquote(match.group(2))
        content = files.get(name)
        if content is None:
            parsed.note(
                question.line,
                f'question "{title}": "{name}" was left out: the file refers to it but doesn\'t '
                "hold it",
            )
            return description(match.group(1))
        digest = hashlib.sha256(content).hexdigest()
        checked = check_image(content)
        if isinstance(checked, ImageFormat):
            formats[digest] = checked
            if not match.group(1) and slot.startswith("choice:") and ":feedback" not in slot:
                parsed.note(
                    question.line,
                    f'question "{title}": the picture "{name}" in an option has no description; '
                    "add one in the question editor, so people who can't see it can answer",
                )
            return match.group(0)
        sound = audio_format(content)
        if sound is not None and markdown:
            formats[digest] = sound
            return match.group(0)
        if sound is not None:
            parsed.note(
                question.line,
                f'question "{title}": the sound "{name}" was left out: sounds can be played in '
                "the question and its explanation, not in options or feedback",
            )
            return description(match.group(1))
        if is_audio_name(name):
            parsed.problem(
                question.line,
                f'question "{title}": sound "{name}": this file isn\'t a sound we can play '
                f"(MP3, Ogg, WAV, FLAC or M4A, at most {MAX_AUDIO_BYTES // (1024 * 1024)} MB)",
            )
        else:
            parsed.problem(question.line, f'question "{title}": image "{name}": {checked.message}')
        return match.group(0)

    def link(match: re.Match[str]) -> str:
        parsed.note(question.line, f'question "{title}": a link to an attached file was left out')
        return description(match.group(1))

    return _FILE_LINK.sub(link, _MEDIA_REF.sub(media, text))


def _as_stored(_slot: str, text: str) -> str:
    """`text` with each embedded file's reference as long as the stored file's URL may be, so
    that an option checked here still fits its column once the URL is swapped in."""
    longest = f"{settings.MEDIA_URL}question-images/{'9' * 19}/{'f' * 32}.webp"
    return _MEDIA_REF.sub(lambda match: f"![{match.group(1)}]({longest})", text)


def _nothing_to_import(parsed: ParsedFile) -> list[Problem]:
    """Why a file without a single importable question is refused: each skipped question with
    its reason, then what the file holds as a whole. Importing it would add nothing but empty
    banks, and a summary of "imported 0" is too easy to read as success."""
    problems = [
        Problem(parsed.filename, s.line, f'skipped {s.kind} question "{s.title}": {s.reason}')
        for s in parsed.skipped
    ]
    if parsed.skipped:
        summary = (
            "nothing in the file can be imported: none of its questions is of a type this site "
            "has (single or multiple choice, true or false, short answer, matching or ordering)"
        )
    else:
        summary = "the file holds no questions, so there is nothing to import"
    return [Problem(parsed.filename, None, summary), *problems]


def questions_check(
    *, content: bytes, filename: str, file_format: str | None = None
) -> tuple[ParsedFile, dict[str, MediaFormat]]:
    """The file read and every question checked as `question_create` would, images included,
    without touching the database. Returns the parsed file and the format of each embedded
    picture and sound by SHA-256. Raises InterchangeError listing every problem found, and for a
    file without a single question to import (only skipped types, only comments, only
    categories), listing why each question in it was skipped."""
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
    if not parsed.problems and not parsed.questions:
        raise InterchangeError(_nothing_to_import(parsed))
    formats: dict[str, MediaFormat] = {}
    for question in parsed.questions:
        question.data = map_texts(question.data, partial(_slot_media, parsed, question, formats))
        as_stored = map_texts(question.data, _as_stored)
        messages = length_problems(as_stored)
        try:
            question_validate(as_stored)
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


class _MediaStore:
    """Saves embedded pictures as QuestionImages and sounds as QuestionAudio (once per bank and
    content) and remembers the files written, so they can be removed if the import is rolled
    back."""

    def __init__(self, formats: dict[str, MediaFormat], import_job_id: int | None = None) -> None:
        self.formats = formats
        self.import_job_id = import_job_id
        self.urls: dict[tuple[int, str], str] = {}
        self.saved: list[str] = []

    def rewrite(
        self, files: dict[str, dict[str, bytes]], bank: QuestionBank, slot: str, text: str
    ) -> str:
        """`text` with each embedded file's reference swapped for its stored file's URL;
        `files` are the question's, by slot."""

        def media(match: re.Match[str]) -> str:
            name = unquote(match.group(2))
            return f"![{match.group(1)}]({self.url(name, files[slot][name], bank)})"

        return _MEDIA_REF.sub(media, text)

    def url(self, name: str, content: bytes, bank: QuestionBank) -> str:
        digest = hashlib.sha256(content).hexdigest()
        key = (bank.pk, digest)
        if key not in self.urls:
            media_format = self.formats[digest]
            stored: QuestionImage | QuestionAudio
            if isinstance(media_format, AudioFormat):
                stored = QuestionAudio(
                    bank=bank, name=PurePosixPath(name).name[:200], import_job_id=self.import_job_id
                )
                field = stored.file
            else:
                stored = QuestionImage(
                    bank=bank, name=PurePosixPath(name).name[:200], import_job_id=self.import_job_id
                )
                field = stored.image
            field.save(f"file.{media_format.extension}", ContentFile(content), save=False)
            self.saved.append(field.name or "")
            stored.save()
            self.urls[key] = field.url
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
    if len(names) > MAX_CATEGORY_DEPTH:
        raise InterchangeError(
            [
                Problem(
                    filename,
                    None,
                    f"the bank's path is {len(names)} levels deep; give one of at most "
                    f"{MAX_CATEGORY_DEPTH} levels",
                )
            ]
        )
    parsed, formats = questions_check(content=content, filename=filename, file_format=file_format)
    if import_job_id is not None:
        return _import_in_batches(parsed, formats, names, import_job_id, progress, batch_size)
    store = _MediaStore(formats)
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
                data = map_texts(question.data, partial(store.rewrite, question.files, bank))
                question_create(bank=bank, data=data)
    except BaseException:
        store.discard()
        raise
    return ImportReport(len(parsed.questions), parsed.skipped, parsed.notes)


# --- Writing in batches, for import jobs ------------------------------------------------------


def _import_in_batches(
    parsed: ParsedFile,
    formats: dict[str, MediaFormat],
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
    store = _MediaStore(formats, import_job_id=import_job_id)
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
                    data = map_texts(question.data, partial(store.rewrite, question.files, bank))
                    question_create(bank=bank, data=data, import_job_id=import_job_id)
                report(min(start + batch_size, total), total)
            pause_for_other_writers()
    except BaseException:
        store.discard()
        raise
    return ImportReport(len(parsed.questions), parsed.skipped, parsed.notes)
