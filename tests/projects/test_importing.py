"""Import of Markdown and SQL DDL into a project, and export back to Markdown."""

from __future__ import annotations

from pathlib import Path

import pytest

from novabot.projects.exporting import export_project
from novabot.projects.importing import SourceError, import_path, read_markdown, read_sql
from novabot.store import Store
from novabot.store.knowledge import KnowledgeItem

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "airep"

SECTIONS = """---
kind: rule
tags: [sales, pricing]
pinned: true
---

# Pricing rules

## Discounts above 15 % need a manager

Up to 15 % the rep decides.

```markdown
## not a section: inside a code block
```

## Quotes are valid for 30 days

Then they are re-priced.
"""

SCHEMA = """-- the ERP
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS "quotes" (
    id INTEGER PRIMARY KEY,
    note TEXT DEFAULT 'a; b (c'  -- a ';' and a '(' in a string do not end anything
);
CREATE TABLE orders id INTEGER, quote_id INTEGER;
CREATE INDEX quotes_by_customer ON quotes (id);
CREATE TABLE invoices (id INTEGER PRIMARY KEY, number TEXT);
"""


@pytest.fixture
async def airep(store: Store) -> Store:
    await store.create_project("airep")
    return store


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_front_matter_makes_one_item() -> None:
    text = "---\nkind: decision\ntitle: Cents\ntags: money, db\n---\n\nAmounts are cents.\n"
    (draft,) = read_markdown(text, "decisions/cents.md")
    assert (draft.kind, draft.title, draft.body) == ("decision", "Cents", "Amounts are cents.")
    assert (draft.tags, draft.pinned, draft.status) == (("money", "db"), False, "active")
    assert draft.origin == "decisions/cents.md"


def test_without_front_matter_the_heading_or_file_name_is_the_title() -> None:
    (titled,) = read_markdown("# Glossary of terms\n\nA quote is an offer.\n", "g.md")
    assert (titled.kind, titled.title, titled.body) == (
        "note",
        "Glossary of terms",
        "A quote is an offer.",
    )
    (named,) = read_markdown("Just text.", "open-questions.md")
    assert named.title == "open questions"


def test_sections_make_one_item_each_with_the_front_matter() -> None:
    drafts = read_markdown(SECTIONS, "rules.md")
    assert [d.title for d in drafts] == [
        "Discounts above 15 % need a manager",
        "Quotes are valid for 30 days",
    ]
    assert [d.origin for d in drafts] == [
        "rules.md#discounts-above-15-need-a-manager",
        "rules.md#quotes-are-valid-for-30-days",
    ]
    assert all((d.kind, d.tags, d.pinned) == ("rule", ("sales", "pricing"), True) for d in drafts)
    assert "## not a section" in drafts[0].body
    # A title in the front matter makes the whole file one item, sections and all.
    whole = read_markdown(SECTIONS.replace("pinned: true", "title: All pricing"), "rules.md")
    assert [d.title for d in whole] == ["All pricing"]
    assert "## Quotes are valid" in whole[0].body


@pytest.mark.parametrize(
    ("front", "fragment"),
    [
        ("kind: rules", "front matter field 'kind' must be one of schema, rule"),
        ("pinned: maybe", "front matter field 'pinned' must be true or false"),
        ("status: done", "front matter field 'status' must be one of proposed"),
        ("tags: {a: 1}", "front matter field 'tags' must be a list"),
        ("owner: ada", "front matter field 'owner' is not a knowledge field"),
        ("kind: [rule", "front matter is not valid YAML"),
        ("- rule", "front matter must be 'field: value' lines"),
    ],
)
def test_bad_front_matter_names_the_file_and_field(front: str, fragment: str) -> None:
    with pytest.raises(SourceError) as raised:
        read_markdown(f"---\n{front}\n---\n\nbody\n", "docs/rules.md")
    message = str(raised.value)
    assert message.startswith("docs/rules.md: ") and fragment in message
    assert "\n" not in message


def test_unclosed_front_matter() -> None:
    with pytest.raises(SourceError, match=r"x\.md: front matter is not closed"):
        read_markdown("---\nkind: rule\n\nbody\n", "x.md")


def test_sql_keeps_what_parses_and_names_what_does_not() -> None:
    drafts, problems = read_sql(SCHEMA, "schema.sql")
    assert [d.title for d in drafts] == ["customers", "quotes", "invoices"]
    assert all(d.kind == "schema" for d in drafts)
    assert [d.origin for d in drafts] == [
        "schema.sql#customers",
        "schema.sql#quotes",
        "schema.sql#invoices",
    ]
    assert drafts[1].body.startswith('```sql\nCREATE TABLE IF NOT EXISTS "quotes" (')
    assert "'a; b (c'" in drafts[1].body and drafts[1].body.endswith(");\n```")
    assert problems == [
        "schema.sql statement 3 (orders): does not parse as CREATE TABLE name ( … );"
    ]


def test_sql_an_unfinished_last_statement_is_named() -> None:
    drafts, problems = read_sql("CREATE TABLE a (x INT);\nCREATE TABLE b (y INT", "s.sql")
    assert [d.title for d in drafts] == ["a"]
    assert problems == ["s.sql statement 2 (b): does not parse as CREATE TABLE name ( … );"]


async def test_import_the_example_then_again_updates(airep: Store) -> None:
    first = await import_path(airep, "airep", EXAMPLE)
    assert first.problems == [] and first.new >= 10 and first.updated == 0
    items = await airep.knowledge_items("airep")
    assert {"schema", "rule", "decision", "problem"} <= {i.kind for i in items}
    assert {"customers", "quotes", "orders", "invoices"} <= {i.title for i in items}
    assert any(i.pinned for i in items)
    second = await import_path(airep, "airep", EXAMPLE)
    assert (second.new, second.updated) == (0, first.new)
    assert len(await airep.knowledge_items("airep")) == len(items)
    assert (
        second.summary()
        == f"imported {first.new} items (0 new, {first.new} updated) from {EXAMPLE}"
    )


async def test_reimport_changes_text_and_adds_new_sections(airep: Store, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write(docs, "rules.md", SECTIONS)
    await import_path(airep, "airep", docs)
    changed = SECTIONS.replace("Then they are re-priced.", "Then they are priced anew.")
    write(docs, "rules.md", changed + "\n## Credit hold blocks orders\n\nNo orders on hold.\n")
    report = await import_path(airep, "airep", docs)
    assert (report.new, report.updated) == (1, 2)
    titles = {i.title: i for i in await airep.knowledge_items("airep")}
    assert titles["Quotes are valid for 30 days"].body == "Then they are priced anew."
    assert len(titles) == 3
    # A single file is named by its own name, so it updates the same items.
    again = await import_path(airep, "airep", docs / "rules.md")
    assert (again.new, again.updated) == (0, 3)


async def test_a_bad_file_is_skipped_and_named_the_rest_imported(
    airep: Store, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    write(docs, "good.md", "---\nkind: rule\n---\n# Good\n\ntext\n")
    write(docs, "sub/bad.md", "---\npinned: maybe\n---\n# Bad\n\ntext\n")
    write(docs, "empty.md", "---\nkind: note\ntitle: Empty\n---\n\n")
    write(docs, "schema.sql", SCHEMA)
    write(docs, ".hidden/x.md", "# Hidden\n\nnot read\n")
    write(docs, "notes.txt", "not read")
    report = await import_path(airep, "airep", docs)
    assert (report.new, report.updated) == (4, 0)
    assert sorted(report.problems) == [
        "empty.md: the body is empty: say what there is to know",
        "schema.sql statement 3 (orders): does not parse as CREATE TABLE name ( … );",
        "sub/bad.md: front matter field 'pinned' must be true or false, not 'maybe'",
    ]
    assert report.summary().startswith(
        f"imported 4 items (4 new, 0 updated) from {docs}; skipped 3: "
    )


async def test_nothing_to_import(airep: Store, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file or folder"):
        await import_path(airep, "airep", tmp_path / "missing")
    with pytest.raises(SourceError, match=r"no Markdown \(.md\) or SQL \(.sql\) files"):
        await import_path(airep, "airep", tmp_path)
    with pytest.raises(SourceError, match="not a Markdown"):
        await import_path(airep, "airep", write(tmp_path, "a.txt", "x"))


def same(items: list[KnowledgeItem]) -> list[tuple[object, ...]]:
    return sorted((i.kind, i.title, i.body.strip(), i.tags, i.pinned, i.status) for i in items)


async def test_export_imports_back_to_the_same_items(airep: Store, tmp_path: Path) -> None:
    await import_path(airep, "airep", EXAMPLE)
    typed = await airep.add_knowledge(
        "airep", "glossary", "Quote: an offer", "## Not a section\n\nprices, valid 30 days",
        tags=["terms"],
    )  # fmt: skip
    await airep.edit_knowledge(typed.id, status="resolved")
    before = await airep.knowledge_items("airep")
    written = await export_project(airep, "airep", tmp_path / "out")
    assert len(written) == len(before) and all(p.suffix == ".md" for p in written)
    # Into the same project: every item is updated, none is added.
    report = await import_path(airep, "airep", tmp_path / "out")
    assert (report.new, report.updated, report.problems) == (0, len(before), [])
    assert same(await airep.knowledge_items("airep")) == same(before)
    # Into another project: the same items again.
    await airep.create_project("copy")
    await import_path(airep, "copy", tmp_path / "out")
    assert same(await airep.knowledge_items("copy")) == same(before)


async def test_unknown_project(store: Store, tmp_path: Path) -> None:
    with pytest.raises(Exception, match="no project named 'ghost'"):
        await import_path(store, "ghost", EXAMPLE)
    with pytest.raises(Exception, match="no project named 'ghost'"):
        await export_project(store, "ghost", tmp_path)


@pytest.mark.parametrize(
    ("statement", "title"),
    [
        ("CREATE TABLE public.events (id int, at timestamptz) PARTITION BY RANGE (at);", "events"),
        ("create temp table if not exists `lines` (id INT) ENGINE=InnoDB;", "lines"),
        ("CREATE TABLE [notes] (body TEXT CHECK (length(body) > 0)) WITHOUT ROWID;", "notes"),
        ("CREATE TABLE empty ();", None),
        ("CREATE TABLE broken (id INT, name TEXT;", None),
        ("CREATE TABLE copy AS SELECT * FROM quotes;", None),
    ],
)
def test_sql_dialects_and_shapes(statement: str, title: str | None) -> None:
    drafts, problems = read_sql(statement, "s.sql")
    assert [d.title for d in drafts] == ([title] if title else [])
    assert len(problems) == (0 if title else 1)
