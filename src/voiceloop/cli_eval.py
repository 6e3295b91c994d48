"""`voiceloop eval DATASET_DIR`: accuracy of the whole pipeline against labelled clips."""

from __future__ import annotations

from voiceloop.cli_app import app  # noqa: F401  (commands register on it)
