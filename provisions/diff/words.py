"""What a word is: the token and segment patterns, and snapping common ends to whole words."""

from __future__ import annotations

import re

# Word characters also cover combining diacritics, so a decomposed accent never splits a word.
_WORD_CHAR = r"[\w\u0300-\u036f]"
# Compound words ("price-gap", "Party's") are one token: a reviewer reads them as one word.
_WORD = rf"{_WORD_CHAR}+(?:['\u2019-]{_WORD_CHAR}+)*"
_TOKEN_RE = re.compile(rf"\\[\[\]]|{_WORD}|\s+|[^\w\s]")
WORD_RE = re.compile(_WORD)
# An equality with none of these between two changes is merged into them (see hunks.clean_up).
KEEP_EQUAL_RE = re.compile(rf"{_WORD_CHAR}|[\n\[\]]")
SPACE_RE = re.compile(r"\s")
# Diff elements inside a changed stretch: a token with the whitespace before it. (Whitespace
# before rather than after: a stretch ends with a change, and "notify" at its end must still
# match " notify" on the other side.)
ELEMENT_RE = re.compile(rf"\s*(?:\\[\[\]]|{_WORD}|[^\w\s])|\s+")
# Clause segments for the coarse alignment. The cut points only have to be deterministic, not
# linguistically right; the final segment may be empty, which is harmless.
SEGMENT_RE = re.compile(r"[^\n.;:,!?]*+(?:[.;:,!?]++[ \t]*+|\n++|\Z)")

_WORD_EXTRA = frozenset("_-'\u2019")


def tokenize(text: str) -> list[str]:
    """Split `text` into word, whitespace-run and single-punctuation tokens.

    Words are runs of word characters, with internal hyphens and apostrophes kept ("price-gap",
    "Party's"). `[` and `]` are tokens of their own, and so are the escapes `\\[` and `\\]`.
    `"".join(tokenize(text)) == text` always holds.
    """
    return _TOKEN_RE.findall(text)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char in _WORD_EXTRA or "\u0300" <= char <= "\u036f"


def trim_lengths(x: str, y: str) -> tuple[int, int]:
    """Lengths of the common prefix and suffix of `x` and `y`, snapped to whole words.

    They never overlap. This runs at least once per change, so it takes no Python step per
    character: both strings become big integers with one fixed-width code unit per character,
    and the lowest set bit of their XOR marks the first character that differs.
    """
    shorter = len(x) if len(x) < len(y) else len(y)
    if not shorter:
        return 0, 0
    if x.isascii() and y.isascii():
        bytes_x, bytes_y, unit_bits = x.encode("ascii"), y.encode("ascii"), 3
    else:
        bytes_x, bytes_y, unit_bits = x.encode("utf-32-le"), y.encode("utf-32-le"), 5
    unit = 1 << (unit_bits - 3)
    prefix = 0
    if x[0] == y[0]:
        size = shorter * unit
        difference = int.from_bytes(bytes_x[:size], "little") ^ int.from_bytes(
            bytes_y[:size], "little"
        )
        # Little-endian: the first characters are the low bits.
        low_bit = (difference & -difference).bit_length() - 1
        prefix = low_bit >> unit_bits if difference else shorter
        last = x[prefix - 1]
        if last == "\\" or _is_word_char(last):
            prefix = _snap_prefix(x, y, prefix)
    rest = shorter - prefix
    suffix = 0
    if rest and x[-1] == y[-1]:
        size = rest * unit
        difference = int.from_bytes(bytes_x[len(bytes_x) - size :], "big") ^ int.from_bytes(
            bytes_y[len(bytes_y) - size :], "big"
        )
        low_bit = (difference & -difference).bit_length() - 1
        suffix = low_bit >> unit_bits if difference else rest
        first = x[len(x) - suffix]
        if first in "[]" or _is_word_char(first):
            suffix = _snap_suffix(x, y, suffix)
    return prefix, suffix


def _snap_prefix(x: str, y: str, prefix: int) -> int:
    """Shorten a common prefix that ends inside a word (or an escape) to the word's start."""
    if x[prefix - 1] == "\\":
        return prefix - 1
    next_x = x[prefix] if prefix < len(x) else " "
    next_y = y[prefix] if prefix < len(y) else " "
    if not (_is_word_char(next_x) or _is_word_char(next_y)):
        return prefix
    while prefix and _is_word_char(x[prefix - 1]):
        prefix -= 1
    return prefix


def _snap_suffix(x: str, y: str, suffix: int) -> int:
    """Shorten a common suffix that starts inside a word (or an escape) to the word's end."""
    start_x, start_y = len(x) - suffix, len(y) - suffix
    before_x = x[start_x - 1] if start_x else " "
    before_y = y[start_y - 1] if start_y else " "
    if x[start_x] in "[]" and "\\" in (before_x, before_y):
        return suffix - 1
    if not (_is_word_char(before_x) or _is_word_char(before_y)):
        return suffix
    while suffix and _is_word_char(x[len(x) - suffix]):
        suffix -= 1
    return suffix
