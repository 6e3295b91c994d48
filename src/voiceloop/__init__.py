"""voiceloop: a local, offline spoken mock-interview coach.

The public API (see ``voiceloop.api``): ``analyze_file``, ``analyze_samples``,
``transcribe_file``, ``analyze_transcript``, and the records they return. Names load on first
use, so ``import voiceloop`` (and ``voiceloop --help``) stays instant.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

# CTranslate2 decodes on OpenMP threads (libgomp), which by default spin while they wait for
# work. The model is loaded on one thread (the preload while the question is read) and used
# on another (the transcriber running while you speak); the first thread's OpenMP workers
# then spin on after it ends and take the cores the decoding needs: an 11 s chunk took 21 s
# instead of 1.8 s on 2 cores, and a program running beside voiceloop lost a core to them.
# Waiting passively cost nothing measurable in a whole-file pass. libgomp reads this when it
# loads, so it is set before anything can import faster_whisper; a value already set is kept.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.6.8"

_HOMES = {
    "analyze_file": "voiceloop.api",
    "analyze_samples": "voiceloop.api",
    "transcribe_file": "voiceloop.api",
    "analyze_transcript": "voiceloop.api",
    "SessionResult": "voiceloop.sessions.analyze",
    "Analysis": "voiceloop.models",
    "Prompt": "voiceloop.models",
    "SessionMeta": "voiceloop.models",
    "Transcript": "voiceloop.models",
    "Word": "voiceloop.models",
    "AnalysisOptions": "voiceloop.options",
    "TranscribeOptions": "voiceloop.transcribe.decode",
    "VoiceloopError": "voiceloop.errors",
    "NoSpeech": "voiceloop.errors",
    "AudioUnreadable": "voiceloop.errors",
    "ModelUnavailable": "voiceloop.errors",
}
__all__ = [
    "Analysis",
    "AnalysisOptions",
    "AudioUnreadable",
    "ModelUnavailable",
    "NoSpeech",
    "Prompt",
    "SessionMeta",
    "SessionResult",
    "TranscribeOptions",
    "Transcript",
    "VoiceloopError",
    "Word",
    "__version__",
    "analyze_file",
    "analyze_samples",
    "analyze_transcript",
    "transcribe_file",
]

if TYPE_CHECKING:
    from voiceloop.api import analyze_file, analyze_samples, analyze_transcript, transcribe_file
    from voiceloop.errors import AudioUnreadable, ModelUnavailable, NoSpeech, VoiceloopError
    from voiceloop.models import Analysis, Prompt, SessionMeta, Transcript, Word
    from voiceloop.options import AnalysisOptions
    from voiceloop.sessions.analyze import SessionResult
    from voiceloop.transcribe.decode import TranscribeOptions


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'voiceloop' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
