"""Question answering: how often each mode answers a set of questions about documents right.

The questions come from a JSONL file, one object a line:

    {"id": "q1", "documents": ["report.pdf"], "question": "How much did the work cost?",
     "answer": "$2.4 million", "evidence_pages": [4], "type": "fact"}

`answer` may be a text, a number, or a list of accepted alternatives; `choices` (a list of
texts) makes the question multiple choice, and its answer is a letter (or a choice's text).
`"answer": null` makes the question unanswerable (the documents do not say): "not found" is the
right answer to it and any answer shown as found is a hallucination. Document paths are
relative to the JSONL file's folder, or absolute.

Each question is asked in each chosen mode; an answer is scored strictly and leniently (see
`grade`) and its citations are checked against `evidence_pages`. Users run it on their own
questions to see which mode to trust, on their machine, for which kind of question.
"""

from __future__ import annotations

import json
import re
import statistics
import string
import tempfile
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.eval.niah import STOPPED
from core.quantities import (
    NUMBER,
    SCALE,
    THOUSANDS,
    Quantity,
    main_number,
    numbers_in,
    quantity,
)

MODES = ("direct", "rag", "recursive", "auto")
ALL = MODES  # what `--mode all` runs: auto too, to show what it picks for each kind of question
ANSWER_TOKENS = 128  # answers are short facts: a long answer only costs time
NO_TYPE = "other"  # the type of a question that names none
F1_RIGHT = 0.8  # a short answer this close to the gold one (token F1) counts as right
NUMBER_TOLERANCE = 0.01  # relative: 2.41 million is right for 2.4 million, 2.5 million is not
# Whole numbers below this are counts and years: 1 % of 2023 would let 2003–2043 pass.
EXACT_BELOW = 10_000

ProgressCallback = Callable[[int, int, str], None]


# -- scoring ------------------------------------------------------------------------------------


def normalize(text: str) -> str:
    """SQuAD's normalisation: lower case, no punctuation, no articles (a, an, the), single
    spaces. "The $1,920,000!" -> "1920000"."""
    text = "".join(
        ch
        for ch in text.lower()
        if ch not in string.punctuation and not unicodedata.category(ch).startswith("P")
    )
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def token_f1(answer: str, gold: str) -> float:
    """SQuAD's token F1 of two texts, after `normalize`."""
    said, wanted = normalize(answer).split(), normalize(gold).split()
    if not said or not wanted:
        return float(said == wanted)
    common = sum((Counter(said) & Counter(wanted)).values())
    if not common:
        return 0.0
    precision, recall = common / len(said), common / len(wanted)
    return 2 * precision * recall / (precision + recall)


def contains(answer: str, gold: str) -> bool:
    """Whether the gold text's words appear, in order and whole, in the answer (normalised):
    "Marta Oyelaran" is in "The director is Marta Oyelaran.", "art" is not in "party"."""
    wanted = normalize(gold)
    return bool(wanted) and f" {wanted} " in f" {normalize(answer)} "


_GOLD_NUMBER = re.compile(
    rf"\s*(?:[$€£¥]|usd|eur|gbp)?\s*(?:{NUMBER}){SCALE}?"
    r"\s*(?:%|percent|per cent|dollars?|euros?|pounds?|usd|eur|gbp)?\s*",
    re.IGNORECASE,
)


def gold_number(gold: str | int | float) -> Quantity | None:
    """The gold answer as a number, when it is one: a number, or a text that is only a number
    with its currency, scale or percent ("$2.4 million", "27%", "1,140"); else None."""
    if isinstance(gold, bool):
        return None
    if isinstance(gold, (int, float)):
        return Quantity(float(gold), float(gold), False)
    match = _GOLD_NUMBER.fullmatch(THOUSANDS.sub("", gold))
    return quantity(match) if match else None


def _close(value: float, gold: float) -> bool:
    if gold.is_integer() and abs(gold) < EXACT_BELOW:
        return value == gold
    return abs(value - gold) <= NUMBER_TOLERANCE * abs(gold)


def same_number(said: Quantity, gold: Quantity) -> bool:
    """Equal within 1 % (exactly, for a whole gold number below 10,000: a count or a year); a
    number written without a scale word may also match the other's number as written ("2.4"
    for "$2.4 million": the question gave the unit)."""
    if _close(said.value, gold.value):
        return True
    return (not said.scaled or not gold.scaled) and _close(said.mantissa, gold.mantissa)


LETTERS = string.ascii_uppercase


def choice_letter(answer: str, choices: Sequence[str]) -> str | None:
    """The choice an answer picks: the first standalone letter of a choice ("B", "(B)", "B)",
    "The answer is B."), else the choice whose text appears first in it; None if neither.

    "A" and "I" followed by a lower-case word are read as the words they also are ("A library
    ...", "I think ...").
    """
    letters = LETTERS[: len(choices)]
    for match in re.finditer(r"(?<![A-Za-z0-9])([A-Z])(?![A-Za-z0-9])", answer):
        letter = match[1]
        if letter not in letters:
            continue
        if letter in "AI" and re.match(r"\s+[a-z]", answer[match.end() :]):
            continue
        return letter
    said = f" {normalize(answer)} "
    found = []
    for letter, choice in zip(letters, choices, strict=False):
        wanted = normalize(choice)
        if wanted and f" {wanted} " in said:
            found.append((said.index(f" {wanted} "), -len(wanted), letter))
    return min(found)[2] if found else None


def grade(
    answer: str,
    gold: Sequence[str | int | float],
    choices: Sequence[str] | None = None,
    *,
    strict: bool = False,
    question: str = "",
) -> tuple[bool, float]:
    """(right, score 0–1) of an answer against the accepted alternatives `gold`.

    - multiple choice (`choices` given, `gold` letters): right when `choice_letter` is one of
      them; score 1 or 0.
    - a number (gold is a number or a text that is only a number, see `gold_number`): strictly,
      right when the answer's main number (`main_number`; `question` is what was asked) is
      within 1 % of it, or equal for a whole number below 10,000 (see `same_number`); leniently,
      when any number in the answer is. Score 1 or 0.
    - a short text: right when the gold text's words are in the answer (`contains`) or their
      token F1 is at least 0.8; score = the F1, or 1 when contained.
    The best alternative counts.
    """
    if choices:
        right = choice_letter(answer, choices) in {str(g).upper() for g in gold}
        return right, float(right)
    best = (False, 0.0)
    said: list[Quantity] | None = None
    for wanted in gold:
        number = gold_number(wanted)
        if number is not None:
            if said is None:
                main = main_number(answer, question) if strict else None
                said = ([main] if main else []) if strict else numbers_in(answer)
            right = any(same_number(n, number) for n in said)
            result = (right, float(right))
        elif contains(answer, str(wanted)):
            result = (True, 1.0)
        else:
            f1 = token_f1(answer, str(wanted))
            result = (f1 >= F1_RIGHT, f1)
        best = max(best, result)
    return best


def citation_ok(cited_pages: Iterable[int], evidence_pages: Sequence[int] | None) -> bool | None:
    """Whether any cited page is an evidence page; None when the question names no evidence."""
    if not evidence_pages:
        return None
    return bool(set(cited_pages) & set(evidence_pages))


# -- the question file --------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    line: int  # in the JSONL file, from 1
    id: str
    documents: tuple[Path, ...]  # resolved
    question: str
    gold: tuple[str | int | float, ...]  # accepted alternatives (letters for multiple choice);
    # none when the documents do not answer the question
    choices: tuple[str, ...] = ()
    evidence_pages: tuple[int, ...] = ()
    type: str = NO_TYPE
    history: tuple = ()  # earlier turns (core.modes.Turn): the question is a follow-up

    @property
    def answerable(self) -> bool:
        return bool(self.gold)

    def prompt(self) -> str:
        """What the modes are asked: the question, and for multiple choice its lettered
        choices and a request for the letter."""
        if not self.choices:
            return self.question
        lettered = [
            f"{letter}) {text}" for letter, text in zip(LETTERS, self.choices, strict=False)
        ]
        return "\n".join([self.question, *lettered, "Answer with the letter of the right choice."])


def load_questions(path: str | Path) -> list[Question]:
    """The questions of a JSONL file; raises EvaluationError naming the line of the first
    problem (not JSON, a field missing or of the wrong kind, a document that is not there)."""
    from core.errors import EvaluationError

    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EvaluationError(f"The question file “{path}” was not found.") from None
    except IsADirectoryError:
        raise EvaluationError(f"“{path}” is a folder; give the question file (.jsonl).") from None
    except UnicodeDecodeError:
        raise EvaluationError(f"“{path.name}” is not a text file (UTF-8).") from None
    except OSError as e:
        raise EvaluationError(f"“{path}” could not be read ({e.strerror or e}).") from None
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        question = _question(line, number, path)
        if question.id in seen:
            raise EvaluationError(
                f"Line {number} of “{path.name}” repeats the id “{question.id}” of line "
                f"{seen[question.id]}; give each question its own id."
            )
        seen[question.id] = number
        questions.append(question)
    if not questions:
        raise EvaluationError(f"“{path.name}” holds no questions: write one JSON object a line.")
    return questions


def _question(line: str, number: int, path: Path) -> Question:
    from core.documents import is_supported
    from core.errors import EvaluationError

    where = f"Line {number} of “{path.name}”"

    def wrong(message: str) -> EvaluationError:
        return EvaluationError(f"{where}: {message}")

    try:
        item = json.loads(line)
    except json.JSONDecodeError as e:
        raise wrong(f"this is not valid JSON ({e.msg}, at column {e.colno}).") from None
    if not isinstance(item, dict):
        raise wrong(
            'each line should be a JSON object like {"documents": ["report.pdf"], '
            '"question": "…", "answer": "…"}.'
        )
    for name in ("documents", "question", "answer"):
        if name not in item:
            raise wrong(f"the “{name}” field is missing.")

    given = item["documents"]
    if isinstance(given, str):
        given = [given]
    if not given or not isinstance(given, list) or not all(isinstance(d, str) for d in given):
        raise wrong("“documents” should be a list of file names.")
    documents = []
    for name in given:
        file = Path(name).expanduser()
        file = (file if file.is_absolute() else path.parent / file).resolve()
        if not file.exists():
            raise wrong(f"the document “{name}” was not found (looked for {file}).")
        if not file.is_file():
            raise wrong(f"“{name}” is not a file; name each document file.")
        if not is_supported(file):
            raise wrong(f"“{name}” is not a format Longread can read.")
        if file not in documents:
            documents.append(file)

    question = item["question"]
    if not isinstance(question, str) or not question.strip():
        raise wrong("“question” should be the text of the question.")

    gold = item["answer"]
    gold = [] if gold is None else gold if isinstance(gold, list) else [gold]
    if (gold == [] and item["answer"] is not None) or not all(
        isinstance(g, (str, int, float)) and not isinstance(g, bool) and str(g).strip()
        for g in gold
    ):
        raise wrong(
            "“answer” should be a text, a number, a list of accepted answers, or null when "
            "the documents do not answer the question."
        )

    choices = item.get("choices") or []
    if not isinstance(choices, list) or not all(isinstance(c, str) and c.strip() for c in choices):
        raise wrong("“choices” should be a list of texts.")
    if len(choices) == 1 or len(choices) > len(LETTERS):
        raise wrong(f"give from 2 to {len(LETTERS)} choices (A to Z), not {len(choices)}.")
    if choices and not gold:
        raise wrong("a multiple-choice question needs its right choice as “answer”.")
    if choices:
        gold = [_letter(g, choices, wrong) for g in gold]

    pages = item.get("evidence_pages") or []
    if not isinstance(pages, list) or not all(
        isinstance(p, int) and not isinstance(p, bool) and p > 0 for p in pages
    ):
        raise wrong("“evidence_pages” should be a list of page numbers, counted from 1.")

    kind = item.get("type", NO_TYPE)
    if not isinstance(kind, str) or not kind.strip():
        raise wrong("“type” should be a word such as fact, table or multihop.")

    history = item.get("history") or []
    if not isinstance(history, list) or not all(
        isinstance(t, dict)
        and isinstance(t.get("question"), str)
        and isinstance(t.get("answer", ""), str)
        for t in history
    ):
        raise wrong(
            "“history” should be a list of earlier turns, each "
            '{"question": "…", "answer": "…"}, oldest first.'
        )
    from core.modes.base import Turn

    turns = tuple(Turn(t["question"].strip(), t.get("answer", "").strip()) for t in history)

    ident = item.get("id", f"line {number}")
    if not isinstance(ident, (str, int)) or isinstance(ident, bool) or not str(ident).strip():
        raise wrong("“id” should be a text.")
    return Question(
        line=number,
        id=str(ident).strip(),
        documents=tuple(documents),
        question=question.strip(),
        gold=tuple(gold),
        choices=tuple(c.strip() for c in choices),
        evidence_pages=tuple(sorted(set(pages))),
        type=kind.strip(),
        history=turns,
    )


def _letter(gold: str | int | float, choices: list[str], wrong) -> str:
    """A multiple-choice answer as its letter: given as the letter, or as the choice's text."""
    letters = LETTERS[: len(choices)]
    text = str(gold).strip()
    if len(text) == 1 and text.upper() in letters:
        return text.upper()
    for letter, choice in zip(letters, choices, strict=False):
        if normalize(choice) == normalize(text):
            return letter
    raise wrong(
        f"the answer “{text}” is neither a choice's letter (A to {letters[-1]}) nor the text of "
        "one of the choices."
    )


def select(
    questions: Sequence[Question], *, type: str | None = None, limit: int | None = None
) -> list[Question]:
    """The questions of one type (all when None), the first `limit` of them."""
    from core.errors import EvaluationError

    chosen = list(questions)
    if type is not None:
        chosen = [q for q in questions if q.type == type]
        if not chosen:
            kinds = ", ".join(dict.fromkeys(q.type for q in questions))
            raise EvaluationError(f"No question has the type “{type}”; the types are: {kinds}.")
    return chosen[:limit] if limit else chosen


# -- the documents ------------------------------------------------------------------------------


class Corpus:
    """The questions' documents, each read once however many questions share it.

    In a library when a mode searches (rag, auto) or a library folder is given (kept there, so a
    second run reads nothing again); otherwise each file is just read.
    """

    def __init__(
        self, questions: Sequence[Question], *, searching: bool, folder: str | Path | None = None
    ) -> None:
        self.files = list(dict.fromkeys(f for q in questions for f in q.documents))
        self._lines = {f: [q.line for q in questions if f in q.documents] for f in self.files}
        self.folder = Path(folder).expanduser() if folder is not None else None
        self.uses_library = searching or folder is not None
        self.library = None
        self._temporary: tempfile.TemporaryDirectory | None = None
        self._documents: dict[Path, object] = {}  # file -> its Document

    def __enter__(self) -> Corpus:
        if self.uses_library:
            from core.library import Library

            folder = self.folder
            if folder is None:
                self._temporary = tempfile.TemporaryDirectory(prefix="longread-qa-")
                folder = Path(self._temporary.name) / "library"
            self.library = Library(folder)
        return self

    def __exit__(self, *exc) -> None:
        if self.library is not None:
            self.library.close()
        if self._temporary is not None:
            self._temporary.cleanup()

    def read(
        self,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        """Read (and, in a library, index) every file. Raises EvaluationError naming the files
        that could not be read, InterruptedError when stopped."""
        from core.documents import Limits, load
        from core.errors import DocumentError, EvaluationError

        failed: list[tuple[Path, str]] = []
        if self.library is not None:
            report = self.library.add(
                self.files, limits=Limits.from_env(), on_progress=on_progress, cancel=cancel
            )
            if report.cancelled:
                raise InterruptedError("stopped")
            infos = {Path(i.path): i for i in (*report.added, *report.updated)}
            infos |= {Path(file): i for file, i in report.unchanged}
            failed = [(Path(file), message) for file, message in report.failed]
            for file in self.files:
                if file in infos:
                    self._documents[file] = self.library.get(infos[file].id)
        else:
            for done, file in enumerate(self.files):
                if on_progress is not None:
                    on_progress(done, len(self.files), f"Reading {file.name}")
                try:
                    self._documents[file] = load(file, limits=Limits.from_env(), cancel=cancel)
                except DocumentError as e:
                    failed.append((file, str(e)))
        if failed:
            problems = [
                f"{message} (asked about on line{'s' * (len(self._lines.get(f, [])) > 1)} "
                f"{', '.join(map(str, self._lines.get(f, [])))})"
                for f, message in failed
            ]
            raise EvaluationError("\n  ".join(["Some documents could not be read:", *problems]))

    def documents(self, question: Question) -> list:
        return [self._documents[f] for f in question.documents]


# -- running ------------------------------------------------------------------------------------


@dataclass
class Row:
    """One question asked in one mode."""

    id: str
    type: str
    mode: str
    question: str
    gold: list
    answer: str = ""
    # Right, scored strictly (an answer's main number); for an unanswerable question, right when
    # it said it found nothing. None: it did not run (see `skipped`).
    correct: bool | None = None
    score: float | None = None  # 0–1: the F1 for short answers, 1 or 0 for numbers and letters
    lenient: bool | None = None  # right when any number in the answer is the gold one
    abstained: bool | None = None  # it said "not found" (or its answer was set aside)
    citation_ok: bool | None = None  # None: no evidence pages given, or it did not run
    cited_pages: list[int] = field(default_factory=list)
    evidence_pages: list[int] = field(default_factory=list)
    seconds: float = 0.0  # the answer's own time (Answer.timings["total"])
    tokens: int = 0  # prompt and answer tokens over every model call of the answer
    answered_by: str = ""  # the mode that answered (auto picks one)
    skipped: str = ""  # why it did not run, in the user's words
    complete: bool = True  # False when a limit cut the answer short

    @property
    def answered(self) -> bool:
        return self.correct is not None

    @property
    def answerable(self) -> bool:
        return bool(self.gold)

    @property
    def hallucinated(self) -> bool:
        """An answer shown as found to a question the documents do not answer."""
        return self.answered and not self.answerable and not self.abstained

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "type": self.type,
            "mode": self.mode,
            "question": self.question,
            "gold": self.gold if self.answerable else None,
            "answer": self.answer,
            "correct": self.correct,
            "lenient": self.lenient,
            "abstained": self.abstained,
            "score": None if self.score is None else round(self.score, 3),
            "citation_ok": self.citation_ok,
            "cited_pages": self.cited_pages,
            "evidence_pages": self.evidence_pages,
            "seconds": round(self.seconds, 2),
            "tokens": self.tokens,
            "answered_by": self.answered_by or None,
            "skipped": self.skipped or None,
            "complete": self.complete,
        }


@dataclass(frozen=True)
class Summary:
    """What a set of rows (one mode, or one mode and type) adds up to."""

    questions: int
    answered: int  # ran, not skipped
    answerable: int  # answered questions the documents answer
    correct: int  # of those, right (strict scoring)
    lenient: int  # of those, right when any number in the answer may count
    abstained: int  # of those, "not found"
    unanswerable: int  # answered questions the documents do not answer
    hallucinated: int  # of those, given an answer instead of "not found"
    mean_score: float | None  # mean F1 (score) over the answerable ones answered
    cited: int  # answerable answered questions with evidence pages citing one of them
    with_evidence: int  # answerable answered questions with evidence pages
    right_cited: int  # right answers with evidence pages citing one of them
    right_with_evidence: int  # right answers to questions with evidence pages
    median_seconds: float | None
    median_tokens: float | None

    @property
    def accuracy(self) -> float | None:
        """Right answers (strict) of the answerable questions answered."""
        return self.correct / self.answerable if self.answerable else None

    @property
    def lenient_accuracy(self) -> float | None:
        return self.lenient / self.answerable if self.answerable else None

    @property
    def abstention_rate(self) -> float | None:
        """ "Not found" to questions the documents answer."""
        return self.abstained / self.answerable if self.answerable else None

    @property
    def hallucination_rate(self) -> float | None:
        """Answers given to questions the documents do not answer."""
        return self.hallucinated / self.unanswerable if self.unanswerable else None

    @property
    def right(self) -> int:
        """Right answers of every kind: strict ones, and "not found" where nothing is there."""
        return self.correct + self.unanswerable - self.hallucinated

    @property
    def overall(self) -> float | None:
        return self.right / self.answered if self.answered else None

    @property
    def citation_accuracy(self) -> float | None:
        return self.cited / self.with_evidence if self.with_evidence else None

    @property
    def right_citation_accuracy(self) -> float | None:
        return self.right_cited / self.right_with_evidence if self.right_with_evidence else None

    def to_json(self) -> dict:
        def rounded(value: float | None, digits: int) -> float | None:
            return None if value is None else round(value, digits)

        return {
            "questions": self.questions,
            "answered": self.answered,
            "answerable": self.answerable,
            "correct": self.correct,
            "accuracy": rounded(self.accuracy, 3),
            "lenient": self.lenient,
            "lenient_accuracy": rounded(self.lenient_accuracy, 3),
            "abstained": self.abstained,
            "abstention_rate": rounded(self.abstention_rate, 3),
            "unanswerable": self.unanswerable,
            "hallucinated": self.hallucinated,
            "hallucination_rate": rounded(self.hallucination_rate, 3),
            "mean_f1": rounded(self.mean_score, 3),
            "cited": self.cited,
            "with_evidence": self.with_evidence,
            "citation_accuracy": rounded(self.citation_accuracy, 3),
            "right_cited": self.right_cited,
            "right_with_evidence": self.right_with_evidence,
            "right_citation_accuracy": rounded(self.right_citation_accuracy, 3),
            "median_seconds": rounded(self.median_seconds, 2),
            "median_tokens": self.median_tokens,
        }


def summarize(rows: Sequence[Row]) -> Summary:
    answered = [r for r in rows if r.answered]
    answerable = [r for r in answered if r.answerable]
    evidenced = [r for r in answerable if r.citation_ok is not None]
    right_evidenced = [r for r in evidenced if r.correct]
    return Summary(
        questions=len(rows),
        answered=len(answered),
        answerable=len(answerable),
        correct=sum(bool(r.correct) for r in answerable),
        lenient=sum(bool(r.lenient) for r in answerable),
        abstained=sum(bool(r.abstained) for r in answerable),
        unanswerable=len(answered) - len(answerable),
        hallucinated=sum(r.hallucinated for r in answered),
        mean_score=statistics.fmean(r.score or 0.0 for r in answerable) if answerable else None,
        cited=sum(bool(r.citation_ok) for r in evidenced),
        with_evidence=len(evidenced),
        right_cited=sum(bool(r.citation_ok) for r in right_evidenced),
        right_with_evidence=len(right_evidenced),
        median_seconds=statistics.median(r.seconds for r in answered) if answered else None,
        median_tokens=statistics.median(r.tokens for r in answered) if answered else None,
    )


@dataclass
class Report:
    model: str
    device: str
    source: str  # the question file
    modes: list[str]
    questions: list[Question]
    rows: list[Row] = field(default_factory=list)
    seconds: float = 0.0
    stopped: bool = False  # the user stopped it before every question ran

    def rows_of(self, mode: str, type: str | None = None) -> list[Row]:
        return [r for r in self.rows if r.mode == mode and type in (None, r.type)]

    def summary(self, mode: str, type: str | None = None) -> Summary:
        return summarize(self.rows_of(mode, type))

    def types(self) -> list[str]:
        """The questions' types, in the order they first appear."""
        return list(dict.fromkeys(q.type for q in self.questions))

    def type_counts(self) -> dict[str, int]:
        return dict(Counter(q.type for q in self.questions))

    def auto_picks(self) -> dict[str, dict[str, int]]:
        """For each type, how many answers auto gave with each mode."""
        picks: dict[str, Counter] = {}
        for row in self.rows_of("auto"):
            if row.answered:
                picks.setdefault(row.type, Counter())[row.answered_by] += 1
        return {t: dict(picks[t].most_common()) for t in self.types() if t in picks}

    def notes(self, mode: str) -> list[str]:
        """Why questions of `mode` did not run, each reason once."""
        return list(dict.fromkeys(r.skipped for r in self.rows_of(mode) if r.skipped))

    def to_json(self) -> dict:
        return {
            "model": self.model,
            "device": self.device,
            "questions_file": self.source,
            "modes": self.modes,
            "questions": len(self.questions),
            "seconds": round(self.seconds, 1),
            "stopped": self.stopped,
            "summary": {m: self.summary(m).to_json() for m in self.modes},
            "by_type": {
                t: {m: self.summary(m, t).to_json() for m in self.modes} for t in self.types()
            },
            "auto_picked": self.auto_picks(),
            "rows": [r.to_json() for r in self.rows],
        }


def run(
    backend,
    questions: Sequence[Question],
    corpus: Corpus,
    *,
    modes: Sequence[str] = ALL,
    source: str = "",
    max_new_tokens: int = ANSWER_TOKENS,
    on_progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> Report:
    """Ask every question in every mode; stops between answers on `cancel`.

    corpus: the questions' documents, already read (`Corpus.read`); it needs a library for
    rag and auto.
    """
    started = time.perf_counter()
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        raise ValueError(f"unknown modes {unknown}")
    report = Report(
        getattr(backend, "name", "model"),
        getattr(backend, "device", ""),
        source,
        list(modes),
        list(questions),
    )
    total = len(questions) * len(modes)
    with _no_saved_caches(backend):
        for question in questions:
            for mode in modes:
                if cancel is not None and cancel.is_set():
                    report.stopped = True
                    break
                row = Row(
                    question.id,
                    question.type,
                    mode,
                    question.question,
                    list(question.gold),
                    evidence_pages=list(question.evidence_pages),
                )
                where = f"{mode} · {question.id} ({question.type})"
                if on_progress:
                    on_progress(len(report.rows), total, where)
                _ask(row, question, corpus, backend, max_new_tokens, cancel)
                if row.skipped == STOPPED:
                    report.stopped = True
                    break
                report.rows.append(row)
                if on_progress:
                    on_progress(len(report.rows), total, f"{where}: {_outcome(row)}")
            if report.stopped:
                break
    report.seconds = time.perf_counter() - started
    return report


def _ask(
    row: Row,
    question: Question,
    corpus: Corpus,
    backend,
    max_new_tokens: int,
    cancel: threading.Event | None,
) -> None:
    from core.eval.niah import _direct_cannot, answer_or_skip
    from core.modes import Request

    documents = corpus.documents(question)
    if row.mode == "direct":
        tokens = sum(backend.count_tokens(d.text) for d in documents)
        why = _direct_cannot(backend, tokens, max_new_tokens)
        if why:
            row.skipped = why
            return
    searching = row.mode in ("rag", "auto")
    request = Request(
        question=question.prompt(),
        documents=documents,
        library=corpus.library if searching else None,
        max_new_tokens=max_new_tokens,
        cancel=cancel,
        history=list(question.history),
    )
    answer, row.skipped = answer_or_skip(request, backend, row.mode, cancel)
    if answer is None:
        return
    from core.modes.grounding import abstains

    row.answer = answer.text
    row.answered_by = answer.mode
    row.complete = answer.complete
    supported = getattr(answer, "supported", True)
    row.abstained = not supported or abstains(answer.text)
    if question.answerable:
        row.correct, row.score = grade(
            answer.text, question.gold, question.choices, strict=True, question=question.question
        )
        row.lenient = grade(answer.text, question.gold, question.choices)[0]
        if row.abstained:  # "not found" is wrong whatever numbers its passages hold
            row.correct = row.lenient = False
            row.score = 0.0
    else:
        row.correct = row.lenient = row.abstained
        row.score = float(row.abstained)
    # An answer set aside as unsupported lists the passages nearest the question: not citations.
    cited = answer.citations if supported else []
    row.cited_pages = list(dict.fromkeys(c.page for c in cited))
    row.citation_ok = citation_ok(row.cited_pages, question.evidence_pages)
    row.seconds = answer.timings.get("total", 0.0)
    row.tokens = sum(
        step.get("prompt_tokens", 0) + step.get("new_tokens", 0)
        for step in answer.trace
        if isinstance(step, dict)
    )


def _no_saved_caches(backend):
    """Keep the evaluation's prompts out of the KV caches saved on disk (see niah)."""
    from core.eval.niah import _no_saved_caches as paused

    return paused(backend)


def _outcome(row: Row) -> str:
    if not row.answered:
        return f"not run ({row.skipped})"
    said = " ".join(row.answer.split())
    said = said if len(said) <= 70 else said[:69] + "…"
    if not row.answerable:
        verdict = "not found (right)" if row.correct else f"invented (“{said}”)"
    elif row.abstained:
        verdict = "not found"
    else:
        verdict = "right" if row.correct else f"wrong (“{said}”)"
        if row.lenient and not row.correct:
            verdict = f"right only leniently (“{said}”)"
    by = f", answered by {row.answered_by}" if row.answered_by != row.mode else ""
    return f"{verdict} in {row.seconds:.1f} s{by}"


# -- output -------------------------------------------------------------------------------------


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "—"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Columns padded to their widest cell: the first left-aligned, the others right."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        first = f"{cells[0]:<{widths[0]}}"
        rest = "".join(f"  {c:>{w}}" for c, w in zip(cells[1:], widths[1:], strict=True))
        return ("  " + first + rest).rstrip()

    return [line(header), *(line(r) for r in rows)]


def tables(report: Report) -> str:
    """The results as text: a table per mode, accuracy by type, and what auto picked."""
    files = len({f for q in report.questions for f in q.documents})
    lines = [
        f"Question answering — {report.model} on {report.device}",
        f"questions: {report.source} ({len(report.questions)} questions about {files} "
        f"document{'s' * (files != 1)})",
        "",
    ]
    header = [
        "mode",
        "questions",
        "answered",
        "right",
        "lenient",
        "not found",
        "invented",
        "right cited",
        "median time",
        "median tokens",
    ]
    rows = []
    for mode in report.modes:
        s = report.summary(mode)
        rows.append(
            [
                mode,
                str(s.questions),
                str(s.answered),
                _share(s.correct, s.answerable),
                _share(s.lenient, s.answerable),
                _share(s.abstained, s.answerable),
                _share(s.hallucinated, s.unanswerable),
                _share(s.right_cited, s.right_with_evidence),
                "—" if s.median_seconds is None else f"{s.median_seconds:.1f} s",
                "—" if s.median_tokens is None else f"{s.median_tokens:,.0f}",
            ]
        )
    lines += _table(header, rows)
    for mode in report.modes:
        for note in report.notes(mode):
            count = sum(r.skipped == note for r in report.rows_of(mode))
            lines.append(f"  — {mode}: {count} not run: {note}")

    lines += ["", "Right by type (for unanswerable questions, “not found” is right)"]
    counts = report.type_counts()
    rows = []
    for kind in report.types():
        cells = [f"{kind} ({counts[kind]})"]
        for mode in report.modes:
            s = report.summary(mode, kind)
            cells.append(_share(s.right, s.answered))
        rows.append(cells)
    lines += _table(["type (questions)", *report.modes], rows)
    picks = report.auto_picks()
    if picks:
        lines += ["", "Auto answered with"]
        for kind, used in picks.items():
            lines.append(f"  {kind}: " + ", ".join(f"{m} {n}" for m, n in used.items()))

    lines += [
        "",
        "right: answers to the answerable questions answered that give the gold answer: its",
        "  number as the answer's main number, its words, or its letter",
        "lenient: the same, with any number in the answer counting (the scoring before strict)",
        "not found: answerable questions answered “I could not find this”",
        "invented: questions the documents do not answer, given an answer instead",
        "right cited: right answers with evidence pages that cite one of those pages",
    ]
    minutes, seconds = divmod(round(report.seconds), 60)
    lines.append(
        f"Total time: {minutes} min {seconds:02d} s" if minutes else f"Total time: {seconds} s"
    )
    if report.stopped:
        total = len(report.questions) * len(report.modes)
        lines.append(f"Stopped by you after {len(report.rows)} of {total} answers.")
    return "\n".join(lines)


def plot(report: Report, path: str | Path) -> Path:
    """Accuracy by type, a bar per mode, written as a PNG."""
    # matplotlib only here: it is slow to import and only this picture needs it.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = Path(path)
    kinds = report.types()
    modes = report.modes
    figure = Figure(figsize=(2.2 + 1.1 * len(kinds) * max(1, len(modes)) / 2, 4.2), dpi=120)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    width = 0.8 / max(1, len(modes))
    colours = {"direct": "#4c78a8", "rag": "#f58518", "recursive": "#54a24b", "auto": "#b279a2"}
    for i, mode in enumerate(modes):
        labelled = False  # each mode once in the legend
        for x, kind in enumerate(kinds):
            s = report.summary(mode, kind)
            centre = x - 0.4 + width * (i + 0.5)
            if s.overall is None:  # nothing of this type ran in this mode
                axes.text(centre, 2, "—", ha="center", va="bottom", fontsize=8, color="#777777")
                continue
            axes.bar(
                centre,
                100 * s.overall,
                width,
                color=colours.get(mode, "#888888"),
                label=None if labelled else mode,
            )
            labelled = True
            axes.text(
                centre, 100 * s.overall + 1.5, f"{s.right}/{s.answered}", ha="center", fontsize=7
            )
    axes.set_xticks(range(len(kinds)), kinds)
    axes.set_ylim(0, 112)
    axes.set_ylabel("right (%)")
    axes.set_xlabel("question type")
    if axes.get_legend_handles_labels()[0]:
        axes.legend(fontsize=8, loc="upper right", ncol=len(modes))
    axes.set_title(f"Question answering — {report.model}", fontsize=11)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path
