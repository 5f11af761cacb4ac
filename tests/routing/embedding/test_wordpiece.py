"""The pure-Python tokenizer must give the ids the `tokenizers` library gives for MiniLM.

Each expected list below was produced by `tokenizers` with all-MiniLM-L6-v2's
tokenizer.json (padding and truncation off, or truncation at 256 where noted).
"""

from __future__ import annotations

import pytest

from novabot.routing.embedding.minilm import MODELS_DIR, VOCAB_FILE
from novabot.routing.embedding.wordpiece import WordPieceTokenizer


@pytest.fixture(scope="module")
def tokenizer() -> WordPieceTokenizer:
    return WordPieceTokenizer.from_file(MODELS_DIR / VOCAB_FILE)


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("", [101, 102]),
        ("Hello, world!", [101, 7592, 1010, 2088, 999, 102]),
        ("unaffable", [101, 14477, 20961, 3468, 102]),
        # Accents stripped after NFD; Greek and a dotted capital I lower-cased per character.
        (
            "Crème brûlée at the Café Déjà-vu",
            [101, 13675, 21382, 7987, 9307, 2063, 2012, 1996, 7668, 2139, 3900, 1011, 24728, 102],
        ),
        ("ΣΟΦΟΣ İstanbul", [101, 1173, 29730, 29736, 29730, 29733, 9960, 102]),
        # ASCII symbols ($) count as punctuation too; the em dash is Unicode punctuation.
        (
            "I'd like $20.50 (approx.) — ok?",
            [
                *(101, 1045, 1005, 1040, 2066, 1002, 2322, 1012, 2753, 1006, 22480, 1012),
                *(1007, 1517, 7929, 1029, 102),
            ],
        ),
        (
            "e-mail me@nova.dev #42",
            [101, 1041, 1011, 5653, 2033, 1030, 6846, 1012, 16475, 1001, 4413, 102],
        ),
        # A tab is a space; NUL and the zero-width space are dropped, joining the words.
        ("tab\there\x00null\u200bzero", [101, 21628, 2182, 11231, 3363, 6290, 2080, 102]),
        # CJK ideographs are single words; 字 is not in the vocabulary.
        ("中文字 and 日本語", [101, 1746, 1861, 100, 1998, 1864, 1876, 1950, 102]),
        ("x" * 101, [101, 100, 102]),  # longer than 100 characters: one [UNK]
        ("a" + "b" * 99, [101, 11113, *[10322] * 49, 102]),  # exactly 100: split as usual
    ],
)
def test_ids_match_the_reference_tokenizer(
    tokenizer: WordPieceTokenizer, text: str, ids: list[int]
) -> None:
    assert tokenizer.encode(text) == ids


def test_long_text_is_truncated_to_256_tokens_like_sentence_transformers(
    tokenizer: WordPieceTokenizer,
) -> None:
    ids = tokenizer.encode(" ".join(["the quick brown fox"] * 100))

    assert len(ids) == 256
    assert ids[:6] == [101, 1996, 4248, 2829, 4419, 1996]
    assert ids[-4:] == [4419, 1996, 4248, 102]


def test_truncation_can_cut_a_word_between_its_pieces() -> None:
    vocab = {"[CLS]": 0, "[SEP]": 1, "[UNK]": 2, "una": 3, "##ffa": 4, "##ble": 5}
    short = WordPieceTokenizer(vocab, max_length=4)

    assert short.encode("unaffable unaffable") == [0, 3, 4, 1]
