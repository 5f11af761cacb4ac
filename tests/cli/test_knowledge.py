"""`nova knowledge`: add, list, search, show, edit, resolve, forget, import, export;
every mistake is one line and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from novabot.store.knowledge import MAX_BODY
from tests.cli.test_main import assert_one_line_error, nova
from tests.cli.test_projects import Nova, one_line_error
from tests.conftest import cli_env

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "airep"


@pytest.fixture
def run(nova_here: Nova) -> Nova:
    """`nova ARGS…` in this process, on a database with the project `airep`."""
    assert nova_here("project", "create", "airep")[0] == 0
    return nova_here


def add(run: Nova, kind: str, title: str, body: str, *more: str) -> tuple[int, str, str]:
    return run("knowledge", "add", "--project", "airep", "--kind", kind, "--title", title,
               "--body", body, *more)  # fmt: skip


def test_add_list_show(run: Nova, tmp_path: Path) -> None:
    assert run("knowledge", "list", "--project", "airep")[1] == "no items in airep\n"
    assert (
        add(run, "rule", "VAT per line", "Round each line.", "--pinned", "--tags", "vat,Invoices")[
            1
        ]
        == "added #1 rule: VAT per line\n"
    )
    (tmp_path / "cents.md").write_text("Every amount is integer cents.\n")
    code, out, _ = run("knowledge", "add", "--project", "airep", "--kind", "decision",
                       "--title", "Cents", "--file", str(tmp_path / "cents.md"))  # fmt: skip
    assert (code, out) == (0, "added #2 decision: Cents\n")
    lines = run("knowledge", "list", "--project", "airep")[1].splitlines()
    assert [line.split()[:3] for line in lines] == [
        ["#2", "decision", "active"],
        ["#1", "rule", "active"],
    ]
    assert lines[1].endswith("VAT per line [pinned] [invoices, vat]")
    assert run("knowledge", "list", "--project", "airep", "--kind", "rule")[1].startswith("#1 ")
    assert run("knowledge", "list", "--project", "airep", "--status", "resolved")[1] == (
        "no items in airep match\n"
    )
    code, out, _ = run("knowledge", "show", "#2")
    assert code == 0
    assert out.startswith("#2 decision: Cents\nproject airep · active\n")
    assert "source: nova knowledge add, by " in out
    assert out.endswith("\n\nEvery amount is integer cents.\n")


def test_add_mistakes_are_one_line(run: Nova, tmp_path: Path) -> None:
    one_line_error(add(run, "rule", "t", "   "), "the body is empty")
    one_line_error(add(run, "rule", "t", "x" * (MAX_BODY + 1)), "the limit is 20,000")
    one_line_error(
        run("knowledge", "add", "--project", "ghost", "--kind", "rule", "--title", "t",
            "--body", "b"),
        "no project named 'ghost' (projects: airep)",
    )  # fmt: skip
    one_line_error(
        run("knowledge", "add", "--project", "airep", "--kind", "rule", "--title", "t",
            "--file", str(tmp_path / "missing.md")),
        "--file", "missing.md: No such file or directory",
    )  # fmt: skip
    one_line_error(run("knowledge", "list", "--project", "ghost"), "no project named 'ghost'")
    assert run("knowledge", "list", "--project", "airep")[1] == "no items in airep\n"


def test_search(run: Nova) -> None:
    add(run, "schema", "orders", "orders.status is open, shipped or cancelled")
    add(run, "rule", "Shipping", "Ship within two days.")
    code, out, _ = run("knowledge", "search", "--project", "airep", "orders.status?")
    assert code == 0 and out.splitlines()[0].startswith("#1 ") and "#2" not in out
    one_line_error(
        run("knowledge", "search", "--project", "airep", "?!", "..."), "no words to search for"
    )
    assert run("knowledge", "search", "--project", "airep", "invoices")[1] == (
        "nothing in airep matches 'invoices'\n"
    )
    run("knowledge", "resolve", "1")
    assert "#1" not in run("knowledge", "search", "--project", "airep", "orders")[1]
    assert "#1" in run("knowledge", "search", "--project", "airep", "--all", "orders")[1]


def test_edit_resolve_forget(run: Nova, tmp_path: Path) -> None:
    add(run, "problem", "Credit notes", "They round the total.", "--pinned", "--tags", "vat")
    (tmp_path / "body.md").write_text("They round VAT on the total, not per line.\n")
    body = str(tmp_path / "body.md")
    code, out, _ = run("knowledge", "edit", "1", "--title", "Credit notes round VAT",
                       "--file", body, "--unpinned", "--tags", "vat,credit")  # fmt: skip
    assert code == 0 and out.startswith("edited #1")
    shown = run("knowledge", "show", "1")[1]
    assert shown.startswith("#1 problem: Credit notes round VAT\nproject airep · active\n")
    assert "tags: credit, vat" in shown and "pinned" not in shown
    assert shown.endswith("not per line.\n")
    one_line_error(run("knowledge", "edit", "1"), "nothing to change")
    one_line_error(run("knowledge", "edit", "1", "--body", ""), "the body is empty")
    one_line_error(run("knowledge", "edit", "9", "--title", "x"), "no knowledge item 9")
    assert run("knowledge", "resolve", "1")[1] == "resolved #1 problem: Credit notes round VAT\n"
    assert run("knowledge", "resolve", "1")[1].endswith("(it already was)\n")
    assert run("knowledge", "list", "--project", "airep", "--status", "resolved")[1].startswith(
        "#1 "
    )
    assert run("knowledge", "forget", "1")[1] == "forgot #1 problem: Credit notes round VAT\n"
    one_line_error(run("knowledge", "forget", "1"), "no knowledge item 1")
    one_line_error(run("knowledge", "show", "1"), "no knowledge item 1")


def test_import_twice_updates_and_export_round_trips(run: Nova, tmp_path: Path) -> None:
    code, out, err = run("knowledge", "import", "--project", "airep", str(EXAMPLE))
    assert (code, err) == (0, "")
    first = out.split()[1]
    assert out == f"imported {first} items ({first} new, 0 updated) from {EXAMPLE}\n"
    listed = run("knowledge", "list", "--project", "airep")[1]
    again = run("knowledge", "import", "--project", "airep", str(EXAMPLE))[1]
    assert again == f"imported {first} items (0 new, {first} updated) from {EXAMPLE}\n"
    assert run("knowledge", "list", "--project", "airep")[1].count("\n") == listed.count("\n")
    out_dir = tmp_path / "export"
    assert run("knowledge", "export", "--project", "airep", str(out_dir))[1] == (
        f"exported {first} items to {out_dir}\n"
    )
    assert len(list(out_dir.glob("*.md"))) == int(first)
    back = run("knowledge", "import", "--project", "airep", str(out_dir))[1]
    assert back == f"imported {first} items (0 new, {first} updated) from {out_dir}\n"


def test_import_problems(run: Nova, tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text("---\nkind: rules\n---\n\ntext\n")
    one_line_error(
        run("knowledge", "import", "--project", "airep", str(bad)),
        "nothing imported: bad.md: front matter field 'kind' must be one of",
    )
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "schema.sql").write_text(
        "CREATE TABLE customers (id INTEGER PRIMARY KEY);\nCREATE TABLE quotes id INTEGER;\n"
    )
    code, out, err = run("knowledge", "import", "--project", "airep", str(docs))
    assert (code, err) == (1, "")
    assert out == (
        f"imported 1 items (1 new, 0 updated) from {docs}; skipped 1: "
        "schema.sql statement 2 (quotes): does not parse as CREATE TABLE name ( … );\n"
    )
    one_line_error(run("knowledge", "import", "--project", "airep", str(tmp_path / "none")),
                   "no such file or folder")  # fmt: skip
    one_line_error(run("knowledge", "import", "--project", "ghost", str(docs)),
                   "no project named 'ghost'")  # fmt: skip


async def test_a_real_process_says_one_line(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    (tmp_path / "notes.md").write_text("---\npinned: maybe\n---\n\ntext\n")
    await nova(tmp_path, "project", "create", "airep", env=env)
    imported = await nova(
        tmp_path, "knowledge", "import", "--project", "airep", "notes.md", env=env
    )
    assert_one_line_error(imported, "notes.md: front matter field 'pinned' must be true or false")
