"""Accuracy of the whole pipeline against labelled clips (``voiceloop eval DATASET_DIR``).

Each clip (audio plus a sidecar, see :mod:`voiceloop.evaluation.sidecars`) is run through
audio -> transcript -> analysis, and every figure its sidecar holds the truth for is scored;
figures without truth are skipped. Clips are also summarized per group
(:func:`summarize_groups`). How each figure is defined is documented at the function that
computes it; the summary:

- WER: word error rate after :func:`~voiceloop.evaluation.wer.normalize_words` (case,
  punctuation, numbers written as digits or words, a few spellings); hesitations (um, uh, ...)
  are left out of ``wer`` and kept in ``wer_verbatim``. ``<cutoff-...>`` and ``[...]``
  reference tokens are wildcards.
- WPM error: the pipeline's words per minute against the reference's, in % of the reference.
- Pauses: count of pauses >= the pause threshold and the longest pause, pipeline minus truth.
- Fillers: precision / recall / F1 of filler events matched one to one by type and time
  (:func:`~voiceloop.evaluation.fillers.match_fillers`), and the count error per minute of
  reference speaking time.
- STAR: per-word label accuracy (each reference word takes the label of the predicted
  section covering its midpoint; the gaps between reference words are left out), per-label
  share error in percentage points, missing-section and quantified-Result detection; and the
  STAR and Result tips the sections earn against those the true sections earn
  (:func:`star_tips_scored`).
- Speed: real-time factor (transcription + analysis time / audio length, the model already
  loaded) and peak memory (see :func:`~voiceloop.evaluation.memory.peak_rss_mb`).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from voiceloop.errors import VoiceloopError
from voiceloop.evaluation.fillers import (
    DEFAULT_FILLER_TOLERANCE_S,
    FillerCounts,
    is_hesitation,
    match_fillers,
)
from voiceloop.evaluation.memory import peak_rss_mb, reset_peak_rss
from voiceloop.evaluation.sidecars import Clip, TruthWord
from voiceloop.evaluation.wer import WordErrors, normalize_words, word_errors
from voiceloop.models import STAR_LABELS, Analysis, FillerEvent, SentenceLabel, Tip, Transcript
from voiceloop.options import AnalysisOptions

if TYPE_CHECKING:
    import numpy as np


# --- STAR -------------------------------------------------------------------------------------


def star_word_accuracy(words: Sequence[TruthWord], analysis: Analysis) -> tuple[int, int]:
    """(correct, total) over reference words that carry a label.

    Each word takes the label of the predicted section covering its midpoint, or of the
    nearest section when its midpoint falls between sections. Only word times are scored,
    so the silent gaps between the reference's sentences and sections are left out.
    """
    sections = analysis.star.sections
    correct = total = 0
    for word in words:
        if word.label is None:
            continue
        total += 1
        if not sections:
            continue
        mid = (word.start + word.end) / 2
        best = min(sections, key=lambda s: max(0.0, s.start - mid, mid - s.end))
        correct += best.label == word.label
    return correct, total


def star_tips_scored(
    words: Sequence[TruthWord],
    transcript: Transcript,
    analysis: Analysis,
    options: AnalysisOptions,
) -> tuple[list[Tip], list[str]]:
    """The STAR and Result tips the analysis's sections earn, unsure ones marked as the report
    marks them (``verdict.star_advice``), and the titles of those the true sections earn: each
    of the analysis's sentences given the label most reference words inside it carry (the
    nearest labelled word's when none falls inside), measured by the same code."""
    from voiceloop.analysis.quantify import quantify_results
    from voiceloop.analysis.star import star_result
    from voiceloop.analysis.verdict import read_otherwise, star_advice

    labelled = [(w.label, (w.start + w.end) / 2) for w in words if w.label is not None]
    star = analysis.star
    if not labelled or not star.sentences:
        return [], []
    truth = []
    for sent in star.sentences:
        inside = Counter(lab for lab, mid in labelled if sent.start <= mid <= sent.end)
        centre = (sent.start + sent.end) / 2
        label = (
            inside.most_common(1)[0][0]
            if inside
            else min(labelled, key=lambda lw: abs(lw[1] - centre))[0]
        )
        truth.append(SentenceLabel(sentence=sent.index, label=label, reason=""))
    true_star = star_result(star.sentences, truth, options)
    true_numbers = quantify_results(transcript, true_star, options)
    earned = [t.title for t in star_advice(true_star, true_numbers, options)]
    readings = read_otherwise(transcript, star, options)
    return star_advice(star, analysis.quantify, options, readings=readings), earned


# --- results ------------------------------------------------------------------------------------


class ClipResult(BaseModel):
    """Every figure for one clip; ``None`` where the sidecar has no truth for it."""

    name: str
    kind: Literal["speech", "star"]
    duration_s: float
    group: str | None = None  # Truth.group
    error: str | None = None  # the pipeline failed on this clip
    hypothesis: str = ""
    wer: float | None = None
    word_errors: WordErrors | None = None
    wer_verbatim: float | None = None
    word_errors_verbatim: WordErrors | None = None
    wpm_ref: float | None = None
    wpm: float | None = None
    wpm_error_pct: float | None = None
    pause_count_ref: int | None = None
    pause_count: int | None = None
    longest_pause_ref_s: float | None = None
    longest_pause_s: float | None = None
    fillers_ref: int | None = None
    fillers_found: int | None = None
    filler_counts: FillerCounts | None = None
    filler_counts_untyped: FillerCounts | None = None
    # the same, apart: hesitation sounds (any type for any), and filler words by type
    hesitation_counts: FillerCounts | None = None
    discourse_counts: FillerCounts | None = None
    acoustic_fillers: int = 0
    filler_rate_error_per_min: float | None = None
    star_words_correct: int | None = None
    star_words: int | None = None
    star_accuracy: float | None = None
    shares_ref: dict[str, float] | None = None
    shares: dict[str, float] | None = None
    share_error_mean_pp: float | None = None
    share_error_max_pp: float | None = None
    missing_ref: list[str] | None = None
    missing: list[str] | None = None
    missing_ok: bool | None = None
    result_missing_ref: bool | None = None
    result_missing_ok: bool | None = None
    quantified_ref: bool | None = None
    quantified: bool | None = None
    quantified_ok: bool | None = None
    # STAR and Result tips (star_tips_scored): the first the same as the true sections' first;
    # tips stated as sure, and how many the true sections earn (also the earned tips stated
    # as sure); tips the true sections earn; tips stated as unsure, and how many were earned
    top_tip_ok: bool | None = None
    sure_tips: int | None = None
    sure_tips_earned: int | None = None
    earned_tips: int | None = None
    unsure_tips: int | None = None
    unsure_tips_earned: int | None = None
    transcribe_s: float = 0.0
    acoustic_s: float = 0.0
    analysis_s: float = 0.0
    rtf: float | None = None
    peak_rss_mb: float | None = None


class Overall(BaseModel):
    """Pooled figures: rates over summed counts, errors as means over the clips that have them."""

    clips: int
    failed: int
    audio_s: float
    wer: float | None = None
    wer_verbatim: float | None = None
    wpm_abs_error_pct_mean: float | None = None
    wpm_abs_error_pct_max: float | None = None
    wpm_within_3pct: str | None = None
    pause_count_abs_error_mean: float | None = None
    longest_pause_abs_error_mean_s: float | None = None
    filler_counts: FillerCounts | None = None
    filler_precision: float | None = None
    filler_recall: float | None = None
    filler_f1: float | None = None
    filler_f1_untyped: float | None = None
    hesitation_counts: FillerCounts | None = None
    discourse_counts: FillerCounts | None = None
    filler_rate_abs_error_per_min_mean: float | None = None
    star_accuracy: float | None = None
    share_error_mean_pp: float | None = None
    share_error_max_pp: float | None = None
    missing_detection: str | None = None  # "k/n" clips whose missing sections all match
    result_missing_detection: str | None = None
    missing_result_caught: str | None = None  # over clips with no Result: called missing
    result_found: str | None = None  # over clips with a Result: not called missing
    quantified_detection: str | None = None  # over clips with a Result (true or false)
    unquantified_detection: str | None = None  # over clips whose Result has no number
    top_tip_detection: str | None = None  # "k/n" clips whose first STAR tip is the true one's
    sure_tips_earned: str | None = None  # "k/n" tips stated as sure that the truth earns
    earned_tips_told: str | None = None  # "k/n" tips the truth earns that were stated as sure
    unsure_tips_earned: str | None = None  # "k/n" tips stated as unsure that the truth earns
    rtf: float | None = None
    model_load_s: float | None = None
    peak_rss_mb: float | None = None


class EvalReport(BaseModel):
    dataset: str
    model: str
    decoding: str
    filler_tolerance_s: float
    acoustic_fillers: bool
    memory_method: str
    clips: list[ClipResult]
    overall: Overall
    groups: dict[str, Overall] = Field(default_factory=dict)  # by ClipResult.group


# --- running ------------------------------------------------------------------------------------

Transcriber = Callable[["np.ndarray"], Transcript]
AcousticDetector = Callable[["np.ndarray", Transcript], list[FillerEvent]]


class EvalOptions(BaseModel):
    filler_tolerance_s: float = DEFAULT_FILLER_TOLERANCE_S
    pause_min_s: float = 0.25


def _mean(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def score_clip(
    clip: Clip,
    transcript: Transcript,
    analysis: Analysis,
    options: EvalOptions,
    analysis_options: AnalysisOptions | None = None,
) -> ClipResult:
    """Compare one clip's transcript and analysis with its truth (no timing figures);
    ``analysis_options``: those the analysis ran with."""
    truth = clip.truth
    res = ClipResult(
        name=clip.name,
        kind=truth.kind,
        duration_s=transcript.duration,
        group=truth.group,
        hypothesis=transcript.text,
    )
    if truth.reference is not None:
        we = word_errors(normalize_words(truth.reference), normalize_words(transcript.text))
        wev = word_errors(
            normalize_words(truth.reference, keep_hesitations=True),
            normalize_words(transcript.text, keep_hesitations=True),
        )
        res.word_errors, res.wer = we, we.rate
        res.word_errors_verbatim, res.wer_verbatim = wev, wev.rate
    pacing = analysis.pacing
    if truth.wpm is not None:
        res.wpm_ref, res.wpm = truth.wpm, pacing.wpm
        res.wpm_error_pct = (pacing.wpm - truth.wpm) / truth.wpm * 100 if truth.wpm else None
    if truth.pauses is not None:
        floor = max(truth.pause_min_s, options.pause_min_s) - 1e-9
        ref = [d for d in truth.pauses if d >= floor]
        pred = [p.duration for p in pacing.pauses if p.duration >= floor]
        res.pause_count_ref, res.pause_count = len(ref), len(pred)
        res.longest_pause_ref_s, res.longest_pause_s = max(ref, default=0.0), max(pred, default=0.0)
    if truth.fillers is not None:
        events = analysis.fillers.events
        tol = options.filler_tolerance_s
        res.fillers_ref, res.fillers_found = len(truth.fillers), len(events)
        res.filler_counts = match_fillers(truth.fillers, events, tol, truth.not_fillers)
        res.filler_counts_untyped = match_fillers(
            truth.fillers, events, tol, truth.not_fillers, typed=False
        )

        def apart(sound: bool) -> FillerCounts:
            return match_fillers(
                [f for f in truth.fillers or [] if is_hesitation(f.type) == sound],
                [e for e in events if is_hesitation(e.type) == sound],
                tol,
                truth.not_fillers,
                typed=not sound,
            )

        res.hesitation_counts, res.discourse_counts = apart(True), apart(False)
        res.acoustic_fillers = sum(1 for e in events if e.source == "acoustic")
        span = (
            truth.speech_end - truth.speech_start
            if truth.speech_start is not None and truth.speech_end is not None
            else transcript.duration
        )
        if span > 0:  # events matching an ignored "you know" count on neither side
            found = res.filler_counts.tp + res.filler_counts.fp
            res.filler_rate_error_per_min = (found - len(truth.fillers)) / span * 60
    if truth.words is not None and any(w.label for w in truth.words):
        correct, total = star_word_accuracy(truth.words, analysis)
        res.star_words_correct, res.star_words = correct, total
        res.star_accuracy = correct / total if total else None
        given, earned = star_tips_scored(
            truth.words, transcript, analysis, analysis_options or AnalysisOptions()
        )
        sure = {t.title for t in given if t.sure}
        unsure = {t.title for t in given if not t.sure}
        res.top_tip_ok = [t.title for t in given[:1]] == earned[:1]
        res.sure_tips, res.sure_tips_earned = len(sure), len(sure & set(earned))
        res.earned_tips = len(earned)
        res.unsure_tips, res.unsure_tips_earned = len(unsure), len(unsure & set(earned))
    if truth.shares is not None:
        res.shares_ref = {k: round(v, 4) for k, v in truth.shares.items()}
        res.shares = {k: round(analysis.star.shares.get(k, 0.0), 4) for k in STAR_LABELS}
        errors = [
            abs(analysis.star.shares.get(k, 0.0) - truth.shares.get(k, 0.0)) * 100
            for k in STAR_LABELS
        ]
        res.share_error_mean_pp, res.share_error_max_pp = sum(errors) / len(errors), max(errors)
    if truth.missing is not None:
        res.missing_ref = sorted(truth.missing)
        res.missing = sorted(analysis.star.missing)
        res.missing_ok = res.missing_ref == res.missing
        res.result_missing_ref = "result" in truth.missing
        res.result_missing_ok = res.result_missing_ref == ("result" in analysis.star.missing)
    if truth.has_quantified:
        res.quantified_ref = truth.quantified_result
        res.quantified = analysis.quantify.result_quantified
        res.quantified_ok = res.quantified_ref == res.quantified
    return res


def _ratio(flags: Iterable[bool | None]) -> str | None:
    vals = [f for f in flags if f is not None]
    return f"{sum(vals)}/{len(vals)}" if vals else None


def _pooled(pairs: Iterable[tuple[int | None, int | None]]) -> str | None:
    """ "k/n" over summed (k, n) counts, the clips without them left out."""
    vals = [(k, n) for k, n in pairs if k is not None and n is not None]
    return f"{sum(k for k, _ in vals)}/{sum(n for _, n in vals)}" if vals else None


def _total(counts: Iterable[FillerCounts | None]) -> FillerCounts | None:
    given = [c for c in counts if c is not None]
    return sum(given, FillerCounts()) if given else None


def summarize(results: Sequence[ClipResult], model_load_s: float | None = None) -> Overall:
    ok = [r for r in results if r.error is None]
    we = [r.word_errors for r in ok if r.word_errors is not None]
    wev = [r.word_errors_verbatim for r in ok if r.word_errors_verbatim is not None]
    wpm_errs = [abs(r.wpm_error_pct) for r in ok if r.wpm_error_pct is not None]
    star_ok = sum(r.star_words_correct or 0 for r in ok)
    star_n = sum(r.star_words or 0 for r in ok)
    total_fc = _total(r.filler_counts for r in ok)
    total_fcu = _total(r.filler_counts_untyped for r in ok)
    audio = sum(r.duration_s for r in ok)
    busy = sum(r.transcribe_s + r.acoustic_s + r.analysis_s for r in ok)
    with_result = [r for r in ok if r.quantified_ref is not None]
    return Overall(
        clips=len(results),
        failed=len(results) - len(ok),
        audio_s=audio,
        wer=sum(we, WordErrors()).rate if we else None,
        wer_verbatim=sum(wev, WordErrors()).rate if wev else None,
        wpm_abs_error_pct_mean=_mean(wpm_errs),
        wpm_abs_error_pct_max=max(wpm_errs, default=None),
        wpm_within_3pct=_ratio(e <= 3.0 for e in wpm_errs),
        pause_count_abs_error_mean=_mean(
            abs(r.pause_count - r.pause_count_ref)
            for r in ok
            if r.pause_count is not None and r.pause_count_ref is not None
        ),
        longest_pause_abs_error_mean_s=_mean(
            abs(r.longest_pause_s - r.longest_pause_ref_s)
            for r in ok
            if r.longest_pause_s is not None and r.longest_pause_ref_s is not None
        ),
        filler_counts=total_fc,
        filler_precision=total_fc.precision if total_fc else None,
        filler_recall=total_fc.recall if total_fc else None,
        filler_f1=total_fc.f1 if total_fc else None,
        filler_f1_untyped=total_fcu.f1 if total_fcu else None,
        hesitation_counts=_total(r.hesitation_counts for r in ok),
        discourse_counts=_total(r.discourse_counts for r in ok),
        filler_rate_abs_error_per_min_mean=_mean(
            abs(r.filler_rate_error_per_min) for r in ok if r.filler_rate_error_per_min is not None
        ),
        star_accuracy=star_ok / star_n if star_n else None,
        share_error_mean_pp=_mean(r.share_error_mean_pp for r in ok),
        share_error_max_pp=max(
            (r.share_error_max_pp for r in ok if r.share_error_max_pp is not None), default=None
        ),
        missing_detection=_ratio(r.missing_ok for r in ok),
        result_missing_detection=_ratio(r.result_missing_ok for r in ok),
        missing_result_caught=_ratio(r.result_missing_ok for r in ok if r.result_missing_ref),
        result_found=_ratio(r.result_missing_ok for r in ok if r.result_missing_ref is False),
        quantified_detection=_ratio(r.quantified_ok for r in with_result),
        unquantified_detection=_ratio(r.quantified_ok for r in with_result if not r.quantified_ref),
        top_tip_detection=_ratio(r.top_tip_ok for r in ok),
        sure_tips_earned=_pooled((r.sure_tips_earned, r.sure_tips) for r in ok),
        earned_tips_told=_pooled((r.sure_tips_earned, r.earned_tips) for r in ok),
        unsure_tips_earned=_pooled((r.unsure_tips_earned, r.unsure_tips) for r in ok),
        rtf=busy / audio if audio else None,
        model_load_s=model_load_s,
        peak_rss_mb=max((r.peak_rss_mb for r in ok if r.peak_rss_mb is not None), default=None),
    )


def summarize_groups(results: Sequence[ClipResult]) -> dict[str, Overall]:
    """:func:`summarize` over each group's clips, by group name; ungrouped clips are left out."""
    by_group: dict[str, list[ClipResult]] = {}
    for r in results:
        if r.group is not None:
            by_group.setdefault(r.group, []).append(r)
    return {name: summarize(by_group[name]) for name in sorted(by_group)}


def evaluate_clip(
    clip: Clip,
    transcriber: Transcriber,
    options: EvalOptions,
    acoustic: AcousticDetector | None = None,
    analysis_options: AnalysisOptions | None = None,
) -> ClipResult:
    """Run audio -> transcript -> analysis on one clip, timed, and score it."""
    from voiceloop.analysis.combined import analyze
    from voiceloop.audio import load_audio

    audio = load_audio(clip.audio)
    reset_peak_rss()
    t0 = time.perf_counter()
    transcript = transcriber(audio.samples)
    t1 = time.perf_counter()
    events = acoustic(audio.samples, transcript) if acoustic is not None else None
    t2 = time.perf_counter()
    analysis = analyze(transcript, None, analysis_options, acoustic_fillers=events)
    t3 = time.perf_counter()
    result = score_clip(clip, transcript, analysis, options, analysis_options)
    result.transcribe_s, result.acoustic_s, result.analysis_s = t1 - t0, t2 - t1, t3 - t2
    result.rtf = (t3 - t0) / audio.seconds if audio.seconds else None
    result.peak_rss_mb = peak_rss_mb()
    return result


def evaluate_clips(
    clips: Sequence[Clip],
    transcriber: Transcriber,
    options: EvalOptions,
    acoustic: AcousticDetector | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[ClipResult]:
    """Evaluate every clip; a clip the pipeline fails on is reported, not fatal."""
    results: list[ClipResult] = []
    for k, clip in enumerate(clips):
        if progress is not None:
            progress(k, len(clips), clip.name)
        try:
            results.append(evaluate_clip(clip, transcriber, options, acoustic))
        except VoiceloopError as err:
            results.append(
                ClipResult(
                    name=clip.name,
                    kind=clip.truth.kind,
                    duration_s=0.0,
                    group=clip.truth.group,
                    error=str(err),
                )
            )
    return results
