"""Which Whisper model should be the default: accuracy and cost, model by model (issue 23).

Usage (from the repository root)::

    python benchmarks/model_study.py accuracy [--model tiny.en=embedded --model base=base]
    python benchmarks/model_study.py cost [--clip ANSWER.wav]
    python benchmarks/model_study.py keepup [--seconds 120] [--busy]
    python benchmarks/model_study.py tail [--runs 5] [--busy] [--cpu-threads N]
    python benchmarks/model_study.py memory [--clips FOLDER] [--variant plain ...]
    python benchmarks/model_study.py eval-with [--trim] [--best-of N] DATASET [eval's options]

Every model is run with voiceloop's own recipe (``TranscribeOptions()``: pieces of <= 28 s cut
at pauses, the hesitant-speaker prompt, beam 5, int8, language "en"); only the model differs.
A model is ``LABEL=SPEC``, SPEC being anything ``--model`` takes (``embedded``, ``base``, a
folder).

``accuracy`` transcribes every clip of the development sets (``voiceloop eval``'s sidecar
format) once per model, freshly loaded so a clip's words do not depend on the clips before
it, and scores it as ``voiceloop eval`` does: WER, filler precision/recall/F1, and the
hesitations (um, uh, er, hmm) kept. It also prints the process CPU seconds per second of
audio (``time.process_time``: every thread of the process, so other programs on a shared
machine change it less than wall time) and the wall real-time factor with the load average.
Transcripts are cached under ``--cache``, so a model is decoded once per clip.
The default sets are the development sets the choice is made on; ``speech-test`` is for
reporting the choice once, with ``voiceloop eval``, never for choosing.

``cost`` runs, in a fresh process per model: model load time (wall and CPU), the resident
memory once loaded, and the peak resident memory (``ru_maxrss``) of transcribing one answer
of about two minutes, with its CPU seconds per audio second.

``keepup`` feeds a spoken answer of ``--seconds`` to the incremental transcriber in real time
(0.1 s blocks, as the recorder does), optionally with one core kept busy by another process,
and prints for each chunk how long after its audio arrived its words were committed (the
lag: it grows chunk after chunk when the model does not keep up) and, at stop, how long the
tail took (``finish``).

``memory`` says where a model's peak resident memory comes from, each run in a fresh
process, the kernel's peak mark (``VmHWM``) reset before each step: importing, loading the
model, and one 28 s piece through the features, the encoder and the beam search (beam 1 and
5; "over" is above the memory resident before the step, part of which is freed memory the
step reuses); then every clip of ``--clips`` decoded one after the other in one process, as
``voiceloop eval``, ``round`` and ``serve`` keep a model loaded, with the clip's own peak and
what stays resident after it, under each of the glibc measures in ``MEMORY_VARIANTS``. The
words of every run are compared, model with model and measure with measure.

``eval-with`` is ``voiceloop eval`` with a memory measure no option sets: ``malloc_trim(0)``
before every clip, or fewer hypotheses sampled when a window is decoded again (glibc's
environment settings need no wrapper: ``MALLOC_ARENA_MAX=2 voiceloop eval ...``).

``tail`` decodes the audio left at a stop (what follows the incremental transcriber's last
cut of that answer) with each model in turn, ``--runs`` times, so the machine's other load
falls on all of them alike; wall and CPU seconds. The wait a user sees also holds the
analysis and the verdict: ``benchmarks/bench_incremental.py stops --model SPEC`` times that
through the real CLI (run it for each model in turn, pair by pair, on a shared machine).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

DEFAULT_MODELS = ("tiny.en=embedded", "base=base")
# Development sets and how many of their clips (None: all). The spontaneous and long-answer
# sets are Piper answers made with benchmarks/heldout/make_clips.py (see docs/accuracy.md);
# the first clips of each, as in the 0.5.0 decoding study, keep a run of base under an hour.
DEFAULT_SETS = (
    "speech=../shared/data/speech",
    "spont=/work/dev23/spont:5",
    "fullfill=/work/dev23/fullfill:4",
    "star=../shared/data/star:6",
)


@dataclass
class Decoded:
    """One clip's transcript and what decoding it cost."""

    transcript: Any  # voiceloop.models.Transcript
    wall_s: float
    cpu_s: float


@dataclass
class Tally:
    """What one model did on one set."""

    results: list[Any] = field(default_factory=list)  # evaluation.scoring.ClipResult
    hes: list[int] = field(default_factory=lambda: [0, 0, 0])  # tp, fp, fn
    wall_s: float = 0.0
    cpu_s: float = 0.0
    audio_s: float = 0.0


def parse_pairs(items: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for item in items:
        label, _, spec = item.partition("=")
        if not spec:
            raise SystemExit(f"expected LABEL=SPEC, got {item!r}")
        pairs.append((label, spec))
    return pairs


def decode_cached(cache: Path, label: str, spec: str, clip: Any) -> Decoded:
    """``clip`` transcribed with model ``spec`` and the default recipe, from the cache if there."""
    from voiceloop.audio import load_audio
    from voiceloop.models import Transcript
    from voiceloop.transcribe.decode import TranscribeOptions, _load, transcribe

    options = TranscribeOptions(model=spec)
    recipe = options.model_dump_json(exclude={"model"})
    key = hashlib.sha1((label + recipe + str(clip.audio.resolve())).encode()).hexdigest()[:16]
    path = cache / f"{label}-{clip.name.replace('/', '_')}-{key}.json"
    if path.exists():
        raw = json.loads(path.read_text())
        return Decoded(Transcript.model_validate(raw["transcript"]), raw["wall_s"], raw["cpu_s"])
    audio = load_audio(clip.audio)
    # Temperature fallback samples from generators seeded when the model loads: reloading
    # before each clip makes a clip's words independent of the clips decoded before it.
    _load.cache_clear()
    from voiceloop.transcribe.decode import load_model

    load_model(options)  # loading is measured by ``cost``, not here
    wall0, cpu0 = time.perf_counter(), time.process_time()
    transcript = transcribe(audio.samples, options)
    decoded = Decoded(transcript, time.perf_counter() - wall0, time.process_time() - cpu0)
    path.write_text(
        json.dumps(
            {
                "transcript": transcript.model_dump(mode="json"),
                "wall_s": decoded.wall_s,
                "cpu_s": decoded.cpu_s,
                "load": os.getloadavg()[0],
            }
        )
    )
    return decoded


def _f(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def accuracy(models: list[tuple[str, str]], sets: list[tuple[str, str]], cache: Path) -> None:
    from voiceloop.analysis.combined import analyze
    from voiceloop.analysis.fillers import hesitation_type
    from voiceloop.evaluation.fillers import match_fillers
    from voiceloop.evaluation.scoring import EvalOptions, score_clip, summarize
    from voiceloop.evaluation.sidecars import load_dataset

    cache.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} cores; load average (1 min) at start {os.getloadavg()[0]:.2f}")
    rows = []
    per_clip: dict[tuple[str, str], list[int]] = {}  # word errors clip by clip
    for set_spec in sets:
        name, where = set_spec
        folder, _, limit = where.partition(":")
        clips = load_dataset(Path(folder))[: int(limit) if limit else None]
        for label, spec in models:
            tally = Tally()
            for clip in clips:
                decoded = decode_cached(cache, label, spec, clip)
                analysis = analyze(decoded.transcript, None, None)
                tally.results.append(score_clip(clip, decoded.transcript, analysis, EvalOptions()))
                if clip.truth.fillers is not None:
                    truth = [f for f in clip.truth.fillers if hesitation_type(f.type)]
                    said = [e for e in analysis.fillers.events if hesitation_type(e.type)]
                    counts = match_fillers(truth, said, typed=False)
                    tally.hes = [
                        tally.hes[0] + counts.tp,
                        tally.hes[1] + counts.fp,
                        tally.hes[2] + counts.fn,
                    ]
                tally.wall_s += decoded.wall_s
                tally.cpu_s += decoded.cpu_s
                tally.audio_s += decoded.transcript.duration
            o = summarize(tally.results)
            tp, fp, fn = tally.hes
            errors = [r.word_errors for r in tally.results if r.word_errors is not None]
            n_err = sum(e.errors for e in errors)
            n_ref = sum(e.n for e in errors)
            per_clip[(name, label)] = [e.errors for e in errors]
            row = {
                "set": name, "model": label, "clips": len(clips), "audio_s": tally.audio_s,
                "wer": o.wer, "word_errors": n_err, "reference_words": n_ref,
                "wer_verbatim": o.wer_verbatim,
                "filler_p": o.filler_precision, "filler_r": o.filler_recall,
                "filler_f1": o.filler_f1, "hesitations": tally.hes, "star": o.star_accuracy,
                "cpu_per_audio_s": tally.cpu_s / tally.audio_s if tally.audio_s else None,
                "wall_rtf": tally.wall_s / tally.audio_s if tally.audio_s else None,
            }  # fmt: skip
            rows.append(row)
            print(
                f"{name:9} {label:8} n={len(clips):2} {tally.audio_s:6.0f} s  "
                f"WER {_f(o.wer, '.1%')} ({n_err}/{n_ref})  "
                f"fillers P {_f(o.filler_precision, '.2f')} R {_f(o.filler_recall, '.2f')} "
                f"F1 {_f(o.filler_f1, '.2f')}  "
                f"hesitations {tp}/{tp + fn} +{fp}  STAR {_f(o.star_accuracy, '.1%')}  "
                f"CPU s per audio s {_f(row['cpu_per_audio_s'], '.3f')}  "
                f"wall RTF {_f(row['wall_rtf'], '.3f')}",
                flush=True,
            )
    first = models[0][0]
    for label, _ in models[1:]:  # paired: the same clips, word errors against the first model
        for name, _ in sets:
            pairs = list(zip(per_clip[(name, label)], per_clip[(name, first)], strict=True))
            fewer = sum(a < b for a, b in pairs)
            more = sum(a > b for a, b in pairs)
            print(
                f"{name:9} {label} against {first}: fewer word errors on {fewer} clips, "
                f"more on {more}, as many on {len(pairs) - fewer - more}"
            )
    print(f"load average (1 min) at end {os.getloadavg()[0]:.2f}")
    (cache / "model_study.json").write_text(json.dumps(rows, indent=1))


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def probe(spec: str, clip: Path) -> None:
    """In this (fresh) process: load ``spec``, transcribe ``clip``; print one JSON line."""
    from voiceloop.audio import load_audio
    from voiceloop.transcribe.decode import TranscribeOptions, load_model, transcribe

    options = TranscribeOptions(model=spec)
    samples = load_audio(clip).samples
    base_mb = _rss_mb()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    _, resolved = load_model(options)
    load_wall, load_cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    loaded_mb = _rss_mb()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    transcribe(samples, options)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    print(
        json.dumps(
            {
                "model": resolved.label,
                "audio_s": len(samples) / 16_000,
                "rss_before_load_mb": base_mb,
                "rss_loaded_mb": loaded_mb,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "load_wall_s": load_wall,
                "load_cpu_s": load_cpu,
                "wall_s": wall,
                "cpu_s": cpu,
            }
        )
    )


def cost(models: list[tuple[str, str]], clip: Path, runs: int) -> None:
    print(f"{os.cpu_count()} cores; clip {clip}")
    print(
        f"{'model':8} {'load s':>7} {'load CPU':>8} {'loaded MB':>9} {'peak MB':>8} "
        f"{'CPU/audio':>9} {'wall RTF':>8} {'load avg':>8}"
    )
    for label, spec in models:
        for _ in range(runs):
            load = os.getloadavg()[0]
            out = subprocess.run(
                [sys.executable, __file__, "probe", spec, str(clip)],
                capture_output=True,
                text=True,
                check=False,
            )
            if out.returncode:
                raise SystemExit(f"{label}: {out.stderr.strip().splitlines()[-1]}")
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"{label:8} {r['load_wall_s']:7.2f} {r['load_cpu_s']:8.2f} "
                f"{r['rss_loaded_mb']:9.0f} {r['peak_rss_mb']:8.0f} "
                f"{r['cpu_s'] / r['audio_s']:9.3f} {r['wall_s'] / r['audio_s']:8.3f} "
                f"{load:4.2f}-{os.getloadavg()[0]:.2f}",
                flush=True,
            )


def _busy_loop() -> subprocess.Popen[bytes]:
    """A plain busy loop in another process: one core kept busy."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def keepup(models: list[tuple[str, str]], seconds: float, busy: bool) -> None:
    import numpy as np
    from bench_incremental import ending_in_a_pause
    from bench_practice import synthesize

    from voiceloop.transcribe.decode import TranscribeOptions, load_model
    from voiceloop.transcribe.incremental import IncrementalTranscriber

    block = 1600  # 0.1 s at 16 kHz, as the recorder's blocks
    with tempfile.TemporaryDirectory(prefix="model-study-") as tmp:
        samples = ending_in_a_pause(synthesize(seconds, Path(tmp)))
    pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)
    duration = len(pcm) / 16_000
    print(
        f"{os.cpu_count()} cores, {'one core busy' if busy else 'no busy loop'}; answer "
        f"{duration:.1f} s of espeak-ng speech ending at a pause, fed in real time"
    )
    for label, spec in models:
        options = TranscribeOptions(model=spec)
        load_model(options)  # practice preloads while the question is read
        worker = IncrementalTranscriber(options)
        committed: list[float] = []  # wall time at which each chunk was seen committed
        loop = _busy_loop() if busy else None
        load_before = os.getloadavg()[0]
        cpu0 = time.process_time()
        try:
            start = time.perf_counter()
            for i in range(0, len(pcm), block):
                due = start + i / 16_000
                time.sleep(max(0.0, due - time.perf_counter()))
                worker.feed(pcm[i : i + block], 16_000)
                while len(committed) < len(worker.chunks):
                    committed.append(time.perf_counter())
            stopped = time.perf_counter()
            pending_s = duration - worker.committed_s
            transcript = worker.finish(duration)
            waited = time.perf_counter() - stopped
        finally:
            if loop is not None:
                loop.kill()
                loop.wait()
        cpu = time.process_time() - cpu0
        if transcript is None:
            print(f"{label}: the incremental transcriber failed: {worker.error}")
            continue
        # a chunk's lag: from the moment its audio had been fed (real time) to its commit,
        # seen within 0.1 s; it grows chunk after chunk when the model does not keep up
        lags = [t - (start + c.end) for t, c in zip(committed, worker.chunks, strict=False)]
        print(
            f"{label:8} chunks {len(worker.chunks):2}  decode s per chunk "
            + " ".join(f"{c.seconds:.1f}" for c in worker.chunks)
            + "  lag s "
            + " ".join(f"{lag:.1f}" for lag in lags)
        )
        print(
            f"{label:8} pending at stop {pending_s:5.1f} s  finish() {waited:5.2f} s  "
            f"max chunk decode {max(c.seconds for c in worker.chunks):5.2f} s  "
            f"CPU s per audio s {cpu / duration:.3f}  load {load_before:.2f}-"
            f"{os.getloadavg()[0]:.2f}  words {len(transcript.words)}",
            flush=True,
        )


def tail(
    models: list[tuple[str, str]], seconds: float, runs: int, busy: bool, cpu_threads: int
) -> None:
    """Time the decode left at a stop: the audio after the incremental transcriber's last
    cut, decoded by each model in turn (alternating, so the machine's load falls on both)."""
    import statistics

    from bench_incremental import ending_in_a_pause
    from bench_practice import synthesize

    from voiceloop.transcribe.decode import TranscribeOptions, decode_words, load_model
    from voiceloop.transcribe.incremental import IncrementalTranscriber

    with tempfile.TemporaryDirectory(prefix="model-study-") as tmp:
        samples = ending_in_a_pause(synthesize(seconds, Path(tmp)))
    # the cuts as made live (they depend on the audio, not the model): feed it all, let the
    # chunks be decoded, and keep what is left pending for the stop
    worker = IncrementalTranscriber(TranscribeOptions(model=models[0][1]))
    for i in range(0, len(samples), 1600):
        worker.feed(samples[i : i + 1600], 16_000)
    worker.wait_caught_up()
    start = round(worker.committed_s * 16_000)
    worker.abandon()
    piece = samples[start:]
    print(
        f"{os.cpu_count()} cores, {'one core busy' if busy else 'no busy loop'}; the tail after "
        f"the last cut of a {len(samples) / 16_000:.1f} s espeak-ng answer: "
        f"{len(piece) / 16_000:.1f} s; {runs} runs per model, alternating; CTranslate2 threads "
        f"{cpu_threads or 'all cores'}"
    )
    loaded = [
        (label, TranscribeOptions(model=spec, cpu_threads=cpu_threads)) for label, spec in models
    ]
    for _, options in loaded:
        load_model(options)
    walls: dict[str, list[float]] = {label: [] for label, _ in loaded}
    cpus: dict[str, list[float]] = {label: [] for label, _ in loaded}
    loop = _busy_loop() if busy else None
    load_before = os.getloadavg()[0]
    try:
        for _ in range(runs):
            for label, options in loaded:
                model, _ = load_model(options)
                wall0, cpu0 = time.perf_counter(), time.process_time()
                decode_words(model, piece, options, start / 16_000)
                walls[label].append(time.perf_counter() - wall0)
                cpus[label].append(time.process_time() - cpu0)
    finally:
        if loop is not None:
            loop.kill()
            loop.wait()
    for label, _ in loaded:
        print(
            f"{label:8} tail decode: wall median {statistics.median(walls[label]):5.2f} s "
            f"(runs {' '.join(f'{w:.2f}' for w in walls[label])}), CPU median "
            f"{statistics.median(cpus[label]):5.2f} s; load {load_before:.2f}-"
            f"{os.getloadavg()[0]:.2f}"
        )


def _status_mb(key: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak since the last reset) from /proc, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    raise SystemExit(f"no {key} in /proc/self/status (Linux only)")


def _peak_of(step: Any) -> tuple[Any, float]:
    """``step()`` and the peak resident memory while it ran (the kernel's mark reset first)."""
    from voiceloop.evaluation.memory import reset_peak_rss

    if not reset_peak_rss():
        raise SystemExit("cannot reset the peak-RSS mark (/proc/self/clear_refs)")
    value = step()
    return value, _status_mb("VmHWM")


def memprobe(spec: str, folder: Path, beam: int, trim: bool, stages: Path | None) -> None:
    """In this (fresh) process: load ``spec``, then either decode every clip of ``folder``
    one after the other as ``voiceloop eval`` does, or (``stages``) take one 28 s piece of
    that answer through the features, the encoder and the beam search; one JSON line."""
    import ctypes

    import numpy as np

    from voiceloop.audio import load_audio
    from voiceloop.evaluation.sidecars import load_dataset
    from voiceloop.transcribe.decode import TranscribeOptions, load_model, transcribe

    options = TranscribeOptions(model=spec, beam_size=beam)
    libc = ctypes.CDLL("libc.so.6") if trim else None  # glibc's, as the Linux wheels use
    out: dict[str, Any] = {"spec": spec, "beam": beam, "trim": trim,
                           "arenas": os.environ.get("MALLOC_ARENA_MAX", "default"),
                           "rss_imports_mb": _status_mb("VmRSS")}  # fmt: skip
    cpu0, wall0 = time.process_time(), time.perf_counter()
    (model, resolved), out["load_peak_mb"] = _peak_of(lambda: load_model(options))
    out["load_cpu_s"], out["load_wall_s"] = time.process_time() - cpu0, time.perf_counter() - wall0
    out["rss_loaded_mb"] = _status_mb("VmRSS")
    out["model"] = resolved.label
    if stages is not None:
        samples = load_audio(stages).samples[: 28 * 16_000]
        fe = model.feature_extractor
        features, out["features_peak_mb"] = _peak_of(lambda: fe(samples)[:, :3000])
        window = np.zeros((80, 3000), dtype=np.float32)
        window[:, : features.shape[1]] = features
        import ctranslate2

        batch = ctranslate2.StorageView.from_array(window[None])
        rss = _status_mb("VmRSS")
        encoded, out["encoder_peak_mb"] = _peak_of(lambda: model.model.encode(batch))
        out["rss_before_encoder_mb"] = rss
        from faster_whisper.tokenizer import Tokenizer

        tokenizer = Tokenizer(
            model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language="en"
        )
        prompt = [[*tokenizer.sot_sequence, tokenizer.no_timestamps]]
        for b in (1, 5):
            rss = _status_mb("VmRSS")
            _, peak = _peak_of(lambda b=b: model.model.generate(encoded, prompt, beam_size=b))
            out[f"decode_beam{b}_over_mb"] = peak - rss
            out[f"decode_beam{b}_peak_mb"] = peak
        out["encoder_over_mb"] = out["encoder_peak_mb"] - out["rss_before_encoder_mb"]
        print(json.dumps(out))
        return
    clips = load_dataset(folder)
    cpu0 = time.process_time()
    rows = []
    audio_s = 0.0
    for clip in clips:
        samples = load_audio(clip.audio).samples
        audio_s += len(samples) / 16_000
        transcript, peak = _peak_of(lambda samples=samples: transcribe(samples, options))
        rss_after = _status_mb("VmRSS")
        if libc is not None:
            libc.malloc_trim(0)
        rows.append({"clip": clip.name, "seconds": len(samples) / 16_000, "peak_mb": peak,
                     "rss_after_mb": rss_after, "rss_trimmed_mb": _status_mb("VmRSS"),
                     "words": [w.text for w in transcript.words]})  # fmt: skip
    out.update(
        clips=rows,
        audio_s=audio_s,
        cpu_per_audio_s=(time.process_time() - cpu0) / audio_s,
        peak_mb=max(r["peak_mb"] for r in rows),
    )
    print(json.dumps(out))


# Measures tried on the same decoding, each in a fresh process: glibc's malloc limited to two
# arenas; malloc_trim(0) after every clip (freed pages handed back to the system); a fixed
# mmap threshold of 128 KiB (glibc otherwise raises it up to 32 MiB as large blocks are freed,
# and blocks under it stay in the heap once freed); and beam 1 (other words: how much of the
# peak the beam's copies are).
MEMORY_VARIANTS = {
    "plain": ({}, []),
    "arena2": ({"MALLOC_ARENA_MAX": "2"}, []),
    "trim": ({}, ["--trim"]),
    "mmap": ({"MALLOC_MMAP_THRESHOLD_": "131072"}, []),
    "beam1": ({}, ["--beam", "1"]),
}


def memory(
    models: list[tuple[str, str]], folder: Path, variants: list[str], stages: Path, out: Path
) -> None:
    """Where a model's peak memory comes from, each model and variant in a fresh process."""

    def run(spec: str, env: dict[str, str], extra: list[str]) -> dict[str, Any]:
        result = subprocess.run(
            [sys.executable, __file__, "memprobe", spec, str(folder), *extra],
            capture_output=True, text=True, check=False, env={**os.environ, **env},
        )  # fmt: skip
        if result.returncode:
            raise SystemExit(f"{spec}: {result.stderr.strip().splitlines()[-1]}")
        parsed: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
        return parsed

    print(f"{os.cpu_count()} cores; clips {folder}; load average {os.getloadavg()[0]:.2f}")
    results: list[dict[str, Any]] = []
    print(f"stages of one 28 s piece of {stages} (MB; 'over': above the resident memory before)")
    print(f"{'model':10} {'imports':>7} {'load peak':>9} {'loaded':>6} {'features':>8} "
          f"{'encoder peak/over':>17} {'beam 1 peak/over':>16} "
          f"{'beam 5 peak/over':>16}")  # fmt: skip
    for label, spec in models:
        r = run(spec, {}, ["--stages", str(stages)])
        results.append({"label": label, "variant": "stages", **r})
        print(
            f"{label:10} {r['rss_imports_mb']:7.0f} {r['load_peak_mb']:9.0f} "
            f"{r['rss_loaded_mb']:6.0f} {r['features_peak_mb']:8.0f} "
            f"{r['encoder_peak_mb']:11.0f}/{r['encoder_over_mb']:<5.0f} "
            f"{r['decode_beam1_peak_mb']:10.0f}/{r['decode_beam1_over_mb']:<5.0f} "
            f"{r['decode_beam5_peak_mb']:10.0f}/{r['decode_beam5_over_mb']:<5.0f}",
            flush=True,
        )
    print("every clip decoded in one process, as voiceloop eval does (MB)")
    print(f"{'model':10} {'variant':8} {'load peak':>9} {'loaded':>6} {'clip peak':>9} "
          f"{'at clip':>7} {'RSS at end':>10} {'CPU/audio':>9} {'load avg':>9}")  # fmt: skip
    words: dict[str, list[list[str]]] = {}
    for label, spec in models:
        for variant in variants:
            env, extra = MEMORY_VARIANTS[variant]
            load = os.getloadavg()[0]
            r = run(spec, env, extra)
            results.append({"label": label, "variant": variant, **r})
            clips = r["clips"]
            worst = max(range(len(clips)), key=lambda i: clips[i]["peak_mb"])
            end = clips[-1]["rss_trimmed_mb"]
            print(
                f"{label:10} {variant:8} {r['load_peak_mb']:9.0f} {r['rss_loaded_mb']:6.0f} "
                f"{r['peak_mb']:9.0f} {worst + 1:3}/{len(clips):<3} {end:10.0f} "
                f"{r['cpu_per_audio_s']:9.3f} {load:4.2f}-{os.getloadavg()[0]:.2f}",
                flush=True,
            )
            if variant != "beam1":  # the same decoding: the same words
                words.setdefault(label, [c["words"] for c in clips])
                if words[label] != [c["words"] for c in clips]:
                    print(f"{label} {variant}: the words differ from the plain run")
    labels = list(words)
    for i, first in enumerate(labels):
        for label in labels[i + 1 :]:
            same = sum(a == b for a, b in zip(words[first], words[label], strict=True))
            print(f"{label} against {first}: the same words on {same} of {len(words[first])} clips")
    out.write_text(json.dumps(results, indent=1))
    print(f"every figure: {out}")


def eval_with(argv: list[str]) -> None:
    """``voiceloop eval`` with measures no option sets: ``--trim`` hands every freed page back
    to the system before each clip (``malloc_trim(0)``); ``--best-of N`` samples N hypotheses
    instead of faster-whisper's 5 when a window is decoded again at a higher temperature."""
    import ctypes
    import functools

    from faster_whisper import WhisperModel

    import voiceloop.evaluation.scoring as scoring
    from voiceloop.cli import main as voiceloop_main

    mine = argparse.ArgumentParser(prog="model_study.py eval-with")
    mine.add_argument("--trim", action="store_true")
    mine.add_argument("--best-of", type=int)
    args, rest = mine.parse_known_args(argv)
    if args.trim:
        libc = ctypes.CDLL("libc.so.6")
        reset = scoring.reset_peak_rss

        def trim_then_reset() -> bool:  # called before each clip, before its peak is taken
            libc.malloc_trim(0)
            return bool(reset())

        scoring.reset_peak_rss = trim_then_reset
    if args.best_of:
        plain = WhisperModel.transcribe

        @functools.wraps(plain)
        def transcribe(self: Any, *a: Any, **k: Any) -> Any:
            return plain(self, *a, **{**k, "best_of": args.best_of})

        WhisperModel.transcribe = transcribe
    sys.argv = ["voiceloop", "eval", *rest]
    voiceloop_main()


def main() -> None:
    if sys.argv[1:2] == ["eval-with"]:  # the other arguments are voiceloop eval's
        eval_with(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    acc = sub.add_parser("accuracy", help="WER and fillers per development set and model")
    acc.add_argument("--model", action="append", help="LABEL=SPEC (repeat)")
    acc.add_argument("--set", action="append", help="NAME=FOLDER[:FIRST_N] (repeat)")
    acc.add_argument("--cache", type=Path, default=Path("/tmp/voiceloop-model-study"))
    co = sub.add_parser("cost", help="load time, memory, CPU per model, each in a new process")
    co.add_argument("--model", action="append", help="LABEL=SPEC (repeat)")
    co.add_argument("--clip", type=Path, default=Path("/work/dev23/spont/sp01.wav"))
    co.add_argument("--runs", type=int, default=1)
    ku = sub.add_parser("keepup", help="the incremental transcriber fed in real time")
    ku.add_argument("--model", action="append", help="LABEL=SPEC (repeat)")
    ku.add_argument("--seconds", type=float, default=120.0)
    ku.add_argument("--busy", action="store_true", help="keep one core busy meanwhile")
    ta = sub.add_parser("tail", help="the decode left at a stop, model against model")
    ta.add_argument("--model", action="append", help="LABEL=SPEC (repeat)")
    ta.add_argument("--seconds", type=float, default=120.0)
    ta.add_argument("--runs", type=int, default=5)
    ta.add_argument("--busy", action="store_true", help="keep one core busy meanwhile")
    ta.add_argument("--cpu-threads", type=int, default=0, help="0: voiceloop's default")
    me = sub.add_parser("memory", help="where the peak memory comes from, clip by clip")
    me.add_argument("--model", action="append", help="LABEL=SPEC (repeat)")
    me.add_argument("--clips", type=Path, default=Path("../shared/data/speech"))
    me.add_argument("--variant", action="append", choices=sorted(MEMORY_VARIANTS))
    me.add_argument("--stages-clip", type=Path, default=Path("/work/dev23/spont/sp01.wav"))
    me.add_argument("--out", type=Path, default=Path("/tmp/voiceloop-model-memory.json"))
    mp = sub.add_parser("memprobe", help=argparse.SUPPRESS)
    mp.add_argument("spec")
    mp.add_argument("folder", type=Path)
    mp.add_argument("--beam", type=int, default=5)
    mp.add_argument("--trim", action="store_true")
    mp.add_argument("--stages", type=Path)
    pr = sub.add_parser("probe", help=argparse.SUPPRESS)
    pr.add_argument("spec")
    pr.add_argument("clip", type=Path)
    args = parser.parse_args()
    if args.command == "probe":
        probe(args.spec, args.clip)
        return
    if args.command == "memprobe":
        memprobe(args.spec, args.folder, args.beam, args.trim, args.stages)
        return
    models = parse_pairs(args.model or list(DEFAULT_MODELS))
    if args.command == "accuracy":
        accuracy(models, parse_pairs(args.set or list(DEFAULT_SETS)), args.cache)
    elif args.command == "cost":
        cost(models, args.clip, args.runs)
    elif args.command == "memory":
        variants = args.variant or list(MEMORY_VARIANTS)
        memory(models, args.clips, variants, args.stages_clip, args.out)
    elif args.command == "tail":
        tail(models, args.seconds, args.runs, args.busy, args.cpu_threads)
    else:
        keepup(models, args.seconds, args.busy)


if __name__ == "__main__":
    main()
