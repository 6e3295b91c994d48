"""The public API: what a script calls instead of CLI internals."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import voiceloop
from voiceloop.models import Word


def test_every_public_name_resolves_and_importing_loads_nothing_heavy() -> None:
    code = (
        "import sys, voiceloop; "
        "heavy = [m for m in ('numpy', 'faster_whisper', 'pydantic') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    for name in voiceloop.__all__:
        assert getattr(voiceloop, name) is not None, name
    with pytest.raises(AttributeError):
        voiceloop.no_such_thing  # noqa: B018


def test_analyze_transcript_is_pure_and_takes_a_bank_prompt_by_id() -> None:
    text = (
        "I was the analyst on the returns team. My goal was to cut refund delays. "
        "I rebuilt the queue and automated the checks. Delays fell from nine days to two."
    )
    words = [Word(text=w, start=i * 0.4, end=i * 0.4 + 0.3) for i, w in enumerate(text.split())]
    transcript = voiceloop.Transcript(words=words, duration=len(words) * 0.4 + 1)
    analysis = voiceloop.analyze_transcript(transcript, prompt="dive-deep-root-cause")
    assert analysis.prompt_id == "dive-deep-root-cause"
    assert analysis.quantify.result_quantified is True
    with pytest.raises(voiceloop.VoiceloopError):
        voiceloop.analyze_transcript(transcript, prompt="no-such-question")


def test_analyze_samples_refuses_silence_with_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(voiceloop.NoSpeech):
        voiceloop.analyze_samples(np.zeros(16_000 * 3, dtype=np.float32), recordings=tmp_path)
    assert not any(p.is_dir() and p.name != ".takes" for p in tmp_path.iterdir())


@pytest.mark.slow
def test_analyze_file_keeps_a_session(tmp_path: Path, speak: Callable[..., Path]) -> None:
    speech_wav = speak(
        "I was the analyst on the returns team. I rebuilt the refund queue. "
        "Refund delays fell from nine days to two."
    )
    result = voiceloop.analyze_file(speech_wav, recordings=tmp_path / "rec")
    assert result.folder.parent == tmp_path / "rec"
    assert (result.folder / "analysis.json").exists()
    assert result.transcript.words
    assert voiceloop.transcribe_file(speech_wav).words
