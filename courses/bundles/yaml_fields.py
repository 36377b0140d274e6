"""The checks for the fields of a course bundle's YAML files (text, keys, true/false, lists),
each recording a `Problem` on the field's line."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug

from ..yaml_reader import LineMapping, Problem

_EXAMPLE_KEY = "6f1c2a4e-0b7d-4c55-9a51-3e2f1d9b8c70"


class Fields:
    """Reads typed fields out of one YAML mapping, recording a problem for each bad one."""

    def __init__(self, mapping: LineMapping, file: str, what: str, problems: list[Problem]) -> None:
        self.mapping, self.file, self.what, self.problems = mapping, file, what, problems

    def problem(self, name: str | None, message: str) -> None:
        """Record a problem on the line of field `name`, or of the mapping when None."""
        line = self.mapping.line if name is None else self.mapping.line_of(name)
        self.problems.append(Problem(self.file, line, message))

    def unknown(self, allowed: tuple[str, ...]) -> None:
        """A problem for each field not in `allowed`."""
        for name in self.mapping:
            if name not in allowed:
                self.problem(
                    str(name),
                    f"Unknown field '{name}' in the {self.what}. Allowed: {', '.join(allowed)}.",
                )

    def text(self, name: str, *, required: bool, max_length: int) -> str:
        """The field's text, stripped; "" when it is missing, empty or not text (a problem is
        recorded when it is required or not text). Too long is a problem, but returned whole."""
        value = self.mapping.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required and name not in self.mapping:
                self.problem(None, f"The {self.what} has no '{name}'.")
            elif required:
                self.problem(name, f"The {self.what}'s '{name}' is empty.")
            return ""
        if not isinstance(value, str):
            self.problem(name, f"'{name}' must be text; put it in quotes.")
            return ""
        value = value.strip()
        if len(value) > max_length:
            self.problem(name, f"'{name}' is {len(value)} characters; the most is {max_length}.")
        return value

    def key(self, seen: dict[uuid.UUID, int]) -> uuid.UUID | None:
        """The `key` field as a UUID, or None when there is none or it is bad or already in
        `seen` (a problem). A good key is added to `seen` with its line."""
        value = self.mapping.get("key")
        if value is None:
            return None
        try:
            key = uuid.UUID(str(value).strip()) if isinstance(value, str) else None
        except ValueError:
            key = None
        if key is None:
            self.problem("key", f"'{value}' is not a valid key (a UUID such as {_EXAMPLE_KEY}).")
            return None
        line = self.mapping.line_of("key")
        if key in seen:
            self.problem(
                "key", f"Key {key} is already used on line {seen[key]}; keys must be unique."
            )
            return None
        seen[key] = line
        return key

    def boolean(self, name: str, default: bool) -> bool:
        """The field when it is true or false; `default` when missing, or (a problem) not one."""
        value = self.mapping.get(name, default)
        if not isinstance(value, bool):
            self.problem(name, f"'{name}' must be true or false.")
            return default
        return value

    def items(self, name: str) -> list[Any]:
        """The field's list; [] and a problem when it is missing, not a list or empty."""
        value = self.mapping.get(name)
        if name not in self.mapping:
            self.problem(None, f"The {self.what} has no '{name}'; add at least one.")
            return []
        if not isinstance(value, list) or not value:
            self.problem(name, f"'{name}' must be a list with at least one entry.")
            return []
        return value

    def format_version(self, expected: int) -> None:
        """A problem unless the `format` field is exactly `expected`."""
        value = self.mapping.get("format")
        if value != expected or isinstance(value, bool):
            self.problem(
                None if "format" not in self.mapping else "format",
                f"Unsupported format {value!r}; this site reads format: {expected}.",
            )

    def slug(self, *, max_length: int) -> str:
        """The required `slug` field, as `text` reads it; a problem when it holds anything but
        letters, numbers, '-' and '_'."""
        slug = self.text("slug", required=True, max_length=max_length)
        if slug:
            try:
                validate_slug(slug)
            except ValidationError:
                self.problem("slug", f"Slug '{slug}' may only hold letters, numbers, '-' and '_'.")
        return slug
