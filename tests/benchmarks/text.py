"""Text benchmarks: bracket parsing and word diff of ~200 KB provision texts."""

from __future__ import annotations

import random
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.benchmarks import Row, median_ms, paired_median_ms, unavailable

# Our own vocabulary, shaped like treaty prose; nothing here is copied from a real text.
_SUBJECTS = [
    "Each Party",
    "The Parties",
    "A Party",
    "The Committee",
    "The Secretariat",
    "The importing Party",
    "The exporting Party",
    "Any Participant",
    "The Working Group",
    "The competent authority",
    "A designated agency",
]
_MODALS = ["shall", "should", "may", "shall not", "shall endeavour to", "may, where appropriate,"]
_VERBS = [
    "establish",
    "maintain",
    "publish",
    "notify",
    "review",
    "coordinate",
    "adopt",
    "apply",
    "promote",
    "facilitate",
    "consider",
    "report on",
    "share",
    "recognise",
    "develop",
    "monitor",
]
_OBJECTS = [
    "a reference price",
    "price floors",
    "standards-based markets",
    "offtake agreements",
    "price-gap subsidies",
    "its stockpiling measures",
    "the list of covered minerals",
    "processing capacity",
    "recycling standards",
    "mining standards",
    "traceability requirements",
    "investment screening procedures",
    "joint research programmes",
    "supply-chain data",
    "its tariff schedule",
    "rapid response measures",
    "the annual work plan",
]
_MINERALS = [
    "lithium",
    "cobalt",
    "nickel",
    "graphite",
    "manganese",
    "gallium",
    "germanium",
    "rare earth elements",
    "tungsten",
    "antimony",
    "copper",
    "vanadium",
]
_QUALIFIERS = [
    "in accordance with its domestic law",
    "within ninety days of entry into force",
    "on a non-discriminatory basis",
    "subject to Article 12",
    "to the extent practicable",
    "in consultation with the other Parties",
    "without undue delay",
    "on request of a Party",
    "consistent with its international obligations",
    "for the purposes of this Chapter",
    "with respect to {mineral} and {mineral}",
    "in the markets for {mineral}",
]
_FILLER = [
    "relevant",
    "transparent",
    "timely",
    "effective",
    "domestic",
    "bilateral",
    "regional",
    "technical",
    "public",
    "sustainable",
    "responsible",
    "reliable",
    "verifiable",
    "such",
    "all",
    "appropriate",
    "existing",
    "new",
    "joint",
    "critical",
]
_PARTY_CODES = ["US", "EU", "JP", "CA", "AU", "KR", "GB"]


def _sentence(rng: random.Random) -> str:
    def qualifier() -> str:
        text = rng.choice(_QUALIFIERS)
        while "{mineral}" in text:
            text = text.replace("{mineral}", rng.choice(_MINERALS), 1)
        return text

    parts = [
        rng.choice(_SUBJECTS),
        rng.choice(_MODALS),
        rng.choice(_VERBS),
        rng.choice(_FILLER),
        rng.choice(_OBJECTS),
        qualifier(),
    ]
    if rng.random() < 0.5:
        parts[-1] += ","
        parts += ["and", rng.choice(_VERBS), rng.choice(_FILLER), rng.choice(_OBJECTS)]
        if rng.random() < 0.5:
            parts.append(qualifier())
    return " ".join(parts) + rng.choice([".", ".", ".", ";"])


def _paragraph(rng: random.Random, number: int) -> str:
    label = f"{number}." if rng.random() < 0.6 else f"({chr(ord('a') + number % 26)})"
    sentences = [_sentence(rng) for _ in range(rng.randint(2, 5))]
    return label + " " + " ".join(sentences)


def make_text(size: int = 200_000, seed: int = 7) -> str:
    """Legal-prose-like text of about `size` characters, paragraphs split by blank lines."""
    rng = random.Random(seed)
    paragraphs: list[str] = []
    total = 0
    while total < size:
        paragraph = _paragraph(rng, len(paragraphs) + 1)
        paragraphs.append(paragraph)
        total += len(paragraph) + 2
    return "\n\n".join(paragraphs) + "\n"


def _vocabulary() -> list[str]:
    phrases = _SUBJECTS + _MODALS + _VERBS + _OBJECTS + _MINERALS + _QUALIFIERS + _FILLER
    return sorted({word for phrase in phrases for word in phrase.split() if "{" not in word})


def mutate(text: str, rate: float = 0.05, seed: int = 11) -> str:
    """Change about `rate` of the words (replace, delete or insert one), scattered through `text`.

    Punctuation after a changed word stays, as it does when a drafter rewords a clause.
    """
    rng = random.Random(seed)
    vocabulary = _vocabulary()
    lines = []
    for line in text.split("\n"):
        words = []
        for word in line.split(" "):
            roll = rng.random()
            core = word.rstrip(".,;:")
            if not core or roll >= rate:
                words.append(word)
            elif roll < rate * 0.5:
                words.append(rng.choice(vocabulary) + word[len(core) :])
            elif roll < rate * 0.75:
                if word != core:  # keep the clause's punctuation on the word before
                    words[-1:] = [words[-1] + word[len(core) :]] if words else []
            else:
                words += [word, rng.choice(vocabulary)]
        lines.append(" ".join(words))
    return "\n".join(lines)


def bracket(text: str, seed: int = 13) -> str:
    """Put negotiating brackets into `text`: attributed, alternatives, unattributed and nested."""
    rng = random.Random(seed)
    out = []
    for word in text.split(" "):
        roll = rng.random()
        if not word or "\n" in word or not word.isalpha() or roll > 0.04:
            out.append(word)
        elif roll < 0.015:
            first, second = rng.sample(_PARTY_CODES, 2)
            out.append(f"[{first}: {word}][{second}: {rng.choice(_FILLER)}]")
        elif roll < 0.025:
            out.append(f"[{word}]")
        elif roll < 0.03:
            out.append(f"[{word} [{rng.choice(_PARTY_CODES)}: {rng.choice(_FILLER)}]]")
        else:
            codes = ", ".join(sorted(rng.sample(_PARTY_CODES, rng.randint(1, 2))))
            out.append(f"[{codes}: {word}]")
    return " ".join(out)


def bench_parse() -> Row:
    """Parse a 200 KB bracketed text with provisions.brackets.parse."""
    name = "parse 200 KB bracketed text"
    try:
        from provisions.brackets import parse  # written alongside; may not exist yet
    except ImportError as error:
        return unavailable(name, str(error))
    text = bracket(make_text(size=190_000))  # brackets add about 6 %
    figure = median_ms(lambda: parse(text, party_codes=_PARTY_CODES), runs=5)
    errors = parse(text, party_codes=_PARTY_CODES).errors
    note = f"{len(errors)} parse errors" if errors else ""
    return Row(name=name, figure=figure, note=note)


def bench_word_diff() -> Row:
    """diff_text on two 200 KB versions, ~5 % of words changed, beside git's word diff."""
    from provisions.diff import diff_text, new_text, old_text

    name = "word diff 200 KB, 5 % changed"
    old = make_text()
    new = mutate(old)
    ops = diff_text(old, new)
    if old_text(ops) != old or new_text(ops) != new:
        raise AssertionError("diff_text does not reconstruct the benchmark texts")
    git = shutil.which("git")
    if git is None:
        return Row(
            name=name, figure=median_ms(lambda: diff_text(old, new)), reference_name="no git"
        )
    with tempfile.TemporaryDirectory() as folder:
        old_path, new_path = Path(folder, "old.txt"), Path(folder, "new.txt")
        old_path.write_text(old, encoding="utf-8")
        new_path.write_text(new, encoding="utf-8")
        command = [git, "diff", "--no-index", "--word-diff", str(old_path), str(new_path)]

        def run_git() -> None:
            # Exit status 1 means "the files differ", the expected answer.
            result = subprocess.run(command, capture_output=True, check=False)
            if result.returncode not in (0, 1):
                raise RuntimeError(result.stderr.decode(errors="replace"))

        ours, reference = paired_median_ms(lambda: diff_text(old, new), run_git, runs=11)
    ratio = ours / reference
    return Row(
        name=name,
        figure=ours,
        reference_figure=reference,
        reference_name="git word-diff",
        ratio=ratio,
        target="≤ 2×",
        met=ratio <= 2,
    )


def bench_ownership_check() -> Row:
    """The negotiation-rules check every text write runs: a 200 KB bracketed text, 5 % of its
    words changed, classified for the chair, beside parsing the same text once."""
    from provisions.brackets import parse
    from provisions.ownership import Authority, classify

    name = "ownership check 200 KB, 5 % changed"
    old = bracket(make_text(size=190_000))
    new = mutate(old)
    ours = median_ms(lambda: classify(old, new, party=None, authority=Authority.CHAIR), runs=3)
    reference = median_ms(lambda: parse(new), runs=3)
    return Row(
        name=name,
        figure=ours,
        reference_figure=reference,
        reference_name="one parse",
        ratio=ours / reference,
        note="a typical article of 600 characters: about 2 ms",
    )
