"""Train and cross-validate the learned filled-pause detector; print the tables.

Usage (from the repository root)::

    python benchmarks/acoustic_study.py                      # cross-validation tables
    python benchmarks/acoustic_study.py --write-model        # also refit on every dev clip

Development data only: real speech ``../shared/data/speech`` (16 clips) and Piper answers
spoken with fillers (``--synthetic`` folders, default ``/work/dev23/spont``: the 14 answers
of ``benchmarks/styles/spontaneous.json``, and ``/work/dev23/fullfill``: 7 of ``long.json``
with ``--variants fillers``, both spoken with ``benchmarks/heldout/make_clips.py``).
``speech-test`` is never read here.

Every clip is transcribed once with the default recipe (``voiceloop eval``'s) and its frame
features computed once; both are cached under ``--cache``. Each candidate run
(:func:`voiceloop.analysis.filled_pauses.candidates`) is labelled a filled pause when it
overlaps a reference hesitation (um, uh, er, ah, hmm; times from the sidecar's fillers or
words). Clips whose hesitations have no times are scored but never trained on.

Three pipelines are scored with ``voiceloop eval``'s filler matching (type and time, 0.5 s):
the transcript alone, the transcript plus the rule detector
(:mod:`voiceloop.analysis.acoustic_fillers`) and the transcript plus the learned detector,
the last by leaving one clip out (trained on every other clip, real and synthetic) and by
leaving the source out (real clips scored by a model trained on synthetic ones only, and the
reverse). Precision and recall are printed separately for real and synthetic speech, for all
fillers and for hesitations alone, with the detector's CPU seconds per audio minute.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voiceloop.analysis.acoustic_fillers import (
    Frames,
    events_from_frames,
    frame_features,
    merge_acoustic,
)
from voiceloop.analysis.combined import analyze
from voiceloop.analysis.filled_pauses import (
    CANDIDATE_OPTIONS,
    FEATURES,
    MODEL_PATH,
    Candidate,
    FilledPauseModel,
    candidates,
    decide,
    feature_matrix,
    fit_logistic,
)
from voiceloop.analysis.fillers import detect_fillers
from voiceloop.audio import load_audio
from voiceloop.evaluation.fillers import FillerCounts, match_fillers
from voiceloop.evaluation.scoring import EvalOptions, score_clip
from voiceloop.evaluation.sidecars import Clip, TruthFiller, load_dataset
from voiceloop.models import FillerEvent, FillerResult, Transcript
from voiceloop.options import AnalysisOptions

HESITATIONS = frozenset({"um", "uh", "er", "ah", "hmm", "hm", "mm", "erm", "uhm"})
L2 = 1.0


@dataclass
class Item:
    """One clip with what the study needs of it."""

    source: str  # "real" or "synthetic"
    name: str  # set/clip
    clip: Clip
    transcript: Transcript
    feats: Frames
    seconds: float
    cands: list[Candidate]
    labels: np.ndarray  # 1 = overlaps a reference hesitation
    trainable: bool  # every reference hesitation has times
    feature_cpu_s: float
    text_fillers: FillerResult  # the transcript's own fillers


def _cached_transcript(cache: Path, key: str, clip: Clip) -> Transcript:
    path = cache / f"{key}.json"
    if path.exists():
        return Transcript.model_validate(json.loads(path.read_text())["transcript"])
    from voiceloop.transcribe import BEAM_SIZE
    from voiceloop.transcribe.decode import _load, options_for, transcribe

    options = options_for("embedded", "cpu", BEAM_SIZE)
    _load.cache_clear()  # a clip's words must not depend on the clips decoded before it
    transcript = transcribe(load_audio(clip.audio).samples, options)
    path.write_text(json.dumps({"transcript": transcript.model_dump(mode="json")}))
    return transcript


def _cached_frames(cache: Path, key: str, samples: np.ndarray) -> tuple[Frames, float]:
    path = cache / "frames" / f"{key}.npz"
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        z = np.load(path)
        return Frames(**{k: z[k] for k in z.files if k != "cpu_s"}), float(z["cpu_s"])
    c0 = time.process_time()
    f = frame_features(samples, CANDIDATE_OPTIONS)
    cpu = time.process_time() - c0
    np.savez(
        path,
        db=f.db,
        aperiodicity=f.aperiodicity,
        f0=f.f0,
        change=f.change,
        high_share=f.high_share,
        cpu_s=cpu,
    )
    return f, cpu


def hesitation_spans(clip: Clip) -> tuple[list[tuple[float, float]], bool]:
    """Reference hesitations' times, and whether every one of them has times."""
    truth = clip.truth
    spans = [
        (f.start, f.end if f.end is not None else f.start)
        for f in truth.fillers or []
        if f.type in HESITATIONS and f.start is not None
    ]
    untimed = [f for f in truth.fillers or [] if f.type in HESITATIONS and f.start is None]
    return spans, not untimed


def label(
    cands: Sequence[Candidate], spans: Sequence[tuple[float, float]], found: Sequence[bool]
) -> np.ndarray:
    """1 on a hesitation the transcript missed, 0 off every hesitation, NaN on one it has.

    A candidate on a hesitation the transcript already has is neither: ``merge_acoustic``
    pairs it with the transcript's word, so calling it a filled pause or not changes nothing.
    """
    out = []
    for c in cands:
        hits = [k for k, (s, e) in enumerate(spans) if c.start < e + 0.05 and s - 0.05 < c.end]
        if not hits:
            out.append(0.0)
        elif all(found[k] for k in hits):
            out.append(np.nan)
        else:
            out.append(1.0)
    return np.asarray(out, dtype=float)


def found_by_transcript(
    spans: Sequence[tuple[float, float]], text_fillers: FillerResult
) -> list[bool]:
    """Which reference hesitations a transcript hesitation lies within merge reach of."""
    heard = [e for e in text_fillers.events if e.type in HESITATIONS]
    return [any(e.start < b + 0.6 and a - 0.6 < e.end for e in heard) for a, b in spans]


def load_items(sets: list[tuple[str, Path]], cache: Path, every_hesitation: bool) -> list[Item]:
    """Every clip of ``sets`` with its cached transcript, frames, candidates and labels.

    ``every_hesitation``: a candidate on a hesitation the transcript already has is a
    positive too (otherwise it is left out of training).
    """
    frame_features(np.zeros(16_000, dtype=np.float32))  # the first call is not timed
    items = []
    for source, folder in sets:
        for clip in load_dataset(folder):
            key = f"{folder.name}__{clip.name.replace('/', '_')}"
            transcript = _cached_transcript(cache, key, clip)
            audio = load_audio(clip.audio)
            feats, cpu = _cached_frames(cache, key, audio.samples)
            cands = candidates(feats, transcript.words)
            spans, timed = hesitation_spans(clip)
            text_fillers = detect_fillers(transcript, AnalysisOptions())
            items.append(
                Item(
                    source=source,
                    name=f"{folder.name}/{clip.name}",
                    clip=clip,
                    transcript=transcript,
                    feats=feats,
                    seconds=audio.seconds,
                    cands=cands,
                    labels=label(
                        cands,
                        spans,
                        [False] * len(spans)
                        if every_hesitation
                        else found_by_transcript(spans, text_fillers),
                    ),
                    trainable=timed,
                    feature_cpu_s=cpu,
                    text_fillers=text_fillers,
                )
            )
    return items


def _real_weight(items: Sequence[Item]) -> float:
    """Real candidates count as much, in all, as synthetic ones (synthetic is a supplement)."""
    real = sum(len(i.cands) for i in items if i.source == "real")
    synthetic = sum(len(i.cands) for i in items if i.source == "synthetic")
    return max(1.0, synthetic / real) if real else 1.0


def events_at(cands: Sequence[Candidate], probs: np.ndarray, threshold: float) -> list[FillerEvent]:
    return [
        FillerEvent(type="um" if c.nasal else "uh", start=c.start, end=c.end, source="acoustic")
        for c, p in zip(cands, probs, strict=True)
        if p >= threshold
    ]


def hesitation_counts(item: Item, events: list[FillerEvent]) -> FillerCounts:
    """The transcript's fillers merged with ``events``, hesitations scored (fast: no analysis)."""
    merged = merge_acoustic(item.text_fillers, events, item.transcript.words)
    truth = item.clip.truth
    return match_fillers(
        [f for f in truth.fillers or [] if f.type in HESITATIONS],
        [e for e in merged.events if e.type in HESITATIONS],
        EvalOptions().filler_tolerance_s,
        [f for f in truth.not_fillers if f.type in HESITATIONS],
    )


THRESHOLDS = (1.01, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6, 0.55, 0.5, 0.45, 0.4, 0.35, 0.3)


def choose_threshold(model: FilledPauseModel, items: Sequence[Item]) -> float:
    """The threshold that maximizes hesitation F1 on ``items``, real and synthetic averaged.

    Thresholds are tried from high to low and a lower one must do strictly better, so a
    model that adds nothing but false alarms ends at 1.01: it never fires.
    """
    probs = [model.probabilities(feature_matrix(i.cands)) for i in items]
    best, best_f1 = THRESHOLDS[0], -1.0
    for t in THRESHOLDS:
        per_source: dict[str, FillerCounts] = {}
        for i, p in zip(items, probs, strict=True):
            counts = hesitation_counts(i, events_at(i.cands, p, t))
            per_source[i.source] = per_source.get(i.source, FillerCounts()) + counts
        f1 = float(np.mean([c.f1 or 0.0 for c in per_source.values()]))
        if f1 > best_f1 + 1e-9:
            best, best_f1 = t, f1
    return best


def train(items: Sequence[Item], l2: float = L2) -> FilledPauseModel:
    """Fit the model on ``items`` (trainable clips only), then choose its threshold on them."""
    used = [i for i in items if i.trainable and i.cands]
    x = np.vstack([feature_matrix(i.cands) for i in used])
    y = np.concatenate([i.labels for i in used])
    rw = _real_weight(used)
    w = np.concatenate([np.full(len(i.cands), rw if i.source == "real" else 1.0) for i in used])
    keep = ~np.isnan(y)
    x, y, w = x[keep], y[keep], w[keep]
    mean, scale, weights, bias = fit_logistic(x, y, l2=l2, sample_weight=w)
    model = FilledPauseModel(
        features=list(FEATURES),
        mean=mean.tolist(),
        scale=scale.tolist(),
        weights=weights.tolist(),
        bias=bias,
        threshold=0.5,
        trained_on=[i.name for i in used],
    )
    return model.model_copy(update={"threshold": choose_threshold(model, items)})


@dataclass
class Score:
    all: FillerCounts
    hesitations: FillerCounts
    cpu_s: float = 0.0


def score(item: Item, events: list[FillerEvent] | None, cpu_s: float = 0.0) -> Score:
    analysis = analyze(item.transcript, None, None, acoustic_fillers=events)
    result = score_clip(item.clip, item.transcript, analysis, EvalOptions())
    truth = item.clip.truth
    hes_ref = [f for f in truth.fillers or [] if f.type in HESITATIONS]
    hes_pred = [e for e in analysis.fillers.events if e.type in HESITATIONS]
    ignore: list[TruthFiller] = [f for f in truth.not_fillers if f.type in HESITATIONS]
    return Score(
        all=result.filler_counts or FillerCounts(),
        hesitations=match_fillers(hes_ref, hes_pred, EvalOptions().filler_tolerance_s, ignore),
        cpu_s=cpu_s,
    )


Pipeline = Callable[[Item], Score]


def transcript_only(item: Item) -> Score:
    return score(item, None)


def rule_detector(item: Item) -> Score:
    c0 = time.process_time()
    events = events_from_frames(item.feats, item.transcript)
    return score(item, events, item.feature_cpu_s + time.process_time() - c0)


def learned(models: dict[str, FilledPauseModel]) -> Pipeline:
    def run(item: Item) -> Score:
        c0 = time.process_time()
        events = decide(candidates(item.feats, item.transcript.words), models[item.name])
        return score(item, events, item.feature_cpu_s + time.process_time() - c0)

    return run


def leave_one_clip_out(items: Sequence[Item], l2: float) -> dict[str, FilledPauseModel]:
    return {i.name: train([j for j in items if j.name != i.name], l2) for i in items}


def leave_source_out(items: Sequence[Item], l2: float) -> dict[str, FilledPauseModel]:
    by_source = {s: train([j for j in items if j.source != s], l2) for s in ("real", "synthetic")}
    return {i.name: by_source[i.source] for i in items}


def _fmt(c: FillerCounts) -> str:
    def f(v: float | None) -> str:
        return "-" if v is None else f"{v:.2f}"

    return f"{f(c.precision)} / {f(c.recall)} / {f(c.f1)} ({c.tp}/{c.tp + c.fn} +{c.fp})"


def table(items: Sequence[Item], pipelines: dict[str, Pipeline]) -> str:
    scores = {name: [(i, p(i)) for i in items] for name, p in pipelines.items()}
    lines = [
        "| pipeline | speech | all fillers: P / R / F1 (found/said +false) "
        "| hesitations: P / R / F1 | detector CPU s per audio min |",
        "|---|---|---|---|---|",
    ]
    for name, rows in scores.items():
        for source in ("real", "synthetic"):
            mine = [(i, s) for i, s in rows if i.source == source]
            if not mine:
                continue
            total = sum((s.all for _, s in mine), FillerCounts())
            hes = sum((s.hesitations for _, s in mine), FillerCounts())
            minutes = sum(i.seconds for i, _ in mine) / 60
            cpu = sum(s.cpu_s for _, s in mine) / minutes if minutes else 0.0
            cpu_text = f"{cpu:.2f}" if cpu else "-"
            lines.append(f"| {name} | {source} | {_fmt(total)} | {_fmt(hes)} | {cpu_text} |")
    return "\n".join(lines)


def per_clip(items: Sequence[Item], base: Pipeline, new: Pipeline) -> str:
    lines = []
    for i in items:
        a, b = base(i).all, new(i).all
        if (a.tp, a.fp, a.fn) != (b.tp, b.fp, b.fn):
            lines.append(
                f"  {i.name}: tp {a.tp}->{b.tp}, false {a.fp}->{b.fp}, missed {a.fn}->{b.fn}"
            )
    return "\n".join(lines) or "  (no clip changed)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, default=Path("../shared/data/speech"))
    parser.add_argument(
        "--synthetic",
        type=Path,
        action="append",
        help="Piper dev folders (default /work/dev23/spont and /work/dev23/fullfill)",
    )
    parser.add_argument("--cache", type=Path, default=Path("/tmp/acoustic_cache"))
    parser.add_argument(
        "--labels",
        choices=("missed", "all"),
        default="missed",
        help="positives: hesitations the transcript missed (default), or every hesitation "
        "(a detector of hesitations in general)",
    )
    parser.add_argument("--l2", type=float, default=L2, help="weight penalty (%(default)s)")
    parser.add_argument(
        "--write-model", action="store_true", help=f"refit on every clip, write {MODEL_PATH}"
    )
    args = parser.parse_args()
    if "speech-test" in str(args.real):
        parser.error("speech-test is for reporting with voiceloop eval, never for this study")
    synthetic = args.synthetic or [Path("/work/dev23/spont"), Path("/work/dev23/fullfill")]
    missing = [str(p) for p in [args.real, *synthetic] if not p.is_dir()]
    if missing:
        parser.error(
            f"no such folder: {', '.join(missing)} (see the docstring for how to make them)"
        )
    args.cache.mkdir(parents=True, exist_ok=True)
    sets = [("real", args.real)] + [("synthetic", s) for s in synthetic]
    items = load_items(sets, args.cache, every_hesitation=args.labels == "all")
    for source in ("real", "synthetic"):
        mine = [i for i in items if i.source == source]
        pos = sum(int((i.labels == 1).sum()) for i in mine)
        moot = sum(int(np.isnan(i.labels).sum()) for i in mine)
        n = sum(len(i.cands) for i in mine)
        minutes = sum(i.seconds for i in mine) / 60
        what = "a hesitation" if args.labels == "all" else "a hesitation the transcript missed"
        print(
            f"{source}: {len(mine)} clips, {minutes:.1f} min, {n} candidates: {pos} on "
            f"{what}, {moot} on one it has (not trained on)"
        )

    loco = leave_one_clip_out(items, args.l2)
    loso = leave_source_out(items, args.l2)
    pipelines: dict[str, Pipeline] = {
        "transcript only (0.5.0)": transcript_only,
        "+ rule detector": rule_detector,
        "+ learned, leave one clip out": learned(loco),
        "+ learned, leave the source out": learned(loso),
    }
    print()
    print(table(items, pipelines))
    print("\nclips the learned detector (leave one clip out) changed:")
    print(per_clip(items, transcript_only, learned(loco)))

    full = train(items, args.l2)
    print("\nweights of the model fitted on every development clip (standardized features):")
    for name, wt in sorted(zip(FEATURES, full.weights, strict=True), key=lambda t: -abs(t[1])):
        print(f"  {name:20s} {wt:+.2f}")
    print(f"  bias {full.bias:+.2f}, threshold {full.threshold}")
    if args.write_model:
        full = full.model_copy(
            update={
                "note": "benchmarks/acoustic_study.py --write-model: logistic regression, "
                f"labels {args.labels}, L2 {args.l2}, real candidates weighted to equal the "
                "synthetic ones in all, threshold maximizing hesitation F1 on the training "
                "clips (real and synthetic averaged)"
            }
        )
        MODEL_PATH.write_text(full.model_dump_json(indent=1) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_PATH}")


if __name__ == "__main__":
    main()
