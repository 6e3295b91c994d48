"""A CTranslate2 ``model.bin`` rewritten with int8 weights, as CTranslate2 would quantize them.

voiceloop loads every model with ``compute_type="int8"``. Given float16 weights, CTranslate2
reads the whole file, then converts each weight matrix to float32 and to int8, so for a
moment the process holds the float16 weights, a float32 copy of a matrix (106 MB for base's
token embeddings) and the int8 result: loading base peaked at 334 MB resident, 211 MB from
the int8 file (``benchmarks/model_study.py memory``). Written as int8 once, the file is what
stays in memory and nothing is converted at load.

The file format (CTranslate2's ``model_spec.py`` writes it, ``models/model.cc`` reads it;
little-endian): ``u32`` binary version, the spec name, ``u32`` spec revision, ``u32`` count of
variables, then each variable as its name, ``u8`` rank, ``rank`` x ``u32`` dimensions, ``u8``
type id, ``u32`` byte count and the raw data; then ``u32`` count of aliases and pairs of
names. A string is a ``u16`` length that counts a closing NUL, the UTF-8 bytes and the NUL.

What gets quantized is what CTranslate2's loader quantizes in a Whisper model for an int8
compute type: every floating-point variable whose name ends in ``weight``, except the two
encoder convolutions (``WhisperModel::is_quantizable``), that is the linear layers and the
token embeddings, which the output projection shares by an alias. Each row of ``depth``
values, ``depth`` being the last dimension, gets its own scale ``127 / max|row|`` (1 for a
row of zeros) and ``round(value * scale)`` in float32, rounded to nearest even (the loader's
``ops::Quantize`` from binary version 5 on); the scales are stored as ``<name>_scale``
(float32, one per row). Every other variable (convolutions, biases, norms, position
encodings, flags) and the aliases are copied as they are, so a model loaded from the
rewritten file holds the same numbers as one quantized while loading: checked on Whisper base
with CTranslate2 4.8.5, the encoder's output and the beam search's scores came out
bit-identical. CTranslate2's converter (``--quantization int8``) quantizes the convolutions
too (one scale per output channel): that file's encoder output differs from the loaded
float16 model's, so it is not what this module writes.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

# CTranslate2's DataType enum, in order (include/ctranslate2/types.h).
DTYPES = ("float32", "int8", "int16", "int32", "float16", "bfloat16")
INT8 = DTYPES.index("int8")
FLOAT32 = DTYPES.index("float32")
# numpy has no bfloat16; such a file is refused rather than guessed at.
QUANTIZABLE = {DTYPES.index("float32"): "<f4", DTYPES.index("float16"): "<f2"}
# Rows quantized at a time: bounds the float32 copy, whatever the size of the matrix.
BLOCK_VALUES = 1 << 20
# Binary versions whose layout this module reads and writes (the dtype byte came in v4;
# the loader rounds before casting from v5 on, which this module's rounding matches).
VERSIONS = (5, 6)


class ModelFormatError(ValueError):
    """The bytes are not a CTranslate2 model this module can rewrite."""


@dataclass(frozen=True)
class Summary:
    """What a rewrite did."""

    variables: int  # variables read
    quantized: int  # of which rewritten as int8 (each gained a ``_scale`` variable)
    bytes_in: int
    bytes_out: int


class Chain:
    """Files read one after the other as one stream (a model.bin split into parts)."""

    def __init__(self, paths: Iterable[Path]) -> None:
        self._paths = list(paths)
        self._handle: BinaryIO | None = None
        self._left = 0  # bytes of the open file not read yet
        self.position = 0

    def __enter__(self) -> Chain:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def _next_file(self) -> bool:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if not self._paths:
            return False
        path = self._paths.pop(0)
        self._handle = path.open("rb")
        self._left = path.stat().st_size
        return True

    def _advance(self, size: int, keep: bool) -> bytes:
        pieces: list[bytes] = []
        left = size
        while left > 0:
            if (self._handle is None or self._left == 0) and not self._next_file():
                raise ModelFormatError(f"model.bin ends early (at byte {self.position})")
            assert self._handle is not None
            step = min(left, self._left)
            if keep:
                piece = self._handle.read(step)
                if len(piece) != step:  # the file shrank while being read
                    raise ModelFormatError(f"model.bin ends early (at byte {self.position})")
                pieces.append(piece)
            else:
                self._handle.seek(step, 1)
            self._left -= step
            left -= step
            self.position += step
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def read(self, size: int) -> bytes:
        """Exactly ``size`` bytes; a stream that ends first is not a whole model."""
        return self._advance(size, keep=True)

    def skip(self, size: int) -> None:
        self._advance(size, keep=False)

    def at_end(self) -> bool:
        while self._left == 0:
            if not self._next_file():
                return True
        return False


def _unpack(stream: Chain, fmt: str) -> int:
    value: int = struct.unpack("<" + fmt, stream.read(struct.calcsize(fmt)))[0]
    return value


def _read_string(stream: Chain) -> bytes:
    """A string with its length and NUL, as stored (copied through unchanged)."""
    size = stream.read(2)
    (length,) = struct.unpack("<H", size)
    body = stream.read(length)
    if length == 0 or body[-1:] != b"\0":
        raise ModelFormatError(
            f"a name in model.bin is not NUL-terminated (byte {stream.position})"
        )
    return size + body


def _name(raw: bytes) -> str:
    """The text of a string read by :func:`_read_string`."""
    try:
        return raw[2:-1].decode("utf-8")
    except UnicodeDecodeError as err:
        raise ModelFormatError(f"a name in model.bin is not UTF-8 ({raw[2:40]!r})") from err


def _string(name: str) -> bytes:
    raw = name.encode("utf-8") + b"\0"
    return struct.pack("<H", len(raw)) + raw


def _variable_header(stream: Chain) -> tuple[str, tuple[int, ...], int, int]:
    """A variable's name, shape, type id and byte count, read up to its data."""
    name = _name(_read_string(stream))
    rank = _unpack(stream, "B")
    shape = tuple(_unpack(stream, "I") for _ in range(rank))
    dtype = _unpack(stream, "B")
    return name, shape, dtype, _unpack(stream, "I")


def _header(name: str, shape: tuple[int, ...], dtype: int, num_bytes: int) -> bytes:
    return (
        _string(name)
        + struct.pack("<B", len(shape))
        + struct.pack(f"<{len(shape)}I", *shape)
        + struct.pack("<BI", dtype, num_bytes)
    )


def is_quantized(name: str, rank: int, dtype: int) -> bool:
    """Whether CTranslate2's loader makes this Whisper variable int8 for an int8 compute type."""
    return name.endswith("weight") and "conv" not in name and rank > 0 and dtype in QUANTIZABLE


def quantize_rows(
    values: npt.NDArray[np.floating],
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.float32]]:
    """``values`` (rows x depth) as int8 with one float32 scale per row: CTranslate2's rule."""
    import numpy as np

    rows = np.asarray(values, dtype=np.float32)
    amax = np.max(np.abs(rows), axis=1)
    scale = np.ones_like(amax)
    np.divide(np.float32(127.0), amax, out=scale, where=amax != 0)
    scaled = rows * scale[:, None]  # float32 times float32, as the loader multiplies
    np.rint(scaled, out=scaled)  # nearest, ties to even: std::nearbyintf's default
    return scaled.astype(np.int8), scale


def _quantize_variable(
    stream: Chain, out: BinaryIO, name: str, shape: tuple[int, ...], dtype: int, num_bytes: int
) -> None:
    """Read one float variable from ``stream``; write it as int8, then its scales."""
    import numpy as np

    depth = shape[-1]
    rows = 1
    for dim in shape[:-1]:
        rows *= dim
    source = np.dtype(QUANTIZABLE[dtype])
    if rows * depth * source.itemsize != num_bytes:
        raise ModelFormatError(f"{name}: {num_bytes} bytes for the shape {shape}")
    out.write(_header(name, shape, INT8, rows * depth))
    scales = np.empty(rows, dtype=np.float32)
    block = max(1, BLOCK_VALUES // max(depth, 1))
    for first in range(0, rows, block):
        count = min(block, rows - first)
        raw = stream.read(count * depth * source.itemsize)
        values = np.frombuffer(raw, dtype=source).reshape(count, depth)
        quantized, scales[first : first + count] = quantize_rows(values)
        out.write(quantized.tobytes())
    scale_bytes = scales.astype("<f4").tobytes()
    out.write(_header(name + "_scale", (rows,), FLOAT32, len(scale_bytes)))
    out.write(scale_bytes)


def quantize_model(stream: Chain, out: BinaryIO) -> Summary:
    """Copy the model read from ``stream`` to ``out`` with its weights as int8.

    A model whose weights are int8 already is copied as it is. Raises ModelFormatError for
    bytes that are not a model of a known binary version."""
    start = stream.position
    version = _unpack(stream, "I")
    if version not in VERSIONS:
        raise ModelFormatError(f"model.bin has binary version {version}, not one of {VERSIONS}")
    spec = _read_string(stream)
    revision = _unpack(stream, "I")
    count = _unpack(stream, "I")
    # The header's count of variables grows by one scale per quantized weight; it is written
    # after the variables are known, so the body goes first into ``out`` at an offset.
    prefix = struct.pack("<I", version) + spec + struct.pack("<I", revision)
    head = out.tell()
    out.write(prefix + struct.pack("<I", 0))
    quantized: list[str] = []
    names: set[str] = set()
    for _ in range(count):
        name, shape, dtype, num_bytes = _variable_header(stream)
        names.add(name)
        if is_quantized(name, len(shape), dtype):
            _quantize_variable(stream, out, name, shape, dtype, num_bytes)
            quantized.append(name)
            continue
        if dtype >= len(DTYPES) or (name.endswith("weight") and DTYPES[dtype] == "bfloat16"):
            raise ModelFormatError(f"{name}: a type voiceloop cannot quantize ({dtype})")
        out.write(_header(name, shape, dtype, num_bytes))
        left = num_bytes
        while left:
            piece = stream.read(min(left, 1 << 20))
            out.write(piece)
            left -= len(piece)
    clashes = [n for n in quantized if f"{n}_scale" in names]
    if clashes:  # a float weight beside a scale of its own: not a layout CTranslate2 writes
        raise ModelFormatError(f"model.bin holds {clashes[0]} as floats and a scale for it")
    aliases = _unpack(stream, "I")
    out.write(struct.pack("<I", aliases))
    for _ in range(2 * aliases):
        out.write(_read_string(stream))
    if not stream.at_end():
        raise ModelFormatError(f"model.bin has bytes after its aliases (at {stream.position})")
    end = out.tell()
    out.seek(head + len(prefix))
    out.write(struct.pack("<I", count + len(quantized)))
    out.seek(end)
    return Summary(count, len(quantized), stream.position - start, end - head)


def variables(path: Path) -> Iterator[tuple[str, tuple[int, ...], str]]:
    """Name, shape and type of every variable in a model.bin, its data skipped; raises
    ModelFormatError for a file that is not one whole model (cut short, or with bytes after
    its aliases)."""
    with Chain([path]) as stream:
        if _unpack(stream, "I") not in VERSIONS:
            raise ModelFormatError(f"{path} is not a model of binary version {VERSIONS}")
        _read_string(stream)
        _unpack(stream, "I")
        for _ in range(_unpack(stream, "I")):
            name, shape, dtype, num_bytes = _variable_header(stream)
            stream.skip(num_bytes)
            if dtype >= len(DTYPES):
                raise ModelFormatError(f"{name}: unknown type {dtype}")
            yield name, shape, DTYPES[dtype]
        for _ in range(2 * _unpack(stream, "I")):
            _read_string(stream)
        if not stream.at_end():
            raise ModelFormatError(f"{path} has bytes after its aliases")


def is_int8_model(path: Path) -> bool:
    """Whether ``path`` is one whole model file (not cut short) whose weights are all int8."""
    try:
        entries = list(variables(path))
    except (ModelFormatError, OSError):
        return False
    names = {name for name, _, _ in entries}
    floats = [n for n, shape, d in entries if is_quantized(n, len(shape), DTYPES.index(d))]
    scaled = [n for n, _, d in entries if d == "int8" and f"{n}_scale" in names]
    return not floats and bool(scaled)
