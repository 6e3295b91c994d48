"""What a sentence means, as a vector: the offline sentence encoder behind the STAR labeller.

Words alone tie the labeller to the phrasings it was trained on ("the outcome was" but not
"net effect,"); a sentence encoder places sentences that say the same kind of thing near each
other, however they are worded, so a style of answering the model never saw still lands near
the stories it did see. The encoder is all-MiniLM-L6-v2 (Apache-2.0; six BERT layers, 384
dimensions), converted once to CTranslate2 with int8 weights by
``benchmarks/styles/build_encoder.py`` and shipped in ``sentence_encoder/`` (23 MB): it runs on
the CTranslate2 runtime faster-whisper already brings, with no torch and no network.

A sentence's vector is the mean of its token states (the model's own pooling), scaled to unit
length. One thread: the labeller runs while the recogniser may still be decoding.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import ctranslate2
    from tokenizers import Tokenizer

ENCODER_PATH = Path(__file__).resolve().parent / "sentence_encoder"
DIMENSIONS = 384
MAX_TOKENS = 128  # a spoken sentence is far shorter; a run-on transcript is cut, not refused


class SentenceEncoder:
    """all-MiniLM-L6-v2 on CTranslate2: ``encode`` turns sentences into unit vectors."""

    def __init__(self, path: Path = ENCODER_PATH) -> None:
        import ctranslate2
        from tokenizers import Tokenizer

        self._encoder: ctranslate2.Encoder = ctranslate2.Encoder(
            str(path), device="cpu", compute_type="int8", intra_threads=1
        )
        tokenizer: Tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer = tokenizer

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length row of ``DIMENSIONS`` floats per text (an empty text: zeros)."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        todo = [i for i, t in enumerate(texts) if t.strip()]
        if not todo:
            return out
        ids = [e.ids for e in self._tokenizer.encode_batch([texts[i] for i in todo])]
        states = np.asarray(self._encoder.forward_batch(ids).last_hidden_state, dtype=np.float32)
        lengths = np.array([len(x) for x in ids])
        mask = np.arange(states.shape[1])[None, :] < lengths[:, None]
        mean = (states * mask[:, :, None]).sum(axis=1) / lengths[:, None]
        norms = np.linalg.norm(mean, axis=1, keepdims=True)
        out[todo] = mean / np.maximum(norms, 1e-12)
        return out


@cache
def default_encoder() -> SentenceEncoder:
    """The shipped encoder, loaded once per process on first use (about 0.2 s, 25 MB)."""
    return SentenceEncoder()


_MEMO: dict[str, np.ndarray] = {}
_MEMO_SIZE = 20_000  # sentences: a re-analysis, a round's retries, the trainer's variants


def embed(texts: Sequence[str]) -> np.ndarray:
    """The shipped encoder's vectors for ``texts`` (see :class:`SentenceEncoder`); a sentence
    seen before in this process is not encoded again."""
    new = [t for t in dict.fromkeys(texts) if t not in _MEMO]
    if new:
        if len(_MEMO) + len(new) > _MEMO_SIZE:
            _MEMO.clear()
        _MEMO.update(zip(new, default_encoder().encode(new), strict=True))
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    for i, t in enumerate(texts):
        out[i] = _MEMO[t]
    return out


def forget() -> None:
    """Drop the remembered vectors (a benchmark times the encoder, not the memo)."""
    _MEMO.clear()
