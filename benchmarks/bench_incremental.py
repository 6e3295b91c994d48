"""Transcription during recording (issue 7): its quality and the time it saves at stop.

Three measurements::

    python benchmarks/bench_incremental.py quality ../shared/data/speech ../shared/data/star
    python benchmarks/bench_incremental.py latency [--seconds 120] [--runs 1]
    python benchmarks/bench_incremental.py stops [--seconds 120] [--busy both]

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

``stops`` times stop to verdict on every way an answer ends (issue 24), each with the
same answer (about two minutes, ending at a pause: a finished sentence and 0.3 s of
silence) fed in real time: `practice` stopped by Enter, by Ctrl-C (SIGINT) and by
--silence-stop, and one question of `round` stopped by Enter. The stop is the moment of
the key press or signal; for a silence stop, the moment the command reports the take
recorded (its first line after the recorder closed). The verdict is the first line on
stdout after the stop. Each is run on the machine as it is ("idle") and with one core
kept busy by a plain busy loop in another process ("busy"); the load average is printed
with each figure, because other programs on a shared machine change them. Target: at
most 2 s on every path, both ways.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

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


STOP_TARGET_S = 2.0
STOP_KINDS = ("enter", "ctrl-c", "silence", "round")
SILENCE_STOP_S = 2.0
ROUND_BANK = """
[[prompt]]
id = "bench-root-cause"
text = "Tell me about a time you found the root cause of a problem."
principles = ["Dive Deep"]
target_seconds = [120, 180]
"""


@dataclass
class Stop:
    """One timed stop: how the answer ended and what the machine was doing."""

    kind: str
    busy: bool
    wait_s: float  # stop -> first verdict line
    load: tuple[float, float]  # 1-minute load average before and after the run
    reason: str  # the command's own "Recorded ..." line
    headline: str


def _busy_loop() -> subprocess.Popen[bytes]:
    """A plain busy loop in another process: one core kept busy."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def time_stop(kind: str, pcm: bytes, folder: Path, model: str, busy: bool) -> Stop:
    """Feed ``pcm`` in real time into practice (or a one-question round) and stop it ``kind``."""
    from fakemic import FifoMic, alsa_env

    recordings = folder / "rec"
    mic = FifoMic(folder / "mic.fifo", pcm).start()
    env = {**os.environ, **alsa_env(folder / "alsa", mic.path)}
    env.pop("VOICELOOP_RECORDINGS", None)
    silence = SILENCE_STOP_S if kind == "silence" else 0.0
    common = ["--no-speak", "--countdown", "0", "--model", model, "--recordings", str(recordings)]
    common += ["--silence-stop", f"{silence:g}", "--max-seconds", "600"]
    if kind == "round":
        bank = folder / "bank"
        bank.mkdir()
        (bank / "bench.toml").write_text(ROUND_BANK, encoding="utf-8")
        env["VOICELOOP_PROMPTS_DIR"] = str(bank)
        cmd = [sys.executable, "-m", "voiceloop", "round", "-n", "1", *common]
    else:
        from bench_practice import PROMPT

        cmd = [sys.executable, "-m", "voiceloop", "practice", PROMPT, *common]
    loop = _busy_loop() if busy else None
    load_before = os.getloadavg()[0]
    proc = subprocess.Popen(
        cmd,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    assert proc.stdin is not None
    out: list[tuple[float, str]] = []
    err: list[tuple[float, str]] = []

    def read(stream: IO[str], into: list[tuple[float, str]]) -> None:
        for line in stream:
            into.append((time.perf_counter(), line.rstrip("\n")))

    readers = [
        threading.Thread(target=read, args=(proc.stdout, out), daemon=True),
        threading.Thread(target=read, args=(proc.stderr, err), daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        if not mic.wait_fed(timeout=len(pcm) / 32_000 + 60):
            raise SystemExit("the recorder never read the whole answer")
        before = len(out)
        stopped = time.perf_counter()
        if kind == "ctrl-c":
            proc.send_signal(signal.SIGINT)
        elif kind in ("enter", "round"):
            proc.stdin.write("\n")
            proc.stdin.flush()
        if kind != "silence":
            proc.stdin.close()
        deadline = time.monotonic() + 300
        while not [t for t, text in out[before:] if text.strip()]:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(
                    f"{kind}: no verdict ({proc.returncode}):\n"
                    + "\n".join(text for _, text in err)
                )
            time.sleep(0.01)
        shown_at, headline = next((t, text) for t, text in out[before:] if text.strip())
        if kind == "silence":
            proc.stdin.close()
        proc.wait(timeout=120)
        for reader in readers:
            reader.join(timeout=10)
    finally:
        mic.stop()
        if proc.poll() is None:
            proc.kill()
        if loop is not None:
            loop.kill()
            loop.wait()
    recorded = [(t, text) for t, text in err if text.startswith("Recorded ")]
    if not recorded:
        raise SystemExit(f"{kind}: the take was not reported:\n" + "\n".join(t for _, t in err))
    if kind == "silence":
        stopped = recorded[0][0]
    return Stop(
        kind,
        busy,
        shown_at - stopped,
        (load_before, os.getloadavg()[0]),
        recorded[0][1],
        headline.strip(),
    )


def ending_in_a_pause(samples: np.ndarray, keep_s: float = 0.3, min_s: float = 0.3) -> np.ndarray:
    """``samples`` (16 kHz) cut ``keep_s`` into their last pause of ``min_s`` or more: an
    answer whose speaker finished a sentence, not one cut off in the middle of a word."""
    frame = 320  # 20 ms
    n = len(samples) // frame
    quiet = np.sqrt(np.mean(samples[: n * frame].reshape(n, frame) ** 2, axis=1)) < 1e-3
    run = 0
    for i in range(n - 1, -1, -1):
        run = run + 1 if quiet[i] else 0
        if run * frame >= min_s * 16_000 and (i == 0 or not quiet[i - 1]):
            return samples[: i * frame + int(keep_s * 16_000)]
    return samples


def stops(seconds: float, model: str, busy_modes: list[bool], kinds: list[str]) -> None:
    from bench_practice import synthesize

    from fakemic import to_pcm16

    print(
        f"{os.cpu_count()} cores; load average (1 min) at start {os.getloadavg()[0]:.2f}; "
        "other programs on a shared machine raise these figures"
    )
    results: list[Stop] = []
    with tempfile.TemporaryDirectory(prefix="bench-stops-") as tmp:
        folder = Path(tmp)
        pcm = to_pcm16(ending_in_a_pause(synthesize(seconds, folder)))
        print(
            f"answer: {len(pcm) / 32_000:.1f} s of espeak-ng speech ending at a pause, "
            "fed at real time"
        )
        for busy in busy_modes:
            for kind in kinds:
                run_dir = folder / f"{kind}-{'busy' if busy else 'idle'}"
                run_dir.mkdir()
                stop = time_stop(kind, pcm, run_dir, model, busy)
                results.append(stop)
                print(
                    f"{kind:8} {'busy' if busy else 'idle':5} stop -> verdict {stop.wait_s:6.2f} s"
                    f"  (x{stop.wait_s / STOP_TARGET_S:.2f} of {STOP_TARGET_S:g} s; load "
                    f"{stop.load[0]:.2f} -> {stop.load[1]:.2f}; {stop.reason})",
                    flush=True,
                )
    print()
    print(f"{'stop':8} {'machine':8} {'seconds':>8} {'/ target':>9} {'load avg':>10}")
    for stop in results:
        print(
            f"{stop.kind:8} {'busy' if stop.busy else 'idle':8} {stop.wait_s:8.2f} "
            f"{stop.wait_s / STOP_TARGET_S:9.2f} {stop.load[0]:5.2f}-{stop.load[1]:.2f}"
        )
    worst = max(results, key=lambda s: s.wait_s)
    verdict = "OK" if worst.wait_s <= STOP_TARGET_S else "OVER"
    print(
        f"worst: {worst.kind} ({'busy' if worst.busy else 'idle'}) {worst.wait_s:.2f} s for a "
        f"{seconds:.0f} s answer, model {model}: target <= {STOP_TARGET_S:g} s on every path: "
        f"{verdict}"
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
    st = sub.add_parser("stops", help="stop -> verdict on every path, idle and one core busy")
    st.add_argument("--seconds", type=float, default=120.0)
    st.add_argument("--model", default="embedded")
    st.add_argument("--busy", choices=("no", "yes", "both"), default="both")
    st.add_argument("--kinds", nargs="+", choices=STOP_KINDS, default=list(STOP_KINDS))
    args = parser.parse_args()
    if args.command == "quality":
        quality(args.folders, args.model, args.chunk_s)
    elif args.command == "stops":
        modes = {"no": [False], "yes": [True], "both": [False, True]}[args.busy]
        stops(args.seconds, args.model, modes, args.kinds)
    else:
        latency(args.seconds, args.runs, args.model)


if __name__ == "__main__":
    main()
