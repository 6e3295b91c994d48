"""`voiceloop --version`: the installed version, at once, without loading the heavy libraries."""

from __future__ import annotations

import re
import subprocess
import sys

import voiceloop

HEAVY = ("numpy", "pydantic", "faster_whisper", "ctranslate2", "sounddevice", "librosa")


def test_version_prints_the_installed_version_and_exits_zero() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "voiceloop", "--version"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"voiceloop {voiceloop.__version__}\n"
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", voiceloop.__version__)
    assert result.stderr == ""


def test_version_loads_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "from voiceloop.cli import main\n"
        "sys.argv = ['voiceloop', '--version']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exit:\n"
        "    code = exit.code\n"
        f"print(code, [m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.splitlines()[-1] == "0 []", out.stdout + out.stderr
