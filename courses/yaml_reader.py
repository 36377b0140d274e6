"""YAML read with line numbers, and the one `Problem` type (file:line: message) every file
format reports in: course bundles (courses.bundles), quiz files (assessments.quizzes.loader)
and practice conversation files (assessments.scenarios.loader).

`parse_yaml` returns the document with every mapping a `LineMapping`, which knows the line it
starts on and the line of each key, so a check on any field can point at the line to fix.
Aliases are refused and repeated keys reported; `decode` turns bytes into text or a problem on
the line that is not UTF-8.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import yaml


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: its name, the 1-based line (None when the problem is with
    the file as a whole) and what to fix."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        """`file:line: message`, the way compilers and linters report (for the command line)."""
        if self.line is None:
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}: {self.message}"

    @property
    def display(self) -> str:
        """`file, line N: message`, for people reading a web page."""
        if self.line is None:
            return f"{self.file}: {self.message}"
        return f"{self.file}, line {self.line}: {self.message}"


class LineMapping(dict[Any, Any]):
    """A YAML mapping that remembers the line it starts on and the line of each of its keys."""

    line: int = 1
    key_lines: dict[Any, int]

    def line_of(self, key: str) -> int:
        """The line of `key` when present, else the line the mapping starts on."""
        return self.key_lines.get(key, self.line)


class _LineLoader(yaml.SafeLoader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[str, int]] = []

    def compose_node(self, parent: Any, index: Any) -> Any:
        # Aliases can make a small file expand into a huge document; none of our formats need them.
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (*name) are not allowed", event.start_mark
            )
        return super().compose_node(parent, index)


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineMapping:
    mapping = LineMapping()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                None, None, "a field name must be plain text", key_node.start_mark
            )
        if key in mapping:
            loader.duplicates.append((str(key), line))
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = line
    return mapping


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def decode(raw: bytes, file: str, problems: list[Problem]) -> str | None:
    """UTF-8 text without a byte-order mark, or None (and a problem on the failing line) for
    bytes that aren't UTF-8 or text holding a NUL character."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        problems.append(Problem(file, line, "This file is not UTF-8 text. Save it as UTF-8."))
        return None
    if "\x00" in text:
        # No database text column can hold NUL; a text file never needs one.
        line = text.count("\n", 0, text.index("\x00")) + 1
        problems.append(Problem(file, line, "This file holds a NUL character. Remove it."))
        return None
    return text


def parse_yaml(text: str, file: str, problems: list[Problem]) -> Any:
    """The document, or None with problems recorded for syntax errors and repeated fields."""
    try:
        # A text loader checks every character when it is created: a control character such as
        # U+001F is refused here, before any parsing.
        loader = _LineLoader(text)
    except yaml.reader.ReaderError as exc:
        problems.append(
            Problem(
                file,
                text.count("\n", 0, exc.position) + 1,
                f"This file holds a character YAML can't read (U+{exc.character:04X}, usually "
                "invisible). Remove it.",
            )
        )
        return None
    try:
        document = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or exc.context or "unreadable YAML"
        problems.append(Problem(file, line, f"YAML syntax error: {what}."))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(file, None, f"YAML syntax error: {exc}."))
        return None
    except RecursionError:
        problems.append(Problem(file, None, "This file is nested too deeply to read."))
        return None
    except (ValueError, OverflowError):
        # A scalar YAML accepts but Python can't hold: a number thousands of digits long, a
        # date such as 2026-13-45.
        problems.append(
            Problem(file, None, "This file holds a number or date too large or not valid.")
        )
        return None
    finally:
        loader.dispose()
    for name, line in loader.duplicates:
        problems.append(Problem(file, line, f"'{name}' appears twice here; keep one."))
    return document
