"""The demo agreement's content: parties, chapters, minerals, provisions (our own texts), rounds.

Plain data, loaded through the services by `agreement.demo.demo_load`.
"""

import datetime

PASSWORD = "minerals-demo-2026"
AGREEMENT_TITLE = "Plurilateral Agreement on Trade in Critical Minerals"

PARTIES = [
    # code, name, lead agency, kind, colour, joined
    (
        "US",
        "United States",
        "Office of the United States Trade Representative (USTR)",
        "state",
        "#1d4f91",
        datetime.date(2026, 1, 15),
    ),
    (
        "EU",
        "European Union",
        "European Commission, DG TRADE",
        "regional_organisation",
        "#6b3fa0",
        datetime.date(2026, 1, 15),
    ),
    (
        "JP",
        "Japan",
        "Ministry of Economy, Trade and Industry (METI)",
        "state",
        "#a4262c",
        datetime.date(2026, 4, 20),
    ),
    (
        "AU",
        "Australia",
        "Department of Foreign Affairs and Trade (DFAT)",
        "state",
        "#0f6b5c",
        datetime.date(2026, 5, 11),
    ),
]
ROLES = ["lead", "negotiator", "reviewer", "observer"]

CHAPTERS = [
    (1, "General provisions"),
    (2, "Trade measures"),
    (3, "Standards"),
    (4, "Technical and regulatory cooperation"),
    (5, "Investment promotion and screening"),
    (6, "Coordinated rapid response"),
    (7, "Research and development"),
    (8, "Stockpiling"),
    (9, "Institutional provisions"),
    (10, "Final provisions"),
]

MINERALS = [
    ("Lithium", ["2825.20", "2836.91"]),
    ("Cobalt", ["2605.00", "2822.00", "8105.20"]),
    ("Nickel", ["2604.00", "7501.10", "7502.10"]),
    ("Graphite", ["2504.10", "2504.90", "3801.10"]),
    ("Rare earth elements", ["2805.30", "2846.10", "2846.90"]),
    ("Gallium", ["8112.92", "8112.99"]),
    ("Germanium", ["2825.60", "8112.92", "8112.99"]),
]

ALL_MINERALS = [name for name, _ in MINERALS]

# number, chapter, heading, category, proposed by, minerals, body, later revisions [(body, reason)]
PROVISIONS = [
    (
        "1.1",
        1,
        "Objectives",
        "institutional",
        "US",
        [],
        """\
1. The objectives of this Agreement are to build diverse, resilient and market-based supply chains for critical minerals among the Parties and to [US: counter][EU: address] the effects of non-market policies and practices on those supply chains.

2. The Parties shall pursue these objectives in a manner consistent with their rights and obligations under the WTO Agreement.""",
        [
            (
                """\
1. The objectives of this Agreement are to build diverse, resilient and market-based supply chains for critical minerals among the Parties and to [US: counter][EU: address] the effects of non-market policies and practices, including economic coercion, on those supply chains.

2. The Parties shall pursue these objectives in a manner consistent with their rights and obligations under the WTO Agreement.""",
                "Added economic coercion following Round 1 discussion",
                None,
            )
        ],
    ),
    (
        "1.2",
        1,
        "Covered minerals",
        "institutional",
        "EU",
        ALL_MINERALS,
        """\
1. This Agreement applies to the critical minerals listed in Annex I, identified by their Harmonized System codes, and to their [processed forms and ]associated supply chains.

2. The Parties may add a mineral to Annex I by decision of the Committee.""",
        [],
    ),
    (
        "2.1",
        2,
        "Reference prices and border-adjusted price floors",
        "trade_measures",
        "US",
        ["Lithium", "Cobalt", "Nickel", "Graphite"],
        """\
1. The Parties shall [US: establish][EU, JP: explore the establishment of] reference prices for the select critical minerals identified in Annex II, based on [US: costs of production under high labour and environmental standards][EU: transparent market data].

2. A Party may apply a border adjustment to imports of a select critical mineral priced below the reference price[US: , provided that such adjustment is applied on a non-discriminatory basis to non-Parties].

3. (a) Reference prices shall be reviewed [annually][EU: every two years] by the Committee.""",
        [
            (
                """\
1. The Parties shall [US: establish][EU, JP: explore the establishment of] reference prices for the select critical minerals identified in Annex II, based on [US: costs of production under high labour and environmental standards][EU: transparent market data].

2. A Party may apply a border adjustment to imports of a select critical mineral priced below the reference price[US: , provided that such adjustment is applied on a non-discriminatory basis to non-Parties].

3. (a) Reference prices shall be reviewed [annually][EU: every two years] by the Committee.

(b) The review shall take into account the advice of the Critical Minerals Price Working Group.""",
                "Working group added as the chair's proposal from Round 2",
                None,
            )
        ],
    ),
    (
        "2.2",
        2,
        "Standards-based markets",
        "trade_measures",
        "EU",
        ["Lithium", "Nickel", "Cobalt"],
        """\
1. The Parties shall cooperate to develop markets in which critical minerals produced in conformity with the standards set out in Chapter 3 are [EU: identified and ]traded [EU: at a premium reflecting their verified attributes][US: without discrimination among Parties].

2. Each Party shall recognise certification issued under a scheme [JP: recognised by the Committee][EU: that meets the criteria in Annex III].""",
        [],
    ),
    (
        "2.3",
        2,
        "Price-gap subsidies",
        "trade_measures",
        "US",
        ["Rare earth elements", "Gallium", "Germanium"],
        """\
1. A Party may grant support to bridge the gap between the reference price and the market price of a select critical mineral produced in its territory[EU: , provided that such support is temporary, transparent and notified to the Committee].

2. [EU: Support granted under paragraph 1 shall not exceed the amount necessary to bridge that gap.]""",
        [],
    ),
    (
        "2.4",
        2,
        "Offtake agreements",
        "trade_measures",
        "JP",
        ALL_MINERALS,
        """\
1. The Parties shall encourage long-term offtake agreements between purchasers in one Party and producers in another Party for select critical minerals.

2. No Party shall require that an offtake agreement concluded by enterprises of the Parties include terms that discriminate against enterprises of another Party.""",
        [],
    ),
    (
        "3.1",
        3,
        "Mining and processing standards",
        "standards",
        "EU",
        ALL_MINERALS,
        """\
1. Each Party shall maintain standards for the mining and processing of critical minerals that address [EU: environmental protection, labour rights and community engagement][US: labour rights and environmental protection].

2. The Parties shall work towards mutual recognition of audits conducted against such standards [EU: within three years of the entry into force of this Agreement].""",
        [
            (
                """\
1. Each Party shall maintain standards for the mining and processing of critical minerals that address [EU: environmental protection, labour rights, community engagement and transparency of ownership][US: labour rights and environmental protection].

2. The Parties shall work towards mutual recognition of audits conducted against such standards [EU: within three years of the entry into force of this Agreement].""",
                "EU revision after Round 1",
                "EU",
            ),
            (
                """\
1. Each Party shall maintain standards for the mining and processing of critical minerals that address [EU: environmental protection, labour rights, community engagement and transparency of ownership][US: labour rights and environmental protection].

2. The Parties shall work towards mutual recognition of audits conducted against such standards [EU: within three years of the entry into force of this Agreement][AU: within a reasonable period of time].""",
                "AU alternative for paragraph 2",
                "AU",
            ),
        ],
    ),
    (
        "3.2",
        3,
        "Recycling and trade standards",
        "standards",
        "AU",
        ["Cobalt", "Nickel", "Lithium"],
        """\
1. The Parties shall promote the recovery and recycling of critical minerals and shall not maintain measures that restrict trade among them in recyclable material containing critical minerals[US: , except for reasons of health or safety].

2. The Parties shall develop common traceability standards for trade in critical minerals and recycled material.""",
        [],
    ),
    (
        "4.1",
        4,
        "Technical and regulatory cooperation",
        "regulatory_cooperation",
        "JP",
        [],
        """\
1. The Parties shall exchange information on regulatory measures affecting critical minerals supply chains, including permitting procedures, and shall endeavour to align technical requirements where appropriate.

2. Each Party shall designate a contact point for the purposes of this Article.""",
        [],
    ),
    (
        "5.1",
        5,
        "Investment promotion",
        "investment",
        "AU",
        ALL_MINERALS,
        """\
1. The Parties shall promote investment in projects that diversify critical minerals supply chains, including through co-financing by their development finance institutions [US: and export credit agencies].

2. The Parties shall maintain a list of projects of mutual interest, updated by the Committee [annually].""",
        [],
    ),
    (
        "5.2",
        5,
        "Investment screening cooperation",
        "investment",
        "US",
        ALL_MINERALS,
        """\
1. The Parties shall cooperate on the screening of foreign investments in critical minerals assets that may [US: pose risks to the security of supply][EU: affect security or public order], including by exchanging information on transactions of common concern[EU: in accordance with their respective laws].

2. Nothing in this Article shall be construed to require a Party to disclose information contrary to its essential security interests.""",
        [],
    ),
    (
        "6.1",
        6,
        "Coordinated rapid response",
        "rapid_response",
        "EU",
        ALL_MINERALS,
        """\
1. Where a Party considers that a disruption or crisis in a critical minerals supply chain has arisen or is imminent, including as a result of measures adopted by a third country, it may request consultations, which shall be held within [US: five][EU: ten] days of the request.

2. The Parties shall consider coordinated responses, which may include [the release of stocks, ][joint purchasing and ]the temporary adjustment of measures taken under Chapter 2.""",
        [],
    ),
    (
        "7.1",
        7,
        "Research and development cooperation",
        "research",
        "JP",
        ["Rare earth elements", "Graphite"],
        """\
1. The Parties shall cooperate on research and development of technologies for the exploration, extraction, processing, substitution and recycling of critical minerals.

2. Cooperation under this Article may include joint research programmes, exchange of researchers and the sharing of research results, subject to each Party's rules on intellectual property.""",
        [],
    ),
    (
        "8.1",
        8,
        "Stockpiling cooperation",
        "stockpiling",
        "US",
        ["Gallium", "Germanium", "Rare earth elements"],
        """\
1. The Parties shall exchange information on their stockpiles of critical minerals [US: to the extent compatible with their security interests].

2. The Parties shall [coordinate][EU: consult each other on] the acquisition and release of stocks so as to avoid disrupting markets.""",
        [],
    ),
    (
        "9.1",
        9,
        "Critical Minerals Committee",
        "institutional",
        "EU",
        [],
        """\
1. The Parties hereby establish a Critical Minerals Committee composed of representatives of each Party.

2. The Committee shall meet at least once a year and shall take decisions by consensus.""",
        [],
    ),
    (
        "10.1",
        10,
        "Accession",
        "final",
        "US",
        [],
        """\
1. Any State or separate customs territory [US: that shares the objectives of this Agreement and ]that is prepared to meet its obligations may accede to this Agreement on terms agreed between it and the Parties.

2. Accession shall take effect [thirty][EU: sixty] days after the Committee approves the terms of accession.""",
        [],
    ),
]

# Provisions agreed during the demo, in order (number, statuses walked through).
AGREED = [
    ("4.1", ["tabled", "under_negotiation", "agreed_ad_referendum"]),
    ("9.1", ["tabled", "under_negotiation", "agreed"]),
    ("7.1", ["tabled", "under_negotiation", "agreed"]),
]
UNDER_NEGOTIATION = ["1.1", "2.1", "2.2", "2.3", "3.1", "5.2", "6.1", "8.1", "10.1"]
TABLED = ["1.2", "2.4", "3.2", "5.1"]

ROUNDS = [
    (1, "Washington, D.C.", datetime.date(2026, 3, 9), datetime.date(2026, 3, 13)),
    (2, "Brussels", datetime.date(2026, 6, 15), datetime.date(2026, 6, 19)),
]

# provision, party, stance, shared note, internal note
POSITIONS = [
    (
        "2.1",
        "US",
        "support",
        "Reference prices are the core of the Agreement.",
        "Capital can accept 'explore' only if border adjustment in para 2 survives.",
    ),
    (
        "2.1",
        "EU",
        "reserve",
        "Reserve pending WTO-compatibility analysis of paragraph 2.",
        "Member States split; do not move before the Trade Policy Committee meets.",
    ),
    ("2.1", "JP", "study_reserve", "Studying the effect on existing offtake arrangements.", ""),
    ("2.3", "EU", "oppose", "Cannot accept support without notification and a cap.", ""),
    ("2.3", "US", "support", "", "Fallback: accept notification, resist the cap."),
    ("3.1", "EU", "support", "Standards must include community engagement.", ""),
    ("3.1", "AU", "reserve", "Timing in paragraph 2 is a concern for state regulators.", ""),
    ("6.1", "US", "support", "Five days reflects the speed crises move at.", ""),
    ("6.1", "JP", "support", "", ""),
    ("9.1", "US", "support", "", ""),
    ("9.1", "EU", "support", "", ""),
]

# provision, author, visibility, body
COMMENTS = [
    (
        "2.1",
        "eu-negotiator",
        "shared",
        "Could the US delegation circulate the cost methodology behind 'high labour and environmental standards'?",
    ),
    (
        "2.1",
        "eu-reviewer",
        "delegation",
        "Legal service view: para 2 border adjustment needs an Article XX justification; flag before Round 2.",
    ),
    ("2.1", "us-negotiator", "shared", "Methodology note will be circulated before Round 2."),
    (
        "2.1",
        "us-reviewer",
        "delegation",
        "Do not concede 'explore' until the EU moves on the border adjustment.",
    ),
    ("6.1", "jp-negotiator", "shared", "Japan could accept seven days as a landing zone."),
    ("3.1", "au-lead", "delegation", "Check with state regulators on the three-year timeline."),
]

# title, owner party, assignee, due, provision
ACTION_ITEMS = [
    (
        "Circulate reference-price cost methodology",
        "US",
        "us-negotiator",
        datetime.date(2026, 6, 5),
        "2.1",
    ),
    (
        "Legal analysis of border adjustment compatibility",
        "EU",
        "eu-negotiator",
        datetime.date(2026, 6, 10),
        "2.1",
    ),
    (
        "Propose landing zone for consultation period",
        "JP",
        "jp-lead",
        datetime.date(2026, 6, 12),
        "6.1",
    ),
]

# The negotiation rules at work, after the Round 2 draft.
# provision, party, the words its proposal replaces, its words, note, what became of it
PROPOSALS = [
    (
        "2.1",
        "US",
        "A Party may apply a border adjustment",
        "A Party may apply a temporary border adjustment",
        "A border adjustment should lapse once the reference price is reached.",
        "incorporated",
    ),
    (
        "2.3",
        "EU",
        "A Party may grant support",
        "A Party may grant time-limited support",
        "Support without an end date becomes a permanent subsidy.",
        "tabled",
    ),
]
# Article 2.1, paragraph 3: the chair proposes that the review be annual. Every participant is
# asked (the brackets are unattributed); all but the EU have answered.
RESOLUTION = (
    "2.1",
    "[annually][EU: every two years]",
    "annually",
    "The room converged on an annual review; the EU to confirm after consulting Member States.",
)
RESOLUTION_CONSENTS = [("US", ""), ("JP", ""), ("AU", "Round 2 plenary, Brussels")]
# A consent gone stale: the US agrees Article 2.4, then the chair's legal scrubbing changes it.
STALE_CONSENT = (
    "2.4",
    "US",
    "enterprises of the Parties",
    "enterprises of the Parties, as defined in Article 1.3,",
    "Legal scrubbing: enterprises as defined in Article 1.3",
)
