"""Email text from templates admins edit in the browser, rendered in a sandbox.

Each kind (and the digest that combines several) has a subject, a plain-text body and an HTML
body. A saved `EmailTemplate` row wins; otherwise the default from
templates/notifications/email/<key>.{subject.txt,txt,html} is used.

The sandbox: an engine of its own with no template loaders and only Django's built-in tags and
filters, minus the ones that reach outside the template (`load`, `include`, `extends`, `url`,
`debug`, `csrf_token`); and a context of plain data (strings, numbers, lists, dicts) copied from
the outbox row, so `{{ ... }}` can reach no model, method or setting. Django refuses names that
start with an underscore on its own.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.base import Node
from django.template.defaulttags import CsrfTokenNode, DebugNode, LoadNode, URLNode
from django.template.loader_tags import ExtendsNode, IncludeNode
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from .kinds import DIGEST, DIGEST_SAMPLE, KINDS, REMINDERS
from .models import EmailTemplate

DEFAULTS_DIR = Path(settings.BASE_DIR) / "templates" / "notifications" / "email"
PARTS = ("subject", "text", "html")
_SUFFIX = {"subject": "subject.txt", "text": "txt", "html": "html"}
_FORBIDDEN = (LoadNode, IncludeNode, ExtendsNode, URLNode, DebugNode, CsrfTokenNode)
_INVALID = "\x00UNKNOWN\x00%s\x00"
_UNKNOWN = re.compile("\x00UNKNOWN\x00(.*?)\x00")

_sandbox = Engine(dirs=[], app_dirs=False, loaders=[], libraries={}, autoescape=True)
_checker = Engine(
    dirs=[], app_dirs=False, loaders=[], libraries={}, autoescape=True, string_if_invalid=_INVALID
)


@dataclass(frozen=True)
class Source:
    subject: str
    text: str
    html: str

    def part(self, name: str) -> str:
        return str(getattr(self, name))


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def template_keys() -> list[str]:
    """Every editable template: one per reminder kind, then the digest. (The invitation is
    written by learners, whose templates carry its signed link.)"""
    return [*(k for k in KINDS if k in REMINDERS), DIGEST]


def sample_context(key: str) -> dict[str, Any]:
    """The data the editor previews `key` with (and checks variable names against)."""
    if key == DIGEST:
        return dict(DIGEST_SAMPLE)
    # `in_digest`: set when the email is one item of several, so the greeting is said once.
    sample = {**KINDS[key].sample, "in_digest": False}
    if KINDS[key].group == "optional":
        sample["unsubscribe_url"] = "https://training.example.com/notifications/unsubscribe/…/"
    return sample


@functools.cache
def default_source(key: str) -> Source:
    """The wording shipped in templates/notifications/email/ for `key`. Read once."""
    parts = {p: (DEFAULTS_DIR / f"{key}.{_SUFFIX[p]}").read_text() for p in PARTS}
    return Source(**parts)


def source_for(key: str) -> Source:
    """The saved wording for `key`, or the default. One query."""
    saved = EmailTemplate.objects.filter(key=key).first()
    if saved is None:
        return default_source(key)
    return Source(subject=saved.subject, text=saved.text, html=saved.html)


@functools.lru_cache(maxsize=128)
def _compiled(code: str) -> Template:
    # A batch renders the same few templates hundreds of times; compiling is most of the cost.
    return _compile(_sandbox, code)


def _compile(engine: Engine, code: str) -> Template:
    template = engine.from_string(code)
    for node in template.nodelist.get_nodes_by_type(Node):
        if isinstance(node, _FORBIDDEN):
            raise TemplateSyntaxError(
                _("Templates here can't use {%% %(tag)s %%}.")
                % {"tag": type(node).__name__.removesuffix("Node").lower()}
            )
    return template


def _render(template: Template, context: dict[str, Any], *, html: bool) -> str:
    return template.render(Context(context, autoescape=html))


def render(source: Source, context: dict[str, Any]) -> Rendered:
    """Render the three parts with `context` (plain data). The subject is one line. Raises
    TemplateSyntaxError for a template that does not compile (saved ones were checked)."""
    subject = _render(_compiled(source.subject), context, html=False)
    return Rendered(
        subject=" ".join(subject.split()),
        text=_render(_compiled(source.text), context, html=False).strip() + "\n",
        html=_render(_compiled(source.html), context, html=True),
    )


def problems(key: str, source: Source) -> dict[str, str]:
    """{part: message} for each part that does not compile, uses a forbidden tag, or names a
    variable `key`'s emails don't have; {} when all three are fine. Renders with the sample
    data, so it also catches a filter that fails on it."""
    found: dict[str, str] = {}
    context = sample_context(key)
    for part in PARTS:
        try:
            output = _render(_compile(_checker, source.part(part)), context, html=part == "html")
        except TemplateSyntaxError as exc:
            found[part] = _("This doesn't work yet: %(error)s") % {"error": exc}
            continue
        except Exception as exc:  # a filter that fails on the sample data
            found[part] = _("This fails with the sample data: %(error)s") % {"error": exc}
            continue
        unknown = sorted(set(_UNKNOWN.findall(output)))
        if unknown:
            found[part] = _("We don't know %(names)s here. You can use: %(known)s.") % {
                "names": ", ".join("{{ " + name + " }}" for name in unknown),
                "known": ", ".join(sorted(context)),
            }
        elif part == "subject" and not output.strip():
            found[part] = _("Write a subject: people decide from it whether to open the email.")
    return found


def render_item(key: str, context: dict[str, Any], source: Source | None = None) -> Rendered:
    """One kind's email for one outbox row's context. One query unless `source` is given."""
    return render(source or source_for(key), context)


def render_digest(
    name: str, items: list[Rendered], context: dict[str, Any], source: Source | None = None
) -> Rendered:
    """The email that combines several reminders into one; each item keeps its own subject
    and bodies. One query unless `source` is given."""
    data = {
        **context,
        "name": name,
        "count": len(items),
        "items": [
            {
                "subject": item.subject,
                "text": item.text.strip(),
                "html": SafeString(item.html),
            }
            for item in items
        ],
    }
    return render(source or source_for(DIGEST), data)
