"""Time `voiceloop sessions` and `voiceloop progress` over 1,000 sessions; size the HTML report.

Usage::

    python benchmarks/bench_sessions.py [--count 1000] [--runs 5] [--keep DIR]

Builds ``--count`` fake but valid session folders (hand-made STAR transcripts in 24
variants, run through the real analyzers, written by ``store.write_session``; the audio is
0.1 s so the folder set stays small), then times each command as a user runs it (a new
process, median of ``--runs``): the first ``sessions`` (which builds the index from the
folders), later ``sessions`` (default page and ``--limit 0``), and ``progress``. Last, the
HTML report of a 3-minute answer with its recording embedded (real speech, the bundled
sample repeated to 3 minutes).

Targets: ``sessions`` and ``progress`` <= 0.5 s with 1,000 sessions; the report <= 3 MB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # sessionkit: the tests' session builder

from sessionkit import (  # noqa: E402
    ACTIONS,
    BASE,
    REFLECTION,
    RESULT_QUANTIFIED,
    SITUATION,
    TASK,
    answer_text,
    make_session,
    transcript_for,
)
from voiceloop.analysis.combined import analyze  # noqa: E402
from voiceloop.models import Analysis, Prompt, Transcript  # noqa: E402
from voiceloop.prompts import load_bank  # noqa: E402


def build(folder: Path, count: int) -> float:
    bank = load_bank()
    variants: list[tuple[Transcript, Analysis]] = []
    for k in range(24):
        text = answer_text(actions=1 + k % 6, fillers=(k * 5) % 11, quantified=k % 3 != 0)
        transcript = transcript_for(text, word_s=0.30 + 0.01 * (k % 12))
        variants.append((transcript, analyze(transcript)))
    start = time.perf_counter()
    for i in range(count):
        prompt: Prompt | None = bank[i % len(bank)] if i % 9 else None
        transcript, analysis = variants[(i * 7) % len(variants)]
        make_session(
            folder,
            prompt=prompt,
            created=BASE + timedelta(hours=7 * i),
            transcript=transcript,
            analysis=analysis,
        )
    return time.perf_counter() - start


def timed(folder: Path, *args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    env = {**os.environ, "VOICELOOP_RECORDINGS": str(folder)}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "voiceloop", *args], capture_output=True, text=True, env=env
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"voiceloop {' '.join(args)} failed: {done.stderr}")
    return elapsed, done


def median_time(folder: Path, runs: int, *args: str) -> tuple[float, float]:
    times = [timed(folder, *args)[0] for _ in range(runs)]
    return statistics.median(times), max(times)


def html_report(folder: Path) -> tuple[int, float, float]:
    import numpy as np
    import soundfile as sf

    data, _ = sf.read(str(ROOT / "src" / "voiceloop" / "samples" / "sample_answer.flac"))
    seconds = 180
    samples = np.tile(data, int(np.ceil(seconds * 16_000 / len(data))))[: seconds * 16_000]
    words = f"{SITUATION} {TASK} {' '.join(ACTIONS * 6)} {RESULT_QUANTIFIED} {REFLECTION}"
    text = " ".join(w if i % 40 else f"um, {w}" for i, w in enumerate(words.split()))
    word_s = (seconds - 30) / len(text.split()) - 0.04
    session = make_session(folder, text=text, word_s=word_s, samples=samples.astype("float32"))
    elapsed, done = timed(folder, "report", session.name, "--format", "html")
    report = Path(done.stdout.strip())
    spoken = transcript_for(text, word_s).words[-1].end
    return report.stat().st_size, elapsed, spoken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build the sessions here and keep them")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp) / "recordings"
        folder.mkdir(parents=True, exist_ok=True)
        built = build(folder, args.count)
        print(f"built {args.count} session folders in {built:.1f} s")

        cold, _ = timed(folder, "sessions")
        print(f"{'sessions (first run: builds the index)':46} {cold:6.3f} s")
        rows = [
            ("sessions", ("sessions",)),
            ("sessions --limit 0 (all rows)", ("sessions", "--limit", "0")),
            ("sessions --lp 'dive deep' --since 2026-03-01", ("sessions", "--lp", "dive deep",
                                                             "--since", "2026-03-01")),
            ("progress (last 20, writes the chart)", ("progress",)),
            (f"progress --last {args.count}", ("progress", "--last", str(args.count))),
            ("progress --lp ownership --no-chart", ("progress", "--lp", "ownership",
                                                    "--no-chart")),
            ("--help (for scale: interpreter + CLI start)", ("--help",)),
        ]  # fmt: skip
        worst = 0.0
        for label, argv in rows:
            med, top = median_time(folder, args.runs, *argv)
            if argv[0] in ("sessions", "progress"):
                worst = max(worst, med)
            print(f"{label:46} {med:6.3f} s median, {top:.3f} s max of {args.runs}")
        print(
            f"target <= 0.5 s: {'met' if worst <= 0.5 else 'NOT met'} (worst median {worst:.3f} s)"
        )

        size, elapsed, spoken = html_report(Path(tmp) / "html")
        verdict = "met" if size <= 3_000_000 else "NOT met"
        print(
            f"HTML report of a 3:00 recording ({spoken / 60:.1f} min spoken), audio embedded: "
            f"{size / 1e6:.2f} MB in {elapsed:.2f} s (target <= 3 MB: {verdict})"
        )


if __name__ == "__main__":
    main()
