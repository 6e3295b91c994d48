"""`voiceloop serve` end to end in real headless Chromium with a fake microphone.

A real uvicorn server runs the app in a thread on a free port; Chromium (driven by
Playwright, the system browser, no download) plays a spoken answer made with espeak-ng into
``getUserMedia`` in real time. The page records it, streams it to the server, and shows the
verdict after Stop; the report's figures are checked against `voiceloop analyze` on the same
audio. A second answer is cut off by closing its tab and recovered from the page. One browser
for the module; screenshots of the four main pages are checked for being drawn.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sessionkit import answer_text, ok, run_cli
from voiceloop.transcribe.decode import options_for
from voiceloop.web.app import ServeConfig, create_app
from voiceloop.web.security import Guard, new_secret

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LEAD_S = 1.0  # silence before the answer in the fake microphone's file
TAIL_S = 40.0  # and after it: the file loops, and the test stops before it does
IDLE_S = 2.0  # a take with no audio this long is left for recovery (10 s in real use)
PROMPT = "dive-deep-metric-overhaul"


def _playwright() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip(
            "playwright is not installed (pip install playwright); the browser tests need it"
        )
    if CHROMIUM is None:
        pytest.skip(
            "Chromium is not installed (scripts/install-system-deps.sh); needed to drive pages"
        )
    return sync_playwright


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """uvicorn serving the app in a thread, as `voiceloop serve` does in its process."""

    def __init__(self, config: ServeConfig) -> None:
        import uvicorn

        self.config = config
        self.port = config.guard.port
        settings = uvicorn.Config(
            create_app(config), host="127.0.0.1", port=self.port, log_level="warning"
        )
        self.server = uvicorn.Server(settings)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(30)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def make_answer(folder: Path) -> tuple[Path, Path, float]:
    """The spoken answer: a 48 kHz mono WAV for Chromium (silence around it) and the same
    speech at 16 kHz for `voiceloop analyze`; returns both and the speech's length."""
    import soundfile as sf

    from voiceloop.audio import resample

    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is not installed: run scripts/install-system-deps.sh")
    raw = folder / "espeak.wav"
    subprocess.run(
        ["espeak-ng", "-v", "en-us", "-s", "165", "-w", str(raw), answer_text(4, fillers=2)],
        check=True,
        capture_output=True,
    )
    speech, rate = sf.read(str(raw), dtype="float32")
    import soxr

    at48 = np.asarray(soxr.resample(speech, rate, 48_000), dtype=np.float32) * 0.9
    lead, tail = np.zeros(int(LEAD_S * 48_000)), np.zeros(int(TAIL_S * 48_000))
    mic = folder / "mic48k.wav"
    sf.write(str(mic), np.concatenate([lead, at48, tail]), 48_000, subtype="PCM_16")
    plain = folder / "answer16k.wav"
    pad = np.zeros(8000, dtype=np.float32)
    sf.write(str(plain), np.concatenate([pad, resample(speech, rate), pad]), 16_000)
    return mic, plain, len(speech) / rate


@pytest.fixture(scope="module")
def answer(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, float]:
    return make_answer(tmp_path_factory.mktemp("answer"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    recordings = tmp_path_factory.mktemp("web") / "recordings"
    recordings.mkdir()
    config = ServeConfig(
        recordings_dir=recordings,
        transcribe=options_for("embedded", "cpu", 1),
        guard=Guard(new_secret(), free_port()),
        idle_take_s=IDLE_S,
    )
    with Server(config) as running:
        yield running


@pytest.fixture(scope="module")
def browser(answer: tuple[Path, Path, float]) -> Iterator[Any]:
    sync_playwright = _playwright()
    mic = answer[0]
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-audio-capture={mic}",
                "--autoplay-policy=no-user-gesture-required",
                "--no-sandbox",
                "--disable-gpu",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    tab = context.new_page()
    tab.goto(server.config.guard.url())  # the address `voiceloop serve` prints
    assert tab.url == server.url("/")  # the secret went into a cookie, out of the address
    yield tab
    context.close()


NAV_BAR = (0x25, 0x36, 0x4A)  # the app's navigation bar, on every page but the report
VERDICT_AMBER = (0xF2, 0xB2, 0x33)  # the verdict card's border
ACTION_ORANGE = (0xF2, 0x8E, 0x2B)  # the report's STAR bar: Action
TARGET_BAND = (230, 241, 229)  # a progress chart's shaded target range (#59a14f at 15%)


def assert_drawn(path: Path, *marks: tuple[tuple[int, int, int], int]) -> None:
    """A screenshot that shows a page: a sane size, many colours, not one colour all over,
    and at least so many pixels of each of ``marks`` (colour, pixels): what that page draws."""
    from PIL import Image

    image = Image.open(path).convert("RGB")
    assert image.width >= 1000 and image.height >= 600, image.size
    pixels = np.asarray(image).reshape(-1, 3)
    colours, counts = np.unique(pixels, axis=0, return_counts=True)
    assert len(colours) > 60, f"{path.name}: only {len(colours)} colours"
    assert counts.max() / len(pixels) < 0.9, f"{path.name}: one colour covers the page"
    for colour, least in marks:
        near = np.all(np.abs(pixels.astype(int) - colour) <= 6, axis=1).sum()
        assert near >= least, f"{path.name}: {near} pixels of {colour}, expected {least}"


def ask(tab: Any, prompt_id: str) -> None:
    tab.select_option("#mode", "id")
    tab.select_option("#prompt-id", prompt_id)
    tab.click("#ask")
    tab.wait_for_selector("#question-text:not(:empty)")


def wait_until(tab: Any, expression: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not tab.evaluate(expression):
        assert time.monotonic() < deadline, f"never true: {expression}"
        time.sleep(0.1)


def wait_recorded(tab: Any, seconds: float) -> dict[str, Any]:
    """The page's recording once it has captured ``seconds`` (captured and sent, in s)."""
    deadline = time.monotonic() + seconds + 30
    state: dict[str, Any] | None = None
    while time.monotonic() < deadline:
        state = tab.evaluate("window.voiceloopRecording()")
        if state is not None and state["captured"] >= seconds:
            return state
        time.sleep(0.2)
    raise AssertionError(f"the page recorded {state}; it says: {tab.inner_text('#status')}")


def clock_seconds(text: str) -> int:
    minutes, seconds = text.split(":")
    return int(minutes) * 60 + int(seconds)


def test_record_in_the_browser_then_read_the_report(
    page: Any, server: Server, answer: tuple[Path, Path, float], tmp_path: Path
) -> None:
    _mic, plain, speech_s = answer
    recordings = server.config.recordings_dir
    ask(page, PROMPT)
    assert "dive-deep-metric-overhaul" in page.inner_text("#question-tags")
    # the question's voice came from the server, as audio (the page's CSP forbids eval, so
    # Playwright's wait_for_function cannot run there: poll instead)
    wait_until(page, "document.getElementById('question-voice').duration > 1", 20)
    page.click("#record")
    # `voiceloop analyze` on the same speech, as a file, in a recordings folder of its own:
    # it runs while the answer is spoken (real time), to keep the test short
    env = {**os.environ, "VOICELOOP_RECORDINGS": str(tmp_path / "cli-rec")}
    analyze = subprocess.Popen(
        [sys.executable, "-m", "voiceloop", "analyze", str(plain), "--prompt", PROMPT, "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    state = wait_recorded(page, LEAD_S + speech_s + 1.5)
    assert clock_seconds(page.inner_text("#timer")) >= int(speech_s)
    assert state["sent"] >= state["captured"] - 1.0  # streamed as it was captured
    level = page.eval_on_selector("#level", "e => e.style.width")
    assert level.endswith("%")  # the meter is driven (its width follows the level)
    # the words of the transcriber's first chunk (about 24 s of answer) show while recording;
    # on a busy machine they may come a little after the answer ends, in the silence after it
    wait_until(page, "document.getElementById('words').textContent.split(' ').length > 10", 45)
    words_so_far = page.inner_text("#words").split()
    page.click("#stop")
    page.wait_for_selector("#report-link", timeout=90_000)
    figures = page.eval_on_selector("#verdict-figures", "e => ({...e.dataset})")
    headline = page.inner_text("#verdict .headline")
    assert headline
    page.screenshot(path=str(tmp_path / "practice.png"), full_page=True)
    assert_drawn(tmp_path / "practice.png", (NAV_BAR, 20_000), (VERDICT_AMBER, 800))

    page.click("#report-link")
    page.wait_for_selector("text=Pace over time")
    report_words = page.eval_on_selector_all(".transcript .w", "els => els.length")
    transcript = page.inner_text(".transcript").lower()
    assert " ".join(words_so_far[:4]).lower().strip(".,") in transcript
    pace = page.inner_text(".fig:has(.k:text('Pace')) .v")
    length = page.inner_text(".fig:has(.k:text('Answer length')) .v")
    assert page.inner_text(".verdict .headline") == headline
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert_drawn(tmp_path / "report.png", (ACTION_ORANGE, 2_000))
    assert float(pace.split()[0]) == pytest.approx(float(figures["wpm"]), abs=0.6)
    assert clock_seconds(length) == pytest.approx(float(figures["durationS"]), abs=0.6)

    out, err = analyze.communicate(timeout=300)
    assert analyze.returncode == 0 and "Traceback" not in err, err
    cli = json.loads(out)
    pacing = cli["analysis"]["pacing"]
    assert report_words == pytest.approx(len(cli["transcript"]["words"]), rel=0.08)
    assert int(figures["words"]) == pytest.approx(pacing["word_count"], rel=0.08)
    assert float(pace.split()[0]) == pytest.approx(pacing["wpm"], rel=0.08)
    assert clock_seconds(length) == pytest.approx(pacing["duration_s"], abs=1.6)

    # one store: the browser's session is in `voiceloop sessions`, with the same figures
    session_id = page.url.rsplit("/", 1)[-1]
    rows = json.loads(ok(run_cli(recordings, "sessions", "--json")))
    row = next(r for r in rows if r["id"] == session_id)
    assert row["prompt_id"] == PROMPT and row["word_count"] == int(figures["words"])
    meta = json.loads((recordings / session_id / "session.json").read_text())
    assert meta["source"] == "microphone"
    assert meta["audio_seconds"] >= LEAD_S + speech_s
    assert not list((recordings / ".takes").glob("*.wav"))  # the take became the session

    page.goto(server.url("/sessions"))
    assert session_id in page.inner_html("table.sessions")
    page.screenshot(path=str(tmp_path / "sessions.png"), full_page=True)
    assert_drawn(tmp_path / "sessions.png", (NAV_BAR, 20_000))
    page.goto(server.url("/progress"))
    page.wait_for_selector(".chart svg")
    page.screenshot(path=str(tmp_path / "progress.png"), full_page=True)
    assert_drawn(tmp_path / "progress.png", (NAV_BAR, 20_000), (TARGET_BAND, 20_000))


def test_a_closed_tab_leaves_a_take_the_page_recovers(
    browser: Any, page: Any, server: Server
) -> None:
    recordings = server.config.recordings_dir
    before = {p.name for p in recordings.iterdir() if (p / "session.json").is_file()}
    ask(page, PROMPT)
    page.click("#record")
    state = wait_recorded(page, LEAD_S + 7.0)
    page.close()  # mid-answer: no Stop, the connection just ends

    context = browser.new_context()
    tab = context.new_page()
    tab.goto(server.config.guard.url())
    deadline = time.monotonic() + IDLE_S + 20
    while not tab.is_visible("#leftover"):
        assert time.monotonic() < deadline, "the page never offered the take back"
        time.sleep(0.5)
        tab.reload()
    listed = tab.inner_text("#leftover")
    assert PROMPT in listed
    takes = json.loads(tab.evaluate("fetch('/api/takes').then(r => r.text())"))["takes"]
    assert len(takes) == 1
    assert takes[0]["seconds"] >= state["captured"] - 1.0  # at most a second lost
    tab.click("#recover")
    link = tab.wait_for_selector("a.recovered", timeout=60_000)
    session_id = link.get_attribute("href").rsplit("/", 1)[-1]
    assert session_id not in before
    meta = json.loads((recordings / session_id / "session.json").read_text())
    assert meta["prompt_id"] == PROMPT
    assert meta["audio_seconds"] >= state["captured"] - 1.0
    assert not list((recordings / ".takes").glob("*.wav"))
    rows = json.loads(ok(run_cli(recordings, "sessions", "--json")))
    assert session_id in [r["id"] for r in rows]

    # the report's toolbar: re-analyze, then delete (plain form posts from the real page)
    tab.goto(server.url(f"/sessions/{session_id}"))
    tab.click("#toolbar button:text('Re-analyze')")
    tab.wait_for_selector("text=Pace over time")
    meta = json.loads((recordings / session_id / "session.json").read_text())
    assert len(meta["previous_analysis_versions"]) == 1
    tab.on("dialog", lambda dialog: dialog.accept())  # "Delete this session?"
    tab.click("#toolbar button:text('Delete')")
    tab.wait_for_url(server.url("/sessions"))
    assert not (recordings / session_id).exists()
    rows = json.loads(ok(run_cli(recordings, "sessions", "--json")))
    assert session_id not in [r["id"] for r in rows]
    context.close()


def test_upload_page_analyzes_a_file(
    page: Any, server: Server, answer: tuple[Path, Path, float], tmp_path: Path
) -> None:
    import soundfile as sf

    clip = (
        tmp_path / "first-seconds.flac"
    )  # a short clip: the upload path, not the model, is tested
    speech, rate = sf.read(str(answer[1]))
    sf.write(str(clip), speech[: 9 * rate], rate)
    page.goto(server.url("/upload"))
    page.set_input_files("#file", str(clip))
    page.select_option("#prompt-id", PROMPT)
    page.click("#send")
    page.wait_for_selector("#report-link", timeout=90_000)
    words = int(page.eval_on_selector("#verdict-figures", "e => e.dataset.words"))
    assert words > 12
    page.click("#report-link")
    page.wait_for_selector("text=Pace over time")
    assert re.search(r"source: upload: first-seconds\.flac", page.inner_text("body"))
