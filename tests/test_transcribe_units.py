from __future__ import annotations

from pathlib import Path

import pytest

from voiceloop.errors import VoiceloopError
from voiceloop.models import Word
from voiceloop.transcribe import merge_pieces, resolve_model


def test_sub_word_pieces_join_the_word_before() -> None:
    words = merge_pieces(
        [
            (" Revenue", 0.0, 0.5, 0.9),
            (" rose", 0.5, 0.8, 0.8),
            (" 3", 0.8, 1.0, 0.7),
            (".2", 1.0, 1.1, 0.6),
            ("%", 1.1, 1.3, 0.95),
            (" today.", 1.4, 1.9, 0.9),
        ]
    )
    assert [w.text for w in words] == ["Revenue", "rose", "3.2%", "today."]
    merged = words[2]
    assert (merged.start, merged.end) == (0.8, 1.3)
    assert merged.probability == pytest.approx(0.6)


def test_embedded_model_resolves_without_network(tmp_path: Path) -> None:
    resolved = resolve_model("embedded", tmp_path)
    assert not resolved.download
    assert (Path(resolved.source) / "model.bin").is_file()


def test_model_folder_under_models_dir(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "model.bin").write_bytes(b"x")
    assert resolve_model("mine", tmp_path).source == str(folder.resolve())
    assert resolve_model(str(folder), tmp_path / "elsewhere").source == str(folder.resolve())


def test_size_name_is_a_download_only_when_named(tmp_path: Path) -> None:
    assert resolve_model("base.en", tmp_path).download is True


def test_unknown_model_names_the_alternatives(tmp_path: Path) -> None:
    with pytest.raises(VoiceloopError, match=r"unknown model 'nonsense'.*size name"):
        resolve_model("nonsense", tmp_path)


def test_folder_without_model_bin_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(VoiceloopError, match=r"no model\.bin"):
        resolve_model("empty", tmp_path)


def test_uncovered_speech_finds_regions_without_words() -> None:
    from voiceloop.models import Word
    from voiceloop.transcribe import uncovered_speech

    words = [Word(text="hello", start=0.5, end=1.0), Word(text="again", start=9.0, end=9.5)]
    regions = [(0.4, 1.1), (2.0, 4.0), (4.5, 6.0), (7.0, 7.3), (8.8, 9.6)]
    # 2-4 and 4.5-6 have no words and are joined (0.5 s apart); 7.0-7.3 is too short
    assert uncovered_speech(regions, words) == [(2.0, 6.0)]
    assert uncovered_speech(regions[:1], words) == []


def test_a_lone_hesitation_does_not_cover_a_stretch_of_speech() -> None:
    from voiceloop.transcribe import uncovered_speech

    # the prompted pass wrote one "Um," over 5.9 s of speech it skipped
    words = [
        Word(text="team.", start=4.5, end=5.0),
        Word(text="Um,", start=9.5, end=10.1),
        Word(text="So,", start=12.0, end=12.4),
    ]
    assert uncovered_speech([(5.3, 11.2)], words) == [(5.3, 11.2)]
    with_a_word = [*words, Word(text="simple", start=7.0, end=7.4)]
    assert uncovered_speech([(5.3, 11.2)], with_a_word) == []


def test_words_heard_again_replace_the_hesitations_in_their_region() -> None:
    from voiceloop.transcribe import replace_in_regions

    prompted = [
        Word(text="team.", start=4.5, end=5.0),
        Word(text="Um,", start=6.0, end=6.3),  # between the plain pass's words: kept
        Word(text="Um,", start=9.5, end=10.1),  # on a word of the skipped sentence
        Word(text="Uh,", start=11.5, end=11.8),  # outside the redone region
        Word(text="So,", start=12.0, end=12.4),
    ]
    plain = [
        Word(text="Their", start=5.4, end=5.9),
        Word(text="ask", start=6.4, end=6.9),
        Word(text="was", start=7.0, end=8.0),
        Word(text="simple.", start=9.0, end=11.1),
    ]
    out = replace_in_regions(prompted, plain, [(5.3, 11.2)])
    assert [w.text for w in out] == ["team.", "Their", "Um,", "ask", "was", "simple.", "Uh,", "So,"]
    assert replace_in_regions(prompted, [], []) == prompted


def _seg(text: str, start: float) -> list[Word]:
    return [
        Word(text=t, start=start + 0.3 * k, end=start + 0.3 * k + 0.25)
        for k, t in enumerate(text.split())
    ]


def test_a_segment_repeating_what_the_plain_pass_heard_is_dropped() -> None:
    from voiceloop.transcribe import drop_repeated_segments

    heard = _seg("asked to deliver a propensity model to prioritize sales leads", 0.0)
    looped = _seg("Ask to deliver a propensity model to prioritize sales leads.", 22.0)
    own = _seg("Conversion rose 14 percent in the pilot.", 18.0)
    assert drop_repeated_segments([own, looped], heard=heard) == [own]
    unrelated = _seg("The pipeline stopped updating three weeks before launch.", 0.0)
    assert drop_repeated_segments([own, looped], heard=unrelated) == [own, looped]
    # a sentence the prompted pass heard twice stays: only the plain pass's words judge
    again = _seg("Ask to deliver a propensity model to prioritize sales leads.", 40.0)
    assert drop_repeated_segments([looped, again], heard=unrelated) == [looped, again]
    # a little overlap is not a loop, and a short segment is never judged
    short = _seg("prioritize sales leads", 30.0)
    assert drop_repeated_segments([looped, short], heard=looped[:3] + short) == [looped, short]


def test_a_low_confidence_thank_you_after_the_answer_is_dropped() -> None:
    from voiceloop.transcribe import drop_closing_hallucination

    answer = [Word(text="discounts.", start=25.9, end=26.4, probability=0.99)]
    ghost = [
        Word(text="Thank", start=26.4, end=26.6, probability=0.02),
        Word(text="you.", start=26.6, end=26.8, probability=0.01),
    ]
    assert drop_closing_hallucination(answer + ghost) == answer
    said = [w.model_copy(update={"probability": 0.9}) for w in ghost]
    assert drop_closing_hallucination(answer + said) == answer + said  # the speaker's thanks
    unsure_word = [Word(text="savings.", start=26.4, end=26.8, probability=0.01)]
    assert drop_closing_hallucination(answer + unsure_word) == answer + unsure_word
    assert drop_closing_hallucination(ghost) == []
    assert drop_closing_hallucination([]) == []
    # Seen on a neural voice: only the first word is unlikely; "you" follows it with 0.98
    led = [ghost[0], ghost[1].model_copy(update={"probability": 0.98})]
    assert drop_closing_hallucination(answer + led) == answer
    # a speaker's longer thanks, each word fairly sure, stays
    words = ["Thank", "you", "for", "watching."]
    longer = [Word(text=t, start=27 + i, end=28 + i, probability=0.5) for i, t in enumerate(words)]
    assert drop_closing_hallucination(answer + longer) == answer + longer
