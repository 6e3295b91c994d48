"""Transcription during recording (issue 7): its quality and the time it saves at stop.

Five measurements::

    python benchmarks/bench_incremental.py quality ../shared/data/speech ../shared/data/star
    python benchmarks/bench_incremental.py latency [--seconds 120] [--runs 1]
    python benchmarks/bench_incremental.py stops [--seconds 120] [--busy both]
    python benchmarks/bench_incremental.py edges ../shared/data/star/clips --join \
        ../shared/data/speech [--only NAME ...] [--set cut_gap_s=0.3]
    python benchmarks/bench_incremental.py tails --variant cut_gap_s=0.3 --variant

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

``edges`` (issue 23) transcribes each clip whole-file and incrementally (transcripts cached
under ~/.cache/voiceloop-bench/inc, keyed by the audio and every chunking setting), aligns
both with the reference word by word and places each error by its distance to the nearest
incremental cut: within ``EDGE_NEAR_S`` (and of those, in the first seconds of a chunk) or
further. It prints WER per set with a bootstrap interval over clips, filler F1 from the
transcript (no acoustic detector), and the CPU and wall seconds of the decode left at stop.
``--join`` joins a folder's clips into one answer (1 s between), for clips shorter than a
chunk. ``--set`` passes IncrementalTranscriber settings (``chunk_s``, ``force_cut_s``,
``cut_gap_s``).

``tails`` times that decode left at stop, settings against settings on one answer: the
stops answer cut at a pause at several moments, each fed offline, the variants alternating.
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
from typing import IO, Any

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


# --- edges: where the incremental transcript's words go wrong (issue 23) ------------------

EDGE_NEAR_S = 1.5  # an error this close to a chunk cut counts as at the edge
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "voiceloop-bench" / "inc"


@dataclass
class Sample:
    """One clip (or several joined) with what the edge study needs from its sidecar."""

    name: str
    samples: np.ndarray
    reference: str | None
    fillers: list[Any]  # TruthFiller, times shifted with the audio
    not_fillers: list[Any]
    key: str  # identifies the audio in the transcript cache


def load_samples(folder: Path, join_gap_s: float | None, only: list[str]) -> list[Sample]:
    """The clips of ``folder`` (those named in ``only``, when given); with ``join_gap_s``,
    all of them joined into one, ``join_gap_s`` of silence between (short clips are each
    shorter than a chunk: only joined do they meet chunk edges)."""
    from voiceloop.audio import load_audio
    from voiceloop.evaluation.sidecars import load_dataset

    clips = [c for c in load_dataset(folder) if not only or c.name in only]
    if not clips:
        raise SystemExit(f"{folder}: no clips")
    out: list[Sample] = []
    for clip in clips:
        stat = clip.audio.stat()
        t = clip.truth
        out.append(
            Sample(
                clip.name,
                load_audio(clip.audio).samples,
                t.reference,
                list(t.fillers or []),
                list(t.not_fillers),
                f"{clip.audio.resolve()}:{stat.st_size}:{stat.st_mtime_ns}",
            )
        )
    if join_gap_s is None:
        return out
    gap = np.zeros(int(join_gap_s * 16_000), dtype=np.float32)
    parts: list[np.ndarray] = []
    refs: list[str] = []
    fillers: list[Any] = []
    not_fillers: list[Any] = []
    offset = 0.0

    def shifted(items: list[Any]) -> list[Any]:
        return [
            f.model_copy(
                update={
                    "start": None if f.start is None else f.start + offset,
                    "end": None if f.end is None else f.end + offset,
                }
            )
            for f in items
        ]

    for clip_sample in out:
        parts += [clip_sample.samples, gap]
        refs.append(clip_sample.reference or "")
        fillers += shifted(clip_sample.fillers)
        not_fillers += shifted(clip_sample.not_fillers)
        offset += (len(clip_sample.samples) + len(gap)) / 16_000
    key = "+".join(c.key for c in out) + f":gap{join_gap_s}"
    return [
        Sample(
            f"{folder.name} joined ({len(out)})",
            np.concatenate(parts),
            " ".join(refs),
            fillers,
            not_fillers,
            key,
        )
    ]


def _cached(kind: str, sample: Sample, model: str, make: Any) -> dict[str, Any]:
    """``make()`` (a dict with a ``transcript``) cached on disk under the audio and ``kind``."""
    import hashlib
    import json

    digest = hashlib.sha256(f"{sample.key}|{model}|{kind}".encode()).hexdigest()[:24]
    path = CACHE / f"{digest}.json"
    if path.exists():
        cached: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return cached
    made: dict[str, Any] = make()
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(made), encoding="utf-8")
    tmp.replace(path)
    return made


def align(ref: list[str], hyp: list[str]) -> list[tuple[str, int, int]]:
    """Levenshtein alignment as ``(op, ref index, hyp index)``: op "=", "S", "D" (index into
    hyp: the next hyp word) or "I" (index into ref: the next ref word)."""
    rows, cols = len(ref), len(hyp)
    cost = np.zeros((rows + 1, cols + 1), dtype=np.int32)
    cost[:, 0] = np.arange(rows + 1)
    cost[0, :] = np.arange(cols + 1)
    for i in range(1, rows + 1):
        for j in range(1, cols + 1):
            cost[i, j] = min(
                cost[i - 1, j - 1] + (ref[i - 1] != hyp[j - 1]),
                cost[i - 1, j] + 1,
                cost[i, j - 1] + 1,
            )
    ops: list[tuple[str, int, int]] = []
    i, j = rows, cols
    while i or j:
        if i and j and cost[i, j] == cost[i - 1, j - 1] + (ref[i - 1] != hyp[j - 1]):
            ops.append(("=" if ref[i - 1] == hyp[j - 1] else "S", i - 1, j - 1))
            i, j = i - 1, j - 1
        elif i and cost[i, j] == cost[i - 1, j] + 1:
            ops.append(("D", i - 1, j))
            i -= 1
        else:
            ops.append(("I", i, j - 1))
            j -= 1
    return ops[::-1]


def timed_tokens(words: list[dict[str, Any]]) -> tuple[list[str], list[float], list[float]]:
    """Normalized tokens of transcript words (as WER counts them), each with its word's
    middle time and probability."""
    from voiceloop.evaluation.wer import normalize_words

    tokens: list[str] = []
    times: list[float] = []
    probs: list[float] = []
    for w in words:
        for tok in normalize_words(w["text"]):
            tokens.append(tok)
            times.append((w["start"] + w["end"]) / 2)
            probs.append(w.get("probability", 1.0))
    return tokens, times, probs


@dataclass
class EdgeErrors:
    """Word errors against the reference, split by distance to the incremental cuts."""

    near: dict[str, int]
    after: int  # of the near errors, those in the first EDGE_NEAR_S of a chunk
    far: dict[str, int]
    near_words: int  # reference words placed within EDGE_NEAR_S of a cut
    far_words: int
    examples: list[str]


def edge_errors(ref: list[str], words: list[dict[str, Any]], cuts: list[float]) -> EdgeErrors:
    tokens, times, _ = timed_tokens(words)
    ops = align(ref, tokens)
    near = {"S": 0, "D": 0, "I": 0}
    far = {"S": 0, "D": 0, "I": 0}
    near_words = far_words = after = 0
    examples: list[str] = []
    cut_arr = np.array(cuts) if cuts else np.array([-1e9])
    last_t = 0.0
    for k, (op, i, j) in enumerate(ops):
        if op == "D":  # placed where the next heard word is (or the last one)
            nxt = next((times[jj] for o, _, jj in ops[k:] if o != "D"), None)
            t = (last_t + nxt) / 2 if nxt is not None else last_t
        else:
            t = times[j]
            last_t = t
        signed = t - cut_arr
        nearest = float(signed[np.argmin(np.abs(signed))])
        dist = abs(nearest)
        close = dist <= EDGE_NEAR_S
        if op != "I":
            near_words += close
            far_words += not close
        if op == "=":
            continue
        (near if close else far)[op] += 1
        after += close and nearest >= 0
        if close and len(examples) < 400:
            what = {"S": f"{ref[i]}->{tokens[j]}", "D": f"-{ref[i]}", "I": f"+{tokens[j]}"}[op]
            examples.append(f"{t:7.1f}s d={dist:.1f} {what}")
    return EdgeErrors(near, after, far, near_words, far_words, examples)


def difference_interval(
    clips: list[tuple[int, int, int]], rounds: int = 4000
) -> tuple[float, float]:
    """A 95% bootstrap interval of WER(incremental) - WER(whole-file) over clips resampled
    with replacement; ``clips``: (reference words, whole-file errors, incremental errors).
    Words within a clip are not independent (one misheard stretch costs several), so the
    clip is the unit."""
    data = np.array(clips, dtype=np.float64)
    rng = np.random.default_rng(23)
    picks = rng.integers(0, len(data), size=(rounds, len(data)))
    n = data[picks, 0].sum(axis=1)
    diff = (data[picks, 2].sum(axis=1) - data[picks, 1].sum(axis=1)) / np.maximum(n, 1)
    low, high = np.percentile(diff, [2.5, 97.5])
    return float(low), float(high)


def _parse_settings(items: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items:
        key, _, value = item.partition("=")
        out[key.replace("-", "_")] = float(value)
    return out


def run_incremental(
    samples: np.ndarray, options: Any, settings: dict[str, float]
) -> dict[str, Any]:
    """The incremental transcript of ``samples`` (fed as live, faster than real time), its
    chunks, and the CPU seconds of the decode left at stop."""
    from voiceloop.transcribe.incremental import IncrementalTranscriber

    kw: dict[str, Any] = dict(settings)
    worker = IncrementalTranscriber(options, **kw)
    block = 1600
    for start in range(0, len(samples), block):
        worker.feed(samples[start : start + block], 16_000)
    worker.wait_caught_up()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    result = worker.finish(len(samples) / 16_000)
    if result is None:
        raise SystemExit(f"incremental failed: {worker.error!r}")
    return {
        "transcript": result.model_dump(),
        "chunks": [[c.start, c.end, c.words, c.seconds] for c in worker.chunks],
        "stop_cpu_s": time.process_time() - cpu0,
        "stop_wall_s": time.perf_counter() - wall0,
    }


def _filler_counts(transcript: dict[str, Any], sample: Sample) -> Any:
    from voiceloop.analysis.combined import analyze
    from voiceloop.evaluation.fillers import FillerCounts, match_fillers
    from voiceloop.models import Transcript

    if not sample.fillers:
        return FillerCounts()
    analysis = analyze(Transcript.model_validate(transcript))
    return match_fillers(sample.fillers, analysis.fillers.events, ignore=sample.not_fillers)


def edges(
    folders: list[Path],
    joined: list[Path],
    only: list[str],
    model: str,
    settings: dict[str, float],
    show: int,
) -> None:
    """Whole-file and incremental transcripts against the reference, errors by distance to
    the incremental cuts, filler counts, and the decode left at stop."""
    from voiceloop.evaluation.fillers import FillerCounts
    from voiceloop.evaluation.wer import WordErrors, normalize_words, word_errors
    from voiceloop.models import Transcript
    from voiceloop.transcribe.decode import TranscribeOptions, transcribe

    options = TranscribeOptions(model=model)
    from voiceloop.transcribe import incremental as inc_mod

    # the cache key names every setting, defaults included, so a new default is a new run
    full = {
        "chunk_s": inc_mod.CHUNK_S,
        "force_cut_s": inc_mod.FORCE_CUT_S,
        "cut_gap_s": inc_mod.MIN_GAP_S,
        **settings,
    }
    variant = ",".join(f"{k}={v:g}" for k, v in sorted(full.items()))
    samples: list[tuple[str, Sample]] = []
    for folder in folders:
        samples += [(folder.name, s) for s in load_samples(folder, None, only)]
    for folder in joined:
        samples += [(folder.name, s) for s in load_samples(folder, 1.0, [])]
    print(f"variant: {variant}; model {model}; load average {os.getloadavg()[0]:.2f}")
    sets: dict[str, dict[str, Any]] = {}
    for set_name, sample in samples:
        whole = _cached(
            "whole",
            sample,
            model,
            lambda sample=sample: {"transcript": transcribe(sample.samples, options).model_dump()},
        )
        inc = _cached(
            f"inc:{variant}",
            sample,
            model,
            lambda sample=sample: run_incremental(sample.samples, options, settings),
        )
        cuts = [c[1] for c in inc["chunks"][:-1]]
        row = sets.setdefault(
            set_name,
            {
                "whole": WordErrors(),
                "inc": WordErrors(),
                "fw": FillerCounts(),
                "fi": FillerCounts(),
                "edge_w": None,
                "edge_i": None,
                "stop_cpu": [],
                "stop_wall": [],
                "chunks": 0,
                "clips": [],
            },
        )
        row["fw"] += _filler_counts(whole["transcript"], sample)
        row["fi"] += _filler_counts(inc["transcript"], sample)
        row["stop_cpu"].append(inc["stop_cpu_s"])
        row["stop_wall"].append(inc["stop_wall_s"])
        row["chunks"] += len(inc["chunks"])
        if sample.reference is None:
            continue
        ref = normalize_words(sample.reference)
        w_text = Transcript.model_validate(whole["transcript"]).text
        i_text = Transcript.model_validate(inc["transcript"]).text
        ew, ei = (
            word_errors(ref, normalize_words(w_text)),
            word_errors(ref, normalize_words(i_text)),
        )
        row["whole"] += ew
        row["inc"] += ei
        row["clips"].append((ew.n, ew.errors, ei.errors))
        edge_w = edge_errors(ref, whole["transcript"]["words"], cuts)
        edge_i = edge_errors(ref, inc["transcript"]["words"], cuts)
        for key, e in (("edge_w", edge_w), ("edge_i", edge_i)):
            if row[key] is None:
                row[key] = EdgeErrors(
                    dict(e.near), e.after, dict(e.far), e.near_words, e.far_words, []
                )
            else:
                acc = row[key]
                for op in "SDI":
                    acc.near[op] += e.near[op]
                    acc.far[op] += e.far[op]
                acc.after += e.after
                acc.near_words += e.near_words
                acc.far_words += e.far_words
        print(
            f"{set_name[:10]:10} {sample.name[:28]:28} {len(sample.samples) / 16000:6.0f}s "
            f"chunks {len(inc['chunks']):3d}  WER whole {ew.rate or 0:.3f} inc {ei.rate or 0:.3f}"
            f"  near-cut errors w/i {sum(edge_w.near.values()):3d}/{sum(edge_i.near.values()):3d}"
            f"  far {sum(edge_w.far.values()):3d}/{sum(edge_i.far.values()):3d}"
            f"  stop cpu {inc['stop_cpu_s']:.2f}s",
            flush=True,
        )
        if show:
            near_w = set(edge_w.examples)
            extra = [x for x in edge_i.examples if x not in near_w][:show]
            for line in extra:
                print(f"      inc only: {line}")
    print()
    print(
        f"{'set':12} {'words':>6} {'WER whole':>10} {'WER inc':>8} {'fill F1 w':>9} "
        f"{'fill F1 i':>9} {'near S/D/I w':>13} {'near S/D/I i':>13} {'far w':>6} {'far i':>6} "
        f"{'stop cpu max':>12}"
    )
    total_w, total_i = WordErrors(), WordErrors()
    all_clips: list[tuple[int, int, int]] = []
    for set_name, row in sets.items():
        total_w += row["whole"]
        total_i += row["inc"]
        ew_, ei_ = row["edge_w"], row["edge_i"]

        def sdi(e: EdgeErrors | None) -> str:
            return "/".join(str(e.near[o]) for o in "SDI") if e else "-"

        def f1(c: Any) -> str:
            return f"{c.f1:.3f}" if c.f1 is not None else "-"

        print(
            f"{set_name[:12]:12} {row['whole'].n:6d} {row['whole'].rate or 0:10.3f} "
            f"{row['inc'].rate or 0:8.3f} {f1(row['fw']):>9} {f1(row['fi']):>9} "
            f"{sdi(ew_):>13} {sdi(ei_):>13} {sum(ew_.far.values()) if ew_ else 0:6d} "
            f"{sum(ei_.far.values()) if ei_ else 0:6d} {max(row['stop_cpu']):12.2f}"
        )
        print(
            f"{'':12} fillers tp/fp/fn whole {row['fw'].tp}/{row['fw'].fp}/{row['fw'].fn}, "
            f"incremental {row['fi'].tp}/{row['fi'].fp}/{row['fi'].fn}; chunks {row['chunks']}; "
            f"ref words near cuts {ew_.near_words if ew_ else 0}; near-cut errors in the first "
            f"{EDGE_NEAR_S:g} s of a chunk: whole {ew_.after if ew_ else 0}, incremental "
            f"{ei_.after if ei_ else 0}; decode left at stop: "
            f"CPU mean {np.mean(row['stop_cpu']):.2f} s, max {max(row['stop_cpu']):.2f} s; "
            f"wall mean {np.mean(row['stop_wall']):.2f} s, max {max(row['stop_wall']):.2f} s"
        )
        if row["clips"]:
            lo, hi = difference_interval(row["clips"])
            gap = (row["inc"].rate or 0) - (row["whole"].rate or 0)
            print(
                f"{'':12} WER incremental - whole: {gap:+.4f}"
                f" (95% interval over clips {lo:+.4f} .. {hi:+.4f})"
            )
        all_clips += row["clips"]
    if total_w.n:
        print(
            f"all sets: {total_w.n} words, WER whole-file {total_w.rate:.4f}, "
            f"incremental {total_i.rate:.4f} ({total_i})"
        )
        lo, hi = difference_interval(all_clips)
        print(
            f"difference {(total_i.rate or 0) - (total_w.rate or 0):+.4f}, 95% interval over clips "
            f"{lo:+.4f} .. {hi:+.4f}"
        )


def tails(seconds: float, stops_n: int, model: str, variants: list[dict[str, float]]) -> None:
    """The decode left at stop, setting against setting on the same answer: the stops
    answer (espeak-ng, ending at a pause) cut at ``stops_n`` moments, each at a pause, fed
    offline through the incremental transcriber; CPU and wall seconds of ``finish()``,
    settings alternating so a change in the machine's load hits both alike."""
    from bench_practice import synthesize

    from voiceloop.transcribe.decode import TranscribeOptions, load_model

    options = TranscribeOptions(model=model)
    load_model(options)
    with tempfile.TemporaryDirectory(prefix="bench-tails-") as tmp:
        answer = synthesize(seconds, Path(tmp))
    ends = np.linspace(len(answer) * 0.5, len(answer), stops_n)
    rows: dict[str, list[tuple[float, float, float]]] = {}
    print(f"load average (1 min) at start {os.getloadavg()[0]:.2f}")
    for end in ends:
        clip = ending_in_a_pause(answer[: int(end)])
        for settings in variants:
            label = ",".join(f"{k}={v:g}" for k, v in settings.items()) or "defaults"
            got = run_incremental(clip, options, settings)
            tail = got["chunks"][-1][1] - got["chunks"][-1][0]
            rows.setdefault(label, []).append((tail, got["stop_cpu_s"], got["stop_wall_s"]))
            print(
                f"stop at {len(clip) / 16000:6.1f} s  {label:24} tail {tail:5.1f} s  "
                f"CPU {got['stop_cpu_s']:5.2f} s  wall {got['stop_wall_s']:5.2f} s  "
                f"(load {os.getloadavg()[0]:.2f})",
                flush=True,
            )
    print()
    for label, got_rows in rows.items():
        data = np.array(got_rows)
        print(
            f"{label:24} tail mean {data[:, 0].mean():5.1f} s max {data[:, 0].max():5.1f} s; "
            f"CPU mean {data[:, 1].mean():.2f} s max {data[:, 1].max():.2f} s; "
            f"wall mean {data[:, 2].mean():.2f} s max {data[:, 2].max():.2f} s"
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
    ed = sub.add_parser("edges", help="errors by distance to chunk cuts, whole vs incremental")
    ed.add_argument("folders", nargs="*", type=Path)
    ed.add_argument("--join", nargs="*", type=Path, default=[], help="folders joined into one")
    ed.add_argument("--only", nargs="*", default=[], help="clip names to keep")
    ed.add_argument("--model", default="embedded")
    ed.add_argument("--set", nargs="*", default=[], help="transcriber settings, e.g. cut_gap_s=0.3")
    ed.add_argument("--show", type=int, default=0, help="errors at cuts to print per clip")
    ta = sub.add_parser("tails", help="the decode left at stop, setting against setting")
    ta.add_argument("--seconds", type=float, default=120.0)
    ta.add_argument("--stops", type=int, default=5)
    ta.add_argument("--model", default="embedded")
    ta.add_argument(
        "--variant", action="append", nargs="*", default=[], help="settings of one variant"
    )
    args = parser.parse_args()
    if args.command == "quality":
        quality(args.folders, args.model, args.chunk_s)
    elif args.command == "tails":
        variants = [_parse_settings(v) for v in args.variant] or [{}]
        tails(args.seconds, args.stops, args.model, variants)
    elif args.command == "edges":
        edges(args.folders, args.join, args.only, args.model, _parse_settings(args.set), args.show)
    elif args.command == "stops":
        modes = {"no": [False], "yes": [True], "both": [False, True]}[args.busy]
        stops(args.seconds, args.model, modes, args.kinds)
    else:
        latency(args.seconds, args.runs, args.model)


if __name__ == "__main__":
    main()
