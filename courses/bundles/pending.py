"""Bundles uploaded on the web that wait for the author to confirm an import over an existing
course.

The upload is kept in settings.BUNDLE_UPLOAD_ROOT (never served, unlike MEDIA_ROOT) under a
random name, and the confirmation page carries a signed token naming it, its SHA-256, the plan
the author saw (`planning.ImportPlan.fingerprint`) and who uploaded it. Confirming posts only
the token: nothing is uploaded twice, and nothing but that file, unchanged, can be imported
with it, by anyone but its author, within MAX_AGE. Uploads older than that are removed whenever
another one is kept.
"""

from __future__ import annotations

import hashlib
import io
import re
import time
import uuid
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from django.conf import settings
from django.core import signing

from learners.models import User

MAX_AGE = 60 * 60  # seconds an author has to confirm
_SALT = "courses.bundles.pending"
_NAME = re.compile(r"[0-9a-f]{32}")


class PendingInvalid(Exception):
    """The token is not one this site signed for this person, is older than MAX_AGE, or its
    upload is gone or changed."""


@dataclass(frozen=True)
class PendingUpload:
    """An upload waiting for confirmation, checked against its token."""

    name: str  # the stored file's name, without .zip
    sha256: str
    plan: str  # the fingerprint of the plan the author was shown
    filename: str  # as uploaded, for messages
    user_id: int
    content: bytes = field(default=b"", repr=False)  # as found by `pending_find`

    @property
    def path(self) -> Path:
        return Path(settings.BUNDLE_UPLOAD_ROOT) / f"{self.name}.zip"

    def token(self) -> str:
        """A fresh signed token for this upload (its age starts now)."""
        payload = {
            "name": self.name,
            "sha256": self.sha256,
            "plan": self.plan,
            "filename": self.filename,
            "user": self.user_id,
        }
        return signing.dumps(payload, salt=_SALT, compress=True)

    def for_plan(self, plan: str) -> PendingUpload:
        """The same upload, for a plan shown again (the course changed in between)."""
        return replace(self, plan=plan)

    def open(self) -> io.BytesIO:
        """The upload's bytes as `pending_find` read them, named as uploaded (problems are
        reported against that name)."""
        file = io.BytesIO(self.content)
        file.name = self.filename
        return file


def _sweep(root: Path) -> None:
    cutoff = time.time() - MAX_AGE
    for path in root.glob("*.zip"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue  # removed by another request meanwhile


def pending_keep(*, chunks: Iterable[bytes], filename: str, user: User, plan: str) -> PendingUpload:
    """Store an upload (as `chunks`) until its author confirms; removes uploads older than
    MAX_AGE on the way. The caller shows `.token()` on the confirmation page."""
    root = Path(settings.BUNDLE_UPLOAD_ROOT)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    _sweep(root)
    name = uuid.uuid4().hex
    digest = hashlib.sha256()
    with (root / f"{name}.zip").open("xb") as out:
        for chunk in chunks:
            digest.update(chunk)
            out.write(chunk)
    return PendingUpload(name, digest.hexdigest(), plan, filename, user.pk)


def pending_find(token: str, *, user: User) -> PendingUpload:
    """The upload `token` names, when this site signed it for `user` less than MAX_AGE ago
    and the file is there with the same bytes (read into `.content`); PendingInvalid
    otherwise."""
    try:
        payload = signing.loads(token, salt=_SALT, max_age=MAX_AGE)
    except (signing.BadSignature, ValueError, zlib.error) as exc:
        # Expired, tampered with, or signed here over something that is not a payload.
        raise PendingInvalid from exc
    if not isinstance(payload, dict):
        raise PendingInvalid
    name, sha256, plan, filename, user_id = (
        payload.get(key) for key in ("name", "sha256", "plan", "filename", "user")
    )
    if not (
        isinstance(name, str)
        and _NAME.fullmatch(name)
        and isinstance(sha256, str)
        and isinstance(plan, str)
        and isinstance(filename, str)
        and user_id == user.pk
    ):
        raise PendingInvalid
    pending = PendingUpload(name, sha256, plan, filename, user.pk)
    try:
        content = pending.path.read_bytes()
    except OSError as exc:
        raise PendingInvalid from exc
    if hashlib.sha256(content).hexdigest() != sha256:
        raise PendingInvalid
    return replace(pending, content=content)


def pending_discard(pending: PendingUpload) -> None:
    """Remove the stored upload (once imported, or abandoned). Nothing happens if it is gone."""
    pending.path.unlink(missing_ok=True)
