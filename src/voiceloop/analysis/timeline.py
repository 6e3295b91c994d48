"""Small helpers over a word timeline shared by the analyzers."""

from __future__ import annotations

import re

from voiceloop.models import Sentence, Word

_EDGE_PUNCT = re.compile(r"^[^\w$%]+|[^\w%]+$")
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*$")


def norm(text: str) -> str:
    """Lower-case a word and strip surrounding punctuation ("Um," -> "um", "6%." -> "6%")."""
    return _EDGE_PUNCT.sub("", text.lower().replace("\u2019", "'"))


def norm_tokens(text: str) -> list[str]:
    """The normalized words of a text, punctuation-only pieces left out."""
    return [t for w in text.split() if (t := norm(w))]


# Words that carry no content of their own: articles, pronouns, auxiliary and modal verbs,
# prepositions, conjunctions, and the fillers and discourse words of speech. Left out when
# two texts are compared by what they are about (a must-include item against an answer, one
# answer against another).
STOP_WORDS = frozenset(
    """a an the and or but of to in on for with by from at as it its it's is was were be been
    being am are i i'm i'd i've me my mine we we're our us you your yours yourself he she they
    them their this that these those there then than so such very just really also too not no
    yes about after before over under into out up down each any all some one two own more most
    still did do does done doing made make had has have having get got will would could should
    can may might must what which who whom why when where how if because while until again
    um uh like know mean okay well actually basically sort kind thing things""".split()
)
_WORD = re.compile(r"[a-z][a-z'-]*")


def content_words(text: str) -> list[str]:
    """The words of ``text`` in order, lower case, with the stop words left out."""
    return [w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS]


def ends_sentence(text: str) -> bool:
    return bool(_SENTENCE_END.search(text.strip()))


def split_sentences(words: list[Word], pause_s: float = 0.6) -> list[Sentence]:
    """Split words into sentences at ., ! or ? and at pauses of ``pause_s`` or more.

    Transcripts of speech rarely have perfect punctuation, so a long pause also ends a
    sentence. A sentence ending with a number like "8.4%." is still an end.
    """
    sentences: list[Sentence] = []
    first = 0
    for i, word in enumerate(words):
        last = i == len(words) - 1
        gap = 0.0 if last else words[i + 1].start - word.end
        if last or ends_sentence(word.text) or gap >= pause_s:
            chunk = words[first : i + 1]
            sentences.append(
                Sentence(
                    index=len(sentences),
                    first_word=first,
                    last_word=i,
                    start=chunk[0].start,
                    end=chunk[-1].end,
                    text=" ".join(w.text for w in chunk),
                )
            )
            first = i + 1
    return sentences
