"""Word error rate: both texts normalized the same way, then aligned word by word.

Normalizing (:func:`normalize_words`) makes a transcript that writes "4%" and a reference
that says "four percent" compare equal, and leaves hesitations out unless asked for.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel

from voiceloop.analysis.numbers import read_numbers

WILDCARD = "*"
_WILDCARD_RAW = re.compile(r"^(<cutoff-[^>]*>|\[[^\]]*\])[.,;:!?]*$", re.IGNORECASE)
_SPELLING = {
    "ok": "okay", "alright": "all right", "mr": "mister", "mrs": "missus", "dr": "doctor",
    "vs": "versus", "v": "versus", "'er": "her", "'em": "them", "'cause": "because",
    "cuz": "because", "yknow": "you know", "y'know": "you know", "dollar": "dollars",
    "euro": "euros", "pound": "pounds", "pct": "percent", "per cent": "percent",
    "pp": "percentage points", "e.g": "for example", "i.e": "that is", "etc": "et cetera",
    "&": "and", "+": "plus", "=": "equals", "<": "less than", ">": "greater than",
}  # fmt: skip
_SPLITTERS = re.compile(r"[/\u2192\u2013\u2014_]|(?<=[\w%])-(?=[\w$])|\.\.\.|\u2026")


def _clean_token(tok: str) -> list[str]:
    """One raw token to lower-case pieces; keeps $ + - at the front and % at the back."""
    tok = tok.lower().replace("\u2019", "'").replace("\u2212", "-")
    out: list[str] = []
    for piece in _SPLITTERS.sub(" ", tok).split():
        if piece in _SPELLING:
            out += _SPELLING[piece].split()
            continue
        piece = re.sub(r"^[^\w$\u20ac\u00a3+\-'.]+|[^\w%']+$", "", piece)
        piece = re.sub(r"^\.(?!\d)", "", piece).rstrip("'")
        if piece.startswith("'") and piece not in _SPELLING:
            piece = piece.lstrip("'")
        if piece in _SPELLING:
            out += _SPELLING[piece].split()
        elif piece and piece not in ("-", "+"):
            out.append(piece)
    return out


def normalize_words(text: str, keep_hesitations: bool = False) -> list[str]:
    """Words for WER scoring.

    Lower case; punctuation dropped (apostrophes inside words kept: "don't"); "/", "-"
    between words and dashes split words ("add-to-cart" -> add to cart); a few spellings
    unified ("ok" -> okay, "mr" -> mister, "'er" -> her, "vs" -> versus, "&" -> and);
    numbers as in :func:`~voiceloop.analysis.numbers.read_numbers` (digits and spelled
    numbers compare equal, "%" -> percent, "$" -> dollars). ``<cutoff-...>`` and ``[...]``
    tokens become the wildcard ``*``. Hesitations (um, uh, er, ah, hmm, mm, erm, ...) are
    dropped, or with ``keep_hesitations`` written in their canonical form ("umm" -> um).
    """
    from voiceloop.analysis.fillers import hesitation_type

    pieces: list[str] = []
    for raw in text.split():
        if _WILDCARD_RAW.match(raw):
            pieces.append(WILDCARD)
        else:
            pieces += _clean_token(raw)
    out: list[str] = []
    for tok in read_numbers(pieces):
        kind = hesitation_type(tok) if tok != WILDCARD else None
        if kind is None:
            out.append(tok)
        elif keep_hesitations:
            out.append(kind)
    return out


class WordErrors(BaseModel):
    """Edit counts of a hypothesis against a reference; ``n`` counts non-wildcard words."""

    n: int = 0
    substitutions: int = 0
    deletions: int = 0
    insertions: int = 0

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def rate(self) -> float | None:
        return self.errors / self.n if self.n else None

    def __add__(self, other: WordErrors) -> WordErrors:
        return WordErrors(
            n=self.n + other.n,
            substitutions=self.substitutions + other.substitutions,
            deletions=self.deletions + other.deletions,
            insertions=self.insertions + other.insertions,
        )


def word_errors(reference: Sequence[str], hypothesis: Sequence[str]) -> WordErrors:
    """Levenshtein alignment of word lists. A wildcard reference word matches any one
    hypothesis word, or nothing, at no cost, and is not counted in ``n``."""
    rows, cols = len(reference), len(hypothesis)
    # cost, substitutions, deletions, insertions
    prev = [(j, 0, 0, j) for j in range(cols + 1)]
    for i in range(1, rows + 1):
        r = reference[i - 1]
        wild = r == WILDCARD
        del_cost = 0 if wild else 1
        up = prev[0]
        cur = [(up[0] + del_cost, up[1], up[2] + del_cost, up[3])]
        for j in range(1, cols + 1):
            diag, above, left = prev[j - 1], prev[j], cur[j - 1]
            same = wild or r == hypothesis[j - 1]
            options = (
                (diag[0] + (0 if same else 1), diag[1] + (0 if same else 1), diag[2], diag[3]),
                (above[0] + del_cost, above[1], above[2] + del_cost, above[3]),
                (left[0] + 1, left[1], left[2], left[3] + 1),
            )
            cur.append(min(options))
        prev = cur
    _, subs, dels, ins = prev[cols]
    n = sum(1 for w in reference if w != WILDCARD)
    return WordErrors(n=n, substitutions=subs, deletions=dels, insertions=ins)
