"""Check whether the answer's result is quantified, with a baseline and a timeframe.

Quantities are read from the Result and Reflection sections of a :class:`StarResult`.
When no Result section was found, the last quarter of the answer is read instead, and the
verdict ``result_quantified`` is ``None`` (there is no result to judge).

Numbers come in two spellings: Whisper writes most as digits ("8.4%", "$3.2M", "2x"),
synthesized references spell them ("eight point four percent"). Both are recognised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from voiceloop.analysis.timeline import norm
from voiceloop.models import Quantity, QuantifyResult, StarResult, Transcript, Word
from voiceloop.options import AnalysisOptions

FALLBACK_TAIL = 0.25  # share of the answer read when no Result section was labelled

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred", "thousand", "million", "billion", "trillion", "k", "m", "bn"}
_NUMBER_WORDS = set(_UNITS) | _SCALES | {"half", "dozen"}
_MULTIPLIER_WORDS = {"twice", "double", "doubled", "triple", "tripled", "quadrupled", "halved",
                     "tenfold"}  # fmt: skip
_CURRENCY_WORDS = {"dollars", "dollar", "euros", "euro", "pounds", "pound", "bucks", "usd",
                   "eur", "gbp", "cents"}  # fmt: skip
_PERCENT_WORDS = {"percent", "per cent", "percentage", "pp", "bps", "basis"}
_TIME_UNITS = {"second", "seconds", "minute", "minutes", "hour", "hours", "day", "days",
               "week", "weeks", "month", "months", "quarter", "quarters", "year", "years",
               "ms", "milliseconds", "millisecond", "sec", "secs", "min", "mins", "hrs", "h",
               "s"}  # fmt: skip
_NOT_COUNT_NOUNS = {"of", "to", "and", "or", "the", "a", "an", "in", "on", "at", "for", "by",
                    "from", "with", "than", "versus", "vs", "that", "which", "was", "were",
                    "is", "are", "then", "but", "so", "point", "plus", "minus"}  # fmt: skip
# A digit token: optional sign/currency, digits, optional decimals and suffix.
_DIGIT = re.compile(
    r"^(?P<sign>[+\-\u2212~]?)(?P<cur>[$\u20ac\u00a3]?)(?P<num>\d[\d,]*(?:\.\d+)?)"
    r"(?P<suf>%|x|k|m|bn|b|pp|ms|h|s|st|nd|rd|th|-\w+)?$"
)
_SPLIT = re.compile(r"[/\u2192]")

_BASELINE = re.compile(
    r"(?<![\w'])(?:from\s+\S*\d\S*|from\s+(?:" + "|".join(_UNITS) + r")\b.*\bto|versus|vs|"
    r"compared (?:to|with)|relative to|up from|down from|over (?:the )?(?:baseline|control)|"
    r"(?:above|below|against|than) (?:the )?(?:baseline|control|before|last|previous|prior)|"
    r"baseline|control group|previously|prior|before)(?![\w'])"
)
_TIMEFRAME = re.compile(
    r"(?<![\w'])(?:(?:in|within|over|after|for|across) (?:the )?(?:first |next |following |"
    r"past |last )?(?:\S+ )?(?:a |an )?(?:\S+ )?(?:seconds?|minutes?|hours?|days?|weeks?|"
    r"months?|quarters?|years?|sprints?)|within|per (?:day|week|month|quarter|year|sprint)|"
    r"by q[1-4]|by (?:the )?end of|year over year|yoy|annuali[sz]ed|annually|annual|"
    r"quarterly|weekly|monthly|daily|a (?:day|week|month|quarter|year)|"
    r"\d+[- ](?:day|week|month|quarter|year)s?)(?![\w'])"
)


@dataclass
class _Span:
    first: int  # index into the region's token list
    last: int
    kind: str


def _token_kind(tokens: list[str], i: int) -> tuple[int, str] | None:
    """If a quantity starts at token ``i``, return (last token index, kind)."""
    tok = tokens[i]
    m = _DIGIT.match(tok)
    last = i
    if m:
        num = m.group("num").replace(",", "")
        suffix = (m.group("suf") or "").lower()
        if not m.group("sign") and not m.group("cur") and not suffix and re.fullmatch(
            r"(19|20)\d\d", num
        ):
            return None  # a year, not a measurement
        if suffix in {"st", "nd", "rd", "th"}:
            return None  # an ordinal
        if m.group("cur"):
            while last + 1 < len(tokens) and tokens[last + 1] in _SCALES:
                last += 1
            return last, "currency"
        if suffix in {"%", "pp"}:
            return last, "percent"
        if suffix == "x":
            return last, "multiplier"
        if suffix in {"ms", "h", "s"}:
            return last, "duration"
        if suffix.startswith("-"):
            unit = suffix[1:]
            return last, "duration" if unit in _TIME_UNITS else "count"
    elif tok in _UNITS or tok in {"half", "dozen", "hundred", "thousand", "million", "billion"}:
        if tok == "one" and i + 1 < len(tokens) and tokens[i + 1] in {"of", "that", "who", "thing"}:
            return None
        # join "two hundred and fifty thousand", "nine point eight"
        while last + 1 < len(tokens):
            nxt = tokens[last + 1]
            if nxt in _NUMBER_WORDS or (
                nxt in {"point", "and", "a"}
                and last + 2 < len(tokens)
                and tokens[last + 2] in _NUMBER_WORDS
            ):
                last += 1 if nxt in _NUMBER_WORDS else 2
            else:
                break
    elif tok in _MULTIPLIER_WORDS:
        return last, "multiplier"
    else:
        return None
    # a number (digits or words): look at the unit that follows
    nxt = tokens[last + 1] if last + 1 < len(tokens) else ""
    nxt2 = " ".join(tokens[last + 1 : last + 3])
    while nxt in _SCALES and last + 1 < len(tokens):
        last += 1
        nxt = tokens[last + 1] if last + 1 < len(tokens) else ""
        nxt2 = " ".join(tokens[last + 1 : last + 3])
    if nxt in {"percent", "%", "pp", "bps"} or nxt2 in {"per cent", "percentage points",
                                                          "percentage point", "basis points"}:
        return last + (2 if nxt2.startswith(("per cent", "percentage", "basis")) else 1), "percent"
    if nxt in _CURRENCY_WORDS:
        return last + 1, "currency"
    if nxt in {"times", "x", "fold"}:
        return last + 1, "multiplier"
    if nxt in _TIME_UNITS:
        return last + 1, "duration"
    if nxt and nxt.isalpha() and nxt not in _NOT_COUNT_NOUNS and nxt not in _NUMBER_WORDS:
        return last + 1, "count"
    return last, "number"


def find_quantities(words: list[Word]) -> list[tuple[int, int, str]]:
    """Quantities in a word list as (first word index, last word index, kind)."""
    tokens: list[str] = []
    owner: list[int] = []
    for wi, w in enumerate(words):
        for part in _SPLIT.split(norm(w.text)):
            part = part.strip("()[]\"'")
            if part:
                tokens.append(part)
                owner.append(wi)
    found: list[tuple[int, int, str]] = []
    i = 0
    while i < len(tokens):
        hit = _token_kind(tokens, i)
        if hit is None:
            i += 1
            continue
        last, kind = hit
        last = min(last, len(tokens) - 1)
        # "plus"/"minus"/"up"/"down" before a number belong to it (for display only)
        found.append((owner[i], owner[last], kind))
        i = last + 1
    return found


def _region(transcript: Transcript, star: StarResult) -> tuple[list[tuple[int, int]], bool]:
    """Word-index ranges to read, and whether a Result section exists."""
    words = transcript.words
    result_present = any(s.label == "result" for s in star.sections)
    ranges = [
        (s.first_word, s.last_word) for s in star.sections if s.label in ("result", "reflection")
    ]
    if not result_present and words:
        t0, t1 = words[0].start, words[-1].end
        cut = t1 - FALLBACK_TAIL * (t1 - t0)
        first = next((i for i, w in enumerate(words) if w.start >= cut), len(words) - 1)
        ranges = [(first, len(words) - 1)]
    return ranges, result_present


def _sentence_text(star: StarResult, transcript: Transcript, word_index: int) -> str:
    for sent in star.sentences:
        if sent.first_word <= word_index <= sent.last_word:
            return " ".join(norm(w.text) for w in transcript.words[sent.first_word : sent.last_word + 1])
    return norm(transcript.words[word_index].text)


def quantify_results(
    transcript: Transcript, star: StarResult, options: AnalysisOptions
) -> QuantifyResult:
    """Find the numbers in the answer's Result/Reflection and flag what a coach would ask.

    ``result_quantified`` is True when the Result section itself holds a quantity, False when
    it holds none, and None when no Result section was found.
    """
    del options  # no tunables yet; kept for a uniform analyzer signature
    ranges, result_present = _region(transcript, star)
    result_words = {
        i
        for s in star.sections
        if s.label == "result"
        for i in range(s.first_word, s.last_word + 1)
    }
    quantities: list[Quantity] = []
    in_result: list[Quantity] = []
    for first, last in ranges:
        chunk = transcript.words[first : last + 1]
        for a, b, kind in find_quantities(chunk):
            wa, wb = first + a, first + b
            sentence = _sentence_text(star, transcript, wa)
            q = Quantity(
                text=" ".join(w.text for w in transcript.words[wa : wb + 1]).strip(" ,;:."),
                kind=kind,  # type: ignore[arg-type]
                start=transcript.words[wa].start,
                has_baseline=bool(_BASELINE.search(sentence)),
                has_timeframe=kind == "duration" or bool(_TIMEFRAME.search(sentence)),
            )
            quantities.append(q)
            if wa in result_words:
                in_result.append(q)
    flags: list[str] = []
    quantified: bool | None
    if not result_present:
        quantified = None
        flags.append("No Result section: say what changed because of your actions")
    else:
        quantified = bool(in_result)
        if not in_result:
            flags.append("Result has no number")
        else:
            no_base = sum(not q.has_baseline for q in in_result)
            if no_base:
                noun = "number has" if len(in_result) == 1 else "numbers have"
                flags.append(f"{no_base} of {len(in_result)} {noun} no baseline")
            if not any(q.has_timeframe for q in in_result):
                flags.append("no timeframe given for the result")
    return QuantifyResult(
        result_present=result_present,
        quantities=quantities,
        result_quantified=quantified,
        flags=flags,
    )
