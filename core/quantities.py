"""Numbers as people write them in answers and documents: "$2.4 million", "1.6m", "27%",
"1,920,000", "eleven"; and the number an answer gives as its answer."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Quantity:
    """A number read from text: "$2.4 million" is value 2,400,000, mantissa 2.4, scaled."""

    value: float
    mantissa: float  # the number as written, before a scale word (million, k, bn, ...)
    scaled: bool  # whether a scale word followed it


_SCALES = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
}
_UNITS = "zero one two three four five six seven eight nine".split()
_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_WORDS = {
    **{w: i for i, w in enumerate(_UNITS)},
    **{w: 10 + i for i, w in enumerate(_TEENS)},
    **{w: 20 + 10 * i for i, w in enumerate(_TENS)},
}
# 1,920,000 / 1 920 000 -> 1920000 (a separator between a digit and exactly three digits)
THOUSANDS = re.compile(r"(?<=\d)[,\u00a0\u202f\u2009](?=\d{3}(?!\d))")
NUMBER = (
    r"(?P<sign>[-−])?(?P<digits>\d+(?:\.\d+)?|\.\d+)"
    rf"|\b(?P<tens>{'|'.join(_TENS)})[- ](?P<unit>{'|'.join(_UNITS[1:])})\b"
    rf"|\b(?P<word>{'|'.join(sorted(_WORDS, key=len, reverse=True))})\b"
)
# A scale word: spelled out after an optional space ("2.4 million"), or abbreviated and written
# right after the number ("1.6m", "$3bn", "40k"), so "5 m" (metres) stays 5.
SCALE = r"(?:\s*(?P<long>thousand|million|billion|trillion)\b|(?P<short>mn|bn|k|m|b)\b)"
_QUANTITY = re.compile(rf"(?<![\w.])(?:{NUMBER}){SCALE}?", re.IGNORECASE)


def quantity(match: re.Match) -> Quantity:
    if match["digits"] is not None:
        mantissa = float(match["digits"]) * (-1 if match["sign"] else 1)
    elif match["tens"] is not None:
        mantissa = float(_WORDS[match["tens"].lower()] + _WORDS[match["unit"].lower()])
    else:
        mantissa = float(_WORDS[match["word"].lower()])
    scale = match["long"] or match["short"]
    factor = _SCALES[scale.lower()] if scale else 1.0
    return Quantity(mantissa * factor, mantissa, scale is not None)


def numbers_in(text: str) -> list[Quantity]:
    """Every number in `text`, in order: "$1,920,000" -> 1920000, "2.4 million" -> 2400000,
    "1.6m" -> 1600000, "27 percent" and "27%" -> 27, "eleven" -> 11."""
    return [quantity(m) for m in _QUANTITY.finditer(THOUSANDS.sub("", text))]


# Where an answer points at its sources rather than saying a number: "[2]", "(page 4)", "p. 4".
_REFERENCE = re.compile(
    r"\[\d+(?:\s*[,;\u2013-]\s*\d+)*\]|\(?\b(?:pages?|pp?\.)\s*\d+(?:\s*[,\u2013-]\s*\d+)*\)?",
    re.IGNORECASE,
)


def main_number(answer: str, question: str = "") -> Quantity | None:
    """The number an answer gives as its answer: its first number that is not a citation's page
    and not one the question itself says ("In FY2025 it is 18,945" -> 18945 when the question
    names 2025); the first number when every number is the question's; None when there is none.
    """
    said = numbers_in(_REFERENCE.sub(" ", answer))
    asked = {n.value for n in numbers_in(question)}
    fresh = [n for n in said if n.value not in asked]
    return (fresh or said or [None])[0]
