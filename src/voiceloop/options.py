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
