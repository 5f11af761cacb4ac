"""Routing scores per language, for cases files whose lines carry a "lang".

A line may also carry "en", the same request as an English speaker would type it; the
twins are scored as a language of their own ("en"), so a gap between a language and
English is visible at a glance, on the very same requests.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

from novabot.routing.language import ENGLISH


@dataclass(frozen=True)
class Tag:
    """What a case line says besides text and agent: its language and English twin."""

    lang: str | None = None
    en: str | None = None

    @classmethod
    def of(cls, row: dict[str, object]) -> Tag:
        """The tag of one parsed cases line (no "lang" or "en": None)."""
        lang, en = row.get("lang"), row.get("en")
        return cls(str(lang) if lang else None, str(en) if en else None)


@dataclass(frozen=True)
class LanguageScore:
    lang: str
    in_scope_accuracy: float
    oos_recall: float
    n_in_scope: int
    n_oos: int

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        del data["lang"]
        return data


def language_scores(
    cases: Sequence[tuple[str, str | None]],
    picked: Sequence[str | None],
    tags: Sequence[Tag],
    pick: Callable[[str], str | None],
) -> list[LanguageScore]:
    """Scores per language in order of first appearance, English twins last; [] untagged.

    `picked` is the router's choice for each case (None: it abstained); `pick` routes an
    English twin the same way.
    """
    outcomes: dict[str, list[tuple[str | None, str | None]]] = {}
    twins: list[tuple[str | None, str | None]] = []
    for (_, expected), got, tag in zip(cases, picked, tags, strict=True):
        if tag.lang:
            outcomes.setdefault(tag.lang, []).append((expected, got))
        if tag.en:
            twins.append((expected, pick(tag.en)))
    if twins:
        outcomes.setdefault(ENGLISH, []).extend(twins)
    if ENGLISH in outcomes:
        outcomes[ENGLISH] = outcomes.pop(ENGLISH)  # last, as the yardstick
    return [_score(lang, rows) for lang, rows in outcomes.items()]


def format_languages(scores: Sequence[LanguageScore]) -> str:
    if not scores:
        return ""
    lines = ["", "", "by language    in scope   out of scope   messages (in / out)"]
    for score in scores:
        lines.append(
            f"  {score.lang:<12} {score.in_scope_accuracy:>8.2%}   {score.oos_recall:>12.2%}"
            f"   {score.n_in_scope} / {score.n_oos}"
        )
    return "\n".join(lines)


def _score(lang: str, rows: Sequence[tuple[str | None, str | None]]) -> LanguageScore:
    in_scope = [expected == got for expected, got in rows if expected is not None]
    oos = [got is None for expected, got in rows if expected is None]
    return LanguageScore(lang, _share(in_scope), _share(oos), len(in_scope), len(oos))


def _share(flags: Sequence[bool]) -> float:
    return round(sum(flags) / len(flags), 4) if flags else 0.0
