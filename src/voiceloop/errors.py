"""The one exception type the CLI turns into a single line on stderr."""

from __future__ import annotations


class VoiceloopError(Exception):
    """A problem the user can act on: shown as one line on stderr, exits with ``exit_code``."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code
