"""Numbers said as words: one vocabulary with values, and the two ways voiceloop reads them.

- :func:`spoken_length`: how many words a written token takes to say ("9.8%" is four:
  nine point eight percent), so a pace counts "8.4%" and "eight point four percent" alike;
- :func:`read_numbers`: spoken numbers back to digits, and digit tokens to one spelling
  ("two hundred thousand dollars" and "$200,000" both become ``200000 dollars``), so a
  transcript that writes digits and a reference that spells them compare equal.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# --- the vocabulary ---------------------------------------------------------------------------

# "oh" is zero only inside a number ("point oh five"); read_numbers never starts one with it.
UNITS = {
    "zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}  # fmt: skip
# "hundred" scales only the group below a thousand, so it is read apart from these.
SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}  # fmt: skip
# Scale suffixes written after digits ("120k", "$3.2M", "4bn").
SUFFIX_SCALES = {"k": 10**3, "m": 10**6, "mm": 10**6, "bn": 10**9, "b": 10**9}

# Cardinal numbers said as words, below a hundred ("twenty" "five", not "twenty-five").
CARDINAL_WORDS = frozenset((UNITS.keys() - {"oh"}) | TENS.keys())

# --- how many words a token takes to say --------------------------------------------------------

_HAS_ALNUM = re.compile(r"[^\W_]", re.UNICODE)
_NUMBER = re.compile(r"(\d[\d,]*)(?:\.(\d+))?")
_SMALL = 20  # one..nineteen are one word each
# Words a suffix after digits adds: "120k" says "thousand", "3rd" nothing more, "2pp" two.
_SUFFIX_WORDS = {"k": 1, "m": 1, "b": 1, "bn": 1, "x": 1, "st": 0, "nd": 0, "rd": 0, "th": 0,
                 "s": 0, "h": 1, "pp": 2, "ms": 1}  # fmt: skip


def _below_thousand(n: int) -> int:
    words = 0
    if n >= 100:
        words += 2  # "three hundred"
        n %= 100
    if n >= _SMALL:
        words += 1 if n % 10 == 0 else 2  # "forty" / "forty two"
    elif n > 0:
        words += 1
    return words


def integer_words(n: int) -> int:
    """How many words it takes to say ``n``; 1100-1999 read as years ("nineteen ninety")."""
    if 1100 <= n <= 1999 and n % 100 != 0:
        return _below_thousand(n // 100) + _below_thousand(n % 100)
    return _plain_words(n)


def _plain_words(n: int) -> int:
    """Words of ``n`` read in full ("1,250" -> one thousand two hundred fifty: 5)."""
    if n == 0:
        return 1
    words = 0
    scale = 0
    while n:
        group = n % 1000
        if group:
            words += _below_thousand(group) + (1 if scale else 0)
        n //= 1000
        scale += 1
    return words


def spoken_length(token: str) -> int:
    """Words a token takes to say: "9.8%" -> 4, "$200,000" -> 4, "add-to-cart" -> 3, "the" -> 1."""
    text = token.strip().lower()
    if text.startswith(("<", "[")):  # transcript markup such as <cutoff-...> is one token
        return 1
    total = 0
    for part in re.split(r"[-/\u2013]", text):
        if not _HAS_ALNUM.search(part):
            continue
        match = _NUMBER.search(part)
        if match is None:
            total += 1
            continue
        whole, decimals = match.groups()
        digits = whole.replace(",", "")
        count = integer_words(int(digits)) if "," not in whole else _plain_words(int(digits))
        count += 1 if match.start() > 0 and part[: match.start()].isalpha() else 0  # "q3"
        if decimals:
            count += 1 + len(decimals)  # "point" and one word per digit
        rest = part[match.end() :].strip(".,;:!?\"')")
        count += _SUFFIX_WORDS.get(rest, 1 if rest.isalpha() else 0)
        count += part.count("%") + part.count("$") + part.count("+")
        total += count
    return max(total, 1)


# --- spoken numbers to digits -----------------------------------------------------------------

_CURRENCY = {"$": "dollars", "\u20ac": "euros", "\u00a3": "pounds"}
_DIGITS = re.compile(
    r"^(?P<sign>[+\-\u2212]?)(?P<cur>[$\u20ac\u00a3]?)(?P<num>\d[\d,]*(?:\.\d+)?|\.\d+)"
    r"(?P<suf>%|k|m|mm|bn|b|x|st|nd|rd|th)?$"
)


def _fmt(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class _Number:
    """A spelled-out number being read word by word ("two hundred and five point three")."""

    def __init__(self) -> None:
        self.total = Decimal(0)
        self.current = Decimal(0)
        self.last = ""  # "unit", "teen", "tens", "hundred", "scale", "decimal", "digit"
        self.decimals = ""
        self.words = 0

    @property
    def value(self) -> Decimal:
        base = self.total + self.current
        return base + Decimal("0." + self.decimals) if self.decimals else base

    def take(self, word: str, nxt: str | None) -> bool:
        """Add ``word``; False when it cannot continue this number."""
        if self.last == "decimal" or (self.last == "point" and word in UNITS):
            if word in UNITS and UNITS[word] < 10:
                self.decimals += str(UNITS[word])
                self.last = "decimal"
                return True
            if self.last == "point":
                return False
        if word in UNITS:
            value = UNITS[word]
            if self.words and self.last in ("unit", "teen", "digit"):
                return False
            if self.words and self.last == "tens" and value >= 10:
                return False
            self.current += value
            self.last = "teen" if value >= 10 else "unit"
        elif word in TENS:
            if self.words and self.last in ("unit", "teen", "tens", "digit"):
                return False
            self.current += TENS[word]
            self.last = "tens"
        elif word == "hundred":
            if self.last == "hundred" or (self.words and self.current == 0):
                return False
            self.current = (self.current or Decimal(1)) * 100
            self.last = "hundred"
        elif word in SCALES:
            if self.words and self.current == 0:
                return False
            self.total += (self.current or Decimal(1)) * SCALES[word]
            self.current = Decimal(0)
            self.last = "scale"
        elif word == "point":
            if not self.words or nxt not in UNITS or self.decimals:
                return False
            self.last = "point"
        elif word == "and":
            if self.last not in ("hundred", "scale") or nxt not in {*UNITS, *TENS}:
                return False
        else:
            return False
        self.words += 1
        return True


def read_numbers(tokens: list[str]) -> list[str]:
    """Spelled numbers to digits, digit tokens to one canonical spelling.

    "four percent" and "4%" both become ``4 percent``; "$200,000" and "two hundred thousand
    dollars" both become ``200000 dollars``; "3.2 million" and "$3.2M" become ``3200000``
    (the latter followed by ``dollars``); "twenty twenty three" becomes ``2023``; ordinals
    become ``<n>th``.
    """
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        m = _DIGITS.match(tok)
        if m and m["num"] != ".":
            try:
                value = Decimal(m["num"].replace(",", ""))
            except InvalidOperation:
                out.append(tok)
                i += 1
                continue
            suffix = m["suf"] or ""
            if m["sign"]:
                out.append("minus" if m["sign"] in "-\u2212" else "plus")
            if suffix in SUFFIX_SCALES:
                value *= SUFFIX_SCALES[suffix]
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            if nxt == "hundred" and not suffix:
                value *= 100
                i += 1
                nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            if nxt in SCALES and not suffix:
                value *= SCALES[nxt]
                i += 1
            if suffix in ("st", "nd", "rd", "th"):
                out.append(f"{_fmt(value)}th")
            else:
                out.append(_fmt(value))
            if m["cur"]:
                out.append(_CURRENCY[m["cur"]])
            if suffix == "%":
                out.append("percent")
            elif suffix == "x":
                out.append("x")
            i += 1
            continue
        if tok in ORDINALS:
            out.append(f"{ORDINALS[tok]}th")
            i += 1
            continue
        starts = (
            tok in UNITS
            or tok in TENS
            or (tok == "a" and i + 1 < len(tokens) and tokens[i + 1] in ("hundred", *SCALES))
        )
        if tok == "oh" or not starts:  # "oh" only inside a number ("point oh five")
            out.append(tok)
            i += 1
            continue
        number = _Number()
        j = i + 1 if tok == "a" else i
        while j < len(tokens) and number.take(
            tokens[j], tokens[j + 1] if j + 1 < len(tokens) else None
        ):
            j += 1
        if number.words == 0:
            out.append(tok)
            i += 1
            continue
        if j < len(tokens) and number.last in ("unit", "teen", "tens") and tokens[j] in ORDINALS:
            out.append(f"{_fmt(number.value + ORDINALS[tokens[j]])}th")  # "twenty first"
            i = j + 1
            continue
        value = number.value
        # "twenty twenty three", "nineteen ninety": a year said as two pairs
        if (
            number.words <= 2
            and 10 <= value <= 99
            and number.last in ("teen", "tens", "unit")
            and j < len(tokens)
        ):
            second = _Number()
            k = j
            while k < len(tokens) and second.take(
                tokens[k], tokens[k + 1] if k + 1 < len(tokens) else None
            ):
                if second.last in ("hundred", "scale", "point", "decimal"):
                    break
                k += 1
            if (
                second.words
                and 10 <= second.value <= 99
                and second.last in ("teen", "tens", "unit")
            ):
                value = value * 100 + second.value
                j = k
        out.append(_fmt(value))
        i = j
    return out
