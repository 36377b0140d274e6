"""Who may see and change question banks and questions: their authors (training admins) only.

Learners meet questions only inside a quiz attempt, through the quiz's own permissions. For
everyone who may not author, every bank and question answers 404, the same as one that does
not exist.
"""

from __future__ import annotations

from django.http import Http404

from assessments.models import Question, QuestionBank
from learners.permissions import AnyUser, require_author


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
