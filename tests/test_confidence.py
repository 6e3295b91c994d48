"""Words the transcriber was not sure of: marked in the reports, never quoted as evidence."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from voiceloop.analysis.combined import analyze
from voiceloop.analysis.confidence import (
    UNSURE_NOTE,
    is_capitals,
    is_odd_shape,
    uncertain_words,
    word_doubts,
)
from voiceloop.analysis.shape import TextIndex, intro_highlights, phrase_re
from voiceloop.analysis.timeline import split_sentences
from voiceloop.analysis.verdict import _intro_tips
from voiceloop.models import (
    Analysis,
    Highlight,
    Prompt,
    SessionMeta,
    ShapeCheck,
    ShapeLabel,
    ShapeResult,
    Transcript,
    Word,
)
from voiceloop.options import AnalysisOptions
from voiceloop.render.html import render_html
from voiceloop.render.markdown import render_markdown, shown_numbers

THRESHOLD = AnalysisOptions().uncertain_probability


def words(spec: str) -> list[Word]:
    """Words 0.4 s apart from "text" or "text@probability" tokens."""
    out = []
    for k, token in enumerate(spec.split()):
        text, _, p = token.partition("@")
        out.append(Word(text=text, start=k * 0.4, end=k * 0.4 + 0.3, probability=float(p or 1)))
    return out


# --- the marking (pure) --------------------------------------------------------------------------


def test_a_low_probability_word_is_uncertain_and_a_sure_one_is_not() -> None:
    ws = words("Chip@0.12 on time@0.97 was the goal.")
    assert word_doubts(ws, THRESHOLD) == {0: "low probability"}
    # just over the threshold is sure; 0 turns the probability rule off
    assert uncertain_words(words(f"Ship@{THRESHOLD + 0.01:.2f} on time."), THRESHOLD) == []
    assert uncertain_words(ws, 0.0) == []


def test_hesitations_are_never_marked() -> None:
    # the filler count decides about "um"; its own accuracy is measured separately
    assert uncertain_words(words("Um,@0.05 uh@0.1 we shipped."), THRESHOLD) == []


def test_an_all_capitals_run_is_uncertain_but_acronyms_are_not() -> None:
    ws = words("clear the horizon. SHIP, TIN TEN DAYS. We used SQL AUC A/B and KPIs.")
    doubts = word_doubts(ws, THRESHOLD)
    assert doubts == {i: "all-capitals run" for i in range(3, 7)}
    assert not is_capitals("SQL") and not is_capitals("KPIs") and not is_capitals("A/B")
    assert not is_capitals("I") and not is_capitals("Ship")
    # one capitalised word alone is an acronym voiceloop does not know, not a run
    assert uncertain_words(words("the GTM plan worked"), THRESHOLD) == []


def test_an_invented_run_is_uncertain_a_single_odd_word_only_when_heard_poorly() -> None:
    assert is_odd_shape("Brrrm") and is_odd_shape("Tsktsk") and is_odd_shape("Xkcdpt")
    for real in ("strengths", "twelfths", "rhythm", "Mrs.", "8x", "GTM", "brr"):
        assert not is_odd_shape(real), real
    assert word_doubts(words("we Brrrm Tsktsk shipped"), THRESHOLD) == {
        1: "invented run",
        2: "invented run",
    }
    assert uncertain_words(words("we Brrrm shipped"), THRESHOLD) == []
    assert uncertain_words(words("we Brrrm@0.3 shipped"), THRESHOLD) == [1]


# --- quotes --------------------------------------------------------------------------------------


def test_a_quote_never_shows_a_word_the_transcriber_was_not_sure_of() -> None:
    ws = words("Chip@0.1 on time was my goal for the launch in March.")
    index = TextIndex(ws, frozenset(uncertain_words(ws, THRESHOLD)))
    # context stops before the uncertain word
    assert index.quote(2, 2, around=3) == '"on time was my goal" at 0:01'
    assert "Chip" not in index.quote(1, 3)
    # the quoted words themselves uncertain: nothing quoted, the time given
    assert index.quote(0, 1) == f"{UNSURE_NOTE} at 0:00"
    # a sentence opening starts after it, or quotes nothing when no word is sure
    assert index.opening(0, len(ws) - 1, limit=3) == '"... on time was ..." at 0:00'
    assert index.opening(0, 0) == f"{UNSURE_NOTE} at 0:00"
    assert index.opening(1, len(ws) - 1, limit=4) == '"on time was my ..." at 0:00'
    # ... and stops before the next uncertain word
    mid = words("We had to ship@0.2 it by March.")
    assert TextIndex(mid, frozenset([3])).opening(0, 6) == '"We had to ..." at 0:00'
    # a word or two between uncertain ones is no quote: the first run of three is
    torn = words("No S-Co@0.1 U-Co@0.2 features, reused the existing features.")
    index = TextIndex(torn, frozenset(uncertain_words(torn, THRESHOLD)))
    assert index.opening(0, 7) == '"... features, reused the existing features." at 0:01'
    assert TextIndex(torn, frozenset(range(1, 8))).opening(0, 7) == f"{UNSURE_NOTE} at 0:00"


def test_a_search_prefers_a_match_the_transcriber_was_sure_of() -> None:
    ws = words("as@0.1 a result we waited; as a result the team shipped.")
    index = TextIndex(ws, frozenset(uncertain_words(ws, THRESHOLD)))
    assert index.search(phrase_re("as a result")) == (5, 7)
    # found all the same when every match is uncertain: only the quote changes
    only = words("as@0.1 a result we waited.")
    index = TextIndex(only, frozenset([0]))
    assert index.search(phrase_re("as a result")) == (0, 2)
    assert index.search(phrase_re("as a result"), prefer_sure=False) == (0, 2)


def test_an_uncertain_highlight_is_not_quoted_in_the_tip() -> None:
    ws = words("I cut churn@0.1 for Acme. I led the Globex migration.")
    sentences = split_sentences(ws)
    labels = [ShapeLabel(sentence=k, label="highlight", reason="") for k in (0, 1)]
    found = intro_highlights(ws, sentences, labels, frozenset(uncertain_words(ws, THRESHOLD)))
    assert [h.sure for h in found] == [False, True]
    shape = ShapeResult(
        kind="intro",
        guide="3-3-1",
        highlights=found,
        checks=[ShapeCheck(name="highlights_quantified", title="", ok=False, detail="")],
    )
    (tip,) = [c.tip for c in _intro_tips(shape) if c.tip.title == "Put a number in every highlight"]
    assert '"I led the Globex migration. ..."' in tip.detail and "churn" not in tip.detail
    # its figures are not quoted either: the transcriber may have misheard the figure itself
    numbered = Highlight(text="I cut churn by 12%", start=0.0, numbers=["12%"], sure=False)
    assert shown_numbers(numbered) == "1 number"
    assert shown_numbers(numbered.model_copy(update={"sure": True})) == "12%"
    only_unsure = shape.model_copy(update={"highlights": found[:1]})
    (tip,) = [c.tip for c in _intro_tips(only_unsure) if "highlight" in c.tip.title]
    assert "the highlight at 0:00 has no figure" in tip.detail and "churn" not in tip.detail


# --- the reports ---------------------------------------------------------------------------------

REFLECTION_PROMPT = Prompt(
    id="p-refl",
    text="Tell me about a time you missed a deadline.",
    kind="star",
    target_seconds=(20, 60),
    must_include=["what you learned or would do differently"],
)
ANSWER = (
    "Last year our team had to ship a pricing page for a launch. "
    "I owned the rollout plan and the release checklist. "
    "I split the work into three parts and I set daily check-ins with design. "
    "I moved the tests earlier and I cut two features we did not need. "
    "As a result we shipped two days late but the page converted well. "
    "Chip@0.08 rollouts@0.21 earlier, I learned to plan for review time."
)


def meta(prompt: Prompt) -> SessionMeta:
    return SessionMeta(
        id="s1",
        created_at="2026-12-03T10:00:00+00:00",
        prompt_id=prompt.id,
        prompt_text=prompt.text,
        source="test",
        audio_file="audio.wav",
        audio_seconds=40.0,
        model="test",
        analysis_version="test",
    )


def reports(transcript: Transcript, analysis: Analysis) -> tuple[str, str]:
    m = meta(REFLECTION_PROMPT)
    return render_markdown(m, transcript, analysis), render_html(m, transcript, analysis, None)


def test_a_low_probability_word_is_marked_and_not_quoted_as_evidence() -> None:
    ws = words(ANSWER)
    transcript = Transcript(words=ws, duration=ws[-1].end + 0.5)
    analysis = analyze(transcript, REFLECTION_PROMPT)
    chip = next(i for i, w in enumerate(ws) if w.text == "Chip")
    assert analysis.uncertain_words == [chip, chip + 1]
    assert analysis.coverage is not None
    (item,) = analysis.coverage.items
    # the Reflection is heard; its quote starts after the words the transcriber was not
    # sure of (before this change it read "Chip rollouts earlier, I learned to plan for")
    assert item.heard
    assert 'Reflection section from 0:25: "... earlier, I learned to plan' in item.evidence
    assert "Chip" not in item.evidence and "rollouts" not in item.evidence
    md, page = reports(transcript, analysis)
    # the Markdown transcript marks both words, and its legend says what the mark means
    assert "Chip(?) rollouts(?) earlier," in md
    assert "A word marked (?) is one the transcriber was not sure of" in md
    # no evidence anywhere quotes them: they appear in the transcript only
    before_transcript = md[: md.index("## Transcript")]
    assert "Chip" not in before_transcript and "rollouts" not in before_transcript
    # HTML: a dotted underline with a title, on exactly those two words, and a legend
    marked = re.findall(r'<span class="unsure" title="not sure of this word">([^<]*)</span>', page)
    assert marked == ["Chip", "rollouts"]
    assert ".unsure{text-decoration:underline dotted" in page
    assert "Dotted underline</span>: a word the transcriber was not sure of" in page
    assert page[: page.index('<div class="transcript">')].count("Chip") == 0


def test_an_uncertain_word_is_still_escaped_in_the_html() -> None:
    hostile = "<script>alert(1)</script>"
    ws = words("We shipped the page on time and I learned a lot.")
    ws.insert(3, Word(text=hostile, start=1.1, end=1.2, probability=0.05))
    transcript = Transcript(words=ws, duration=ws[-1].end + 0.5)
    analysis = analyze(transcript, REFLECTION_PROMPT)
    assert analysis.uncertain_words == [3]
    md, page = reports(transcript, analysis)
    assert hostile not in page
    assert (
        '<span class="unsure" title="not sure of this word">'
        "&lt;script&gt;alert(1)&lt;/script&gt;</span>" in page
    )
    assert f"{hostile}(?)" in md  # Markdown shows it marked, as the transcriber wrote it


def test_an_analysis_written_before_marking_still_loads_and_marks_nothing() -> None:
    ws = words(ANSWER)
    transcript = Transcript(words=ws, duration=ws[-1].end + 0.5)
    analysis = analyze(transcript, REFLECTION_PROMPT)
    data = analysis.model_dump(mode="json")
    del data["uncertain_words"]
    for h in (data.get("shape") or {}).get("highlights", []):
        h.pop("sure", None)
    old = Analysis.model_validate(data)
    assert old.uncertain_words is None
    md, page = reports(transcript, old)
    assert "(?)" not in md and 'class="unsure"' not in page
    assert Highlight.model_validate({"text": "x", "start": 0.0, "numbers": []}).sure


def test_a_label_reason_marks_the_quoted_words_the_transcriber_was_not_sure_of() -> None:
    ws = words(ANSWER.replace("As a result", "As a result@0.2"))
    transcript = Transcript(words=ws, duration=ws[-1].end + 0.5)
    analysis = analyze(transcript, REFLECTION_PROMPT)
    md, _ = reports(transcript, analysis)
    why = md[md.index("### Why each sentence got its label") : md.index("## Transcript")]
    # the labeller went by the cue, so the reason keeps it, marked, and says what that means
    assert "**Result**: cues 'as a result(?)'" in why
    assert "A quoted word marked (?) is one the transcriber was not sure of" in why
    # a sure answer's reasons carry no mark and no legend
    sure_words = [w.model_copy(update={"probability": 0.9}) for w in ws]
    sure = Transcript(words=sure_words, duration=transcript.duration)
    md, _ = reports(sure, analyze(sure, REFLECTION_PROMPT))
    assert "(?)" not in md


def test_an_intro_reason_underlines_an_uncertain_cue_word_escaped() -> None:
    from voiceloop.render.html import _reason_html

    shown = _reason_html("cue 'i <b>led</b>'; wording like 'grew'", {"grew"})
    assert shown == (
        "cue &#x27;i &lt;b&gt;led&lt;/b&gt;&#x27;; wording like &#x27;"
        '<span class="unsure" title="not sure of this word">grew</span>&#x27;'
    )
    # a hostile word carrying the marker characters cannot open a tag of its own
    assert "<span" not in _reason_html("wording like '\x01<i>'", set())


# --- real speech through the real transcriber -------------------------------------------------

NONSENSE = (
    "Last spring I owned the release of our pricing page. I split the work and set daily "
    "check ins. As a result we shipped on time. I learned zorgle blimfax quarnip vestrolo "
    "about planning for review."
)


@pytest.mark.slow
def test_invented_speech_is_marked_and_never_quoted(speak: Callable[..., Path]) -> None:
    # espeak-ng says four made-up words; tiny.en writes word-like text for them ("normal
    # lymphex guarnip mastryl") at low probability. The Reflection's quote used to be "I
    # learned normal lymphex guarnip mastryl about planning ..."; it must not quote them now.
    from voiceloop.api import transcribe_file

    transcript = transcribe_file(speak(NONSENSE))
    analysis = analyze(transcript, REFLECTION_PROMPT)
    ws = transcript.words
    heard = [(w.text, round(w.probability, 2)) for w in ws]
    marked = set(analysis.uncertain_words or ())
    assert {i for i, w in enumerate(ws) if w.probability < THRESHOLD} <= marked
    learned = next(i for i, w in enumerate(ws) if w.text.lower().startswith("learned"))
    planning = next(i for i, w in enumerate(ws) if w.text.lower().startswith("planning"))
    assert len(set(range(learned + 1, planning)) & marked) >= 2, heard
    md, page = reports(transcript, analysis)
    evidence = md[: md.index("## Transcript")] + page[: page.index('<div class="transcript">')]
    key = [ws[i].text.strip(".,").lower() for i in marked if learned < i < planning]
    assert key, heard
    for word in key:
        assert not re.search(rf"\b{re.escape(word)}\b", evidence.lower()), (word, heard)
        assert re.search(rf"\b{re.escape(word)}\(\?\)", md.lower()), (word, heard)
    assert page.count('<span class="unsure"') >= len(marked)


def test_a_result_number_the_transcriber_was_not_sure_of_is_listed_by_its_time() -> None:
    ws = words(ANSWER.replace("converted well.", "converted 12%@0.15 better."))
    transcript = Transcript(words=ws, duration=ws[-1].end + 0.5)
    analysis = analyze(transcript, REFLECTION_PROMPT)
    (q,) = [x for x in analysis.quantify.quantities if x.kind == "percent"]
    assert not q.sure
    md, _ = reports(transcript, analysis)
    figures = md[md.index("### Quantified results") : md.index("### Why each")]
    # still counted as a number in the Result (what was heard is not second-guessed) ...
    assert "Result quantified: " in figures and "Result has no number" not in figures
    # ... but not quoted: the transcriber may have misheard the figure itself
    assert "12%" not in figures
    assert "- a figure at 0:" in figures and "not sure of its words" in figures


def test_a_principle_named_only_in_unsure_words_says_so() -> None:
    prompt = Prompt(
        id="p-dd",
        text="Tell me about a time you dug into data.",
        kind="star",
        target_seconds=(20, 60),
        principles=["Dive Deep"],
        must_include=["the principle you showed"],
    )
    unsure = ANSWER.replace("Chip@0.08 rollouts@0.21", "To dive@0.2 deep@0.3")
    clear = ANSWER.replace("Chip@0.08 rollouts@0.21", "To dive deep")
    details = {}
    for name, spec in (("unsure", unsure), ("clear", clear)):
        ws = words(spec)
        analysis = analyze(Transcript(words=ws, duration=ws[-1].end + 0.5), prompt)
        assert analysis.shape is not None and analysis.coverage is not None
        (check,) = [c for c in analysis.shape.checks if c.name == "principle_named"]
        assert check.ok  # still counted: what was heard is not second-guessed
        details[name] = (check.detail, analysis.coverage.items[0].evidence)
    note = "Dive Deep (in words the transcriber was not sure of)"
    assert details["unsure"] == (f"named {note}", f"principle: named {note}")
    assert details["clear"] == ("named Dive Deep", "principle: named Dive Deep")
