"""The exception types the CLI turns into a single line on stderr.

Callers that must tell one failure from another (a take with no answer in it is saved
unanalyzed; a model that will not load keeps the take for a retry) test the subclass, never
the wording of the message.
"""

from __future__ import annotations


class VoiceloopError(Exception):
    """A problem the user can act on: shown as one line on stderr, exits with ``exit_code``."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class NoSpeech(VoiceloopError):
    """The audio holds no answer to analyze: too short, silent, or no speech heard in it.

    ``reason`` is the short form a failed take is listed with ("no speech heard").
    """

    def __init__(self, message: str, reason: str = "no speech heard") -> None:
        super().__init__(message)
        self.reason = reason


class AudioUnreadable(VoiceloopError):
    """An audio file that is missing, empty, unreadable or cannot be decoded."""


class ModelUnavailable(VoiceloopError):
    """The Whisper model cannot be found, downloaded or loaded."""
