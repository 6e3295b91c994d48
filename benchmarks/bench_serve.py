"""`voiceloop serve` in a real browser: stop to verdict, first page load, idle memory.

Starts `voiceloop serve --no-browser --port 0` as its own process (as a user would), then
drives headless Chromium (Playwright, the system browser) whose fake microphone plays a
spoken answer (espeak-ng, about two minutes by default) in real time. The page records it,
streams it to the server and, at Stop, the time until the verdict is on the page is taken.
Also measured: the first load of the practice page (navigation start to the load event,
the secret's redirect included) and the server's resident memory while idle, after the
model has loaded, and again after the answer.

Usage::

    python benchmarks/bench_serve.py [--seconds 120] [--model embedded]

Targets: at most 2 s from Stop to the verdict for a 2-minute answer (issue 25); a first
page load under 1 s and an idle server under 500 MB resident (this benchmark's own
envelope for a local app that keeps the model loaded).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from bench_practice import synthesize  # noqa: E402 - the same two-minute answer

PROMPT = "dive-deep-root-cause"
LEAD_S = 1.0  # silence before the answer
TAIL_S = 30.0  # and after it (Chromium's fake file loops)
TARGET_VERDICT_S = 2.0
TARGET_LOAD_S = 1.0
TARGET_IDLE_MB = 500.0


def rss_mb(pid: int) -> tuple[float, float]:
    """(resident, peak resident) memory of a process in MB, from /proc."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def start_server(recordings: Path, model: str) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "voiceloop", "serve", "--no-browser", "--port", "0"]
    command += ["--recordings", str(recordings), "--model", model]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    assert server.stdout is not None
    line = server.stdout.readline()
    if "http://" not in line:
        server.kill()
        sys.exit(f"the server did not start: {line!r}")
    return server, line.split(" at ", 1)[1].strip()


def wait_until(page: Any, expression: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            sys.exit(f"never true: {expression}")
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="length of the answer")
    parser.add_argument("--model", default="embedded")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("Chromium is not installed (scripts/install-system-deps.sh)")
    import soxr

    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        folder = Path(tmp)
        speech = synthesize(args.seconds, folder)
        at48 = np.asarray(soxr.resample(speech, 16_000, 48_000), dtype=np.float32)
        mic = folder / "mic.wav"
        lead, tail = np.zeros(int(LEAD_S * 48_000)), np.zeros(int(TAIL_S * 48_000))
        sf.write(str(mic), np.concatenate([lead, at48, tail]), 48_000, subtype="PCM_16")

        server, url = start_server(folder / "recordings", args.model)
        try:
            time.sleep(3)
            previous = -1.0
            for _ in range(60):  # the model loads in the background: wait until memory settles
                time.sleep(1)
                idle, _peak = rss_mb(server.pid)
                if abs(idle - previous) < 1:
                    break
                previous = idle
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=chromium,
                    args=[
                        "--use-fake-ui-for-media-stream",
                        "--use-fake-device-for-media-stream",
                        f"--use-file-for-fake-audio-capture={mic}",
                        "--autoplay-policy=no-user-gesture-required",
                        "--no-sandbox",
                    ],
                )
                page = browser.new_page()
                started = time.perf_counter()
                page.goto(url, wait_until="load")
                first_load = time.perf_counter() - started
                started = time.perf_counter()
                page.reload(wait_until="load")
                again = time.perf_counter() - started

                page.select_option("#mode", "id")
                page.select_option("#prompt-id", PROMPT)
                page.click("#ask")
                page.wait_for_selector("#question-text:not(:empty)")
                page.click("#record")
                wait_until(
                    page,
                    "window.voiceloopRecording() !== null && "
                    f"window.voiceloopRecording().captured >= {LEAD_S + args.seconds + 0.5}",
                    args.seconds + 60,
                )
                started = time.perf_counter()
                page.click("#stop")
                page.wait_for_selector("#report-link", timeout=300_000)
                verdict_s = time.perf_counter() - started
                server_s = float(page.get_attribute("#verdict", "data-stop-ms") or "nan") / 1000
                words = page.get_attribute("#verdict-figures", "data-words")
                browser.close()
            after, peak = rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(30)

    cores = os.cpu_count()
    load = os.getloadavg()[0]
    rows = [
        ("stop -> verdict on the page", verdict_s, TARGET_VERDICT_S, "s",
         f"the stop request alone: {server_s:.2f} s"),
        ("first page load", first_load, TARGET_LOAD_S, "s", f"reload: {again:.2f} s"),
        ("server idle, model loaded", idle, TARGET_IDLE_MB, "MB",
         f"after the answer {after:.0f} MB, peak {peak:.0f} MB"),
    ]  # fmt: skip
    print(
        f"voiceloop serve, {args.seconds:.0f} s answer ({words} words), model {args.model}, "
        f"{cores} cores, load average {load:.1f}"
    )
    for label, value, target, unit, extra in rows:
        print(
            f"{label:29} {value:7.2f} {unit:2}  target {target:g} {unit}: "
            f"{value / target:.2f}x  [{extra}]"
        )


if __name__ == "__main__":
    main()
