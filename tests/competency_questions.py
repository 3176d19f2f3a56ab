"""Reading the competency questions: ``tests/competency/*.rq``, each with its expected answer.

Each file starts with comment lines: ``# question: ...`` and one ``# answer: a | b | c``
per expected row (cells in the order of the projected variables; an empty cell is unbound).
Shared by the store tests and the SPARQL endpoint tests so that both check the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

COMPETENCY_DIR = Path(__file__).resolve().parent / "competency"


@dataclass(frozen=True)
class CompetencyQuestion:
    name: str
    question: str
    query: str
    answer: frozenset[tuple[str, ...]]


def competency_questions() -> list[CompetencyQuestion]:
    questions = []
    for path in sorted(COMPETENCY_DIR.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        comments = [line[1:].strip() for line in text.splitlines() if line.startswith("#")]
        question = next(c.split(":", 1)[1].strip() for c in comments if c.startswith("question:"))
        answer = frozenset(
            tuple(cell.strip() for cell in c.split(":", 1)[1].split("|"))
            for c in comments
            if c.startswith("answer:")
        )
        questions.append(CompetencyQuestion(path.stem, question, text, answer))
    return questions
