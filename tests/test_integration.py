"""The real model on real (synthesized) speech, end to end through the command line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from conftest import synthesize
from voiceloop.models import Analysis, SessionMeta, Transcript

pytestmark = pytest.mark.slow

ANSWER = (
    "Last spring I was the data scientist on our search team, and the click rate had fallen "
    "for three weeks in a row. My task was to find out why before the quarterly review. "
    "So, um, first I split the drop by country and by device. I found that it came from "
    "one app version. Then I rebuilt the ranking features and, uh, I ran an experiment "
    "against the old model. As a result, the click rate went from four percent to five "
    "percent within two weeks. Looking back, I learned to check the logs before the model."
)


def run_cli(*args: str, recordings: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VOICELOOP_RECORDINGS": str(recordings)}
    return subprocess.run(
        [sys.executable, "-m", "voiceloop", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def speech_span(path: Path) -> float:
    """Seconds from the first to the last audible sample: the reference for pace."""
    data, rate = sf.read(str(path), dtype="float32")
    loud = np.flatnonzero(np.abs(data) > 0.01)
    return float((loud[-1] - loud[0]) / rate)


@pytest.fixture(scope="module")
def answer_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthesize(ANSWER, tmp_path_factory.mktemp("answer") / "answer.wav", rate_wpm=150)


def only_session(recordings: Path) -> Path:
    sessions = [p for p in recordings.iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert len(sessions) == 1, sessions
    return sessions[0]


def test_analyze_writes_a_complete_session(answer_wav: Path, tmp_path: Path) -> None:
    recordings = tmp_path / "rec"
    result = run_cli("analyze", str(answer_wav), "--prompt", "dive-deep-root-cause",
                     recordings=recordings)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Report:" in result.stdout

    session = only_session(recordings)
    names = sorted(p.name for p in session.iterdir())
    assert names == ["analysis.json", "audio.wav", "report.md", "session.json", "transcript.json"]
    info = sf.info(str(session / "audio.wav"))
    assert (info.samplerate, info.channels) == (16_000, 1)

    meta = SessionMeta.model_validate_json((session / "session.json").read_text())
    assert meta.prompt_id == "dive-deep-root-cause"
    transcript = Transcript.model_validate_json((session / "transcript.json").read_text())
    analysis = Analysis.model_validate_json((session / "analysis.json").read_text())

    # The transcript holds the words we spoke (numbers may come back as digits).
    text_words = len(ANSWER.split())
    assert abs(analysis.pacing.word_count - text_words) / text_words < 0.15
    spoken = " ".join(w.text.lower() for w in transcript.words)
    phrases = ("my task was", "looking back", "click rate", "ran an experiment", "i found")
    heard = [p for p in phrases if p in spoken]
    assert len(heard) >= 4, spoken  # tiny.en mishears a word or two of espeak's voice

    # Pace agrees with what the text and the audio imply; the speaking span is the audible
    # one (word edges placed by energy: Whisper alone started the first word 0.4 s early).
    assert analysis.pacing.speaking_span_s == pytest.approx(speech_span(answer_wav), rel=0.01)
    assert analysis.pacing.speech_start == pytest.approx(0.5, abs=0.05)
    reference_wpm = text_words / speech_span(answer_wav) * 60
    assert analysis.pacing.wpm == pytest.approx(reference_wpm, rel=0.15)

    # STAR: the answer has every part, in order, with a quantified Result.
    labels = [s.label for s in analysis.star.sections]
    assert labels[0] == "situation" and "action" in labels and "result" in labels
    assert "result" not in analysis.star.missing and "action" not in analysis.star.missing
    assert analysis.quantify.result_quantified is True
    assert analysis.language.i_count > analysis.language.we_count

    report = (session / "report.md").read_text()
    assert report.index("## Verdict") < report.index("## Figures") < report.index("## Transcript")


def test_stereo_44k_flac_and_json_output(answer_wav: Path, tmp_path: Path) -> None:
    data, rate = sf.read(str(answer_wav), dtype="float32")
    import soxr

    stereo = np.stack([soxr.resample(data, rate, 44_100)] * 2, axis=1)
    flac = tmp_path / "stereo.flac"
    sf.write(str(flac), stereo, 44_100)
    result = run_cli("analyze", str(flac), "--json", recordings=tmp_path / "rec")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(payload) == {"session", "analysis", "transcript"}
    assert payload["analysis"]["pacing"]["word_count"] > 50
    info = sf.info(str(only_session(tmp_path / "rec") / "audio.wav"))
    assert (info.samplerate, info.channels) == (16_000, 1)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg makes the m4a fixture")
def test_m4a_is_decoded(answer_wav: Path, tmp_path: Path) -> None:
    m4a = tmp_path / "answer.m4a"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(answer_wav), "-c:a", "aac",
                    str(m4a)], check=True)  # fmt: skip
    result = run_cli("analyze", str(m4a), recordings=tmp_path / "rec")
    assert result.returncode == 0, result.stderr
    analysis = Analysis.model_validate_json(
        (only_session(tmp_path / "rec") / "analysis.json").read_text()
    )
    assert abs(analysis.pacing.word_count - len(ANSWER.split())) < 12


def test_bundled_sample_runs(tmp_path: Path) -> None:
    result = run_cli("analyze", "--sample", recordings=tmp_path / "rec")
    assert result.returncode == 0, result.stderr
    assert "Fix next:" in result.stdout or "Nothing stands out" in result.stdout


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare to cut the network")
def test_default_model_needs_no_network(tmp_path: Path) -> None:
    """With no network namespace at all, the default pipeline still runs end to end."""
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("this machine does not allow network namespaces")
    env = {**os.environ, "VOICELOOP_RECORDINGS": str(tmp_path / "rec")}
    result = subprocess.run(
        ["unshare", "-rn", sys.executable, "-m", "voiceloop", "analyze", "--sample"],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert only_session(tmp_path / "rec").is_dir()


def test_named_model_offline_fails_with_the_alternatives(tmp_path: Path) -> None:
    env = {**os.environ, "VOICELOOP_RECORDINGS": str(tmp_path / "rec"),
           "HF_ENDPOINT": "http://127.0.0.1:9", "HF_HOME": str(tmp_path / "hf")}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "voiceloop", "analyze", "--sample", "--model", "small.en"],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "could not download model 'small.en'" in result.stderr
    assert "embedded" in result.stderr and "models/" in result.stderr
    assert not (tmp_path / "rec").exists() or not any((tmp_path / "rec").iterdir())


@pytest.fixture
def tiny_disk(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A 1 MB tmpfs: too small for a session's audio. Needs permission to mount."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                          capture_output=True)  # fmt: skip
    if made.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (not root, or no mount permission)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_full_disk_leaves_no_half_written_session(tiny_disk: Path) -> None:
    result = run_cli("analyze", "--sample", recordings=tiny_disk)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("voiceloop: error: disk full")
    leftovers = [p.name for p in tiny_disk.iterdir() if p.name != "index.sqlite"]
    assert leftovers == [], leftovers
