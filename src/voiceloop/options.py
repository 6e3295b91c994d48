"""Tunable thresholds and targets, kept in one place instead of scattered constants."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

# Default answer length per prompt kind, in seconds (from the coaching guidance).
KIND_TARGET_SECONDS: dict[str, tuple[float, float]] = {
    "intro": (60.0, 90.0),
    "star": (120.0, 180.0),
    "project": (300.0, 420.0),
    "deep_dive": (240.0, 360.0),
}


class AnalysisOptions(BaseModel):
    """Everything an analyzer may want to tune. Defaults follow common coaching norms."""

    pause_min_s: float = 0.25  # a gap between words at least this long counts as a pause
    long_pause_s: float = 2.0  # mid-answer pauses over this read as a lost thread
    window_s: float = 15.0  # pace-over-time window
    pace_range_wpm: tuple[float, float] = (120.0, 160.0)
    fillers_per_minute_flag: float = 3.0
    sentence_pause_s: float = 0.6  # a pause this long ends a sentence when punctuation is absent
    # STAR guidance: share of the answer for setup (S+T), action, outcome (R+reflection)
    star_guidance: dict[str, float] = Field(
        default_factory=lambda: {"setup": 0.20, "action": 0.60, "outcome": 0.20}
    )
    star_tolerance: float = 0.10  # shares within this of the guidance are fine
    # The STAR labeller's learned model (weights and transitions, JSON); None: the one shipped
    # with voiceloop. A retrained or leave-one-style-out model is passed here.
    star_model: Path | None = None
    # A sentence whose label leads its next-best reading by less than this (in the model's
    # score units; the shipped model's training margin) is in doubt, and a STAR tip that
    # another reading of it would take away is worded as unsure (verdict.star_advice). 0
    # states every tip as sure.
    star_doubt_lead: float = 150.0

    # --- The answer's shape (analysis/shape.py) ---
    # The intro and walkthrough labellers keep their parts in order (sequence.viterbi). Per
    # sentence, ``*_prior_weight`` scales the pull of where the sentence sits in the answer;
    # between sentences, going back to an earlier part costs ``*_back_penalty`` and each part
    # skipped costs ``*_skip_cost``; ``intro_no_evidence_cost`` is taken off a label when the
    # sentence holds none of its cues (a why-this-role line needs words of its own).
    intro_prior_weight: float = 1.0
    intro_back_penalty: float = 2.5
    intro_skip_cost: float = 0.2
    intro_no_evidence_cost: dict[str, float] = Field(
        default_factory=lambda: {"highlight": 0.3, "why_role": 1.0}
    )
    project_prior_weight: float = 1.0
    project_back_penalty: float = 2.0
    project_skip_cost: float = 0.1
    # A walkthrough stage's cue score in one sentence is capped here, so that many weak cues
    # in one long sentence do not outweigh the order of the stages.
    project_stage_cap: float = 5.0
    intro_arc_sentences: int = 3  # the 3-3-1 shape's arc: about this many sentences
    intro_arc_max_sentences: int = 4  # more arc sentences than this delay the highlights
    intro_highlights: int = 3  # highlights the 3-3-1 shape asks for (one more is still fine)
    # Problem and role together over this share of a walkthrough read as a slow start.
    project_setup_max: float = 0.30
    # How close a heard phrase must be to a leadership principle's name (difflib ratio) to
    # count as the name misheard by the transcriber ("five deep" for "Dive Deep").
    near_name_ratio: float = 0.85

    # --- Ownership language (analysis/language.py's counts, judged in shape and verdict) ---
    # "I" for one's own actions: flagged when "I" is under this share of the "I" and "we"
    # words in the Action part ...
    i_share_min: float = 0.5
    # ... and "we" was said at least this often there (a "we" or two is only natural).
    we_count_min: int = 3
    hedges_flag: int = 4  # this many hedging phrases ("I think", "maybe") earn a tip

    # --- Quantified result (analysis/quantify.py) ---
    # With no Result section labelled, this last share of the answer is read for its numbers.
    result_fallback_tail: float = 0.25

    # --- Words the transcriber was not sure of (analysis/confidence.py) ---
    # A word Whisper heard with a probability under this is uncertain: the reports mark it in
    # the transcript and never quote it as evidence for a check. Chosen on the development
    # clips (docs/accuracy.md, "Words the transcriber was not sure of"); 0 turns it off
    # (capitalised or invented runs are still marked).
    uncertain_probability: float = 0.4

    # --- Must-include items (analysis/coverage.py) ---
    # An item no rule understands counts as heard when at least this share of its content
    # words (or words sharing their stem) were said.
    coverage_word_share: float = 0.5
