"""Exporting a bank, with every bank nested below it, as a Moodle XML file."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import PurePosixPath
from urllib.parse import quote, unquote

from django.conf import settings

from assessments.models import Question, QuestionBank, QuestionImage

from ..services import question_input_from
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


def _subtree(bank: QuestionBank) -> list[tuple[QuestionBank, tuple[str, ...]]]:
    """`bank` and every bank below it with its path relative to `bank`, parents before their
    children, siblings by name. One query per level of nesting."""
    paths: dict[int, tuple[str, ...]] = {bank.pk: ()}
    children: dict[int, list[QuestionBank]] = {}
    level = [bank.pk]
    while level:
        found = list(QuestionBank.objects.filter(parent__in=level).order_by("name", "pk"))
        for child in found:
            assert child.parent_id is not None
            paths[child.pk] = (*paths[child.parent_id], child.name)
            children.setdefault(child.parent_id, []).append(child)
        level = [child.pk for child in found]

    ordered: list[tuple[QuestionBank, tuple[str, ...]]] = []

    def visit(node: QuestionBank) -> None:
        ordered.append((node, paths[node.pk]))
        for child in children.get(node.pk, []):
            visit(child)

    visit(bank)
    return ordered


def _media_link(media_url: str) -> re.Pattern[str]:
    # A Markdown link or image target pointing into our uploads: `](/media/...)`.
    return re.compile(r"(?<=\]\()" + re.escape(media_url) + r"([^)\s]+)")


class _Embedder:
    """Swaps links to QuestionImages for `@@PLUGINFILE@@/<name>` and collects their bytes."""

    def __init__(self, images: dict[str, QuestionImage]) -> None:
        self.images = images
        self.pattern = _media_link(settings.MEDIA_URL)

    def embed(self, markdown: str) -> tuple[str, dict[str, bytes]]:
        files: dict[str, bytes] = {}
        names: dict[str, str] = {}  # stored path -> name used in this field

        def swap(match: re.Match[str]) -> str:
            path = unquote(match.group(1))
            image = self.images.get(path)
            if image is None:
                return match.group(0)  # not a question image: left as it is
            if path not in names:
                names[path] = _unique_name(image.name or PurePosixPath(path).name, files)
                with image.image.open("rb") as handle:
                    files[names[path]] = handle.read()
            return "@@PLUGINFILE@@/" + quote(names[path])

        return self.pattern.sub(swap, markdown), files


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
    """`bank` and the banks below it as a Moodle XML file: a category per bank (empty ones
    too), then the current version of each of its questions that isn't archived, with the
    images they show embedded. Importing the file into an empty bank reproduces them.

    Queries: one per level of nesting, four for the questions and their parts, one for the
    images; image files are read from storage.
    """
    subtree = _subtree(bank)
    questions = list(
        Question.objects.filter(
            bank__in=[node.pk for node, _path in subtree], archived=False, current__isnull=False
        )
        .select_related("current")
        .prefetch_related("current__choices", "current__pairs", "current__accepted")
        .order_by("pk")
    )
    by_bank: dict[int, list[Question]] = {}
    for question in questions:
        by_bank.setdefault(question.bank_id, []).append(question)

    pattern = _media_link(settings.MEDIA_URL)
    paths = {
        unquote(match.group(1))
        for question in questions
        if question.current is not None
        for text in (question.current.prompt_markdown, question.current.explanation_markdown)
        for match in pattern.finditer(text)
    }
    images = {
        image.image.name: image
        for image in QuestionImage.objects.filter(image__in=paths)
        if image.image.name
    }
    embedder = _Embedder(images)

    categories = []
    for node, path in subtree:
        exported = []
        for question in by_bank.get(node.pk, []):
            assert question.current is not None
            data = question_input_from(question.current)
            prompt, prompt_files = embedder.embed(data.prompt)
            explanation, explanation_files = embedder.embed(data.explanation)
            exported.append(
                ExportQuestion(
                    replace(data, prompt=prompt, explanation=explanation),
                    {"prompt": prompt_files, "explanation": explanation_files},
                )
            )
        categories.append(ExportCategory(path, exported))
    return write(categories)
