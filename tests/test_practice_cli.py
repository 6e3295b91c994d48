"""`voiceloop practice` end to end through a microphone made of a FIFO (see fakemic.py).

Each test runs the real command in a subprocess (or a pseudo-terminal, for Enter and
Ctrl-C) with ALSA pointed at a file-backed capture device, so the audio goes through
sounddevice and PortAudio as a real microphone's would. The answers are espeak-ng speech.
"""

from __future__ import annotations

import difflib
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from fakemic import RATE, FifoMic, alsa_env, to_pcm16
from sessionkit import BASE, make_session
from voiceloop.cli.app import SAMPLE_PROMPT_ID, app
from voiceloop.models import SessionMeta
from voiceloop.prompts import filter_prompts, load_bank
from voiceloop.sessions.index import practice_counts
from voiceloop.sessions.round import pick_prompt

PROMPT = "dive-deep-root-cause"
ANSWER = (
    "Last spring our dashboard showed that customers were leaving after their first week. "
    "I dug into the raw event logs myself and found that a broken tracking tag hid most "
    "of the sign ups."
)
SECOND_ANSWER = "My first guess was a pricing change, but the logs showed the drop began earlier."

Speak = Callable[..., Path]


def words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def overlap(said: str, heard: str) -> float:
    """Share of the words said that the transcript has, in order."""
    a, b = words(said), words(heard)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / max(1, len(a))


def pcm_of(path: Path) -> bytes:
    data, rate = sf.read(str(path), dtype="float32")
    assert rate == RATE
    return to_pcm16(data)


def aligned_match(recorded: Path, fed: bytes) -> float:
    """Seconds of ``recorded`` that are the fed audio, sample for sample (16-bit rounding aside).

    The recording starts wherever the stream opened in the feed; find that offset first.
    """
    got, rate = sf.read(str(recorded), dtype="float32")
    assert rate == RATE
    want = np.frombuffer(fed, dtype="<i2").astype(np.float32) / 32768
    n = len(got) + len(want)
    spectrum = np.fft.rfft(want, n) * np.conj(np.fft.rfft(got, n))
    offset = int(np.argmax(np.fft.irfft(spectrum, n)[: len(want)]))
    span = min(len(got), len(want) - offset)
    diff = np.abs(got[:span] - want[offset : offset + span])
    assert offset < 0.5 * RATE, offset  # at most a probe's chunk went missing at the start
    assert float(np.max(diff)) < 2e-3, float(np.max(diff))
    return span / RATE


def cli_env(tmp_path: Path, mic: Path | None, **kw: bool) -> dict[str, str]:
    env = {**os.environ, **alsa_env(tmp_path / "alsa", mic, **kw)}
    env.pop("VOICELOOP_RECORDINGS", None)
    return env


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "voiceloop", *args]


def sessions(recordings: Path) -> list[dict[str, object]]:
    found = []
    for meta in sorted(recordings.glob("*/session.json")):
        data = json.loads(meta.read_text(encoding="utf-8"))
        data["folder"] = str(meta.parent)
        found.append(data)
    return found


def transcript_text(session: dict[str, object]) -> str:
    data = json.loads((Path(str(session["folder"])) / "transcript.json").read_text("utf-8"))
    return " ".join(w["text"] for w in data["words"])


def takes(recordings: Path) -> list[Path]:
    folder = recordings / ".takes"
    return sorted(folder.glob("*.wav")) if folder.is_dir() else []


# --- fast: choosing and listing questions -----------------------------------------------


def test_least_practised_question_is_chosen(tmp_path: Path) -> None:
    found = filter_prompts(load_bank(), principle="dive deep")
    candidates = [p.id for p in found]
    assert len(candidates) >= 2
    recordings = tmp_path / "rec"
    for n, prompt in enumerate(found[1:] * 2):  # analyzed answers: each counts as practice
        make_session(recordings, prompt=prompt, created=BASE + timedelta(minutes=n))
    # a failed take (no answer heard) is no practice: its question stays the least practised
    failed = SessionMeta(
        id=f"20240501-100000-{candidates[0]}",
        created_at="2024-05-01T10:00:00+00:00",
        prompt_id=candidates[0],
        prompt_text="...",
        source="microphone",
        audio_file="audio.wav",
        audio_seconds=60.0,
        model="",
        analysis_version="",
        status="unanalyzed",
        failure="no speech heard",
    )
    (recordings / failed.id).mkdir(parents=True)
    (recordings / failed.id / "session.json").write_text(failed.model_dump_json())
    (recordings / "broken").mkdir()
    (recordings / "broken" / "session.json").write_text("{not json")
    counts = practice_counts(recordings)
    assert counts == {p: 2 for p in candidates[1:]}
    for _ in range(5):
        assert pick_prompt(None, "Dive Deep", None, recordings).id == candidates[0]
    assert pick_prompt(PROMPT, None, None, recordings).id == PROMPT


def test_prompts_lists_and_filters() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["prompts", "--lp", "dive deep"])
    assert result.exit_code == 0, result.output
    assert PROMPT in result.output
    listed = [line.split()[0] for line in result.output.splitlines() if "  [" in line]
    bank = {p.id: p for p in load_bank()}
    assert listed and all("Dive Deep" in bank[i].principles for i in listed)

    result = runner.invoke(app, ["prompts", "--kind", "intro", "--ids"])
    assert result.exit_code == 0
    assert result.output.split() == [p.id for p in load_bank() if p.kind == "intro"]

    result = runner.invoke(app, ["prompts", "--search", "root cause", "--json"])
    assert PROMPT in [p["id"] for p in json.loads(result.output)]

    result = runner.invoke(app, ["prompts", "--kind", "speech"])
    assert result.exit_code != 0


# --- slow: the real microphone path ------------------------------------------------------


@pytest.mark.slow
def test_practice_end_to_end_transcript_matches_the_fed_speech(
    tmp_path: Path, speak: Speak
) -> None:
    recordings = tmp_path / "rec"
    mic = FifoMic(tmp_path / "mic", pcm_of(speak(ANSWER, pad_s=0.8))).start()
    try:
        proc = subprocess.Popen(
            [
                *command("practice", PROMPT, "--no-speak", "--countdown", "0"),
                "--recordings",
                str(recordings),
            ],
            env=cli_env(tmp_path, mic.path),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert mic.wait_fed(timeout=60), "the recorder never read the microphone"
        time.sleep(0.3)
        out, err = proc.communicate("\n", timeout=120)  # Enter, through a pipe
    finally:
        mic.stop()
    assert proc.returncode == 0, err
    assert "Describe a problem" in out
    assert "Report:" in out
    assert "stopped (Enter)" in err
    assert "[f]" not in out  # not a terminal: no follow-up question asked
    (session,) = sessions(recordings)
    assert session["source"] == "microphone"
    assert session["prompt_id"] == PROMPT
    assert session["status"] == "analyzed"
    assert mic.data_seconds - 0.5 <= float(str(session["audio_seconds"])) <= mic.data_seconds + 2
    heard = transcript_text(session)
    # tiny.en's reading of the espeak voice moves a few words between library releases
    # (0.79 here with ctranslate2 4.8.5); speech that did not come through scores near 0
    assert overlap(ANSWER, heard) >= 0.7, heard
    assert takes(recordings) == []


@pytest.mark.slow
def test_terminal_enter_stops_and_the_follow_up_is_asked(tmp_path: Path, speak: Speak) -> None:
    pexpect = pytest.importorskip("pexpect")
    recordings = tmp_path / "rec"
    mic = FifoMic(tmp_path / "mic", pcm_of(speak(ANSWER, pad_s=0.5))).start()
    child = pexpect.spawn(
        sys.executable,
        [
            "-m",
            "voiceloop",
            "practice",
            PROMPT,
            "--countdown",
            "1",
            "--recordings",
            str(recordings),
        ],
        env=cli_env(tmp_path, mic.path),
        encoding="utf-8",
        timeout=90,
        dimensions=(24, 140),
    )
    screen = io.StringIO()
    child.logfile_read = screen
    try:
        child.expect("Describe a problem")
        child.expect("Starting in 1")
        child.expect(r"REC 0:0\d / 2:00-3:00  \[#*\.*\]")  # the live line with its meter
        assert mic.wait_fed(timeout=60)
        child.send("\r")
        child.expect(r"stopped \(Enter\)")
        child.expect("Report:")
        child.expect('Follow-up: "What was your first hypothesis')
        child.expect(r"\[f\] answer the follow-up")
        child.sendline("f")
        child.expect(f"{PROMPT}-followup-1")
        child.expect("What was your first hypothesis")
        child.expect("REC 0:0")
        mic.append(pcm_of(speak(SECOND_ANSWER, pad_s=0.5)))
        assert mic.wait_fed(timeout=60)
        child.send("\r")
        child.expect("Report:")
        child.expect(r"\[n\] another question")
        child.sendline("q")
        child.expect(pexpect.EOF)
    finally:
        child.close()
        mic.stop()
    assert child.exitstatus == 0
    assert "not read aloud" not in screen.getvalue()  # spoken, into ALSA's null sink
    answers = {str(s["prompt_id"]): s for s in sessions(recordings)}
    assert set(answers) == {PROMPT, f"{PROMPT}-followup-1"}
    assert overlap(SECOND_ANSWER, transcript_text(answers[f"{PROMPT}-followup-1"])) >= 0.7


@pytest.mark.slow
def test_ctrl_c_mid_take_keeps_the_audio_and_analyzes_it(tmp_path: Path, speak: Speak) -> None:
    pexpect = pytest.importorskip("pexpect")
    recordings = tmp_path / "rec"
    mic = FifoMic(tmp_path / "mic", pcm_of(speak(ANSWER, pad_s=0.5))).start()
    child = pexpect.spawn(
        sys.executable,
        [
            "-m",
            "voiceloop",
            "practice",
            PROMPT,
            "--no-speak",
            "--countdown",
            "0",
            "--recordings",
            str(recordings),
        ],
        env=cli_env(tmp_path, mic.path),
        encoding="utf-8",
        timeout=90,
    )
    try:
        child.expect("REC 0:0")
        assert mic.wait_seconds(6.0, timeout=30)
        child.sendintr()
        fed_at_stop = mic.fed_seconds
        child.expect(r"stopped \(Ctrl-C\)")
        child.expect("Report:")
        child.expect(pexpect.EOF)
    finally:
        child.close()
        mic.stop()
    assert child.exitstatus == 0
    (session,) = sessions(recordings)
    seconds = float(str(session["audio_seconds"]))
    # At most about a second lost; a little more may come in while Ctrl-C is handled.
    assert fed_at_stop - 1.0 <= seconds <= fed_at_stop + 1.5
    # Everything kept is the speech fed, sample for sample, up to the moment of Ctrl-C.
    audio = Path(str(session["folder"])) / "audio.wav"
    assert aligned_match(audio, mic.pcm) >= min(seconds, fed_at_stop) - 0.2
    heard = words(transcript_text(session))
    assert len(heard) >= 5, heard
    assert "sign" not in heard  # the end of the answer was never spoken
    assert takes(recordings) == []


@pytest.mark.slow
def test_second_ctrl_c_saves_unanalyzed_and_recover_analyzes_it(
    tmp_path: Path, speak: Speak
) -> None:
    pexpect = pytest.importorskip("pexpect")
    recordings = tmp_path / "rec"
    mic = FifoMic(tmp_path / "mic", pcm_of(speak(ANSWER, pad_s=0.5))).start()
    env = cli_env(tmp_path, mic.path)
    child = pexpect.spawn(
        sys.executable,
        [
            "-m",
            "voiceloop",
            "practice",
            PROMPT,
            "--no-speak",
            "--countdown",
            "0",
            "--recordings",
            str(recordings),
        ],
        env=env,
        encoding="utf-8",
        timeout=90,
    )
    try:
        child.expect("REC 0:0")
        assert mic.wait_seconds(5.0, timeout=30)
        child.sendintr()
        fed_at_stop = mic.fed_seconds
        time.sleep(0.2)
        child.sendintr()
        child.expect("Saved without analysis")
        child.expect(pexpect.EOF)
    finally:
        child.close()
        mic.stop()
    assert child.exitstatus == 130
    (session,) = sessions(recordings)
    assert session["status"] == "unanalyzed"
    assert session["prompt_id"] == PROMPT
    audio = Path(str(session["folder"])) / "audio.wav"
    assert fed_at_stop - 1.0 <= sf.info(str(audio)).duration <= fed_at_stop + 1.5
    assert aligned_match(audio, mic.pcm) >= sf.info(str(audio)).duration - 0.2
    assert not (Path(str(session["folder"])) / "analysis.json").exists()

    plain = subprocess.run(
        command("recover", "--recordings", str(recordings)), capture_output=True, text=True
    )
    assert "1 session saved without analysis" in plain.stdout
    done = subprocess.run(
        command("recover", "--unanalyzed", "--recordings", str(recordings)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    (analyzed,) = sessions(recordings)
    assert analyzed["status"] == "analyzed"
    assert analyzed["created_at"] == session["created_at"]  # still the time it was spoken
    assert len(words(transcript_text(analyzed))) >= 5


@pytest.mark.slow
def test_kill_9_mid_take_leaves_audio_that_the_next_start_recovers(
    tmp_path: Path, speak: Speak
) -> None:
    recordings = tmp_path / "rec"
    mic = FifoMic(tmp_path / "mic", pcm_of(speak(ANSWER, pad_s=0.5))).start()
    proc = subprocess.Popen(
        command("practice", PROMPT, "--countdown", "0", "--recordings", str(recordings)),
        env=cli_env(tmp_path, mic.path, playback=False),  # a microphone, no speaker
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert mic.wait_seconds(6.0, timeout=60)
        time.sleep(0.2)  # let the last block reach the disk
        fed_at_kill = mic.fed_seconds
        proc.send_signal(signal.SIGKILL)
        _out, err = proc.communicate(timeout=30)
    finally:
        mic.stop()
    assert proc.returncode == -signal.SIGKILL
    assert err.count("The question is not read aloud: no output device found") == 1, err
    (take,) = takes(recordings)
    data, rate = sf.read(str(take), dtype="float32")  # playable as it was left
    assert rate == RATE
    assert len(data) / RATE >= fed_at_kill - 1.0
    assert aligned_match(take, mic.pcm) >= len(data) / RATE - 0.2
    assert json.loads(take.with_suffix(".json").read_text())["prompt"]["id"] == PROMPT

    # The next start, on a machine without a microphone, recovers it before anything else.
    again = subprocess.run(
        command("practice", "--recordings", str(recordings)),
        env=cli_env(tmp_path / "nomic", None, devices=False),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert again.returncode == 0, again.stderr
    assert "Recovering answers left by an earlier run" in again.stderr
    assert takes(recordings) == []
    by_source = {str(s["source"]).rsplit("/", 1)[-1]: s for s in sessions(recordings)}
    assert set(by_source) == {"microphone", "sample_answer.flac"}  # recovered, then fallback
    recovered = by_source["microphone"]
    assert recovered["prompt_id"] == PROMPT
    assert fed_at_kill - 1.0 <= float(str(recovered["audio_seconds"])) <= fed_at_kill + 0.5
    assert len(words(transcript_text(recovered))) >= 5


@pytest.mark.slow
def test_no_sound_card_falls_back_to_the_sample_answer(tmp_path: Path) -> None:
    recordings = tmp_path / "rec"
    result = subprocess.run(
        command("practice", "--recordings", str(recordings)),
        env=cli_env(tmp_path, None, devices=False),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if "microphone" in line.lower()]
    assert len(notes) == 1, result.stderr
    assert notes[0].startswith("Cannot record: no microphone (input device) found.")
    assert "Report:" in result.stdout
    (session,) = sessions(recordings)
    assert session["prompt_id"] == SAMPLE_PROMPT_ID
    assert str(session["source"]).endswith("sample_answer.flac")


@pytest.mark.slow
def test_missing_portaudio_falls_back_to_the_sample_answer(tmp_path: Path) -> None:
    shim = tmp_path / "shim"
    shim.mkdir()
    # What `import sounddevice` does when libportaudio is not installed.
    (shim / "sounddevice.py").write_text("raise OSError('PortAudio library not found')\n")
    env = {**os.environ, "PYTHONPATH": str(shim)}
    recordings = tmp_path / "rec"
    result = subprocess.run(
        command("practice", "--json", "--recordings", str(recordings)),
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    assert "Cannot record: the PortAudio library is missing" in result.stderr
    assert "libportaudio2" in result.stderr
    assert json.loads(result.stdout)["session"]["prompt_id"] == SAMPLE_PROMPT_ID

    doctor = subprocess.run(command("doctor"), env=env, capture_output=True, text=True)
    assert doctor.returncode == 1
    assert re.search(r"^FAIL  PortAudio: the PortAudio library is missing", doctor.stdout, re.M)
    assert "fix: install the PortAudio library" in doctor.stdout


@pytest.mark.slow
def test_doctor_and_devices_with_and_without_a_microphone(tmp_path: Path) -> None:
    recordings = tmp_path / "rec"
    env = cli_env(tmp_path, tmp_path / "room.raw")
    # doctor checks that sound arrives: a room's noise (about -40 dBFS), not digital silence
    hiss = np.random.default_rng(5).standard_normal(5 * RATE) * 300
    (tmp_path / "room.raw").write_bytes(to_pcm16(hiss.astype(np.int16)))
    listed = subprocess.run(command("devices"), env=env, capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    assert re.search(r"^><\s+\d+  default ", listed.stdout, re.M), listed.stdout
    assert "filemic" in listed.stdout

    good = subprocess.run(
        command("doctor", "--recordings", str(recordings)), env=env, capture_output=True, text=True
    )
    assert good.returncode == 0, good.stdout + good.stderr
    for name in ("PortAudio", "microphone", "speaker", "text to speech", "model", "recordings"):
        assert re.search(rf"^ok\s+{name}: ", good.stdout, re.M), good.stdout
    assert "All checks passed." in good.stdout

    bare = cli_env(tmp_path / "bare", None, devices=False)
    bad = subprocess.run(
        command("doctor", "--recordings", str(recordings)), env=bare, capture_output=True, text=True
    )
    assert bad.returncode == 1
    assert re.search(r"^FAIL  microphone: no microphone \(input device\) found", bad.stdout, re.M)
    assert re.search(r"^warn  speaker: no output device found", bad.stdout, re.M)
    assert bad.stdout.count("fix:") == 2
    assert "1 problem found" in bad.stdout
    nothing = subprocess.run(command("devices"), env=bare, capture_output=True, text=True)
    assert nothing.stdout.strip() == "no audio devices found"


@pytest.mark.slow
def test_silence_stop_ends_the_take_without_enter(tmp_path: Path, speak: Speak) -> None:
    recordings = tmp_path / "rec"
    mic = FifoMic(tmp_path / "mic", pcm_of(speak(SECOND_ANSWER, pad_s=0.5))).start()
    started = time.monotonic()
    try:
        result = subprocess.run(
            [
                *command(
                    "practice", PROMPT, "--no-speak", "--countdown", "0", "--silence-stop", "2"
                ),
                "--recordings",
                str(recordings),
            ],
            env=cli_env(tmp_path, mic.path),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        mic.stop()
    wall = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "stopped after a stretch of silence" in result.stderr
    (session,) = sessions(recordings)
    seconds = float(str(session["audio_seconds"]))
    assert mic.data_seconds + 1.0 <= seconds <= mic.data_seconds + 2.5
    assert wall >= seconds  # it waited for the silence in real time


@pytest.mark.slow
def test_a_take_nobody_answers_stops_at_the_stated_time(tmp_path: Path) -> None:
    recordings = tmp_path / "rec"
    mic = tmp_path / "silence.raw"
    mic.write_bytes(bytes(2 * RATE * 60))  # a minute of digital silence, read ahead of time
    result = subprocess.run(
        [
            *command("practice", PROMPT, "--no-speak", "--countdown", "0"),
            *("--no-speech-stop", "3", "--recordings", str(recordings)),
        ],
        env=cli_env(tmp_path, mic),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "stops after 3 s if you say nothing" in result.stderr  # stated before it starts
    assert "Recorded 3.0 s" in result.stderr, result.stderr
    assert "stopped: no speech in the first 3 s" in result.stderr
