"""Exporting a bank, with every bank nested below it, as a Moodle XML file."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath
from urllib.parse import quote, unquote

from django.conf import settings
from django.db.models.fields.files import FieldFile

from assessments.models import Question, QuestionAudio, QuestionBank, QuestionImage

from ..services import question_input_from
from .common import map_texts
from .moodle_xml import ExportCategory, ExportQuestion, write


def bank_find(*, path: Sequence[str]) -> QuestionBank | None:
    """The existing bank at `path` (names from the top, e.g. ["Service", "Apologies"]), or None
    when there is no such bank or the path is empty. One query per level."""
    bank: QuestionBank | None = None
    for name in (n.strip() for n in path if n.strip()):
        bank = QuestionBank.objects.filter(parent=bank, name=name).first()
        if bank is None:
            return None
    return bank


def _subtree(bank: QuestionBank) -> tuple[list[QuestionBank], dict[int, list[QuestionBank]]]:
    """`bank` and every bank below it, parents before their children and siblings by name, and
    each bank's children. One query (for every bank: cheaper than one per level of a deep tree,
    and bank_tree loads them all for every authoring page anyway). Walked with a stack, so no
    depth is too deep."""
    children: dict[int, list[QuestionBank]] = {}
    for other in QuestionBank.objects.only("pk", "name", "parent_id").order_by("name", "pk"):
        if other.parent_id is not None:
            children.setdefault(other.parent_id, []).append(other)
    ordered: list[QuestionBank] = []
    seen: set[int] = set()
    stack = [bank]
    while stack:
        node = stack.pop()
        if node.pk in seen:  # a cycle would be a data bug; write each bank once anyway
            continue
        seen.add(node.pk)
        ordered.append(node)
        stack.extend(reversed(children.get(node.pk, [])))
    return ordered, children


def _path(
    bank: QuestionBank, top: QuestionBank, parents: dict[int, QuestionBank]
) -> tuple[str, ...]:
    """The names from below `top` down to `bank`; () for `top` itself."""
    names: list[str] = []
    while bank.pk != top.pk:
        names.append(bank.name)
        bank = parents[bank.pk]
    names.reverse()
    return tuple(names)


def _media_link(media_url: str) -> re.Pattern[str]:
    # A Markdown link or image target pointing into our uploads: `](/media/...)`.
    return re.compile(r"(?<=\]\()" + re.escape(media_url) + r"([^)\s]+)")


class _Embedder:
    """Swaps links to stored question pictures and sounds for `@@PLUGINFILE@@/<name>` and
    collects their bytes. Links to other uploads are left as they are."""

    def __init__(self, stored: dict[str, tuple[str, FieldFile]]) -> None:
        self.stored = stored  # by storage path: (the name it was imported with, its file)
        self.pattern = _media_link(settings.MEDIA_URL)

    def embed(self, text: str) -> tuple[str, dict[str, bytes]]:
        files: dict[str, bytes] = {}
        names: dict[str, str] = {}  # stored path -> name used in this field

        def swap(match: re.Match[str]) -> str:
            path = unquote(match.group(1))
            if path not in self.stored:
                return match.group(0)
            if path not in names:
                name, stored = self.stored[path]
                names[path] = _unique_name(name or PurePosixPath(path).name, files)
                with stored.open("rb") as handle:
                    files[names[path]] = handle.read()
            return "@@PLUGINFILE@@/" + quote(names[path])

        return self.pattern.sub(swap, text), files


def _unique_name(name: str, taken: dict[str, bytes]) -> str:
    name = PurePosixPath(name).name or "image"
    if name not in taken:
        return name
    stem, suffix = PurePosixPath(name).stem, PurePosixPath(name).suffix
    number = 2
    while f"{stem}-{number}{suffix}" in taken:
        number += 1
    return f"{stem}-{number}{suffix}"


def bank_export(*, bank: QuestionBank) -> bytes:
    """`bank` and the banks below it as a Moodle XML file: categories for its banks (empty ones
    too), each followed by the current version of each of its questions that isn't archived,
    with the images they show embedded. Importing the file into an empty bank reproduces them.

    Queries: one for the banks, four for the questions and their parts, and when they show
    pictures or sounds one for each kind; those files are read from storage. A bank gets a
    category element when it holds questions or is an empty end of a branch (importing a path
    creates the banks on it); the exported bank itself always gets one.
    """
    subtree, children = _subtree(bank)
    parents = {child.pk: node for node in subtree for child in children.get(node.pk, [])}
    questions = list(
        Question.objects.filter(
            bank__in=[node.pk for node in subtree], archived=False, current__isnull=False
        )
        .select_related("current")
        .prefetch_related("current__choices", "current__pairs", "current__accepted")
        .order_by("pk")
    )
    by_bank: dict[int, list[Question]] = {}
    for question in questions:
        by_bank.setdefault(question.bank_id, []).append(question)

    inputs = {
        question.pk: question_input_from(question.current)
        for question in questions
        if question.current is not None
    }
    pattern = _media_link(settings.MEDIA_URL)
    paths: set[str] = set()

    def collect(_slot: str, text: str) -> str:
        paths.update(unquote(match.group(1)) for match in pattern.finditer(text))
        return text

    for data in inputs.values():
        map_texts(data, collect)
    stored: dict[str, tuple[str, FieldFile]] = {}
    for image in QuestionImage.objects.filter(image__in=paths):
        stored[image.image.name or ""] = (image.name, image.image)
    for sound in QuestionAudio.objects.filter(file__in=paths):
        stored[sound.file.name or ""] = (sound.name, sound.file)
    embedder = _Embedder(stored)

    categories = []
    for node in subtree:
        # A category names its whole path, and importing it creates every bank on the way, so
        # banks with neither questions nor an empty end of a branch need no element of their
        # own: a chain thousands of banks deep is one path, not thousands of ever longer ones.
        if node.pk != bank.pk and node.pk not in by_bank and node.pk in children:
            continue
        exported = []
        for question in by_bank.get(node.pk, []):
            files: dict[str, dict[str, bytes]] = {}

            def embed(slot: str, text: str, files: dict[str, dict[str, bytes]] = files) -> str:
                text, embedded = embedder.embed(text)
                if embedded:
                    files[slot] = embedded
                return text

            exported.append(ExportQuestion(map_texts(inputs[question.pk], embed), files))
        categories.append(ExportCategory(_path(node, bank, parents), exported))
    return write(categories)
