"""What the question authoring pages read: the tree of question banks, a bank's questions and
whether a version has been answered. Each function states the queries it costs; templates get
the results and never query."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q

from assessments.models import AttemptItem, Question, QuestionBank, QuestionVersion


@dataclass
class BankNode:
    bank: QuestionBank
    depth: int
    path: str
    question_count: int
    children: list[BankNode] = field(default_factory=list)


@dataclass
class BankTree:
    roots: list[BankNode]
    nodes: dict[int, BankNode]

    def flat(self) -> list[BankNode]:
        """Every bank, depth-first in name order (parents before their children)."""
        out: list[BankNode] = []

        def walk(nodes: list[BankNode]) -> None:
            for node in nodes:
                out.append(node)
                walk(node.children)

        walk(self.roots)
        return out

    def ancestors(self, pk: int) -> list[QuestionBank]:
        """The banks above `pk`, outermost first; empty for a top-level bank."""
        chain: list[QuestionBank] = []
        node = self.nodes.get(pk)
        while node is not None and node.bank.parent_id is not None:
            node = self.nodes.get(node.bank.parent_id)
            if node is None or node.bank in chain:  # a cycle would be a data bug; stop anyway
                break
            chain.insert(0, node.bank)
        return chain


def bank_tree() -> BankTree:
    """Every question bank with its count of questions in use (not archived), arranged as a
    tree in name order. Banks and questions a running import is writing are left out. One
    query."""
    in_use = Q(questions__archived=False, questions__import_job__isnull=True)
    banks = list(
        QuestionBank.objects.annotate(question_count=Count("questions", filter=in_use)).order_by(
            "name", "pk"
        )
    )
    nodes = {
        b.pk: BankNode(bank=b, depth=0, path=b.name, question_count=b.question_count) for b in banks
    }
    roots: list[BankNode] = []
    for bank in banks:
        parent = nodes.get(bank.parent_id) if bank.parent_id is not None else None
        (parent.children if parent is not None else roots).append(nodes[bank.pk])

    def number(children: list[BankNode], depth: int, prefix: str) -> None:
        for node in children:
            node.depth = depth
            node.path = f"{prefix} › {node.bank.name}" if prefix else node.bank.name
            number(node.children, depth + 1, node.path)

    number(roots, 0, "")
    return BankTree(roots=roots, nodes=nodes)


def bank_questions(bank: QuestionBank) -> list[Question]:
    """The bank's questions in use, oldest first, each with its current version joined (title,
    kind, points, number). One query."""
    return list(
        Question.objects.filter(bank=bank, archived=False).select_related("current").order_by("pk")
    )


def version_is_answered(version: QuestionVersion | None) -> bool:
    """True when at least one attempt holds this version (so saving makes a new version). One
    query; False without a query for None."""
    if version is None:
        return False
    return AttemptItem.objects.filter(version=version).exists()
