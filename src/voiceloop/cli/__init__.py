"""The command line: one thin module per command group, each registering on ``app``.

Commands parse options, call the library and render the result. Heavy libraries
(faster-whisper, librosa, sounddevice, numpy) are imported inside the commands so that
``voiceloop --help`` stays instant.
"""

from __future__ import annotations

import sys

# Importing these modules registers their commands on ``app``, in the order --help lists them.
import voiceloop.cli.analyze
import voiceloop.cli.evaluate
import voiceloop.cli.practice
import voiceloop.cli.round
import voiceloop.cli.serve
import voiceloop.cli.sessions  # noqa: F401
from voiceloop.cli.app import app
from voiceloop.errors import VoiceloopError


def main() -> None:
    """Console entry point: user errors become one line on stderr and a non-zero exit."""
    try:
        app()
    except VoiceloopError as err:
        sys.stderr.write(f"voiceloop: error: {err}\n")
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("voiceloop: interrupted\n")
        sys.exit(130)
    except OSError as err:  # e.g. a full disk outside the places that already explain it
        from voiceloop.fsutil import describe_os_error

        sys.stderr.write(f"voiceloop: error: {describe_os_error(err, 'files')}\n")
        sys.exit(1)
    except MemoryError:
        sys.stderr.write("voiceloop: error: out of memory\n")
        sys.exit(1)
