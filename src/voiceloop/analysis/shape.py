"""Judge an answer by the shape its question kind calls for, with a reason for every call.

Three kinds of spoken answer are coached differently:

- **Intro** ("tell me about yourself", about 60-90 s), the 3-3-1 shape: a short arc (who
  the speaker is, what they focus on, which domains), three highlights that each carry a
  number, and one closing line on why this role. Sentences are labelled ``arc``,
  ``highlight``, ``why_role`` or ``other``.
- **Project walkthrough** (about 5-7 min): seven outline stages in order, from the problem
  and goal to the results and what was learned. Sentences are labelled by stage.
- **Behavioral and deep-dive** answers keep the STAR analysis; on top of it this module
  checks that the answer names the principle the question targets, says "I" for the
  speaker's own actions, gives dates where the question asks for them, and ends with a
  reflection.

Labelling follows the cue method of :mod:`voiceloop.analysis.star`: each sentence gets cue
evidence per label plus a prior from where it sits in the answer, then an order-keeping
search (``sequence.viterbi``, the engine the STAR labeller uses) picks the label sequence.
Every label carries the cues that decided it, or the ordering rule that did.
"""

from __future__ import annotations

import bisect
import difflib
import itertools
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from voiceloop.analysis import sequence
from voiceloop.analysis.confidence import UNSURE_NOTE, all_sure, sure_only, uncertain_set
from voiceloop.analysis.quantify import find_quantities
from voiceloop.analysis.star import order_reason, sentence_evidence
from voiceloop.analysis.timeline import norm
from voiceloop.clock import clock
from voiceloop.models import (
    INTRO_LABELS,
    PROJECT_STAGES,
    Highlight,
    LanguageResult,
    PacingResult,
    Prompt,
    PromptKind,
    Sentence,
    ShapeCheck,
    ShapeLabel,
    ShapePart,
    ShapeResult,
    StarResult,
    Transcript,
    Word,
)
from voiceloop.options import AnalysisOptions

INTRO_TITLES: dict[str, str] = {
    "arc": "Arc (who you are, focus, domains)",
    "highlight": "Highlights",
    "why_role": "Why this role",
    "other": "Other",
}
INTRO_SHORT: dict[str, str] = {
    "arc": "arc",
    "highlight": "highlights",
    "why_role": "why this role",
    "other": "other",
}
STAGE_TITLES: dict[str, str] = {
    "problem": "Problem and goal",
    "role": "Your role and stakeholders",
    "data": "Data and its risks",
    "approach": "Approach and modelling decisions",
    "experiments": "Experiments and guardrails",
    "results": "Results with numbers",
    "learnings": "Rollout and learnings",
}
# Short names for the stages, as a tip lists them.
STAGE_SHORT: dict[str, str] = {
    "problem": "problem and goal",
    "role": "role and stakeholders",
    "data": "data risks",
    "approach": "approach",
    "experiments": "experiments",
    "results": "results",
    "learnings": "learnings",
}
GUIDES: dict[str, str] = {
    "intro": "3-3-1: about three sentences of arc (who you are, focus, domains), three "
    "highlights each with a number, one closing line on why this role; 60-90 s.",
    "project": "Seven stages in order: problem and goal, your role and stakeholders, data "
    "and its risks, approach and modelling decisions, experiments and guardrails, results "
    "with numbers, rollout and learnings; 5-7 min.",
    "star": "STAR plus Reflection: about 20% Situation and Task, 60% Action, 20% Result "
    "and Reflection; name the principle, say I for your own actions; 2-3 min.",
    "deep_dive": "STAR in depth: baseline metrics in the Situation, 3-5 actions you took, "
    "measured risk avoided and value created, a reflection; name the principle; 4-6 min.",
}


# --- a word timeline searchable by regex ------------------------------------------------------


def _key(text: str) -> str:
    return norm(text)


@dataclass
class TextIndex:
    """Normalized words joined by single spaces, with a map from characters to word indexes.

    Regexes written over lower-case words ("as a result", "q[1-4]") find their word and so
    their time on the timeline. ``uncertain`` holds the indexes of the words the transcriber
    was not sure of (analysis/confidence.py): a search passes over matches on them, and a
    quote never shows them.
    """

    words: list[Word]
    uncertain: frozenset[int] = frozenset()
    text: str = ""
    offsets: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        parts: list[str] = []
        pos = 0
        for w in self.words:
            token = _key(w.text) or "_"
            self.offsets.append(pos)
            parts.append(token)
            pos += len(token) + 1
        self.text = " ".join(parts)

    def word_at(self, char: int) -> int:
        return max(bisect.bisect_right(self.offsets, char) - 1, 0)

    def sure(self, first: int, last: int) -> bool:
        """True when the transcriber was sure of every word ``first..last``."""
        return all_sure(self.uncertain, first, last)

    def search(
        self,
        pattern: re.Pattern[str],
        first: int = 0,
        last: int | None = None,
        *,
        prefer_sure: bool = True,
    ) -> tuple[int, int] | None:
        """(first word, last word) of the first match inside words ``first..last``; with
        ``prefer_sure``, of the first on words the transcriber was sure of when there is one
        (a quote of any other says it is not quoted)."""
        if not self.words:
            return None
        last = len(self.words) - 1 if last is None else last
        lo = self.offsets[first]
        hi = self.offsets[last] + len(self.text[self.offsets[last] :].split(" ", 1)[0])
        found: tuple[int, int] | None = None
        for m in pattern.finditer(self.text, lo, hi):
            hit = self.word_at(m.start()), self.word_at(max(m.end() - 1, m.start()))
            found = found or hit
            if not prefer_sure or self.sure(*hit):
                return hit
        return found

    def opening(self, first: int, last: int, limit: int = 10, least: int = 3) -> str:
        """The first ``limit`` words of ``first..last`` (a sentence), quoted with its time.

        Words the transcriber was not sure of are never quoted: the quote is the first run
        of at least ``least`` words it was sure of (the whole sentence when shorter), and
        stops before the next word it was not sure of.
        """
        need = min(least, last - first + 1)
        start: int | None = None
        run = 0
        for i in range(first, last + 1):
            run = 0 if i in self.uncertain else run + 1
            if run == need:
                start = i - need + 1
                break
        if start is None:
            return f"{UNSURE_NOTE} at {clock(self.words[first].start)}"
        end = min(last, start + limit - 1)
        end = next((i - 1 for i in range(start, end + 1) if i in self.uncertain), end)
        text = " ".join(w.text for w in self.words[start : end + 1]).strip(" ,;:")
        before = "... " if start > first else ""
        more = " ..." if end < last else ""
        return f'"{before}{text}{more}" at {clock(self.words[start].start)}'

    def quote(self, first: int, last: int, around: int = 3, limit: int = 14) -> str:
        """The words ``first..last`` with a little context, as the speaker said them. The
        context stops at a word the transcriber was not sure of; when ``first..last`` itself
        holds one, nothing is quoted."""
        when = clock(self.words[first].start)
        if not self.sure(first, last):
            return f"{UNSURE_NOTE} at {when}"
        a, b = first, last
        while a > max(first - around, 0) and a - 1 not in self.uncertain:
            a -= 1
        while b < min(last + around, len(self.words) - 1) and b + 1 not in self.uncertain:
            b += 1
        b = min(b, a + limit - 1)
        text = " ".join(w.text for w in self.words[a : b + 1]).strip(" ,;:")
        return f'"{text}" at {when}'


def phrase_re(*patterns: str) -> re.Pattern[str]:
    """Alternatives matched as whole words over a :class:`TextIndex` text."""
    return re.compile(r"(?<![\w'-])(?:" + "|".join(patterns) + r")(?![\w'])")


# --- dates ---------------------------------------------------------------------------------------

_MONTHS = "january february april june july august september october november december"
_WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday"
_COUNT = r"(?:\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a few|several)"
DATE_RE = phrase_re(
    "|".join(_MONTHS.split()),
    r"(?:in|by|early|late|mid|last|this|next|since|until|of|on|from) (?:march|may)",
    r"(?:march|may) (?:\d+\w*|(?:19|20)\d\d)",
    r"(?:19|20)\d\d",
    r"'\d\d",
    r"q[1-4]",
    r"h[12]",
    r"(?:first|second|third|fourth|last|next|this|previous|that|same|following) quarter",
    r"quarter (?:one|two|three|four|\d)",
    r"(?:end|start|beginning|middle) of (?:the |that |this )?(?:quarter|year|month|sprint)",
    r"(?:last|this|next|early|late|that|the|in|mid) (?:spring|summer|fall|autumn|winter)",
    r"(?:spring|summer|fall|autumn|winter) (?:of )?(?:19|20)\d\d",
    r"holiday season|black friday|new year|year-end|fiscal year",
    r"(?:last|previous|that|the following|the next) (?:year|month|week)",
    _COUNT + r" (?:days?|weeks?|months?|years?|sprints?) (?:before|after|later|earlier|ago|"
    r"into|out|in|from)",
    r"(?:day|week|month|sprint) (?:one|two|three|four|five|\d+)",
    r"(?:on|by|that|next|last|until) (?:" + "|".join(_WEEKDAYS.split()) + ")",
)


def find_dates(index: TextIndex, first: int = 0, last: int | None = None) -> list[tuple[int, int]]:
    """Every date-like mention (months, years, quarters, seasons, "two weeks before")."""
    found: list[tuple[int, int]] = []
    if not index.words:
        return found
    last = len(index.words) - 1 if last is None else last
    start = first
    while start <= last:
        hit = index.search(DATE_RE, start, last, prefer_sure=False)
        if hit is None:
            break
        found.append(hit)
        start = hit[1] + 1
    return found


def asks_for_dates(items: Sequence[str]) -> list[str]:
    """The must-include items that ask when things happened."""
    pattern = re.compile(r"\bdates?\b|\btimeline\b|\bwhen it hit\b|\bwhen\b", re.IGNORECASE)
    return [item for item in items if pattern.search(item)]


# --- cue evidence and the order-keeping labeller ---------------------------------------------


@dataclass(frozen=True)
class Cue:
    label: str
    pattern: re.Pattern[str]
    weight: float


def cues(label: str, weight: float, *patterns: str) -> list[Cue]:
    return [Cue(label, phrase_re(p), weight) for p in patterns]


@dataclass
class Evidence:
    labels: Sequence[str]
    score: dict[str, float] = field(default_factory=dict)
    found: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for lab in self.labels:
            self.score.setdefault(lab, 0.0)
            self.found.setdefault(lab, [])

    def add(self, label: str, weight: float, name: str) -> None:
        if name in self.found[label]:
            return
        self.score[label] += weight
        self.found[label].append(name)


def cue_evidence(text: str, cue_list: Sequence[Cue], labels: Sequence[str]) -> Evidence:
    joined = " ".join(t for t in (norm(w) for w in text.split()) if t)
    ev = Evidence(labels)
    for cue in cue_list:
        m = cue.pattern.search(joined)
        if m:
            ev.add(cue.label, cue.weight, f"'{m.group(0)}'")
    return ev


def _positions(sentences: Sequence[Sentence]) -> list[float]:
    start = sentences[0].start
    span = max(sentences[-1].end - start, 1e-6)
    return [((s.start + s.end) / 2 - start) / span for s in sentences]


def _prior(pos: float, centre: float, spread: float, weight: float) -> float:
    return -weight * 0.5 * ((pos - centre) / spread) ** 2


def _quote_cues(found: list[str]) -> str:
    shown = found[:2]
    return ("cue " if len(shown) == 1 else "cues ") + ", ".join(shown)


def _reason(
    i: int, labels: list[str], evidence: list[Evidence], pos: float, titles: dict[str, str]
) -> str:
    lab = labels[i]
    ev = evidence[i]
    if ev.found[lab]:
        reason = _quote_cues(ev.found[lab])
    else:
        reason = order_reason(labels, i, titles[lab].split(" (")[0], pos)
    strongest = max(ev.score, key=lambda k: ev.score[k])
    if strongest != lab and ev.score[strongest] > ev.score[lab] + 0.5 and ev.found[strongest]:
        other = titles[strongest].split(" (")[0]
        reason += f"; {other} {_quote_cues(ev.found[strongest])} overruled by the order"
    return reason


def _label(
    sentences: Sequence[Sentence],
    evidence: list[Evidence],
    order: Sequence[str],
    prior: dict[str, tuple[float, float]],
    titles: dict[str, str],
    *,
    prior_weight: float,
    back_penalty: float,
    skip_cost: float,
    no_evidence_cost: dict[str, float],
) -> list[tuple[str, str]]:
    """(label, reason) per sentence, labels kept in ``order`` unless evidence is strong."""
    if not sentences:
        return []
    positions = _positions(sentences)
    rows = []
    for pos, ev in zip(positions, evidence, strict=True):
        row = []
        for lab in order:
            centre, spread = prior[lab]
            score = ev.score[lab] + _prior(pos, centre, spread, prior_weight)
            if not ev.found[lab]:
                score -= no_evidence_cost.get(lab, 0.0)
            row.append(score)
        rows.append(row)
    links = sequence.ordered_transitions(len(order), back_penalty, skip_cost)
    path = [order[k] for k in sequence.viterbi(rows, links)]
    return [(path[i], _reason(i, path, evidence, positions[i], titles)) for i in range(len(path))]


def _sentence_words(words: list[Word], s: Sentence) -> list[Word]:
    return words[s.first_word : s.last_word + 1]


def numbers_in(words: list[Word]) -> list[str]:
    """Quantities a listener would hear as figures (digits, or spelt with a unit)."""
    out: list[str] = []
    for a, b, kind in find_quantities(words):
        text = " ".join(w.text for w in words[a : b + 1]).strip(" ,;:.()\"'")
        if kind == "number" and not any(ch.isdigit() for ch in text):
            continue  # a bare "one" or "two" is not a result figure
        out.append(text)
    return out


def _parts(
    sentences: Sequence[Sentence],
    labels: list[ShapeLabel],
    names: Sequence[str],
    titles: dict[str, str],
    shorts: dict[str, str],
) -> list[ShapePart]:
    seconds = dict.fromkeys(names, 0.0)
    counts = dict.fromkeys(names, 0)
    for lab in labels:
        s = sentences[lab.sentence]
        seconds[lab.label] += s.end - s.start
        counts[lab.label] += 1
    total = sum(seconds.values()) or 1.0
    return [
        ShapePart(
            name=n,
            title=titles[n],
            short=shorts.get(n, n),
            seconds=round(seconds[n], 2),
            share=seconds[n] / total,
            sentences=counts[n],
            present=counts[n] > 0,
        )
        for n in names
    ]


def _length_check(pacing: PacingResult) -> ShapeCheck:
    lo, hi = pacing.target_seconds
    verdict = pacing.duration_verdict
    said = clock(pacing.duration_s)
    detail = {
        "on target": f"{said}, within {clock(lo)}-{clock(hi)}",
        "long": f"running long: {said} against {clock(lo)}-{clock(hi)}",
        "short": f"short: {said} against {clock(lo)}-{clock(hi)}",
    }[verdict]
    return ShapeCheck(name="length", title="Length", ok=verdict == "on target", detail=detail)


# --- intro: 3-3-1 --------------------------------------------------------------------------------

INTRO_ORDER = ("arc", "highlight", "why_role")
INTRO_CUES: list[Cue] = [
    *cues(
        "arc",
        3.0,
        r"i'?m an?|i am an?|my name is|i'?m currently|i am currently",
        r"i(?:'ve| have) (?:been|spent|worked)",
        r"years (?:of experience|in|at|as|across|working)",
        r"i (?:started|began) (?:out|my career|as)|my career",
        r"i (?:spent|worked) (?:\w+ )?(?:years|months) (?:at|in|as|on)",
    ),
    *cues(
        "arc",
        1.5,
        r"speciali[sz]\w*|my background|background in|i studied|degree|phd|master'?s|"
        r"graduated|i focus|focus(?:ed|ing)? (?:on|in)|"
        r"i work (?:on|in|at|as)|currently|these days|domains?|industr(?:y|ies)|"
        r"i moved into|transitioned|spans|expertise|"
        r"(?:most of )?my (?:focus|work|background|expertise|speciality|specialty|interests?|"
        r"strengths?|days?|time)",
    ),
    *cues(
        "highlight",
        2.0,
        r"i (?:led|built|launched|drove|shipped|cut|reduced|increased|grew|designed|created|"
        r"delivered|saved|improved|raised|doubled|halved|owned|ran|took|automated|rebuilt|"
        r"redesigned|scaled|deployed|lifted|developed|introduced|replaced|won|set up|"
        r"founded|migrated|helped)",
    ),
    *cues(
        "highlight",
        1.0,
        r"most recently|recently|one highlight|highlights?|proudest|achievements?|"
        r"for example|another|before that|prior to that|at (?:my|our) (?:last|previous)|"
        r"which (?:cut|drove|saved|raised|lifted|reduced|increased|improved)|resulting in",
    ),
    *cues(
        "why_role",
        3.0,
        r"this (?:role|position|job|team|opportunity|company)|your (?:team|company|mission|"
        r"customers|product)|why i'?m here|why i applied|that'?s why|the reason i|"
        r"i'?m (?:really |very |so |most |especially )?(?:excited|drawn|keen|eager|"
        r"interested|looking)|excites me|exciting|i'?d love|i would love|"
        r"i want to (?:bring|join|work|do|build|grow|take)|next step|"
        r"join (?:you|your|amazon|the team|a team)|bring (?:that|this|these|it|my)|"
        r"here at|at amazon|the mission|why this",
    ),
    *cues(
        "why_role",
        1.0,
        # "the chance to" survives a garbled opening ("What wrongs me to misroll is the
        # chance to work on ..."), now that a close needs words of its own, not its place
        r"want to|hope to|looking forward|fit|future|next|opportunity|scale|mission|"
        r"chance to",
    ),
]
_INTRO_PRIOR = {"arc": (0.0, 0.25), "highlight": (0.5, 0.35), "why_role": (1.0, 0.2)}
_OTHER_RE = phrase_re(
    r"thank you|thanks|sure|okay|great question|so yeah|yeah|that'?s (?:me|it|about it|"
    r"my story|a bit about me)|happy to (?:go|talk|dive)"
)
_FOLLOW_ON = re.compile(
    r"^(?:it|this|that|which|these|those|they|the result|as a result|that change|"
    r"the change|doing so|overall)\b"
)


def _intro_evidence(words: list[Word], sentence: Sentence) -> Evidence:
    ev = cue_evidence(sentence.text, INTRO_CUES, INTRO_ORDER)
    nums = numbers_in(_sentence_words(words, sentence))
    if nums:
        # a number in the arc is usually years of experience; elsewhere an achievement
        years = bool(re.search(r"\byears?\b", sentence.text.lower())) and len(nums) == 1
        ev.add("highlight", 1.0 if years else 2.5, f"number '{nums[0]}'")
    star = sentence_evidence(sentence.text)
    doing = star.score["action"] + star.score["result"]
    if doing >= 1.5:
        ev.add("highlight", min(doing * 0.4, 1.5), "past-tense action or result")
    return ev


def _is_other(sentence: Sentence, ev: Evidence) -> bool:
    tokens = [t for t in (norm(w) for w in sentence.text.split()) if t]
    if any(ev.found[lab] for lab in INTRO_ORDER):
        return False
    return len(tokens) <= 4 or bool(_OTHER_RE.search(" ".join(tokens)))


def _drop_position_only(
    by_index: dict[int, tuple[str, str]], evidence: list[Evidence], labels: Sequence[str]
) -> None:
    """Take a content label off a run of sentences that earned it by position alone.

    The order and position priors place an arc first and a why-this-role close last even
    when no word in the run speaks of either; a garbled last line 97% into the answer
    passed "closes on why this role". A run of ``labels`` with none of that label's cues
    becomes a highlight (when it has a highlight's cues) or other, and says why.
    """
    keys = sorted(by_index)
    runs: list[list[int]] = []
    for i in keys:
        lab = by_index[i][0]
        if runs and by_index[runs[-1][-1]][0] == lab:
            runs[-1].append(i)
        else:
            runs.append([i])
    for run in runs:
        lab = by_index[run[0]][0]
        if lab not in labels or any(evidence[i].found[lab] for i in run):
            continue
        what = INTRO_TITLES[lab].split(" (")[0].lower()
        for i in run:
            found = evidence[i].found["highlight"]
            new = "highlight" if found else "other"
            lead = _quote_cues(found) + "; " if found else ""
            by_index[i] = (new, f"{lead}its position suggests {what}, but none of its words do")


def label_intro(
    words: list[Word], sentences: Sequence[Sentence], options: AnalysisOptions | None = None
) -> list[ShapeLabel]:
    """Label each sentence of a "tell me about yourself" answer arc/highlight/why_role/other."""
    options = options or AnalysisOptions()
    evidence = [_intro_evidence(words, s) for s in sentences]
    keep = [
        i for i, (s, ev) in enumerate(zip(sentences, evidence, strict=True)) if not _is_other(s, ev)
    ]
    decided = _label(
        [sentences[i] for i in keep],
        [evidence[i] for i in keep],
        INTRO_ORDER,
        _INTRO_PRIOR,
        INTRO_TITLES,
        prior_weight=options.intro_prior_weight,
        back_penalty=options.intro_back_penalty,
        skip_cost=options.intro_skip_cost,
        no_evidence_cost=options.intro_no_evidence_cost,
    )
    by_index = dict(zip(keep, decided, strict=True))
    _drop_position_only(by_index, evidence, ("why_role", "arc"))
    out = []
    for i in range(len(sentences)):
        label, reason = by_index.get(
            i, ("other", "no cue and too short to place: a pleasantry or an aside")
        )
        out.append(ShapeLabel(sentence=i, label=label, reason=reason))
    return out


def _clauses(words: list[Word], s: Sentence) -> list[tuple[int, int]]:
    """Word ranges of a sentence's clauses: cut after , or ; (and before a following "and")."""
    bounds = [s.first_word]
    for i in range(s.first_word, s.last_word):
        if words[i].text.endswith((",", ";")):
            bounds.append(i + 1)
    bounds.append(s.last_word + 1)
    return [(a, b - 1) for a, b in itertools.pairwise(bounds) if b > a]


def intro_highlights(
    words: list[Word],
    sentences: Sequence[Sentence],
    labels: list[ShapeLabel],
    uncertain: Collection[int] = frozenset(),
) -> list[Highlight]:
    """The achievements in the highlight sentences (``uncertain``: indexes of the words the
    transcriber was not sure of; a highlight holding one is not ``sure``).

    A sentence listing several figures in separate clauses ("lifted X by 4%, cut Y by 12%,
    and halved Z") holds one highlight per figure; a highlight sentence without a figure
    joins the next one when that opens as its follow-on ("It cut costs by 30%"), or when
    it is a fragment a pause cut off (it does not end with a full stop).
    """
    out: list[Highlight] = []
    prev_sentence = -2
    for lab in labels:
        if lab.label != "highlight":
            continue
        s = sentences[lab.sentence]
        pieces: list[tuple[int, int, list[str]]] = []
        for a, b in _clauses(words, s):
            nums = numbers_in(words[a : b + 1])
            if pieces and (not nums or not pieces[-1][2]):
                pa, _, pn = pieces[-1]
                pieces[-1] = (pa, b, pn + nums)
            else:
                pieces.append((a, b, nums))
        for a, b, nums in pieces:
            text = " ".join(w.text for w in words[a : b + 1])
            fragment = bool(out) and not re.search(r"[.!?][\"')]*$", out[-1].text.strip())
            joins = (
                bool(out)
                and not out[-1].numbers
                and prev_sentence == lab.sentence - 1
                and a == s.first_word
                and (fragment or _FOLLOW_ON.match(text.lower().lstrip("\"' ")) is not None)
            )
            sure = all_sure(uncertain, a, b)
            if joins:
                last = out[-1]
                out[-1] = last.model_copy(
                    update={
                        "text": f"{last.text} {text}",
                        "numbers": last.numbers + nums,
                        "sure": last.sure and sure,
                    }
                )
            else:
                out.append(Highlight(text=text, start=words[a].start, numbers=nums, sure=sure))
        prev_sentence = lab.sentence
    return out


def highlight_quote(h: Highlight, n: int = 8) -> str:
    """A highlight as a check or tip quotes it: its first ``n`` words and time, or only its
    time when the transcriber was not sure of a word in it."""
    if not h.sure:
        return f"the highlight at {clock(h.start)}: {UNSURE_NOTE}"
    return f'"{_short(h.text, n)}" at {clock(h.start)}'


def _short(text: str, n: int = 8) -> str:
    tokens = text.split()
    return " ".join(tokens[:n]) + (" ..." if len(tokens) > n else "")


def shape_intro(
    transcript: Transcript,
    sentences: Sequence[Sentence],
    pacing: PacingResult,
    options: AnalysisOptions,
) -> ShapeResult:
    words = transcript.words
    labels = label_intro(words, sentences, options)
    parts = _parts(sentences, labels, INTRO_LABELS, INTRO_TITLES, INTRO_SHORT)
    unsure = uncertain_set(words, options)
    highlights = intro_highlights(words, sentences, labels, unsure)
    by_name = {p.name: p for p in parts}
    arc = by_name["arc"]
    arc_ok = 1 <= arc.sentences <= options.intro_arc_max_sentences
    if not arc.present:
        arc_detail = "no arc heard: open with who you are, your focus and your domains"
    elif arc.sentences > options.intro_arc_max_sentences:
        arc_detail = (
            f"{arc.sentences} arc sentences ({arc.share:.0%} of the answer): "
            f"keep it to about {options.intro_arc_sentences}"
        )
    else:
        arc_detail = f"{arc.sentences} sentence(s), {arc.seconds:.0f} s"
    arc.detail = arc_detail
    n = len(highlights)
    guide = options.intro_highlights
    quantified = [h for h in highlights if h.numbers]
    bare = [h for h in highlights if not h.numbers]
    by_name["highlight"].detail = f"{n} highlight(s), {len(quantified)} with a number"
    count_detail = f"{n} heard" + ("" if n == guide else f"; the shape asks for {guide}")
    if bare:
        num_detail = f"{len(bare)} of {n} without a number: " + "; ".join(
            highlight_quote(h) for h in bare
        )
    elif highlights:
        num_detail = "every highlight has a number: " + ", ".join(
            h.numbers[0] if h.sure else f"one at {clock(h.start)}" for h in highlights
        )
    else:
        num_detail = "no highlights heard"
    why_labels = [lab for lab in labels if lab.label == "why_role"]
    placed = [lab for lab in labels if lab.label != "other"]
    closes = bool(why_labels) and placed[-1].label == "why_role"
    if closes:
        first = sentences[why_labels[0].sentence]
        index = TextIndex(words, unsure)
        why_detail = f"closes with {index.opening(first.first_word, first.last_word, 10)}"
    elif why_labels:
        first = sentences[why_labels[0].sentence]
        why_detail = (
            f"why-this-role heard at {clock(first.start)} but the answer does not end on it"
        )
    else:
        why_detail = "no line on why this role was heard"
    by_name["why_role"].detail = why_detail if why_labels else "not heard"
    checks = [
        ShapeCheck(name="arc", title="Short arc opens the answer", ok=arc_ok, detail=arc_detail),
        ShapeCheck(
            name="highlights_count",
            title="Three highlights",
            ok=guide <= n <= guide + 1,
            detail=count_detail,
        ),
        ShapeCheck(
            name="highlights_quantified",
            title="A number in every highlight",
            ok=bool(highlights) and not bare,
            detail=num_detail,
        ),
        ShapeCheck(name="why_role", title="Closes on why this role", ok=closes, detail=why_detail),
        _length_check(pacing),
    ]
    missing = [
        INTRO_TITLES[p.name].split(" (")[0] for p in parts if p.name != "other" and not p.present
    ]
    return ShapeResult(
        kind="intro",
        guide=GUIDES["intro"],
        labels=labels,
        parts=parts,
        highlights=highlights,
        checks=checks,
        missing=missing,
    )


# --- project walkthrough: seven stages --------------------------------------------------------

PROJECT_CUES: list[Cue] = [
    *cues(
        "problem",
        3.0,
        r"(?:the|our|my|their) (?:\w+ )?(?:problem|goal|objective|challenge|question|ask|"
        r"request|mission|aim|pain point) (?:was|is|were|had been)",
        r"the project (?:was|started|began|came)",
        r"(?:we|they|the business|leadership|the company|the team|product) (?:wanted|needed) to",
        r"set (?:a|the|us a) (?:goal|target)",
    ),
    *cues(
        "problem",
        1.5,
        r"problem|goal|objective|plateau\w*|(?:was|were) (?:losing|falling|dropping|flat)|"
        r"declin\w+|complain\w*|pain points?|target of|asked (?:me|us) to|"
        r"without (?:exceeding|hurting|increasing|breaking|raising)|started (?:when|with)|"
        r"(?:bring|get|keep|push) (?:it|that|this|them) (?:back|down|up|under|below|above)|"
        r"(?:under|below|above) \d\S*|within (?:\w+ )?(?:weeks|months|quarters|years)",
    ),
    *cues(
        "role",
        3.0,
        r"my role|stakeholders?|i was responsible|i was (?:the|a|an) (?:lead|owner|main|only|"
        r"senior|data scientist|analyst|engineer|tech lead|project lead|point person)",
        r"my (?:part|job|responsibility|responsibilities) (?:was|were|included|covered)",
        r"i (?:owned|led) (?:the|this|it|everything|all)",
    ),
    *cues(
        "role",
        1.5,
        r"(?:product|program|engineering) managers?|pm|engineers?|designers?|legal|"
        r"privacy team|finance|marketing|operations team|director|vp|partners|partnered|"
        r"worked (?:closely )?with|cross-functional|team of|reported to|i personally|"
        r"a team|sponsor",
    ),
    *cues(
        "data",
        3.0,
        r"data (?:quality|issues?|problems?|risks?|sources?|was|were|came|had|covered)",
        r"the data|our data|dataset|data set|training data",
        r"leak(?:age|y|ing)?|missing (?:values|data|labels|events|fields)|missingness",
    ),
    *cues(
        "data",
        1.5,
        r"logs?|clickstream|events|tables|records|labels|labell?ed|noisy|bias(?:ed)?|"
        r"sparse|sparsity|duplicates?|outliers?|delayed|stale|schema|pii|privacy|"
        r"imput\w+|clean(?:ed|ing)?|joined|warehouse|historical|rows|sampl(?:e|ed|ing)",
    ),
    *cues(
        "approach",
        3.0,
        r"(?:my|our|the) approach|model(?:l?ing)? (?:decision|choice)s?|"
        r"i (?:chose|picked|went with|decided (?:to use|on|against))|trade-?offs?|"
        r"instead of|rather than|rejected|considered|decided against",
        r"gradient|boost\w*|xgboost|lightgbm|random forest|logistic regression|regression|"
        r"neural|deep learning|transformer|embeddings?|classifier|ranker|tree-based|trees|"
        r"heuristic|rule-based|baseline model|bayesian|time series|forecast\w*|clustering",
    ),
    *cues(
        "approach",
        1.5,
        r"models?|features?|feature engineering|algorithm|architecture|trained|training|"
        r"calibrat\w+|tuned|interpretab\w+|shap|simpler|design",
    ),
    *cues(
        "experiments",
        3.0,
        r"a/?b(?: tests?)?|experiments?|holdout|control group|treatment|guardrails?|"
        r"randomi[sz]\w+|power analysis|sample size|statistical(?:ly)? significan\w+|"
        r"offline evaluation|backtest\w*|cross-validation|validation set|canary|shadow mode|"
        r"pilot",
    ),
    *cues(
        "experiments",
        1.5,
        r"tested|tests?|evaluat\w+|validat\w+|primary metric|secondary metrics?|auc|"
        r"precision|recall|accuracy|confidence interval|p-?values?|significan\w+|cuped|"
        r"per arm|variance|detectable|mde|arms?",
    ),
    *cues(
        "results",
        3.0,
        r"as a result|the (?:results?|outcome|impact|upshot) (?:was|were|is)|in the end|"
        r"resulting in|we (?:saw|got|measured)|it (?:lifted|raised|increased|cut|reduced|"
        r"improved|saved|grew)",
    ),
    *cues(
        "results",
        1.5,
        r"increased|decreased|reduced|improved|grew|lifted|raised|saved|rose|fell|"
        r"lift|uplift|impact|revenue|savings|gmv|incremental|per year|annual\w*|"
        r"results?|outcome",
    ),
    *cues(
        "learnings",
        3.0,
        r"i learned|i learnt|lessons?|learnings?|next time|differently|in hindsight|"
        r"looking back|if i (?:did|were|had)|i would (?:have|do|start)|i'd (?:do|have|start)|"
        r"should have|takeaway",
        r"rolled (?:it )?out|roll-?out|deployed|in production|monitor\w*|dashboards?|"
        r"alerts?|retrain\w*|handed (?:it )?(?:over|off)|runbook|operationali[sz]\w+|"
        r"still (?:running|in use|used)",
    ),
    *cues("learnings", 1.0, r"now|today|going forward|since then|mechanism|adopted"),
]
_PROJECT_PRIOR = {
    "problem": (0.03, 0.15),
    "role": (0.15, 0.18),
    "data": (0.3, 0.2),
    "approach": (0.45, 0.22),
    "experiments": (0.62, 0.2),
    "results": (0.78, 0.18),
    "learnings": (0.95, 0.15),
}


def _project_evidence(words: list[Word], sentence: Sentence, cap: float) -> Evidence:
    ev = cue_evidence(sentence.text, PROJECT_CUES, PROJECT_STAGES)
    nums = numbers_in(_sentence_words(words, sentence))
    star = sentence_evidence(sentence.text)
    if nums and star.score["result"] >= 2.0:
        ev.add("results", 1.5, f"number '{nums[0]}' with a change")
    for lab in PROJECT_STAGES:
        ev.score[lab] = min(ev.score[lab], cap)
    return ev


def label_project(
    words: list[Word],
    sentences: Sequence[Sentence],
    options: AnalysisOptions | None = None,
    evidence: list[Evidence] | None = None,
) -> list[ShapeLabel]:
    """Label each sentence of a project walkthrough with one of the seven stages
    (``evidence``: each sentence's stage cues, when the caller has them)."""
    options = options or AnalysisOptions()
    if evidence is None:
        evidence = [_project_evidence(words, s, options.project_stage_cap) for s in sentences]
    decided = _label(
        sentences,
        evidence,
        PROJECT_STAGES,
        _PROJECT_PRIOR,
        STAGE_TITLES,
        prior_weight=options.project_prior_weight,
        back_penalty=options.project_back_penalty,
        skip_cost=options.project_skip_cost,
        no_evidence_cost={},
    )
    return [ShapeLabel(sentence=i, label=lab, reason=r) for i, (lab, r) in enumerate(decided)]


def shape_project(
    transcript: Transcript,
    sentences: Sequence[Sentence],
    pacing: PacingResult,
    options: AnalysisOptions,
) -> ShapeResult:
    words = transcript.words
    evidence = [_project_evidence(words, s, options.project_stage_cap) for s in sentences]
    labels = label_project(words, sentences, options, evidence)
    parts = _parts(sentences, labels, PROJECT_STAGES, STAGE_TITLES, STAGE_SHORT)
    # A stage counts as covered only when one of its sentences has words of that stage: the
    # labeller places every sentence somewhere, and position alone would "cover" a stage
    # the answer never spoke about.
    spoken = {lab.label for lab in labels if evidence[lab.sentence].found[lab.label]}
    for part in parts:
        if part.present and part.name not in spoken:
            part.present = False
            part.detail = "placed by position only: none of its words heard"
    result_numbers: list[str] = []
    for lab in labels:
        nums = numbers_in(_sentence_words(words, sentences[lab.sentence]))
        if lab.label == "results":
            result_numbers += nums
    for part in parts:
        if not part.present:
            part.detail = part.detail or "not heard"
        elif part.name == "results":
            part.detail = (
                "numbers: " + ", ".join(result_numbers[:4]) if result_numbers else "no number"
            )
        else:
            part.detail = f"{part.sentences} sentence(s)"
    skipped = [p for p in parts if not p.present]
    heard = len(parts) - len(skipped)
    stage_detail = f"{heard} of {len(parts)} stages heard" + (
        "; skipped: " + ", ".join(STAGE_SHORT[p.name] for p in skipped) if skipped else ""
    )
    by_name = {p.name: p for p in parts}
    setup = by_name["problem"].share + by_name["role"].share
    setup_max = options.project_setup_max
    checks = [
        ShapeCheck(
            name="stages", title="Every outline stage covered", ok=not skipped, detail=stage_detail
        ),
        ShapeCheck(
            name="results_quantified",
            title="Results given in numbers",
            ok=bool(result_numbers),
            detail=(
                "numbers in the results: " + ", ".join(result_numbers[:4])
                if result_numbers
                else "no number in the results stage"
                if by_name["results"].present
                else "no results stage heard"
            ),
        ),
        ShapeCheck(
            name="setup",
            title="Setup kept short",
            ok=setup <= setup_max,
            detail=f"problem and role take {setup:.0%} of the walkthrough"
            + ("" if setup <= setup_max else f" (aim for under {setup_max:.0%})"),
        ),
        _length_check(pacing),
    ]
    return ShapeResult(
        kind="project",
        guide=GUIDES["project"],
        labels=labels,
        parts=parts,
        checks=checks,
        missing=[STAGE_TITLES[p.name] for p in skipped],
    )


# --- behavioral and deep dive: STAR plus -----------------------------------------------------


def heard_nearly(
    words: list[Word], name: str, options: AnalysisOptions | None = None
) -> tuple[int, str] | None:
    """(word index, phrase) of a phrase within a letter or two of a principle's name.

    Small models mishear names ("five deep" for "Dive Deep"); only names of
    two or more words are compared, each half of "Have Backbone; Disagree and Commit" on its
    own, and only for the principles the question targets, which keeps false matches rare.
    "Within a letter or two" is ``options.near_name_ratio``.
    """
    ratio = (options or AnalysisOptions()).near_name_ratio
    tokens = [re.sub(r"[^\w']", "", norm(w.text)) for w in words]
    for form in name.split(";"):
        target = " ".join(re.sub(r"[^\w' ]", " ", form.lower()).split())
        n = len(target.split())
        if n < 2:
            continue
        for i in range(len(tokens) - n + 1):
            candidate = " ".join(tokens[i : i + n])
            if difflib.SequenceMatcher(None, candidate, target).ratio() >= ratio:
                return i, " ".join(w.text for w in words[i : i + n])
    return None


def named_shown(names: Sequence[str], words: list[Word], options: AnalysisOptions) -> str:
    """Principles named, as a check quotes them: one heard only in words the transcriber was
    not sure of says so."""
    from voiceloop.analysis.language import principles_named

    unsure = uncertain_set(words, options)
    clear = set(principles_named(sure_only(words, unsure))) if unsure else set(names)
    return ", ".join(
        n if n in clear else f"{n} (in words the transcriber was not sure of)" for n in names
    )


def shape_behavioral(
    transcript: Transcript,
    kind: PromptKind,
    prompt: Prompt | None,
    star: StarResult,
    language: LanguageResult,
    pacing: PacingResult,
    options: AnalysisOptions,
) -> ShapeResult:
    targeted = list(prompt.principles) if prompt else []
    named = language.principles_named
    near = None
    if targeted and not any(p in targeted for p in named):
        near = next(
            (
                (p, found)
                for p in targeted
                if (found := heard_nearly(transcript.words, p, options)) is not None
            ),
            None,
        )
    if near is not None:
        (name, (at, phrase)) = near
        principle_ok = True
        principle_detail = (
            f'probably named {name}: heard "{phrase}" at {clock(transcript.words[at].start)}, '
            "which the transcriber may have misheard"
        )
    elif targeted:
        hit = [p for p in named if p in targeted]
        principle_ok = bool(hit)
        if hit:
            principle_detail = "named " + named_shown(hit, transcript.words, options)
        elif named:
            principle_detail = (
                f"named {', '.join(named)}, but the question targets {' or '.join(targeted)}"
            )
        else:
            principle_detail = f"not named; the question targets {' or '.join(targeted)}"
    else:
        principle_ok = bool(named)
        principle_detail = "named " + ", ".join(named) if named else "no leadership principle named"
    checks = [
        ShapeCheck(
            name="principle_named",
            title="Names the principle",
            ok=principle_ok,
            detail=principle_detail,
        ),
    ]
    if language.i_share is None:
        i_ok, i_detail = True, 'neither "I" nor "we" heard in the Action part'
    elif language.i_count == 0 and language.we_count < options.we_count_min:
        # nothing to fix (a "we" or two is natural), but no "I" either: the reports mark it
        # n/a (verdict.check_mark), and the detail must not read as a pass
        i_ok = True
        i_detail = f'no "I" heard in the Action part; "we" {language.we_count}, too few to judge'
    else:
        i_ok = language.i_share >= options.i_share_min or language.we_count < options.we_count_min
        i_detail = f'"I" {language.i_count} vs "we" {language.we_count} in the Action part'
    checks.append(
        ShapeCheck(name="says_i", title='Says "I" for own actions', ok=i_ok, detail=i_detail)
    )
    asked = asks_for_dates(prompt.must_include) if prompt else []
    if asked:
        index = TextIndex(transcript.words, uncertain_set(transcript.words, options))
        dates = find_dates(index)
        shown = "; ".join(index.quote(a, b, around=1, limit=6) for a, b in dates[:3])
        checks.append(
            ShapeCheck(
                name="dates",
                title="Gives dates",
                ok=bool(dates),
                detail=(
                    f"{len(dates)} date(s): {shown}"
                    if dates
                    else "the question asks for dates; no month, year, quarter or "
                    "'weeks before' was heard"
                ),
            )
        )
    refl = [s for s in star.sections if s.label == "reflection"]
    last = star.sections[-1].label if star.sections else None
    if refl and last == "reflection":
        refl_ok, refl_detail = True, f"reflection from {clock(refl[0].start)} to the end"
    elif refl:
        refl_ok = True
        refl_detail = f"reflection at {clock(refl[0].start)}, though not the last section"
    else:
        refl_ok, refl_detail = False, "no reflection: what you learned or would do differently"
    checks.append(
        ShapeCheck(
            name="reflection", title="Ends with a reflection", ok=refl_ok, detail=refl_detail
        )
    )
    checks.append(_length_check(pacing))
    return ShapeResult(
        kind=kind,
        guide=GUIDES[kind],
        checks=checks,
        missing=[c.title for c in checks if not c.ok and c.name in ("reflection", "dates")],
    )


def analyze_shape(
    transcript: Transcript,
    prompt: Prompt | None,
    star: StarResult,
    language: LanguageResult,
    pacing: PacingResult,
    options: AnalysisOptions,
) -> ShapeResult:
    """The answer judged by the shape of its question's kind (STAR when no prompt is given).

    Intro and project answers are labelled over the same sentences as the STAR analysis
    (``star.sentences``), so the reports can show both side by side.
    """
    kind: PromptKind = prompt.kind if prompt else "star"
    if kind == "intro":
        return shape_intro(transcript, star.sentences, pacing, options)
    if kind == "project":
        return shape_project(transcript, star.sentences, pacing, options)
    return shape_behavioral(transcript, kind, prompt, star, language, pacing, options)
