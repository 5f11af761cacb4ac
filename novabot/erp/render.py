"""ERP results as text: the schema and a query's rows for the model, and the short
"Queries" block shown under an answer so the user can check where the numbers came from."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from novabot.erp.database import Cell, Limits, QueryResult, Table
from novabot.oneline import one_line
from novabot.store.knowledge import KnowledgeItem

SCHEMA_LIMIT = 24_000
"""Characters of schema given to the model; a larger database lists the rest by name."""
NOTE_LIMIT = 300
SHOWN_SQL_LIMIT = 300
"""Characters of one query shown under an answer (the log has it whole)."""


@dataclass(frozen=True)
class QueryRecord:
    """One `erp_query` call, as the user sees it under the answer."""

    sql: str
    outcome: str
    """"3 rows, 12 ms", "100 rows (truncated), 40 ms", "refused", "stopped", "error"."""


def render_schema(tables: Sequence[Table], notes: Sequence[KnowledgeItem], label: str) -> str:
    """Tables, columns, keys and row counts, with the project's `schema` items beside the
    table their title names (the others at the end)."""
    placed: dict[str, list[KnowledgeItem]] = {}
    loose: list[KnowledgeItem] = []
    for item in notes:
        named = [t.name for t in tables if _names(item.title, t.name)]
        for name in named:
            placed.setdefault(name, []).append(item)
        if not named:
            loose.append(item)
    blocks = [f"ERP database {label}: {len(tables)} tables and views"]
    size = len(blocks[0])
    for index, table in enumerate(tables):
        block = _table_block(table, placed.get(table.name, []))
        if size + len(block) > SCHEMA_LIMIT:
            rest = ", ".join(t.name for t in tables[index:])
            blocks.append(f"… and {len(tables) - index} more (not described here): {rest}")
            break
        blocks.append(block)
        size += len(block)
    if loose:
        blocks.append("Notes from the project's knowledge:\n" + "\n".join(map(_note, loose)))
    return "\n\n".join(blocks)


def _names(text: str, table: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(table)}(?!\w)", text, re.IGNORECASE) is not None


def _table_block(table: Table, notes: Sequence[KnowledgeItem]) -> str:
    kind = "view" if table.view else "table"
    if table.rows is None:
        count = "rows not counted (too many to count in time)"
    else:
        count = f"{'about ' if table.approximate else ''}{table.rows} rows"
    lines = [f"{table.name} ({kind}, {count})"]
    columns = []
    for column in table.columns:
        flags = " PK" if column.primary_key else (" NOT NULL" if not column.nullable else "")
        columns.append(f"{column.name} {column.type}{flags}".strip())
    lines.append("  columns: " + "; ".join(columns))
    if table.foreign_keys:
        keys = [f"{k.column} → {k.table}{'.' + k.ref_column if k.ref_column else ''}"
                for k in table.foreign_keys]  # fmt: skip
        lines.append("  keys: " + "; ".join(keys))
    lines.extend(f"  {_note(item)}" for item in notes)
    return "\n".join(lines)


def _note(item: KnowledgeItem) -> str:
    text = item.title if item.body.strip() == item.title.strip() else f"{item.title}: {item.body}"
    return f"note (schema #{item.id}): {one_line(text, NOTE_LIMIT)}"


def render_result(result: QueryResult, limits: Limits) -> str:
    """The rows as a pipe table, under a line saying how many and whether they were cut."""
    head = f"{len(result.rows)} rows in {milliseconds(result.elapsed_s)}"
    if result.truncated:
        head += (
            f"; TRUNCATED: the result is larger than the {limits.max_rows} rows / "
            f"{limits.max_bytes // 1024} KB shown. Aggregate or filter in SQL, and never "
            "present these rows as the whole result"
        )
    if not result.columns:
        return f"{head} (the statement returned no columns)"
    lines = [head, " | ".join(result.columns)]
    lines.extend(" | ".join(_shown(value) for value in row) for row in result.rows)
    return "\n".join(lines)


def _shown(value: Cell) -> str:
    if value is None:
        return "NULL"
    return " ".join(str(value).split()).replace("|", "\\|")


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def render_queries(records: Sequence[QueryRecord]) -> str:
    """The block under an answer: each query on one line, as a quote (every platform
    shows one, set apart from the answer); '' when no query was made."""
    if not records:
        return ""
    lines = [f"> **Queries** ({len(records)}) — where the numbers come from:"]
    for number, record in enumerate(records, start=1):
        lines.append(
            f"> {number}. {_code(one_line(record.sql, SHOWN_SQL_LIMIT))} — {record.outcome}"
        )
    return "\n".join(lines)


def _code(text: str) -> str:
    """Inline code that survives backticks in the SQL (Markdown's longer fence)."""
    if "`" not in text:
        return f"`{text}`"
    return f"`` {text} ``"
