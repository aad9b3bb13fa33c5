"""Text benchmarks: bracket parsing and word diff of ~200 KB provision texts."""

from __future__ import annotations

import random

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
    """Change about `rate` of the words: replace, delete or insert, scattered through the text."""
    rng = random.Random(seed)
    vocabulary = _vocabulary()
    lines = []
    for line in text.split("\n"):
        words = []
        for word in line.split(" "):
            roll = rng.random()
            if not word or roll >= rate:
                words.append(word)
            elif roll < rate * 0.5:
                words.append(rng.choice(vocabulary))
            elif roll < rate * 0.75:
                continue
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
