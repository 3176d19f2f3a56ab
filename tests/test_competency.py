"""The questions an analyst asks of the article, answered alike by every kind of store."""

from __future__ import annotations

import pytest

from stancegraph.graph.store import Store
from stancegraph.graph.terms import python_value
from tests.competency_questions import CompetencyQuestion, competency_questions

QUESTIONS = competency_questions()


def test_there_are_enough_questions() -> None:
    assert len(QUESTIONS) >= 15


def cells(rows: list[dict], variables: list[str]) -> frozenset[tuple[str, ...]]:
    """Rows as tuples of text cells, in the order of the projected variables."""

    def text(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return str(value).lower()
        return str(value)

    return frozenset(tuple(text(python_value(row.get(name))) for name in variables) for row in rows)


def projected(query: str) -> list[str]:
    import pyoxigraph as ox

    return [v.value for v in ox.Store().query(query).variables]


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.name for q in QUESTIONS])
def test_competency_question(any_store: Store, question: CompetencyQuestion) -> None:
    rows = any_store.select(question.query)
    assert cells(rows, projected(question.query)) == question.answer, question.question
