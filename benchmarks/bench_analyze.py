"""Speed and memory of `voiceloop analyze` on a 2-minute answer (issue 3 targets).

Prints: transcription real-time factor, analysis time for a 3-minute answer (model
excluded), peak memory of a whole `voiceloop analyze` run and of answer after answer in one
process (as `voiceloop serve`, a round and `voiceloop eval` keep the model loaded), and
`voiceloop --help` start-up.
Each line shows the figure, the target and the ratio figure/target (<= 1.0 meets it).

    python benchmarks/bench_analyze.py [--model embedded] [--device cpu]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from voiceloop.analysis.combined import analyze
from voiceloop.analysis.encoder import forget
from voiceloop.analysis.star import segment_star
from voiceloop.audio import SAMPLE_RATE, load_audio
from voiceloop.cli.app import SAMPLE_ANSWER
from voiceloop.options import AnalysisOptions
from voiceloop.transcribe.decode import TranscribeOptions, load_model, transcribe


def answer_of(seconds: float) -> np.ndarray:
    """The bundled sample answer repeated (with a 1 s breath between) to ``seconds``."""
    sample = load_audio(SAMPLE_ANSWER).samples
    gap = np.zeros(SAMPLE_RATE, dtype=np.float32)
    parts: list[np.ndarray] = []
    while sum(len(p) for p in parts) < seconds * SAMPLE_RATE:
        parts += [sample, gap]
    return np.concatenate(parts)[: int(seconds * SAMPLE_RATE)]


def line(name: str, value: float, unit: str, target: float) -> None:
    print(f"{name:<44} {value:9.3f} {unit:<4} target <= {target:<6g} ratio {value / target:5.2f}")


def help_startup(runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(["voiceloop", "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_memory_mb(wav: Path, model: str, device: str) -> float:
    """Peak resident memory of a whole `voiceloop analyze` process (ru_maxrss of the child)."""
    with tempfile.TemporaryDirectory() as rec:
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        subprocess.run(
            [sys.executable, "-m", "voiceloop", "analyze", str(wav), "--model", model,
             "--device", device, "--recordings", rec],
            capture_output=True, check=True,
        )  # fmt: skip
        after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(after, before) / 1024.0


ANSWERS_IN_ONE_PROCESS = (120.0, 100.0, 135.0, 120.0)


def answers_in_one_process(model: str, device: str) -> list[float]:
    """Each answer's peak resident memory when one process transcribes and analyzes
    ``ANSWERS_IN_ONE_PROCESS`` one after another (a child process, so this one's arrays do
    not count; Linux: the peak mark is reset between answers)."""
    out = subprocess.run(
        [sys.executable, __file__, "--model", model, "--device", device, "--answers-child"],
        capture_output=True, check=True, text=True,
    )  # fmt: skip
    return [float(x) for x in out.stdout.split()]


def _answers_child(options: TranscribeOptions) -> None:
    from voiceloop.evaluation.memory import peak_rss_mb, reset_peak_rss

    load_model(options)
    for seconds in ANSWERS_IN_ONE_PROCESS:
        samples = answer_of(seconds)
        forget()  # the same sample's sentences: encoded again, as a new answer's would be
        reset_peak_rss()
        analyze(transcribe(samples, options))
        print(f"{peak_rss_mb():.1f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="embedded")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--answers-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    compute = "int8" if args.device == "cpu" else "int8_float16"
    options = TranscribeOptions(model=args.model, device=args.device, compute_type=compute)
    if args.answers_child:
        _answers_child(options)
        return
    print(f"voiceloop benchmark: model {args.model}, device {args.device}, cores {os.cpu_count()}")

    start = time.perf_counter()
    load_model(options)
    print(f"{'model load':<44} {time.perf_counter() - start:9.3f} s")

    two_min = answer_of(120.0)
    start = time.perf_counter()
    transcript = transcribe(two_min, options)
    took = time.perf_counter() - start
    print(
        f"{'transcription of a 2:00 answer':<44} {took:9.3f} s    ({len(transcript.words)} words)"
    )
    line("transcription real-time factor", took / 120.0, "", 0.06)

    three_min = transcribe(answer_of(180.0), options)
    start = time.perf_counter()
    analyze(three_min)
    first = time.perf_counter() - start
    runs = []
    for _ in range(5):
        forget()
        start = time.perf_counter()
        analyze(three_min)
        runs.append(time.perf_counter() - start)
    print(f"{'analysis of a 3:00 answer, first call':<44} {first:9.3f} s")
    line("analysis of a 3:00 answer (median of 5)", statistics.median(runs), "s", 0.3)
    star_runs = []
    for _ in range(5):
        forget()  # every sentence encoded again, as for a new answer
        start = time.perf_counter()
        segment_star(three_min, AnalysisOptions())
        star_runs.append(time.perf_counter() - start)
    line("STAR labelling of a 3:00 answer (median of 5)", statistics.median(star_runs), "s", 0.3)

    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "two_minutes.wav"
        sf.write(str(wav), two_min, SAMPLE_RATE, subtype="PCM_16")
        line("peak memory, whole `voiceloop analyze` run", peak_memory_mb(wav, args.model,
             args.device), "MB", 500)  # fmt: skip
    peaks = answers_in_one_process(args.model, args.device)
    print(f"{'  each answer of ' + str(len(peaks)) + ' in one process':<44} "
          + ", ".join(f"{p:.0f}" for p in peaks) + " MB")  # fmt: skip
    line("peak memory, answer after answer (highest)", max(peaks), "MB", 500)
    line("`voiceloop --help` start-up (median of 7)", help_startup(), "s", 0.3)


if __name__ == "__main__":
    main()
