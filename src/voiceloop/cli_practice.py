"""`voiceloop practice` and the microphone commands (devices, doctor, recover)."""

from __future__ import annotations

from voiceloop.cli_app import app  # noqa: F401  (commands register on it)
