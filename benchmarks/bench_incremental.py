"""Transcription during recording (issue 7): its quality and the time it saves at stop.

Two measurements::

    python benchmarks/bench_incremental.py quality ../shared/data/speech ../shared/data/star
    python benchmarks/bench_incremental.py latency [--seconds 120] [--runs 1]

``quality`` feeds each clip of a dataset folder (audio with a JSON sidecar) through the
incremental path offline, block by block and faster than real time (the chunks are cut
exactly as they would be live), and compares the result with a whole-file pass: word
error rate of incremental against whole-file output (and each against the reference),
and the differences in words per minute and filler count.

``latency`` plays a spoken answer (espeak-ng, about two minutes) through the capture path
in real time (a FIFO behind ALSA's file plugin, see tests/fakemic.py) into
`voiceloop practice`, presses Enter once it has been fed, and prints the time from Enter
to the verdict with and without `--no-incremental`, side by side. Target: about 2 s with
incremental transcription on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from voiceloop.models import Word
from voiceloop.transcribe.incremental import CHUNK_S

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))


def _wpm(words: list[Word]) -> float:
    from voiceloop.analysis.pacing import spoken_words

    spoken = spoken_words(words)
    span = spoken[-1].end - spoken[0].start if spoken else 0.0
    return len(spoken) / span * 60.0 if span > 0 else 0.0


def quality(folders: list[Path], model: str, chunk_s: float) -> None:
    from voiceloop.analysis.fillers import detect_fillers
    from voiceloop.audio import load_audio
    from voiceloop.evaluation.sidecars import load_dataset
    from voiceloop.evaluation.wer import WordErrors, normalize_words, word_errors
    from voiceloop.options import AnalysisOptions
    from voiceloop.transcribe.decode import TranscribeOptions, transcribe
    from voiceloop.transcribe.incremental import transcribe_incrementally

    options = TranscribeOptions(model=model)
    analysis = AnalysisOptions()
    inc_vs_whole = WordErrors()
    whole_vs_ref = WordErrors()
    inc_vs_ref = WordErrors()
    wpm_diffs: list[float] = []
    filler_diffs: list[int] = []
    fillers_whole = fillers_inc = 0
    chunks = 0
    print(f"{'clip':32} {'sec':>5} {'chunks':>6} {'WER i/w':>8} {'wpm w':>6} {'wpm i':>6} "
          f"{'fill w':>6} {'fill i':>6}")  # fmt: skip
    for folder in folders:
        for clip in load_dataset(folder):
            samples = load_audio(clip.audio).samples
            whole = transcribe(samples, options)
            inc = transcribe_incrementally(samples, options, chunk_s=chunk_s)
            if inc is None:
                print(f"{clip.name}: incremental failed")
                continue
            n_chunks = int(inc.decoding.rsplit("(", 1)[1].split()[0])
            chunks += n_chunks
            w_words = normalize_words(whole.text, keep_hesitations=True)
            i_words = normalize_words(inc.text, keep_hesitations=True)
            errs = word_errors(w_words, i_words)
            inc_vs_whole += errs
            if clip.truth.reference:
                ref = normalize_words(clip.truth.reference)
                whole_vs_ref += word_errors(ref, normalize_words(whole.text))
                inc_vs_ref += word_errors(ref, normalize_words(inc.text))
            wpm_w, wpm_i = _wpm(whole.words), _wpm(inc.words)
            f_w = detect_fillers(whole, analysis).count
            f_i = detect_fillers(inc, analysis).count
            fillers_whole += f_w
            fillers_inc += f_i
            wpm_diffs.append(wpm_i - wpm_w)
            filler_diffs.append(f_i - f_w)
            rate = f"{errs.rate:.3f}" if errs.rate is not None else "-"
            print(
                f"{clip.name[:32]:32} {len(samples) / 16000:5.0f} {n_chunks:6d} {rate:>8} "
                f"{wpm_w:6.1f} {wpm_i:6.1f} {f_w:6d} {f_i:6d}"
            )
    print()
    print(f"clips: {len(wpm_diffs)}, incremental chunks in all: {chunks}")
    print(f"WER incremental vs whole-file output: {inc_vs_whole.rate:.4f} ({inc_vs_whole})")
    if whole_vs_ref.n:
        print(
            f"WER against the reference: whole-file {whole_vs_ref.rate:.4f}, "
            f"incremental {inc_vs_ref.rate:.4f}"
        )
    diffs = np.abs(np.array(wpm_diffs))
    print(
        f"words per minute, incremental - whole: mean |diff| {diffs.mean():.2f}, "
        f"max |diff| {diffs.max():.2f}"
    )
    print(
        f"fillers: whole-file {fillers_whole}, incremental {fillers_inc}; clips that differ: "
        f"{sum(1 for d in filler_diffs if d)}; max |diff| per clip "
        f"{max(abs(d) for d in filler_diffs)}"
    )


def latency(seconds: float, runs: int, model: str) -> None:
    from bench_practice import run_once, synthesize

    from fakemic import to_pcm16

    with tempfile.TemporaryDirectory(prefix="bench-incremental-") as tmp:
        folder = Path(tmp)
        pcm = to_pcm16(synthesize(seconds, folder))
        print(f"answer: {len(pcm) / 32_000:.1f} s of espeak-ng speech, fed at real time")
        rows: dict[str, list[float]] = {"incremental": [], "whole-file": []}
        for run in range(runs):
            for label, extra in (("incremental", []), ("whole-file", ["--no-incremental"])):
                run_dir = folder / f"{label}-{run}"
                run_dir.mkdir()
                started = time.perf_counter()
                _, wait, headline = run_once(pcm, run_dir, model, extra)
                rows[label].append(wait)
                print(
                    f"run {run + 1} {label:11}: Enter -> verdict {wait:.2f} s "
                    f"(run {time.perf_counter() - started:.0f} s; {headline[:50]})"
                )
        inc, whole = np.median(rows["incremental"]), np.median(rows["whole-file"])
        print()
        print(f"{'':12} {'incremental':>12} {'whole-file':>12}")
        print(f"{'median':12} {inc:11.2f}s {whole:11.2f}s")
        print(f"{'worst':12} {max(rows['incremental']):11.2f}s {max(rows['whole-file']):11.2f}s")
        target = "OK" if inc <= 2.0 else "OVER"
        print(
            f"stop-to-verdict for a {seconds:.0f} s answer, model {model}, "
            f"{os.cpu_count()} cores: incremental target ~2 s: {target}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    q = sub.add_parser("quality", help="incremental vs whole-file on dataset folders")
    q.add_argument("folders", nargs="+", type=Path)
    q.add_argument("--model", default="embedded")
    q.add_argument("--chunk-s", type=float, default=CHUNK_S, help="pending audio before a cut")
    lat = sub.add_parser("latency", help="Enter -> verdict with and without incremental")
    lat.add_argument("--seconds", type=float, default=120.0)
    lat.add_argument("--runs", type=int, default=1)
    lat.add_argument("--model", default="embedded")
    args = parser.parse_args()
    if args.command == "quality":
        quality(args.folders, args.model, args.chunk_s)
    else:
        latency(args.seconds, args.runs, args.model)


if __name__ == "__main__":
    main()
