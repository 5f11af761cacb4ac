"""BERT-uncased WordPiece tokenisation in pure Python.

It reproduces what the `tokenizers` library does for all-MiniLM-L6-v2 (BertNormalizer with
lower-casing, BertPreTokenizer, WordPiece with `##` continuations, `[CLS] … [SEP]`), and for
all-mpnet-base-v2, which differs only in its special tokens (`<s> … </s>`), so Nova
can feed its ONNX encoder without shipping a compiled tokenizer. Every step mirrors the
Rust implementation rather than Google's original Python, where the two differ.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

MAX_LENGTH = 256  # sentence-transformers' max_seq_length for all-MiniLM-L6-v2, specials included
MAX_WORD_CHARS = 100  # a longer word becomes one [UNK], as in BERT
_WORD_CACHE = 65_536  # routing texts repeat words a lot; this bounds the memo's memory

# Rust's char::is_whitespace (Unicode White_Space); Python's str.isspace() is a different set.
_WHITESPACE = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_KEPT_CONTROLS = frozenset("\t\n\r")  # control characters that count as whitespace
# Control, format, surrogate, private use; `tokenizers` keeps unassigned (Cn) code points.
_DROPPED_CATEGORIES = frozenset(("Cc", "Cf", "Cs", "Co"))
_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
# The CJK ideograph blocks that `tokenizers` splits into single characters.
_CJK_RANGES = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B920, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)
# Pieces of ASCII text that need no per-character work beyond these substitutions.
_ASCII_CLEAN: dict[int, str | None] = {c: None for c in range(32) if chr(c) not in _KEPT_CONTROLS}
_ASCII_CLEAN.update({ord(c): " " for c in _KEPT_CONTROLS})
_ASCII_CLEAN[0x7F] = None


@dataclass(frozen=True)
class SpecialTokens:
    """The vocabulary's names for the tokens that open and close a text and stand for
    an unknown word: BERT's by default; MPNet opens with `<s>` and closes with `</s>`."""

    cls: str = "[CLS]"
    sep: str = "[SEP]"
    unk: str = "[UNK]"


BERT_SPECIALS = SpecialTokens()
# all-mpnet-base-v2's tokenizer.json: RobertaProcessing with <s>/</s>, WordPiece unk [UNK].
MPNET_SPECIALS = SpecialTokens(cls="<s>", sep="</s>", unk="[UNK]")


class WordPieceTokenizer:
    """Text to BERT token ids: `encode("Hi!") == [101, 7632, 999, 102]`."""

    def __init__(
        self,
        vocab: Mapping[str, int],
        *,
        max_length: int = MAX_LENGTH,
        specials: SpecialTokens = BERT_SPECIALS,
    ) -> None:
        if max_length < 2:
            raise ValueError("max_length must leave room for [CLS] and [SEP]")
        self.vocab = dict(vocab)
        self.max_length = max_length
        self.cls_id = self.vocab[specials.cls]
        self.sep_id = self.vocab[specials.sep]
        self.unk_id = self.vocab[specials.unk]
        # Memoised per instance: the cache must not outlive or mix vocabularies.
        self._word_ids = functools.lru_cache(maxsize=_WORD_CACHE)(self._wordpiece)

    @classmethod
    def from_file(
        cls, path: Path, *, max_length: int = MAX_LENGTH, specials: SpecialTokens = BERT_SPECIALS
    ) -> WordPieceTokenizer:
        """Read a BERT vocab.txt: one token a line, the id is the line number."""
        # split("\n"), not splitlines(): that would also break at U+0085, U+2028 and the like.
        lines = path.read_text(encoding="utf-8").removesuffix("\n").split("\n")
        vocab = {token: i for i, token in enumerate(lines)}
        return cls(vocab, max_length=max_length, specials=specials)

    def encode(self, text: str) -> list[int]:
        """Token ids with [CLS]/[SEP], truncated to max_length like sentence-transformers."""
        ids: list[int] = []
        budget = self.max_length - 2
        for word in pre_tokenize(normalize(text)):
            ids.extend(self._word_ids(word))
            if len(ids) >= budget:
                del ids[budget:]
                break
        return [self.cls_id, *ids, self.sep_id]

    def _wordpiece(self, word: str) -> tuple[int, ...]:
        """Greedy longest-match-first split; a word with an unmatched part is one [UNK]."""
        if len(word) > MAX_WORD_CHARS:
            return (self.unk_id,)
        pieces: list[int] = []
        start = 0
        while start < len(word):
            match = self._longest_piece(word, start)
            if match is None:
                return (self.unk_id,)
            piece_id, start = match
            pieces.append(piece_id)
        return tuple(pieces)

    def _longest_piece(self, word: str, start: int) -> tuple[int, int] | None:
        prefix = "##" if start else ""
        for end in range(len(word), start, -1):
            piece_id = self.vocab.get(prefix + word[start:end])
            if piece_id is not None:
                return piece_id, end
        return None


def normalize(text: str) -> str:
    """BertNormalizer: clean, space out CJK, strip accents, lower-case (in that order)."""
    if text.isascii():
        # ASCII has no accents, CJK or exotic whitespace: only controls and case matter.
        return text.translate(_ASCII_CLEAN).lower()
    text = "".join(_clean_char(c) for c in text)
    text = "".join(f" {c} " if _is_cjk(c) else c for c in text)
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    # Per character, as Rust does: str.lower() would turn a word-final Σ into ς.
    return "".join(c.lower() for c in text)


def pre_tokenize(text: str) -> list[str]:
    """BertPreTokenizer: split on whitespace, and make each punctuation mark its own word."""
    words: list[str] = []
    # After normalize() every kind of whitespace is a plain space.
    for chunk in text.split(" "):
        start = 0
        for i, char in enumerate(chunk):
            if _is_punctuation(char):
                if i > start:
                    words.append(chunk[start:i])
                words.append(char)
                start = i + 1
        if start < len(chunk):
            words.append(chunk[start:])
    return words


def _clean_char(char: str) -> str:
    if char in _KEPT_CONTROLS:
        return " "
    # Dropped first, so control characters that are also whitespace (VT, FF, NEL) vanish.
    if char == "\ufffd" or unicodedata.category(char) in _DROPPED_CATEGORIES:
        return ""
    return " " if char in _WHITESPACE else char


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK_RANGES)


def _is_punctuation(char: str) -> bool:
    # ASCII symbols such as $ + < = > ^ ` | ~ are not Unicode punctuation but BERT splits them.
    return char in _ASCII_PUNCTUATION or unicodedata.category(char).startswith("P")
