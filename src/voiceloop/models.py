"""Pydantic records that cross module boundaries.

The flow is one direction: audio -> ``Transcript`` (words with times) -> ``Analysis``
-> ``Session`` -> report. Analyzers take a ``Transcript`` and return one of the result
models below; they never touch audio files, models or the database.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

StarLabel = Literal["situation", "task", "action", "result", "reflection"]
STAR_LABELS: tuple[StarLabel, ...] = ("situation", "task", "action", "result", "reflection")
PromptKind = Literal["intro", "star", "project", "deep_dive"]


class Word(BaseModel):
    """One spoken word on the timeline (sub-word pieces already merged)."""

    text: str
    start: float
    end: float
    probability: float = 1.0


class Transcript(BaseModel):
    """What was said and when. ``duration`` is the whole audio's length in seconds."""

    words: list[Word]
    duration: float
    language: str = "en"
    model: str = ""
    decoding: str = ""  # short description of how it was produced (model, beam, prompt)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


class Prompt(BaseModel):
    """One interview question from the bank."""

    id: str
    text: str
    kind: PromptKind = "star"
    principles: list[str] = Field(default_factory=list)
    target_seconds: tuple[float, float] = (120.0, 180.0)
    follow_ups: list[str] = Field(default_factory=list)
    must_include: list[str] = Field(default_factory=list)
    source: str = ""  # which bank file it came from


# --- pacing -------------------------------------------------------------------------


class Pause(BaseModel):
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


class PaceWindow(BaseModel):
    start: float
    end: float
    words: int
    wpm: float


class PacingResult(BaseModel):
    word_count: int
    speech_start: float
    speech_end: float
    speaking_span_s: float  # first word start to last word end
    wpm: float  # words per minute over the speaking span (pauses included)
    articulation_wpm: float  # words per minute with pauses >= pause_min_s left out
    speaking_time_s: float
    silent_time_s: float  # whole audio minus speaking time
    pauses: list[Pause]
    pause_count: int
    longest_pause_s: float
    mean_pause_s: float
    long_pauses: list[Pause]  # pauses over the long-pause threshold
    windows: list[PaceWindow]
    duration_s: float  # the answer's length: speaking span
    target_seconds: tuple[float, float]
    duration_verdict: Literal["short", "on target", "long"]
    pace_verdict: Literal["slow", "on target", "fast"]
    definition: str  # how wpm is defined, for the report


# --- fillers ------------------------------------------------------------------------


class FillerEvent(BaseModel):
    type: str  # canonical filler: "um", "uh", "like", "you know", ...
    start: float
    end: float
    word_index: int | None = None  # index of the first word in Transcript.words
    source: Literal["transcript", "acoustic"] = "transcript"


class FillerResult(BaseModel):
    events: list[FillerEvent]
    count: int
    per_minute: float
    per_100_words: float
    by_type: dict[str, int]


# --- STAR -----------------------------------------------------------------------------


class Sentence(BaseModel):
    """A stretch of words treated as one sentence (punctuation or a pause ends it)."""

    index: int
    first_word: int  # index into Transcript.words
    last_word: int  # inclusive
    start: float
    end: float
    text: str


class SentenceLabel(BaseModel):
    sentence: int
    label: StarLabel
    reason: str  # why: the cue that decided it, or the smoothing rule applied
    # the best labelling's score lead over the best one that reads this sentence otherwise,
    # and that other label (None where the model cannot say: a section-scoring model)
    lead: float | None = None
    runner_up: StarLabel | None = None


class StarSection(BaseModel):
    label: StarLabel
    start: float
    end: float
    first_word: int
    last_word: int
    reason: str

    @property
    def duration(self) -> float:
        return self.end - self.start


class StarResult(BaseModel):
    sentences: list[Sentence]
    labels: list[SentenceLabel]
    sections: list[StarSection]
    shares: dict[str, float]  # label -> share of the answer's section time (0..1)
    seconds: dict[str, float]  # label -> seconds
    missing: list[StarLabel]
    guidance: dict[str, float]  # "setup" (S+T), "action", "outcome" (R+Reflection) targets


# --- quantified results ---------------------------------------------------------------


class Quantity(BaseModel):
    text: str
    kind: Literal["percent", "currency", "multiplier", "count", "duration", "number"]
    start: float
    has_baseline: bool
    has_timeframe: bool
    # False when the transcriber was not sure of its words (analysis/confidence.py): the
    # report does not quote it.
    sure: bool = True


class QuantifyResult(BaseModel):
    result_present: bool
    quantities: list[Quantity]  # numbers found in the Result/Reflection part
    result_quantified: bool | None  # None when there is no Result section
    flags: list[str]


# --- language -------------------------------------------------------------------------


class PhraseHit(BaseModel):
    phrase: str
    start: float


class LanguageResult(BaseModel):
    i_count: int  # "I", "I'm", "my", ... in the Action part (whole answer if no Action)
    we_count: int
    i_share: float | None  # i / (i + we); None when neither was said
    principles_named: list[str]
    hedges: list[PhraseHit]


# --- answer shape by prompt kind ---------------------------------------------------------

IntroLabel = Literal["arc", "highlight", "why_role", "other"]
INTRO_LABELS: tuple[IntroLabel, ...] = ("arc", "highlight", "why_role", "other")
ProjectStage = Literal["problem", "role", "data", "approach", "experiments", "results", "learnings"]
PROJECT_STAGES: tuple[ProjectStage, ...] = (
    "problem",
    "role",
    "data",
    "approach",
    "experiments",
    "results",
    "learnings",
)


class ShapeLabel(BaseModel):
    """One sentence's part of the answer's shape (an intro label or a walkthrough stage)."""

    sentence: int  # index into StarResult.sentences (the analyses share one sentence split)
    label: str  # an IntroLabel or a ProjectStage
    reason: str


class ShapePart(BaseModel):
    """One part the shape expects: how long it ran and what was heard in it."""

    name: str  # "arc", "highlight", "why_role" or a ProjectStage
    title: str  # as shown to the user
    short: str = ""  # as a list in a tip names it ("data risks")
    seconds: float
    share: float  # of the labelled time (0..1)
    sentences: int
    present: bool
    detail: str = ""


class ShapeCheck(BaseModel):
    """One check of the answer against its kind's shape, with the evidence behind it."""

    name: str  # e.g. "why_role", "highlights_quantified", "length", "principle_named"
    title: str
    ok: bool
    detail: str  # what was measured, or what is missing and why it matters


class Highlight(BaseModel):
    """One achievement in a "tell me about yourself" answer."""

    text: str
    start: float
    numbers: list[str]  # quantities heard in it; empty: an unquantified highlight
    # False when the transcriber was not sure of a word in it (analysis/confidence.py): the
    # reports and tips do not quote it.
    sure: bool = True


class ShapeResult(BaseModel):
    kind: PromptKind
    guide: str  # the shape this kind is judged against, in one line
    labels: list[ShapeLabel] = Field(default_factory=list)  # intro and project only
    parts: list[ShapePart] = Field(default_factory=list)
    highlights: list[Highlight] = Field(default_factory=list)  # intro only
    checks: list[ShapeCheck] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)  # titles of expected parts not heard


# --- must-include coverage -----------------------------------------------------------------


class CoverageItem(BaseModel):
    """One "a strong answer must contain" item of the prompt, checked against the answer."""

    item: str  # as written in the question bank
    heard: bool
    rules: list[str]  # the matchers the item was read as ("dates", "numbers", ...) or "words"
    unheard: list[str] = Field(default_factory=list)  # those of ``rules`` that found nothing
    evidence: str  # what was heard (quoted, with time) or what was looked for and not found
    start: float | None = None  # where the evidence begins, seconds


class CoverageResult(BaseModel):
    items: list[CoverageItem]
    missing: list[str]  # items asked for and not heard, in the bank's order


# --- verdict and the whole analysis ----------------------------------------------------


class Tip(BaseModel):
    title: str
    detail: str
    figure: str  # the measured figure this tip rests on, as shown to the user
    # False when another reading of a sentence the labeller was unsure of would take the tip
    # away (its detail says which sentence)
    sure: bool = True


class Verdict(BaseModel):
    headline: str
    tips: list[Tip]


class Analysis(BaseModel):
    version: str
    prompt_id: str | None
    prompt_kind: PromptKind
    pacing: PacingResult
    fillers: FillerResult
    star: StarResult
    quantify: QuantifyResult
    language: LanguageResult
    verdict: Verdict
    shape: ShapeResult | None = None  # None in analyses written before shape feedback
    coverage: CoverageResult | None = None  # None when the prompt lists no must_include
    # Indexes into Transcript.words of the words the transcriber was not sure of
    # (analysis/confidence.py): marked in the reports, never quoted as evidence. None in
    # analyses written before they were marked.
    uncertain_words: list[int] | None = None


class SessionMeta(BaseModel):
    id: str
    created_at: str  # ISO 8601, local time with offset
    prompt_id: str | None
    prompt_text: str | None
    source: str  # where the audio came from: a file path or "microphone"
    audio_file: str  # name of the WAV inside the session folder
    audio_seconds: float
    model: str
    analysis_version: str
    status: Literal["analyzed", "unanalyzed"] = "analyzed"
    previous_analysis_versions: list[str] = Field(default_factory=list)  # before `reanalyze`
    # sha256 of audio.wav's PCM frames: the same recording analyzed twice has the same one,
    # so history counts it once. None in sessions written before it was kept.
    audio_sha256: str | None = None
    # Why an unanalyzed take holds no answer ("no speech heard", "near-silent recording"):
    # a failed take, kept for recovery but never counted as practice. None for an analyzed
    # session and for one saved unanalyzed on request (a second Ctrl-C), still to analyze.
    failure: str | None = None
