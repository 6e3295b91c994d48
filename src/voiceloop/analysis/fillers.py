"""Filler words on the word timeline: hesitations always, discourse fillers by context.

Whisper writes whole words with punctuation attached ("Um,", "so,", "like,"). Hesitation
tokens (um, uh, er, ah, hmm, mm) are always fillers. Words that also have an ordinary
meaning (like, so, you know, I mean, kind of, actually, right, well, ...) are counted only
where the context marks them as fillers: at a clause start and set off by a comma, set off
by commas on both sides, or next to another filler. The rules are conservative on purpose:
an "I'd like" or "so that" counted as a filler costs the user's trust more than a missed one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from voiceloop.analysis.timeline import ends_sentence, norm
from voiceloop.models import FillerEvent, FillerResult, Transcript, Word
from voiceloop.options import AnalysisOptions

# Hesitation sounds: spelling variants -> canonical type. "erm" is the British spelling
# of "um" (a nasal hesitation), so it counts as "um"; "er" stays separate.
_HESITATIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(u+h*m+|e+r+m+)$"), "um"),
    (re.compile(r"^u+h+$"), "uh"),
    (re.compile(r"^e+r+$"), "er"),
    (re.compile(r"^a+h+$"), "ah"),
    (re.compile(r"^h+m+$"), "hmm"),
    (re.compile(r"^m{2,}$"), "mm"),
)

# Single words that may be discourse fillers; the value is the canonical type.
_DISCOURSE_ONE = {
    "like": "like",
    "so": "so",
    "actually": "actually",
    "basically": "basically",
    "literally": "literally",
    "right": "right",
    "well": "well",
    "okay": "okay",
    "ok": "okay",
    "y'know": "you know",
    "yknow": "you know",
    "kinda": "kind of",
    "sorta": "sort of",
}
_ADVERBS = {"actually", "basically", "literally"}
_OPENERS_ONLY = {"well", "okay"}  # counted only as sentence openers
_TWO_WORD = {("you", "know"): "you know", ("i", "mean"): "I mean"}
_HEDGE_PAIRS = {("kind", "of"): "kind of", ("sort", "of"): "sort of"}

# "like" after these is a verb or a comparison, never a filler.
_LIKE_BLOCKERS = {
    "i'd", "you'd", "we'd", "they'd", "he'd", "she'd", "would", "wouldn't", "i", "you", "we",
    "they", "don't", "didn't", "doesn't", "do", "does", "did", "to", "look", "looks",
    "looked", "looking", "seem", "seems", "seemed", "sound", "sounds", "sounded", "feel",
    "feels", "felt", "something", "anything", "nothing", "more", "much", "just", "exactly",
    "things", "stuff", "is", "was", "be", "it's", "that's", "what's",
}  # fmt: skip
# "you know" after these is a real question or statement ("do you know", "if you know").
_YOU_KNOW_BLOCKERS = {"do", "did", "don't", "didn't", "if", "as", "would", "will", "can", "could"}
# "kind of"/"sort of" after these names a type ("what kind of data").
_KIND_BLOCKERS = {
    "what", "which", "this", "that", "the", "a", "an", "any", "some", "every", "each",
    "one", "same", "different", "these", "those", "all", "no", "other", "another",
    "what's", "that's", "right", "new", "first", "only", "of", "certain", "particular",
}  # fmt: skip
# ... and after these it is a hedge ("it kind of worked", "was sort of slow").
_KIND_HEDGE_BEFORE = {
    "i", "we", "it", "they", "he", "she", "you", "was", "were", "is", "are", "am", "been",
    "be", "it's", "that's", "i'm", "we're", "they're", "just", "really", "also", "still",
    "felt", "feel", "seemed", "seems", "got", "get",
}  # fmt: skip
_CLAUSE_PUNCT = re.compile(r"[,;:\u2014\u2013-]$|\.\.\.$|\u2026$")


@dataclass(frozen=True)
class _Tok:
    raw: str
    low: str  # norm(): lower case, edge punctuation stripped
    start: float
    end: float


def hesitation_type(text: str) -> str | None:
    """Canonical hesitation type of a written word ("Umm," -> "um"), or None.

    A word written with a leading apostrophe ("'er" for "her") is not a hesitation.
    """
    if text.strip().startswith(("'", "\u2019")):
        return None
    low = norm(text)
    for pattern, kind in _HESITATIONS:
        if pattern.match(low):
            return kind
    return None


def _ends_clause(raw: str) -> bool:
    text = raw.strip()
    return ends_sentence(text) or bool(_CLAUSE_PUNCT.search(text))


def _comma_after(raw: str) -> bool:
    return bool(_CLAUSE_PUNCT.search(raw.strip())) or ends_sentence(raw)


def _boundaries(toks: list[_Tok], pause_s: float) -> tuple[list[bool], list[bool]]:
    """For each word: does a sentence start here, does a clause start here.

    A sentence starts at the first word, after ., ! or ?, or after a pause of ``pause_s``.
    A clause also starts after , ; : or a dash, and right after a hesitation that itself
    stood at a clause start ("Um so, ..." keeps "so" at the clause start).
    """
    sentence = [False] * len(toks)
    clause = [False] * len(toks)
    for i, tok in enumerate(toks):
        if i == 0:
            sentence[i] = clause[i] = True
            continue
        prev = toks[i - 1]
        sentence[i] = ends_sentence(prev.raw) or tok.start - prev.end >= pause_s
        clause[i] = (
            sentence[i]
            or _ends_clause(prev.raw)
            or (hesitation_type(prev.raw) is not None and clause[i - 1])
        )
    return sentence, clause


def _prev_content(toks: list[_Tok], i: int) -> str:
    """The previous word that is not a hesitation, normalized.

    "" at the start, and "" when that word ends a clause: "I'd like" blocks the filler
    reading of "like", "it was, like," does not.
    """
    j = i - 1
    while j >= 0 and hesitation_type(toks[j].raw) is not None:
        j -= 1
    if j < 0 or _ends_clause(toks[j].raw):
        return ""
    return toks[j].low


def _is_filler_word(toks: list[_Tok], i: int) -> bool:
    """Is word ``i`` a hesitation or a comma-marked discourse word ("so," "like,")?"""
    if i >= len(toks):
        return False
    tok = toks[i]
    if hesitation_type(tok.raw) is not None:
        return True
    return tok.low in _DISCOURSE_ONE and _comma_after(tok.raw)


class _Detector:
    def __init__(self, words: list[Word], options: AnalysisOptions) -> None:
        self.toks = [_Tok(w.text, norm(w.text), w.start, w.end) for w in words]
        self.sentence, self.clause = _boundaries(self.toks, options.sentence_pause_s)

    def set_off(self, last: int) -> bool:
        """The filler ending at word ``last`` has a comma after it, or another filler follows.

        A full stop does not count: "Okay." or "So." alone is an answer, not a filler.
        """
        raw = self.toks[last].raw.strip()
        return bool(_CLAUSE_PUNCT.search(raw)) or _is_filler_word(self.toks, last + 1)

    def surrounded(self, first: int, last: int) -> bool:
        """Commas on both sides: ", like," / ", you know." / ", actually,"."""
        if first == 0 or not _ends_clause(self.toks[first - 1].raw):
            return False
        return _comma_after(self.toks[last].raw)

    def marked(self, first: int, last: int) -> bool:
        """The usual filler evidence: clause start and set off, or set off on both sides."""
        return (self.clause[first] and self.set_off(last)) or self.surrounded(first, last)

    def one_word(self, i: int) -> str | None:
        """Canonical type if single word ``i`` is a discourse filler here, else None."""
        tok = self.toks[i]
        kind = _DISCOURSE_ONE.get(tok.low)
        if kind is None:
            return None
        prev = _prev_content(self.toks, i)
        if kind == "like":
            return kind if prev not in _LIKE_BLOCKERS and self.marked(i, i) else None
        if kind == "so":
            # Only as an opener set off by a comma or followed by a filler ("So, um").
            return kind if self.clause[i] and self.set_off(i) else None
        if kind in _ADVERBS:
            return kind if self.clause[i] or self.surrounded(i, i) else None
        if kind == "right":
            tag = tok.raw.strip().endswith("?") and i > 0 and _ends_clause(self.toks[i - 1].raw)
            opener = self.sentence[i] and self.set_off(i)
            return kind if tag or opener else None
        if kind in _OPENERS_ONLY:
            return kind if self.sentence[i] and self.set_off(i) else None
        if kind in ("kind of", "sort of"):
            return kind if prev not in _KIND_BLOCKERS else None
        return kind if self.marked(i, i) else None  # y'know

    def two_words(self, i: int) -> str | None:
        """Canonical type if words ``i, i+1`` form a filler phrase here, else None."""
        if i + 1 >= len(self.toks):
            return None
        a, b = self.toks[i], self.toks[i + 1]
        if _ends_clause(a.raw):  # "you, know" is not one phrase
            return None
        pair = (a.low, b.low)
        prev = _prev_content(self.toks, i)
        if pair in _TWO_WORD:
            kind = _TWO_WORD[pair]
            if kind == "you know" and prev in _YOU_KNOW_BLOCKERS:
                return None
            if kind == "I mean" and prev in {"what", "which", "that's"}:
                return None
            return kind if self.marked(i, i + 1) else None
        if pair in _HEDGE_PAIRS:
            if prev in _KIND_BLOCKERS:
                return None
            hedge = prev in _KIND_HEDGE_BEFORE or self.set_off(i + 1)
            return _HEDGE_PAIRS[pair] if hedge or self.surrounded(i, i + 1) else None
        return None

    def events(self) -> list[FillerEvent]:
        found: list[FillerEvent] = []
        i = 0
        while i < len(self.toks):
            tok = self.toks[i]
            kind = hesitation_type(tok.raw)
            span = 1
            if kind is None:
                kind = self.two_words(i)
                span = 2 if kind is not None else 1
            if kind is None:
                kind = self.one_word(i)
            if kind is not None:
                last = self.toks[i + span - 1]
                found.append(FillerEvent(type=kind, start=tok.start, end=last.end, word_index=i))
            i += span
        return found


def summarize(events: list[FillerEvent], words: list[Word]) -> FillerResult:
    """Counts and rates: per minute of speaking span, per 100 transcript words."""
    count = len(events)
    span = words[-1].end - words[0].start if words else 0.0
    by_type: dict[str, int] = {}
    for event in events:
        by_type[event.type] = by_type.get(event.type, 0) + 1
    return FillerResult(
        events=events,
        count=count,
        per_minute=count / span * 60.0 if span > 0 else 0.0,
        per_100_words=count / len(words) * 100.0 if words else 0.0,
        by_type=by_type,
    )


def detect_fillers(transcript: Transcript, options: AnalysisOptions) -> FillerResult:
    """Find filler words in a transcript; see the module docstring for the context rules."""
    events = _Detector(transcript.words, options).events() if transcript.words else []
    return summarize(events, transcript.words)
