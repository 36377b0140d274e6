"""Who may see and change question banks and questions: their authors (training admins) only.

Learners meet questions only inside a quiz attempt, through the quiz's own permissions. For
everyone who may not author, every bank and question answers 404, the same as one that does
not exist. An import job is followed by the author who uploaded the file, and by operators
(superusers) who look after the site; other authors get 404 for it too.
"""

from __future__ import annotations

from django.http import Http404

from assessments.models import ImportJob, ImportJobQuerySet, Question, QuestionBank
from learners.permissions import AnyUser, can_author_content, require_author


def get_bank_for(user: AnyUser, pk: int) -> QuestionBank:
    """Question bank `pk` for its authors; Http404 for everyone else and for a missing bank.
    One query for authors, none otherwise."""
    require_author(user)
    bank = QuestionBank.objects.filter(pk=pk).first()
    if bank is None:
        raise Http404
    return bank


def get_authored_question(user: AnyUser, pk: int) -> Question:
    """Question `pk` with its bank and current version joined, for its authors; Http404 for
    everyone else and for a question without content. One query for authors, none otherwise."""
    require_author(user)
    question = Question.objects.select_related("bank", "current").filter(pk=pk).first()
    if question is None or question.current is None:
        raise Http404
    return question


def import_jobs_visible_to(user: AnyUser) -> ImportJobQuerySet:
    """The import jobs `user` may follow: the ones they started, or every job for an operator
    (superuser); none for anyone who may not author. No query until evaluated."""
    if not can_author_content(user):
        return ImportJob.objects.none()
    if user.is_superuser:
        return ImportJob.objects.all()
    return ImportJob.objects.filter(created_by=user.pk)


def get_import_job_for(user: AnyUser, pk: int) -> ImportJob:
    """Import job `pk`, with its bank joined and without its file, for the author who started
    it and for operators; Http404 for everyone else and for a missing job. One query for
    authors, none otherwise."""
    require_author(user)
    job = import_jobs_visible_to(user).defer("content").select_related("bank").filter(pk=pk).first()
    if job is None:
        raise Http404
    return job
