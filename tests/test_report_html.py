"""The HTML report: self-contained, escaped, small enough, and rendered by a real browser."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from sessionkit import ACTIONS, REFLECTION, RESULT_QUANTIFIED, SITUATION, TASK, make_session
from voiceloop.models import Analysis, Prompt, SessionMeta, Transcript
from voiceloop.render.html import audio_source, render_html

SAMPLE = Path(__file__).parents[1] / "src" / "voiceloop" / "samples" / "sample_answer.flac"
INJECTED_WORD = "<script>document.body.dataset.pwned='1'</script>"
INJECTED_PROMPT = 'Tell me <img src=x onerror="document.body.dataset.pwned=2"> about "A & B".'
ANSWER_SECONDS = 180.0


def three_minute_text() -> str:
    """A STAR answer of about 390 words with fillers and one hostile 'word'."""
    actions = " ".join(ACTIONS * 6)
    words = f"{SITUATION} {TASK} {actions} {RESULT_QUANTIFIED} {REFLECTION}".split()
    for k in range(12, len(words), 40):
        words.insert(k, "um,")
    words.insert(30, INJECTED_WORD)
    return " ".join(words)


def real_speech(seconds: float) -> np.ndarray:
    """The bundled sample answer (real speech) repeated to ``seconds``: realistic to compress."""
    data, rate = sf.read(str(SAMPLE), dtype="float32")
    assert rate == 16_000
    reps = int(np.ceil(seconds * rate / len(data)))
    return np.tile(data, reps)[: int(seconds * rate)]


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    recordings = tmp_path_factory.mktemp("rec")
    prompt = Prompt(id="hostile-question", text=INJECTED_PROMPT, principles=["Dive Deep"])
    text = three_minute_text()
    word_s = (ANSWER_SECONDS - 30) / len(text.split()) - 0.04  # about 3 minutes spoken
    return make_session(
        recordings, prompt=prompt, text=text, word_s=word_s, samples=real_speech(ANSWER_SECONDS)
    )


def load(folder: Path) -> tuple[SessionMeta, Transcript, Analysis]:
    return (
        SessionMeta.model_validate_json((folder / "session.json").read_text()),
        Transcript.model_validate_json((folder / "transcript.json").read_text()),
        Analysis.model_validate_json((folder / "analysis.json").read_text()),
    )


@pytest.fixture(scope="module")
def report(session: Path) -> Path:
    meta, transcript, analysis = load(session)
    out = session / "report.html"
    out.write_text(
        render_html(meta, transcript, analysis, audio_source(session / "audio.wav", out))
    )
    return out


def test_report_is_self_contained_escaped_and_small(session: Path, report: Path) -> None:
    page = report.read_text()
    _, transcript, analysis = load(session)
    assert 2.5 * 60 <= analysis.pacing.duration_s <= 3.2 * 60  # really a 3-minute answer

    assert report.stat().st_size <= 3_000_000
    # Nothing is fetched: every src/href is embedded data; no URL anywhere in the page.
    links = re.findall(r'\b(?:src|href)\s*=\s*"([^"]*)"', page)
    assert links and all(link.startswith("data:") for link in links), links[:3]
    assert "http://" not in page and "https://" not in page
    assert "<link" not in page

    # Text from the transcript and the prompt file is escaped, never markup.
    assert INJECTED_WORD not in page and "<img src=x" not in page
    assert "&lt;script&gt;document.body.dataset.pwned=&#x27;1&#x27;&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&quot;document.body.dataset.pwned=2&quot;&gt;" in page
    assert page.count("<script>") == 1  # the report's own click-to-seek script only

    # Every filler the transcript kept is highlighted; every STAR section is labelled.
    kept = [e for e in analysis.fillers.events if e.word_index is not None]
    assert len(kept) >= 8
    assert page.count('<mark class="filler"') == sum(len(e.type.split()) for e in kept)
    transcript_part = page[page.index('<div class="transcript">') :]
    assert transcript_part.count('class="chip"') == len(analysis.star.sections)
    assert page.count('class="w"') == len(transcript.words)

    # The embedded audio is the whole recording, as MP3.
    uri = re.search(r'src="data:audio/mpeg;base64,([A-Za-z0-9+/=]+)"', page)
    assert uri is not None
    audio = base64.b64decode(uri.group(1))
    info = sf.info(io.BytesIO(audio))
    assert info.samplerate == 16_000
    assert info.duration == pytest.approx(ANSWER_SECONDS, abs=1.0)


def test_audio_can_be_linked_instead(session: Path, tmp_path: Path) -> None:
    wav = session / "audio.wav"
    assert audio_source(wav, session / "report.html", embed=False) == "audio.wav"
    elsewhere = tmp_path / "out" / "r.html"
    elsewhere.parent.mkdir()
    rel = audio_source(wav, elsewhere, embed=False)
    assert rel is not None and not rel.startswith("/")
    assert (elsewhere.parent / rel).resolve() == wav.resolve()
    assert audio_source(session / "gone.wav", elsewhere) is None


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.fail("chromium is not installed: run scripts/install-system-deps.sh")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ]
    return subprocess.run(
        [exe, *flags, *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_real_browser_renders_a_non_blank_page(report: Path, tmp_path: Path) -> None:
    from PIL import Image

    shot = tmp_path / "shot.png"
    run = chromium(
        f"--screenshot={shot}",
        "--window-size=1200,2000",
        report.resolve().as_uri(),
        profile=tmp_path / "profile-a",
    )
    assert shot.is_file(), run.stderr[-2000:]
    pixels = np.asarray(Image.open(shot).convert("RGB"))
    assert pixels.shape == (2000, 1200, 3)
    colours = np.unique(pixels.reshape(-1, 3), axis=0)
    assert len(colours) > 200  # text, charts and bars, not a blank or one-colour page
    white = np.all(pixels >= 245, axis=2).mean()
    assert white < 0.9
    # The STAR bar's Action orange (#f28e2b) and the verdict's amber border are drawn.
    orange = np.all(np.abs(pixels.astype(int) - [242, 142, 43]) <= 12, axis=2).sum()
    assert orange > 2000


def test_real_browser_runs_no_injected_script(report: Path, tmp_path: Path) -> None:
    run = chromium(
        "--dump-dom", "--virtual-time-budget=2000", report.resolve().as_uri(),
        profile=tmp_path / "profile-b",
    )  # fmt: skip
    dom = run.stdout
    assert "Pace over time" in dom, run.stderr[-2000:]
    assert "data-pwned" not in dom
    assert "&lt;script&gt;document.body.dataset.pwned" in dom
