"""Authoring question banks and questions, for training admins (everyone else: 404).

Views parse the request, fetch through a permission check (assessments.authoring.access),
call a service and redirect; a form with errors comes back with status 400, every message
next to what it is about and everything typed kept.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments import services as question_services
from assessments.models import Question, QuestionBank, QuestionVersion
from config.forms import add_service_errors
from config.http import AuthedRequest

from . import access, selectors, services
from .forms import BankForm
from .preview import learner_preview
from .question_forms import KIND_HELP, QuestionEditor

Kind = QuestionVersion.Kind


def _kinds() -> list[tuple[str, str, str]]:
    return [(value, str(label), str(KIND_HELP[value])) for value, label in Kind.choices]


# --- Banks ------------------------------------------------------------------------------------


@login_required
def bank_list(request: AuthedRequest) -> HttpResponse:
    access.require_author(request)
    tree = selectors.bank_tree()
    return render(
        request,
        "assessments/authoring/bank_list.html",
        {"tree": tree, "form": BankForm(banks=tree.flat())},
    )


@login_required
def bank_new(request: AuthedRequest) -> HttpResponse:
    access.require_author(request)
    tree = selectors.bank_tree()
    parent_pk = request.GET.get("parent", "")
    form = BankForm(
        request.POST or None,
        banks=tree.flat(),
        initial={"parent": int(parent_pk) if parent_pk.isdigit() else None},
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
    access.require_author(request)
    tree = selectors.bank_tree()
    node = tree.nodes.get(pk)
    if node is None:
        raise Http404
    return render(
        request,
        "assessments/authoring/bank_detail.html",
        {
            "bank": node.bank,
            "node": node,
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
    access.require_author(request)
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
            question = question_services.question_create(bank=node.bank, data=editor.to_input())
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
    question = access.question_for(request, pk)
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
        initial = question_services.question_input_from(current)
        return page(QuestionEditor(current.kind, initial=initial))
    if "more_rows" in request.POST:
        return page(QuestionEditor.with_more_rows(current.kind, request.POST))
    editor = QuestionEditor(current.kind, data=request.POST)
    if editor.is_valid():
        try:
            version = question_services.question_update(question=question, data=editor.to_input())
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
    access.require_author(request)
    kind = request.POST.get("kind", "")
    if kind not in Kind.values:
        return HttpResponse(_("Choose a question type."), status=400)
    editor = QuestionEditor(kind, data=request.POST)
    return render(
        request,
        "assessments/authoring/_question_preview.html",
        {"preview": learner_preview(editor.typed_input())},
    )
