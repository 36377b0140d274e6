"""Authoring question banks and questions, and importing and exporting question files, for
training admins (everyone else: 404).

Views parse the request, fetch through a permission check (`permissions`, or
`learners.permissions.require_author` for pages about no one object), call a service and
redirect; a form with errors comes back with status 400, every message next to what it is
about and everything typed kept. An upload becomes an import job run in the background
(`imports`, `tasks.run_question_import`) with a page of its own; export hands the work to
`interchange.bank_export`.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import tasks
from assessments.models import ImportJob, Question, QuestionBank, QuestionVersion
from config.forms import add_service_errors
from config.http import AuthedRequest
from config.parsing import ascii_int
from learners.permissions import require_author

from . import imports, permissions, selectors, services
from .editor import KIND_HELP, QuestionEditor
from .forms import BankForm, QuestionImportForm
from .interchange import MAX_UPLOAD_BYTES, bank_export
from .interchange.common import MAX_CATEGORY_DEPTH
from .preview import learner_preview

IMPORT_TEMPLATE = "assessments/interchange/import.html"

Kind = QuestionVersion.Kind


def _kinds() -> list[tuple[str, str, str]]:
    return [(value, str(label), str(KIND_HELP[value])) for value, label in Kind.choices]


# --- Banks ------------------------------------------------------------------------------------


@login_required
def bank_list(request: AuthedRequest) -> HttpResponse:
    require_author(request.user)
    tree = selectors.bank_tree()
    return render(
        request,
        "assessments/authoring/bank_list.html",
        {"rows": tree.rows(), "form": BankForm(banks=tree.flat())},
    )


@login_required
def bank_new(request: AuthedRequest) -> HttpResponse:
    require_author(request.user)
    tree = selectors.bank_tree()
    parent_pk = request.GET.get("parent", "")
    form = BankForm(
        request.POST or None,
        banks=tree.flat(),
        initial={"parent": ascii_int(parent_pk)},
    )
    if request.method == "POST" and form.is_valid():
        parent = tree.nodes.get(form.cleaned_data["parent"] or 0)
        try:
            bank = services.bank_create(
                name=form.cleaned_data["name"], parent=parent.bank if parent else None
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Question bank “%(name)s” created.") % {"name": bank})
            return redirect("author_bank", pk=bank.pk)
    return render(
        request,
        "assessments/authoring/bank_new.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@login_required
def bank_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    require_author(request.user)
    tree = selectors.bank_tree()
    node = tree.nodes.get(pk)
    if node is None:
        raise Http404
    return render(
        request,
        "assessments/authoring/bank_detail.html",
        {
            "bank": node.bank,
            "rows": tree.rows(under=node),
            "ancestors": tree.ancestors(pk),
            "questions": selectors.bank_questions(node.bank),
            "kinds": _kinds(),
        },
    )


# --- Questions --------------------------------------------------------------------------------


def _question_page(
    request: AuthedRequest,
    editor: QuestionEditor,
    *,
    bank: QuestionBank,
    ancestors: list[QuestionBank],
    question: Question | None = None,
    answered: bool = False,
) -> HttpResponse:
    return render(
        request,
        "assessments/authoring/question_edit.html",
        {
            "editor": editor,
            "form": editor.form,
            "rows": editor.rows,
            "part": editor.part,
            "kind": editor.kind,
            "kind_label": Kind(editor.kind).label,
            "bank": bank,
            "ancestors": ancestors,
            "question": question,
            "version": question.current if question else None,
            "answered": answered,
            "preview": learner_preview(editor.typed_input()),
        },
        status=400 if editor.has_errors else 200,
    )


def _saved_message(request: AuthedRequest, title: str, version: QuestionVersion) -> None:
    if version.number > 1:
        text = _("Question “%(title)s” saved (version %(n)s).") % {
            "title": title,
            "n": version.number,
        }
    else:
        text = _("Question “%(title)s” saved.") % {"title": title}
    messages.success(request, text)


@login_required
def question_new(request: AuthedRequest, pk: int) -> HttpResponse:
    require_author(request.user)
    tree = selectors.bank_tree()
    node = tree.nodes.get(pk)
    if node is None:
        raise Http404
    kind = request.GET.get("kind", "")
    if kind not in Kind.values:
        return render(
            request,
            "assessments/authoring/question_kind.html",
            {"bank": node.bank, "ancestors": tree.ancestors(pk), "kinds": _kinds()},
            status=400 if request.method == "POST" or kind else 200,
        )
    ancestors = tree.ancestors(pk)

    def page(editor: QuestionEditor) -> HttpResponse:
        return _question_page(request, editor, bank=node.bank, ancestors=ancestors)

    if request.method != "POST":
        return page(QuestionEditor(kind))
    if "more_rows" in request.POST:
        return page(QuestionEditor.with_more_rows(kind, request.POST))
    editor = QuestionEditor(kind, data=request.POST)
    if editor.is_valid():
        try:
            question = services.question_create(bank=node.bank, data=editor.to_input())
        except ValidationError as exc:
            editor.add_service_errors(exc)
        else:
            assert question.current is not None
            _saved_message(request, question.current.title, question.current)
            if "another" in request.POST:
                return redirect(f"{reverse('author_question_new', args=[pk])}?kind={kind}")
            return redirect(f"{reverse('author_bank', args=[pk])}#question-{question.pk}")
    return page(editor)


@login_required
def question_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    question = permissions.get_authored_question(request.user, pk)
    current = question.current
    assert current is not None
    ancestors = selectors.bank_tree().ancestors(question.bank_id)
    answered = selectors.version_is_answered(current)

    def page(editor: QuestionEditor) -> HttpResponse:
        return _question_page(
            request,
            editor,
            bank=question.bank,
            ancestors=ancestors,
            question=question,
            answered=answered,
        )

    if request.method != "POST":
        initial = services.question_input_from(current)
        return page(QuestionEditor(current.kind, initial=initial))
    if "more_rows" in request.POST:
        return page(QuestionEditor.with_more_rows(current.kind, request.POST))
    editor = QuestionEditor(current.kind, data=request.POST)
    if editor.is_valid():
        try:
            version = services.question_update(question=question, data=editor.to_input())
        except ValidationError as exc:
            editor.add_service_errors(exc)
        else:
            _saved_message(request, version.title, version)
            return redirect(f"{reverse('author_bank', args=[question.bank_id])}#question-{pk}")
    return page(editor)


@login_required
@require_POST
def question_preview(request: AuthedRequest) -> HttpResponse:
    """The question as learners will see it, from the editor's form as typed (htmx)."""
    require_author(request.user)
    kind = request.POST.get("kind", "")
    if kind not in Kind.values:
        return HttpResponse(_("Choose a question type."), status=400)
    editor = QuestionEditor(kind, data=request.POST)
    return render(
        request,
        "assessments/authoring/_question_preview.html",
        {"preview": learner_preview(editor.typed_input())},
    )


# --- Import and export ------------------------------------------------------------------------


def _bank_choices(tree: selectors.BankTree | None = None) -> list[tuple[int, str]]:
    """Every bank as (id, "Parent › Child"), parents before their children, deep banks by a
    shortened path (see selectors.bank_tree). One query, none when given the tree."""
    return [(node.bank.pk, node.path) for node in (tree or selectors.bank_tree()).flat()]


def _page(
    request: AuthedRequest,
    form: QuestionImportForm,
    *,
    status: int = 200,
    tree: selectors.BankTree | None = None,
) -> HttpResponse:
    context = {
        "form": form,
        "jobs": list(permissions.import_jobs_visible_to(request.user).recent()),
        "banks": _bank_choices(tree),
        "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
    }
    return render(request, IMPORT_TEMPLATE, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def question_import(request: AuthedRequest) -> HttpResponse:
    """The upload form and the author's recent imports. A valid upload becomes an import job,
    run in the background, and the answer is its page: whatever the file's size, nothing is
    read here beyond what the form checks."""
    require_author(request.user)
    if request.method != "POST":
        # Linked from a bank's page as ?bank=<id>: start with that bank filled in.
        tree = selectors.bank_tree()
        node = tree.nodes.get(ascii_int(request.GET.get("bank")) or 0)
        path = [*tree.ancestors(node.bank.pk), node.bank] if node else []
        initial = {"bank": "/".join(bank.name for bank in path)} if path else None
        return _page(request, QuestionImportForm(initial=initial), tree=tree)
    form = QuestionImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=400)
    upload: UploadedFile = form.cleaned_data["file"]
    job = imports.import_job_create(
        actor=request.user,
        content=upload.read(),
        filename=upload.name or "upload",
        bank_path=form.cleaned_data["bank"],
        file_format=form.cleaned_data["file_format"],
    )
    # Robust: with the broker down the job stays queued and its page says it is waiting,
    # rather than this request failing after the file was safely stored.
    transaction.on_commit(partial(tasks.run_question_import.delay, job.pk), robust=True)
    return redirect("question_import_job", pk=job.pk)


@login_required
@require_GET
def question_import_help(request: AuthedRequest) -> HttpResponse:
    """How to write a Moodle XML or GIFT file that imports well, for authors: the part of
    docs/question-import-formats.md they need, on a page they can open."""
    require_author(request.user)
    return render(
        request,
        "assessments/interchange/import_help.html",
        {"max_mb": MAX_UPLOAD_BYTES // (1024 * 1024), "max_depth": MAX_CATEGORY_DEPTH},
    )


# A job still queued after this long is worth a word about the worker.
QUEUE_PATIENCE = timedelta(seconds=30)


@login_required
@require_GET
def question_import_job(request: AuthedRequest, pk: int) -> HttpResponse:
    """An import job's page. While the job is queued or running the page asks for its status
    every second (htmx); the answer for a finished job is 286, which tells htmx to stop."""
    job = permissions.get_import_job_for(request.user, pk)
    context = {
        "job": job,
        "State": ImportJob.State,
        "report": imports.import_job_report(job),
        "problems": imports.import_job_problems(job),
        "bank_path": " › ".join(job.bank_path),
        "waiting_long": job.state == ImportJob.State.QUEUED
        and timezone.now() - job.created_at > QUEUE_PATIENCE,
    }
    if request.htmx:
        return render(
            request,
            "assessments/interchange/_import_job_status.html",
            context,
            status=286 if job.is_finished else 200,
        )
    return render(request, "assessments/interchange/import_job.html", context)


@login_required
@require_GET
def question_export(request: AuthedRequest) -> HttpResponse:
    bank_id = ascii_int(request.GET.get("bank"))
    if bank_id is None:
        raise Http404
    bank = permissions.get_bank_for(request.user, bank_id)
    filename = f"{slugify(bank.name) or 'questions'}.xml"
    return HttpResponse(
        bank_export(bank=bank),
        content_type="application/xml; charset=utf-8",
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )
