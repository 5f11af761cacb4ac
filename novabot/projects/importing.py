"""Knowledge from files: Markdown with YAML front matter, and SQL DDL.

A Markdown file is one item, or one item per `##` section when it has sections and its
front matter gives no title. Each `CREATE TABLE` of a `.sql` file is a `schema` item. An
item's `origin` is where it came from (the file's relative path, plus `#section` or
`#table`), so importing the same files again updates those items instead of adding twice.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from novabot.store import Store
from novabot.store.knowledge import KINDS, STATUSES, KnowledgeError

MARKDOWN = (".md", ".markdown")
FIELDS = ("kind", "title", "tags", "pinned", "status", "origin", "id")
"""Front-matter fields; `origin` and `id` are written by export so its files import back
onto the same items."""


class SourceError(Exception):
    """A file (or a part of it) that cannot become an item; the message names it."""


@dataclass(frozen=True, slots=True)
class Draft:
    """An item read from a file, not yet stored."""

    kind: str
    title: str
    body: str
    origin: str
    tags: tuple[str, ...] = ()
    pinned: bool = False
    status: str = "active"
    item_id: int | None = None


@dataclass
class Parsed:
    drafts: list[Draft] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    source: str
    new: int = 0
    updated: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.new + self.updated

    def summary(self) -> str:
        line = (
            f"imported {self.imported} items ({self.new} new, {self.updated} updated)"
            f" from {self.source}"
        )
        if self.problems:
            line += f"; skipped {len(self.problems)}: " + "; ".join(self.problems)
        return line


# Reading files


def read_path(path: Path) -> Parsed:
    """Every item in a file or a folder (recursively; hidden folders left out)."""
    if not path.exists():
        raise SourceError(f"{path}: no such file or folder")
    root = path if path.is_dir() else path.parent
    files = list(_files(path)) if path.is_dir() else [path]
    if path.is_file() and path.suffix.lower() not in (*MARKDOWN, ".sql"):
        raise SourceError(f"{path}: not a Markdown (.md) or SQL (.sql) file")
    if not files:
        raise SourceError(f"{path}: no Markdown (.md) or SQL (.sql) files in it")
    parsed = Parsed()
    for file in files:
        relative = file.relative_to(root).as_posix()
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            parsed.problems.append(f"{relative}: cannot be read ({exc.__class__.__name__})")
            continue
        try:
            if file.suffix.lower() == ".sql":
                drafts, problems = read_sql(text, relative)
                parsed.drafts.extend(drafts)
                parsed.problems.extend(problems)
            else:
                parsed.drafts.extend(read_markdown(text, relative))
        except SourceError as exc:
            parsed.problems.append(str(exc))
    return parsed


def _files(folder: Path) -> Iterator[Path]:
    for file in sorted(folder.rglob("*")):
        parts = file.relative_to(folder).parts
        if any(part.startswith(".") for part in parts) or not file.is_file():
            continue
        if file.suffix.lower() in (*MARKDOWN, ".sql"):
            yield file


# Markdown


def read_markdown(text: str, origin: str) -> list[Draft]:
    meta, body = split_front_matter(text, origin)
    base = {
        "kind": meta.get("kind", "note"),
        "tags": meta.get("tags", ()),
        "pinned": meta.get("pinned", False),
        "status": meta.get("status", "active"),
    }
    sections = None if "title" in meta else split_sections(body)
    if not sections:
        heading, rest = _leading_heading(body)
        title = meta.get("title") or heading or Path(origin).stem.replace("-", " ")
        return [
            Draft(
                title=title,
                body=rest.strip(),
                origin=meta.get("origin", origin),
                item_id=meta.get("id"),
                **base,
            )
        ]
    preamble, parts = sections
    drafts = []
    heading, rest = _leading_heading(preamble)
    if rest.strip():  # prose before the first section is kept, as an item of its own
        title = heading or Path(origin).stem.replace("-", " ")
        drafts.append(Draft(title=title, body=rest.strip(), origin=origin, **base))
    seen: set[str] = set()
    for title, section in parts:
        slug = unique(slugify(title), seen)
        drafts.append(Draft(title=title, body=section.strip(), origin=f"{origin}#{slug}", **base))
    return drafts


def split_front_matter(text: str, origin: str) -> tuple[dict[str, Any], str]:
    """The checked front matter (empty without one) and the text after it."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        return {}, text
    for index, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            return check_front_matter("\n".join(lines[1:index]), origin), "\n".join(
                lines[index + 1 :]
            )
    raise SourceError(f"{origin}: front matter is not closed by a '---' line")


def check_front_matter(text: str, origin: str) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise SourceError(f"{origin}: front matter is not valid YAML{where}") from None
    if not isinstance(raw, dict):
        raise SourceError(f"{origin}: front matter must be 'field: value' lines")
    meta: dict[str, Any] = {}
    for name, value in raw.items():
        meta[str(name)] = _checked_field(origin, str(name), value)
    return meta


def _checked_field(origin: str, name: str, value: Any) -> Any:
    def bad(what: str) -> SourceError:
        return SourceError(f"{origin}: front matter field '{name}' {what}")

    if name not in FIELDS:
        raise bad(f"is not a knowledge field (fields: {', '.join(FIELDS[:5])})")
    if name in ("kind", "status"):
        allowed = KINDS if name == "kind" else STATUSES
        if value not in allowed:
            raise bad(f"must be one of {', '.join(allowed)}, not '{value}'")
    elif name in ("title", "origin"):
        if not isinstance(value, str | int | float) or not str(value).strip():
            raise bad("must be a line of text")
        value = str(value)
    elif name == "tags":
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, list) or not all(isinstance(t, str | int) for t in value):
            raise bad("must be a list of words (or 'a, b')")
        value = tuple(str(t).strip() for t in value if str(t).strip())
    elif name == "pinned":
        if not isinstance(value, bool):
            raise bad(f"must be true or false, not '{value}'")
    elif name == "id" and (isinstance(value, bool) or not isinstance(value, int)):
        raise bad(f"must be an item number, not '{value}'")
    return value


_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$")
_SECTION = re.compile(r"^##\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def split_sections(body: str) -> tuple[str, list[tuple[str, str]]] | None:
    """(text before the first `##`, [(heading, text)]) or None when there is no `##`.
    Headings inside fenced code blocks are code, not sections."""
    preamble: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    fenced = False
    for line in body.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        heading = None if fenced else _SECTION.match(line)
        if heading:
            sections.append((heading.group(1), []))
        elif sections:
            sections[-1][1].append(line)
        else:
            preamble.append(line)
    if not sections:
        return None
    return "\n".join(preamble), [(title, "\n".join(lines)) for title, lines in sections]


def _leading_heading(text: str) -> tuple[str | None, str]:
    """A `# Title` first line (after blank lines) and the text without it."""
    lines = text.strip("\n").splitlines()
    if lines and (match := _HEADING.match(lines[0])):
        return match.group(1), "\n".join(lines[1:])
    return None, text


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "section"


def unique(slug: str, seen: set[str]) -> str:
    candidate, n = slug, 1
    while candidate in seen:
        n += 1
        candidate = f"{slug}-{n}"
    seen.add(candidate)
    return candidate


# SQL DDL

_CREATE_TABLE = re.compile(
    r"^CREATE\s+(?:TEMP(?:ORARY)?\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?"
    r"(?P<name>(?:[\w$]+|\"[^\"]+\"|`[^`]+`|\[[^\]]+\])(?:\.(?:[\w$]+|\"[^\"]+\"|`[^`]+`))?)"
    r"\s*\(",
    re.IGNORECASE,
)
_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)


def read_sql(text: str, origin: str) -> tuple[list[Draft], list[str]]:
    """A schema item per CREATE TABLE; other statements (indexes, inserts) are not
    knowledge and are passed over; a CREATE TABLE that does not parse is named."""
    drafts: list[Draft] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, statement in enumerate(split_statements(text), start=1):
        code = _COMMENTS.sub(" ", statement).strip()
        if not re.match(r"CREATE\s+(TEMP(ORARY)?\s+)?TABLE\b", code, re.IGNORECASE):
            continue
        name = _parsed_table(code)
        if name is None:
            found = _table_name(code)
            what = f"statement {number}" + (f" ({found})" if found else "")
            problems.append(f"{origin} {what}: does not parse as CREATE TABLE name ( … );")
            continue
        body = f"```sql\n{statement.strip()}\n```"
        slug = unique(slugify(name), seen)
        drafts.append(Draft("schema", name, body, f"{origin}#{slug}", tags=("table",)))
    return drafts, problems


def split_statements(text: str) -> list[str]:
    """Statements as SQLite's own tokenizer ends them (a ';' in a string or a comment
    does not end one); an unfinished last statement is kept, to be reported."""
    statements: list[str] = []
    start = 0
    for index, char in enumerate(text):
        if char == ";" and sqlite3.complete_statement(text[start : index + 1]):
            statements.append(text[start : index + 1])
            start = index + 1
    rest = text[start:]
    if _COMMENTS.sub(" ", rest).strip():
        statements.append(rest)
    return [s for s in statements if _COMMENTS.sub(" ", s).strip(" \n\t;")]


def _parsed_table(code: str) -> str | None:
    """The table's name when `code` reads CREATE TABLE name ( columns ) [options];
    with every parenthesis matched (strings aside) and the statement ended."""
    match = _CREATE_TABLE.match(code)
    if not match or not code.endswith(";"):
        return None
    rest = code[match.end() - 1 :]
    if rest[1:].lstrip().startswith(")") or not _balanced(rest):
        return None
    return match.group("name").split(".")[-1].strip('"`[]')


def _balanced(text: str) -> bool:
    depth = 0
    for char in re.sub(r"'[^']*'|\"[^\"]*\"", "", text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _table_name(code: str) -> str | None:
    match = re.match(
        r"CREATE\s+(?:TEMP(?:ORARY)?\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w$.\"`\[\]]+)",
        code,
        re.IGNORECASE,
    )
    return match.group(1).strip('"`[]') if match else None


# Storing


async def import_path(store: Store, project: str, path: Path, *, author: str = "") -> ImportReport:
    """Read `path` and store its items in `project`: new ones added, known ones updated."""
    await store.require_project(project)
    parsed = await asyncio.to_thread(read_path, path)
    report = ImportReport(source=str(path), problems=list(parsed.problems))
    known = {item.origin for item in await store.knowledge_items(project) if item.origin}
    for draft in parsed.drafts:
        try:
            updated = await _store_draft(store, project, draft, known, author)
        except KnowledgeError as exc:
            report.problems.append(f"{draft.origin}: {exc}")
            continue
        report.updated += updated
        report.new += not updated
    return report


async def _store_draft(
    store: Store, project: str, draft: Draft, known: set[str], author: str
) -> bool:
    """Store one item; True if it updated one that was there."""
    if draft.item_id is not None:
        existing = await store.knowledge(draft.item_id)
        if existing is not None and existing.project == project:
            await store.edit_knowledge(
                draft.item_id, kind=draft.kind, title=draft.title, body=draft.body,
                tags=draft.tags, pinned=draft.pinned,
            )  # fmt: skip
            return True
    await store.add_knowledge(
        project, draft.kind, draft.title, draft.body, tags=draft.tags, pinned=draft.pinned,
        status=draft.status, source=f"import {draft.origin}", author=author,
        origin=draft.origin,
    )  # fmt: skip
    updated = draft.origin in known
    known.add(draft.origin)
    return updated
