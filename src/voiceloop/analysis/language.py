"""Ownership language, named leadership principles and hedges on the word timeline.

Interviewers want "I" for the candidate's own actions, so "I"-words and "we"-words are
counted inside the Action section. Principles are matched by name (with common short
forms), hedges from a curated phrase list; both report where they were said.
"""

from __future__ import annotations

import re

from voiceloop.analysis.timeline import norm
from voiceloop.models import LanguageResult, PhraseHit, Transcript, Word
from voiceloop.options import AnalysisOptions

# Amazon's 16 leadership principles, with the names as the company writes them.
LEADERSHIP_PRINCIPLES: list[str] = [
    "Customer Obsession",
    "Ownership",
    "Invent and Simplify",
    "Are Right, A Lot",
    "Learn and Be Curious",
    "Hire and Develop the Best",
    "Insist on the Highest Standards",
    "Think Big",
    "Bias for Action",
    "Frugality",
    "Earn Trust",
    "Dive Deep",
    "Have Backbone; Disagree and Commit",
    "Deliver Results",
    "Strive to be Earth's Best Employer",
    "Success and Scale Bring Broad Responsibility",
]

# Spoken forms of each principle, as regexes over normalized words joined by single spaces
# (lower case, punctuation dropped, apostrophes kept: "earth's").
_PRINCIPLE_PATTERNS: dict[str, tuple[str, ...]] = {
    "Customer Obsession": (
        r"customer obsess(?:ion|ed)",
        r"obsess(?:ed|ing|ion)? (?:with|over|about) (?:the |our |my )?customers?",
    ),
    "Ownership": (r"ownership",),
    "Invent and Simplify": (r"invent and simplify",),
    "Are Right, A Lot": (r"right a lot(?! of)",),
    "Learn and Be Curious": (r"learn and be curious",),
    "Hire and Develop the Best": (r"hire and develop(?: the best)?",),
    "Insist on the Highest Standards": (
        r"insist(?:ed|ing|s)? on (?:the )?highest standards?",
        r"highest standards",
    ),
    "Think Big": (r"think(?:ing)? big", r"thought big"),
    "Bias for Action": (r"bias (?:for|to|towards?) action",),
    "Frugality": (r"frugality", r"frugal"),
    "Earn Trust": (r"earn(?:s|ed|ing)? (?:\S+ ){0,2}trust",),
    "Dive Deep": (r"(?:dive|dove|dived|diving|dives) deep",),
    "Have Backbone; Disagree and Commit": (
        r"backbone",
        r"disagree(?:d|ing)? and commit(?:ted|ting)?",
    ),
    "Deliver Results": (r"deliver(?:s|ed|ing)? results",),
    "Strive to be Earth's Best Employer": (r"earth'?s best employer", r"best employer"),
    "Success and Scale Bring Broad Responsibility": (
        r"success and scale",
        r"broad responsibility",
    ),
}
_COMPILED = {
    name: [re.compile(rf"(?<!\S){p}(?!\S)") for p in pats]
    for name, pats in _PRINCIPLE_PATTERNS.items()
}

I_WORDS = frozenset({"i", "i'm", "i've", "i'd", "i'll", "me", "my", "myself"})
WE_WORDS = frozenset({"we", "we're", "we've", "we'd", "our", "us", "ourselves"})

# Curated hedges, longest first so "i'm not sure" wins over shorter overlaps.
HEDGES: tuple[str, ...] = (
    "i am not sure",
    "i'm not sure",
    "i feel like",
    "i think",
    "i guess",
    "sort of",
    "kind of",
    "maybe",
    "probably",
    "perhaps",
    "hopefully",
    "somewhat",
    "just",
)
# "kind of" / "sort of" after these names a type ("what kind of data"), not a hedge.
_TYPE_BEFORE = {"what", "which", "this", "that", "the", "a", "an", "any", "some", "every"}
_TYPE_BEFORE |= {"each", "same", "different", "these", "those", "all", "other", "another"}


def _key(text: str) -> str:
    """A word as matched against phrase lists: normalized, without inner punctuation."""
    return re.sub(r"[^\w'%$]+", "", norm(text))


def _in_span(word: Word, span: tuple[float, float] | None) -> bool:
    return span is None or span[0] <= word.start <= span[1]


def count_pronouns(words: list[Word], span: tuple[float, float] | None) -> tuple[int, int]:
    """Number of "I"-words and "we"-words said within ``span`` (all words when None).

    "US" written in capitals is the country, not the pronoun.
    """
    i_count = we_count = 0
    for word in words:
        if not _in_span(word, span):
            continue
        key = _key(word.text)
        if key in I_WORDS:
            i_count += 1
        elif key in WE_WORDS and re.sub(r"[^A-Za-z]", "", word.text) != "US":
            we_count += 1
    return i_count, we_count


def principles_named(words: list[Word]) -> list[str]:
    """Leadership principles named anywhere in the answer, in the canonical order."""
    text = " ".join(re.sub(r"[^\w']+", " ", norm(w.text)) for w in words)
    text = " ".join(text.split())
    return [name for name, pats in _COMPILED.items() if any(p.search(text) for p in pats)]


def find_hedges(words: list[Word]) -> list[PhraseHit]:
    """Each hedge phrase with its start time; a word belongs to at most one hedge."""
    keys = [_key(w.text) for w in words]
    phrases = [tuple(h.split()) for h in HEDGES]
    hits: list[PhraseHit] = []
    i = 0
    while i < len(words):
        for phrase in phrases:
            n = len(phrase)
            if tuple(keys[i : i + n]) != phrase:
                continue
            if phrase[-1] == "of" and i > 0 and keys[i - 1] in _TYPE_BEFORE:
                continue
            hits.append(PhraseHit(phrase=" ".join(phrase), start=words[i].start))
            i += n - 1
            break
        i += 1
    return hits


def analyze_language(
    transcript: Transcript,
    action_span: tuple[float, float] | None,
    options: AnalysisOptions,
) -> LanguageResult:
    """Count "I" vs "we" in the Action part, principles named and hedges in the whole answer.

    Only counts are made here; ``options.i_share_min``, ``we_count_min`` and ``hedges_flag``
    judge them where a check or a tip is decided (``analysis.shape``, ``analysis.verdict``),
    so ``options`` is taken for the common analyzer signature and not read.
    """
    words = transcript.words
    i_count, we_count = count_pronouns(words, action_span)
    total = i_count + we_count
    return LanguageResult(
        i_count=i_count,
        we_count=we_count,
        i_share=i_count / total if total else None,
        principles_named=principles_named(words),
        hedges=find_hedges(words),
    )
