"""A tiny CLINC150-shaped data set: four intents in two domains, with out-of-scope texts."""

from __future__ import annotations

import json
from pathlib import Path

TRAIN = {
    "book_flight": [
        "book me a flight to paris on friday",
        "i need a plane ticket to tokyo next week",
        "find flights from boston to denver",
        "reserve a seat on the morning flight to rome",
        "get me a one way flight to madrid",
        "can you book an airline ticket to chicago",
        "i want to fly to berlin on monday",
        "book a return flight to lisbon for two",
    ],
    "book_hotel": [
        "book a hotel room in london for two nights",
        "find me a hotel near the beach in nice",
        "reserve a room at a hotel downtown",
        "i need somewhere to stay in vienna this weekend",
        "get me a double room at a hotel in prague",
        "can you book accommodation in oslo for three nights",
        "find a cheap hotel close to the airport",
        "reserve a hotel suite in dubai for friday",
    ],
    "balance": [
        "what is my checking account balance",
        "how much money do i have in savings",
        "tell me the balance of my bank account",
        "how much is left in my account",
        "check my current account balance",
        "what's the balance on my checking",
        "how much cash do i have in the bank",
        "show me my savings account balance",
    ],
    "transfer": [
        "transfer 200 dollars from checking to savings",
        "move money to my savings account",
        "send 50 dollars from my account to john",
        "wire 1000 dollars to my landlord",
        "transfer funds between my accounts",
        "move 300 from savings into checking",
        "send money to my sister's bank account",
        "make a transfer of 75 dollars to alex",
    ],
}
VAL = {
    "book_flight": [
        "book a flight to amsterdam",
        "i need to fly to seattle tomorrow",
        "get me plane tickets to miami",
        "find a flight to athens in june",
    ],
    "book_hotel": [
        "book me a hotel in barcelona",
        "find a room to stay in zurich",
        "reserve a hotel for my trip to milan",
        "i need a hotel room in dublin tonight",
    ],
    "balance": [
        "how much is in my checking account",
        "what's my bank balance",
        "tell me how much money is in savings",
        "check the balance of my account",
    ],
    "transfer": [
        "transfer 100 dollars to savings",
        "send 20 dollars to my brother",
        "move money from checking to savings",
        "wire funds to my business account",
    ],
}
TEST = {
    "book_flight": ["fly me to new york on sunday", "book the cheapest flight to cairo"],
    "book_hotel": ["book two nights at a hotel in seville", "find a hotel with a pool in rome"],
    "balance": ["what is the balance in my savings account"],
    "transfer": ["transfer 40 dollars to my mom", "move 500 dollars into my checking account"],
}
OOS_VAL = [
    "write a poem about autumn",
    "what is the capital of australia",
    "tell me a joke about cats",
    "how do i bake sourdough bread",
    "who won the world cup in 2018",
    "play some jazz music",
]
OOS_TEST = [
    "how many legs does a spider have",
    "recommend a good science fiction novel",
    "what's a synonym for happy",
]
DOMAINS = {"travel": ["book_flight", "book_hotel"], "banking": ["balance", "transfer"]}
N_INTENTS = len(TRAIN)
N_TRAIN = sum(len(texts) for texts in TRAIN.values())
N_VAL = sum(len(texts) for texts in VAL.values())


OOS_TRAIN = [
    "sing me a song",
    "what is the capital of peru",
    "tell me a joke about cats",
    "how tall is mount everest",
    "recommend a good sci-fi novel",
    "who painted the mona lisa",
    "what rhymes with orange",
    "how do i boil an egg",
    "play some jazz music",
    "what year did the berlin wall fall",
]


def rows(by_label: dict[str, list[str]]) -> list[list[str]]:
    return [[text, label] for label, texts in by_label.items() for text in texts]


def write_clinc(folder: Path, **replaced: object) -> Path:
    """data_full.json and domains.json in `folder`; keyword arguments replace splits
    (None drops one)."""
    data: dict[str, object] = {
        # CLINC keeps out-of-scope training messages apart; one stray "oos" row in train
        # must not become an agent.
        "train": [*rows(TRAIN), ["sing me a song", "oos"]],
        "val": rows(VAL),
        "test": rows(TEST),
        "oos_train": [[text, "oos"] for text in OOS_TRAIN],
        "oos_val": [[text, "oos"] for text in OOS_VAL],
        "oos_test": [[text, "oos"] for text in OOS_TEST],
    }
    for name, value in replaced.items():
        if value is None:
            data.pop(name)
        else:
            data[name] = value
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "data_full.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    (folder / "domains.json").write_text(json.dumps(DOMAINS), encoding="utf-8")
    return path
