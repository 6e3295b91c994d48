"""Which words of a transcript the transcriber was not sure of.

tiny.en writes some words it did not hear well: "Chip on time" for "Ship on time", or, over
noise or mumbling, a run of capitalised or invented words. Such words must not be quoted to
the user as evidence for a check, and the reports mark them in the transcript. A word is
uncertain when:

- **its probability is low**: Whisper's own word probability (``Word.probability``, the
  lowest of its sub-word pieces) is under ``AnalysisOptions.uncertain_probability``; the
  threshold was chosen on development clips (docs/accuracy.md, "Words the transcriber was
  not sure of");
- **it sits in an all-capitals run**: two or more neighbouring words written in capitals
  that are not known acronyms ("AUC", "SQL", "A/B" are); speech is not written in capitals,
  so such a run is a sign the decoder was guessing (on the development clips 5 of the 8
  words of such runs were wrong: they are marked, not dropped);
- **it sits in an invented run**: two or more neighbouring words that are not shaped like
  English words (no vowel, a letter three times over, six consonants in a row), or one
  such word heard with low probability.

Hesitations ("um", "uh") are never marked: whether they were said is the filler count's
business, with its own measured accuracy, and they are never quoted as evidence.

No dictionary ships with voiceloop, so the word-shape rules are only what can be told from
the letters themselves; they are deliberately narrow.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Sequence
from typing import Literal

from voiceloop.analysis.fillers import hesitation_type
from voiceloop.analysis.timeline import norm
from voiceloop.models import Sentence, Word
from voiceloop.options import AnalysisOptions

Doubt = Literal["low probability", "all-capitals run", "invented run"]

# What a check says in place of a quote whose words the transcriber was not sure of.
UNSURE_NOTE = "words the transcriber was not sure of (not quoted)"

# Acronyms an interview answer says as letters. Capitals alone never make them uncertain.
KNOWN_ACRONYMS = frozenset(
    """
    AB AI API APIS AUC AWS BI CEO CFO CI CD COO CPU CRM CSV CTO CTR CX DAU DB DBA DNS ETA ETL
    EU FAQ GA GCP GPU GDPR HR ID IDS IO IOS IP IT JSON KPI KPIS LLM ML MAU MVP NLP NPS OKR OKRS
    OS PDF PM PMS PR PRS QA QPS RCA ROC ROI RPC SDK SLA SLAS SLO SLOS SQL SRE SSO TPM UI UK US
    USA UX VP XML YOY QOQ
    """.split()
)
_LETTERS = re.compile(r"[^A-Za-z]")
_VOWEL = re.compile(r"[aeiouy]", re.IGNORECASE)
_TRIPLE = re.compile(r"([a-z])\1\1", re.IGNORECASE)
_CONSONANTS = re.compile(r"[bcdfghjklmnpqrstvwxz]{6,}", re.IGNORECASE)  # "strengths" has 5
_VOWELLESS_WORDS = frozenset({"mrs", "nth", "pst", "psst", "shh", "tsk", "brr", "hmm", "mmm"})


def _letters(text: str) -> str:
    return _LETTERS.sub("", text)


@functools.lru_cache(maxsize=8192)  # words repeat; the reports ask of every word
def is_capitals(text: str) -> bool:
    """A word written in capitals that is not a known acronym ("THE", "MONTRE", not "SQL")."""
    letters = _letters(text)
    if len(letters) < 2 or not letters.isupper():
        return False
    plural = letters[:-1] if letters.endswith("S") else letters
    return letters not in KNOWN_ACRONYMS and plural not in KNOWN_ACRONYMS


@functools.lru_cache(maxsize=8192)
def is_odd_shape(text: str) -> bool:
    """A word whose letters are not shaped like an English word: no vowel, one letter three
    times over, or six consonants in a row. Numbers, acronyms and short words are never odd."""
    if any(ch.isdigit() for ch in text):
        return False
    letters = _letters(text)
    if len(letters) < 3 or letters.upper() in KNOWN_ACRONYMS:
        return False
    if letters.lower() in _VOWELLESS_WORDS:
        return False
    if letters.isupper() and len(letters) <= 4:
        return False  # an acronym voiceloop does not know ("GTM")
    return (
        _VOWEL.search(letters) is None
        or _TRIPLE.search(letters) is not None
        or _CONSONANTS.search(letters) is not None
    )


def _runs(flags: Sequence[bool]) -> list[tuple[int, int]]:
    """(first, last) of each run of True in ``flags``."""
    out: list[tuple[int, int]] = []
    start: int | None = None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            out.append((start, i - 1))
            start = None
    return out


def word_doubts(words: Sequence[Word], min_probability: float) -> dict[int, Doubt]:
    """Index -> why, for every word of ``words`` the transcriber was not sure of.

    ``min_probability``: a word heard with a lower probability is uncertain (0 turns the
    probability rule off). A word with two reasons keeps the run's: the run says more.
    """

    def spoken(w: Word) -> bool:  # asked only of the few candidates: most words are sure
        return hesitation_type(w.text) is None

    out: dict[int, Doubt] = {}
    for i, w in enumerate(words):
        if w.probability < min_probability and spoken(w):
            out[i] = "low probability"
    caps = [is_capitals(w.text) and spoken(w) for w in words]
    for a, b in _runs(caps):
        if b > a:
            out.update({i: "all-capitals run" for i in range(a, b + 1)})
    odd = [is_odd_shape(w.text) and spoken(w) for w in words]
    for a, b in _runs(odd):
        if b > a or words[a].probability < min_probability:
            out.update({i: "invented run" for i in range(a, b + 1)})
    return out


def uncertain_words(words: Sequence[Word], min_probability: float) -> list[int]:
    """Indexes of the words the transcriber was not sure of, in order (see module doc)."""
    return sorted(word_doubts(words, min_probability))


def all_sure(uncertain: Collection[int], first: int, last: int) -> bool:
    """True when none of the words ``first..last`` (inclusive) is uncertain."""
    return not any(first <= i <= last for i in uncertain)


def uncertain_set(words: Sequence[Word], options: AnalysisOptions) -> frozenset[int]:
    """:func:`uncertain_words` with the analysis options' threshold, as a set."""
    return frozenset(uncertain_words(words, options.uncertain_probability))


_QUOTED = re.compile(r"'([^']+)'")


def unsure_tokens(sentence: Sentence, uncertain: Collection[int]) -> set[str]:
    """The normalised words of ``sentence`` the transcriber was not sure of (``uncertain``:
    indexes into the transcript's words, which the sentence's text joins with spaces)."""
    tokens = sentence.text.split(" ")
    if len(tokens) != sentence.last_word - sentence.first_word + 1:
        return set()
    return {norm(t) for k, t in enumerate(tokens) if sentence.first_word + k in uncertain}


def mark_quoted(reason: str, unsure: Collection[str], mark: Callable[[str], str]) -> str:
    """A label's reason with every word it quotes ('as a result') that is one of ``unsure``
    (normalised words the transcriber was not sure of) passed through ``mark``.

    A reason names the words the labeller went by; they stay, marked, so the reader knows the
    label may rest on a misheard word. Words are matched by their text within the sentence,
    so a quoted "a" is marked when another "a" of the sentence was the uncertain one.
    """
    if not unsure:
        return reason

    def one(m: re.Match[str]) -> str:
        inner = " ".join(mark(w) if norm(w) in unsure else w for w in m.group(1).split(" "))
        return f"'{inner}'"

    return _QUOTED.sub(one, reason)


def sure_only(words: Sequence[Word], uncertain: Collection[int]) -> list[Word]:
    """``words`` with each one the transcriber was not sure of blanked ("_"), so that what is
    found in them was heard clearly and no phrase is made of words that were not neighbours."""
    return [
        w.model_copy(update={"text": "_"}) if i in uncertain else w for i, w in enumerate(words)
    ]
