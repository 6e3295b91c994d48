"""Check whether the answer's result is quantified, with a baseline and a timeframe.

Quantities are read from the Result and Reflection sections of a :class:`StarResult`.
When no Result section was found, the last quarter of the answer is read instead, and the
verdict ``result_quantified`` is ``None`` (there is no result to judge).

Numbers come in two spellings: Whisper writes most as digits ("8.4%", "$3.2M", "2x"),
synthesized references spell them ("eight point four percent"). Both are recognised.
"""

from __future__ import annotations

import re
from typing import Literal

from voiceloop.analysis.confidence import all_sure, uncertain_set
from voiceloop.analysis.numbers import CARDINAL_WORDS, SCALES
from voiceloop.analysis.timeline import norm
from voiceloop.models import QuantifyResult, Quantity, StarResult, Transcript, Word
from voiceloop.options import AnalysisOptions

Kind = Literal["percent", "currency", "multiplier", "count", "duration", "number"]

# Words that scale the number before them: spelled scales and the suffixes the recogniser
# sometimes writes apart from the digits ("3.2 m").
_SCALES = {"hundred", *SCALES, "k", "m", "bn"}
_NUMBER_WORDS = CARDINAL_WORDS | _SCALES | {"half", "dozen"}
# Words a number said as words starts with ("trillion" and the suffixes only continue one).
_NUMBER_STARTS = CARDINAL_WORDS | {"half", "dozen", "hundred", "thousand", "million", "billion"}
_MULTIPLIER_WORDS = {"twice", "double", "doubled", "triple", "tripled", "quadrupled", "halved",
                     "tenfold"}  # fmt: skip
_CURRENCY_WORDS = {"dollars", "dollar", "euros", "euro", "pounds", "pound", "bucks", "usd",
                   "eur", "gbp", "cents"}  # fmt: skip
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
    r"(?<![\w'])(?:from\s+\S*\d\S*|from\s+(?:" + "|".join(CARDINAL_WORDS) + r")\b.*\bto|versus|vs|"
    r"compared (?:to|with)|relative to|up from|down from|over (?:the )?(?:baseline|control)|"
    r"(?:above|below|against|than) (?:the )?(?:baseline|control|before|last|previous|prior)|"
    r"baseline|control group|previously|prior|than before|before (?:it|that|this|we|i)|"
    r"\d\S*\s+(?:[a-z-]+\s+)?to\s+(?:less than |under |about |over |roughly |just )?"
    r"[$+\-]?\d[\d.,]*)"
    r"(?![\w'])"
)
_TIMEFRAME = re.compile(
    r"(?<![\w'])(?:(?:in|within|over|after|for|across) (?:the )?(?:first |next |following |"
    r"past |last )?(?:\S+ )?(?:a |an )?(?:\S+ )?(?:seconds?|minutes?|hours?|days?|weeks?|"
    r"months?|quarters?|years?|sprints?)|within|per (?:day|week|month|quarter|year|sprint)|"
    r"by q[1-4]|by (?:the )?end of|year over year|yoy|annuali[sz]ed|annually|annual|"
    r"quarterly|weekly|monthly|daily|a (?:day|week|month|quarter|year)|"
    r"\d+[- ](?:day|week|month|quarter|year)s?)(?![\w'])"
)


# "one" after these is a pronoun ("that one", "the only one"); the recogniser also writes
# "that won back" as "that one back"
_BEFORE_PRONOUN_ONE = frozenset(
    "the no every any some each this that which only same other right".split()
)
# ... and so is "one" before these ("one of", "one that"); before a pronoun it is a word the
# recogniser misheard ("once it's rerun" written "one it's rerun")
_AFTER_PRONOUN_ONE = frozenset(
    "of that who thing another it it's its they they're we we're i i'm he she you".split()
)

# A count after these picks out a group ("the other two hospitals", "the first ten
# runbooks") instead of measuring what changed
_NAMES_A_GROUP = frozenset({"other", "first"})


def _token_kind(tokens: list[str], i: int, closed: list[bool]) -> tuple[int, Kind] | None:
    """If a quantity starts at token ``i``, return (last token index, kind).

    ``closed[k]`` is True when punctuation follows token k: a unit is not looked for past it.
    """
    tok = tokens[i]
    m = _DIGIT.match(tok)
    last = i
    if m:
        num = m.group("num").replace(",", "")
        suffix = (m.group("suf") or "").lower()
        if (
            not m.group("sign")
            and not m.group("cur")
            and not suffix
            and re.fullmatch(r"(19|20)\d\d", num)
        ):
            return None  # a year, not a measurement
        if suffix in {"st", "nd", "rd", "th"}:
            return None  # an ordinal
        if m.group("cur"):
            while not closed[last] and last + 1 < len(tokens) and tokens[last + 1] in _SCALES:
                last += 1
            return last, "currency"
        if suffix in {"%", "pp"}:
            return last, "percent"
        if suffix == "x":
            return last, "multiplier"
        if suffix in {"ms", "h", "s"}:
            return last, "duration"
        if suffix.startswith("-"):
            return None  # "90-day revenue", "30-minute review": a modifier, not a figure
    elif tok in _NUMBER_STARTS:
        if (
            tok == "one"
            and (
                (i + 1 < len(tokens) and tokens[i + 1] in _AFTER_PRONOUN_ONE)
                or (i > 0 and tokens[i - 1] in _BEFORE_PRONOUN_ONE)
                # "a false one.", "the wrong one,": an article before it and nothing after
                or (
                    (closed[i] or i + 1 == len(tokens))
                    and {"a", "an", "the"} & set(tokens[i - 2 : i])
                )
            )
        ):
            return None  # a pronoun, not a count
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

    def ahead(k: int) -> tuple[str, str]:
        if closed[k] or k + 1 >= len(tokens):
            return "", ""
        return tokens[k + 1], " ".join(tokens[k + 1 : k + 3])

    nxt, nxt2 = ahead(last)
    while nxt in _SCALES:
        last += 1
        nxt, nxt2 = ahead(last)
    if nxt in {"percent", "%", "pp", "bps"} or nxt2 in {
        "per cent",
        "percentage points",
        "percentage point",
        "basis points",
    }:
        return last + (2 if nxt2.startswith(("per cent", "percentage", "basis")) else 1), "percent"
    if nxt in _CURRENCY_WORDS:
        return last + 1, "currency"
    if nxt in {"times", "x", "fold"}:
        return last + 1, "multiplier"
    if nxt in _TIME_UNITS:
        return last + 1, "duration"
    if i > 0 and tokens[i - 1] in _NAMES_A_GROUP:
        return None  # "the other two hospitals": which ones, not how many changed
    if re.fullmatch(r"[a-z][a-z'-]*", nxt) and nxt not in _NOT_COUNT_NOUNS | _NUMBER_WORDS:
        return last + 1, "count"
    return last, "number"


def find_quantities(words: list[Word]) -> list[tuple[int, int, Kind]]:
    """Quantities in a word list as (first word index, last word index, kind)."""
    tokens: list[str] = []
    owner: list[int] = []
    closed: list[bool] = []
    for wi, w in enumerate(words):
        parts = [p.strip("()[]\"'") for p in _SPLIT.split(norm(w.text))]
        parts = [p for p in parts if p]
        for k, part in enumerate(parts):
            tokens.append(part)
            owner.append(wi)
            closed.append(k == len(parts) - 1 and bool(re.search(r"[,;:.)\]!?]$", w.text)))
    found: list[tuple[int, int, Kind]] = []
    i = 0
    while i < len(tokens):
        hit = _token_kind(tokens, i, closed)
        if hit is None:
            i += 1
            continue
        last, kind = hit
        last = min(last, len(tokens) - 1)
        found.append((owner[i], owner[last], kind))
        i = last + 1
    return found


def _region(
    transcript: Transcript, star: StarResult, tail: float
) -> tuple[list[tuple[int, int]], bool]:
    """Word-index ranges to read, and whether a Result section exists.

    With no Result section, the last ``tail`` share of the answer is read.
    """
    words = transcript.words
    result_present = any(s.label == "result" for s in star.sections)
    ranges = [
        (s.first_word, s.last_word) for s in star.sections if s.label in ("result", "reflection")
    ]
    if not result_present and words:
        t0, t1 = words[0].start, words[-1].end
        cut = t1 - tail * (t1 - t0)
        first = next((i for i, w in enumerate(words) if w.start >= cut), len(words) - 1)
        ranges = [(first, len(words) - 1)]
    return ranges, result_present


def _clause_text(star: StarResult, words: list[Word], index: int) -> str:
    """The clause around word ``index``: its sentence, cut at semicolons."""
    first, last = index, index
    for sent in star.sentences:
        if sent.first_word <= index <= sent.last_word:
            first, last = sent.first_word, sent.last_word
    a = index
    while a > first and not words[a - 1].text.endswith(";"):
        a -= 1
    b = index
    while b < last and not words[b].text.endswith(";"):
        b += 1
    return " ".join(norm(w.text) for w in words[a : b + 1])


def _display(words: list[Word]) -> str:
    return " ".join(w.text for w in words).strip(" ,;:.()[]\"'")


def in_result(quantities: list[Quantity], star: StarResult) -> list[Quantity]:
    """The quantities said inside a Result section (not the Reflection), as the flags count
    them; a word starting where a section ends belongs to the next one."""
    spans = [(s.start, s.end) for s in star.sections if s.label == "result"]
    return [q for q in quantities if any(a <= q.start < b or a == q.start for a, b in spans)]


def quantify_results(
    transcript: Transcript, star: StarResult, options: AnalysisOptions
) -> QuantifyResult:
    """Find the numbers in the answer's Result/Reflection and flag what a coach would ask.

    ``result_quantified`` is True when the Result section itself holds a quantity, False when
    it holds none, and None when no Result section was found.
    """
    ranges, result_present = _region(transcript, star, options.result_fallback_tail)
    result_words = {
        i
        for s in star.sections
        if s.label == "result"
        for i in range(s.first_word, s.last_word + 1)
    }
    unsure = uncertain_set(transcript.words, options)
    quantities: list[Quantity] = []
    in_result: list[Quantity] = []
    for first, last in ranges:
        chunk = transcript.words[first : last + 1]
        for a, b, kind in find_quantities(chunk):
            wa, wb = first + a, first + b
            clause = _clause_text(star, transcript.words, wa)
            q = Quantity(
                text=_display(transcript.words[wa : wb + 1]),
                kind=kind,
                start=transcript.words[wa].start,
                has_baseline=bool(_BASELINE.search(clause)),
                has_timeframe=kind == "duration" or bool(_TIMEFRAME.search(clause)),
                sure=all_sure(unsure, wa, wb),
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
