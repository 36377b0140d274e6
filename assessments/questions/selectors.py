"""What the question authoring pages read: the tree of question banks, a bank's questions and
whether a version has been answered. Each function states the queries it costs; templates get
the results and never query.

Trees are walked with explicit stacks, never recursion (in Python or in templates): a tree
imported or built thousands of levels deep must still list, render and export.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Count, Q

from assessments.models import AttemptItem, Question, QuestionBank, QuestionVersion

# A bank's path names every bank above it up to this depth; deeper banks show the top bank, "…"
# and their parent, so building every path costs the same per bank however deep the tree.
PATH_NAMES_SHOWN = 6
# Lists of banks nest this many levels; deeper banks are listed at the last level, each saying
# which bank it is inside, so the page stays readable on a phone and renders in bounded time.
LIST_LEVELS_SHOWN = 10


@dataclass
class BankNode:
    bank: QuestionBank
    depth: int
    path: str
    question_count: int
    children: list[BankNode] = field(default_factory=list)


@dataclass(frozen=True)
class BankRow:
    """One bank in a nested list, in page order. After its item, `nests` opens a list for the
    rows that follow inside it (the item stays open); otherwise the item closes, and then
    `closes` holds one entry per enclosing list to close. `inside` names the parent of a bank
    listed shallower than it really is (deeper than LIST_LEVELS_SHOWN), and is "" otherwise."""

    node: BankNode
    nests: bool
    closes: range
    inside: str


def _walk(roots: list[BankNode]) -> Iterator[tuple[BankNode, int]]:
    """Every node under `roots` with its depth below them, depth-first in list order."""
    stack = [(node, 0) for node in reversed(roots)]
    while stack:
        node, depth = stack.pop()
        yield node, depth
        stack.extend((child, depth + 1) for child in reversed(node.children))


@dataclass
class BankTree:
    roots: list[BankNode]
    nodes: dict[int, BankNode]

    def flat(self) -> list[BankNode]:
        """Every bank, depth-first in name order (parents before their children)."""
        return [node for node, _depth in _walk(self.roots)]

    def rows(self, under: BankNode | None = None) -> list[BankRow]:
        """The banks below `under` (every bank when None) as rows of a nested list, nested at
        most LIST_LEVELS_SHOWN levels. Empty when there are none. No query."""
        walked = list(_walk(under.children if under is not None else self.roots))
        shown = [min(depth, LIST_LEVELS_SHOWN - 1) for _node, depth in walked]
        rows = []
        for index, (node, depth) in enumerate(walked):
            here = shown[index]
            following = shown[index + 1] if index + 1 < len(walked) else 0
            inside = ""
            if depth > here and node.bank.parent_id is not None:
                inside = self.nodes[node.bank.parent_id].bank.name
            rows.append(
                BankRow(
                    node=node,
                    nests=following > here,
                    closes=range(max(here - following, 0)),
                    inside=inside,
                )
            )
        return rows

    def ancestors(self, pk: int) -> list[QuestionBank]:
        """The banks above `pk`, outermost first; empty for a top-level bank."""
        chain: list[QuestionBank] = []
        seen = {pk}
        node = self.nodes.get(pk)
        while node is not None and node.bank.parent_id is not None:
            if node.bank.parent_id in seen:  # a cycle would be a data bug; stop anyway
                break
            seen.add(node.bank.parent_id)
            node = self.nodes.get(node.bank.parent_id)
            if node is None:
                break
            chain.append(node.bank)
        chain.reverse()
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

    top: dict[int, str] = {}  # each bank's top-level ancestor's name, for shortened paths
    for node, depth in _walk(roots):
        node.depth = depth
        parent = nodes.get(node.bank.parent_id) if node.bank.parent_id is not None else None
        if parent is None:
            top[node.bank.pk] = node.bank.name
            continue
        top[node.bank.pk] = top[parent.bank.pk]
        if depth < PATH_NAMES_SHOWN:
            node.path = f"{parent.path} › {node.bank.name}"
        else:
            node.path = f"{top[node.bank.pk]} › … › {parent.bank.name} › {node.bank.name}"
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
