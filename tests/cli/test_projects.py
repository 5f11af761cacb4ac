"""`nova project`: create, list, show, bind, unbind, delete; and chat/ask `--project`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from novabot.adapters.terminal import cli_key, cli_user
from novabot.core.message import ConversationKey
from novabot.store import Store
from tests.cli.conftest import Nova
from tests.cli.test_main import assert_one_line_error, nova
from tests.conftest import cli_env
from tests.erp.erp_data import create_sqlite
from tests.fakes.openai_server import FakeOpenAI, Text


@pytest.fixture
def run(nova_here: Nova) -> Nova:
    return nova_here


def one_line_error(result: tuple[int, str, str], *fragments: str) -> None:
    code, out, err = result
    assert (code, out) == (2, ""), err
    assert err.startswith("nova: ") and err.count("\n") == 1 and "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err


async def bound_project(db: Path, key: ConversationKey) -> str | None:
    async with await Store.open(db) as store:
        found = await store.project_for(key)
    return None if found is None else found.name


def project_of(db: Path, key: ConversationKey) -> str | None:
    return asyncio.run(bound_project(db, key))


def test_create_list_show(run: Nova) -> None:
    assert run("project", "list")[1] == "no projects yet: nova project create NAME\n"
    code, out, _ = run("project", "create", "airep", "--title", "AI sales rep",
                       "--description", "The rep and its ERP.")  # fmt: skip
    assert code == 0 and out.startswith("created project airep")
    run("project", "create", "shop")
    run("knowledge", "add", "--project", "airep", "--kind", "rule", "--title", "VAT per line",
        "--body", "Round each line.", "--pinned")  # fmt: skip
    run("knowledge", "add", "--project", "airep", "--kind", "problem", "--title", "Credit notes",
        "--body", "They round the total.")  # fmt: skip
    run("knowledge", "resolve", "2")
    run("project", "bind", "airep", "--platform", "slack", "--channel", "C1")
    assert run("project", "list")[1] == (
        "airep (AI sales rep): 2 items; bound to slack:C1\nshop: 0 items; bound to no channel\n"
    )
    code, out, _ = run("project", "show", "airep")
    assert code == 0
    assert out == (
        "airep (AI sales rep)\nThe rep and its ERP.\nbound to: slack:C1\n"
        f"erp database: {NO_ERP}\nitems: 2\n"
        "  by kind: problem 1, rule 1\n  by status: active 1, resolved 1\n"
        "pinned:\n  #1 rule: VAT per line\n"
    )


NO_ERP = "none (set one: nova project set NAME --erp-url URL, or NOVA_ERP_DATABASE_URL)"


def test_set_show_and_clear_a_projects_erp_database(
    run: Nova, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("project", "create", "sweep")
    erp = create_sqlite(tmp_path / "erp.db")
    code, out, _ = run("project", "set", "sweep", "--erp-url", "erp.db")  # relative to here
    assert code == 0
    assert out == f"sweep reads the ERP database sqlite:///{erp}\nit has 15 tables and views\n"
    assert f"erp database: sqlite:///{erp}\n" in run("project", "show", "sweep")[1]
    code, out, _ = run("project", "set", "sweep", "--erp-url", "postgresql://ro:pw@127.0.0.1:1/x")
    assert code == 0 and out.startswith("sweep reads the ERP database postgresql://ro:***@")
    assert "warning: it cannot be read now: cannot connect" in out and "pw" not in out
    monkeypatch.setenv("NOVA_ERP_DATABASE_URL", "sqlite:///default.db")
    code, out, _ = run("project", "set", "sweep", "--no-erp-url")
    assert (
        out
        == "sweep reads the default ERP database: sqlite:///default.db (NOVA_ERP_DATABASE_URL)\n"
    )
    one_line_error(run("project", "set", "sweep", "--erp-url", "mysql://h/db"), "'mysql' databases")
    one_line_error(run("project", "set", "nope", "--erp-url", "x.db"), "no project named 'nope'")


def test_bad_names_and_unknown_projects(run: Nova) -> None:
    run("project", "create", "airep")
    one_line_error(run("project", "create", "airep"), "already a project named 'airep'")
    one_line_error(run("project", "create", "Air Rep"), "'Air Rep' is not a project name")
    one_line_error(run("project", "show", "nope"), "no project named 'nope' (projects: airep)")
    one_line_error(
        run("project", "bind", "nope", "--platform", "slack", "--channel", "C1"),
        "no project named 'nope'",
    )


def test_bind_force_and_unbind(run: Nova, tmp_path: Path) -> None:
    run("project", "create", "airep")
    run("project", "create", "shop")
    bind = ("project", "bind", "--platform", "slack", "--channel", "C1")
    assert run(*bind[:2], "airep", *bind[2:])[1] == "bound slack:C1 to airep\n"
    one_line_error(
        run(*bind[:2], "shop", *bind[2:]), "slack:C1 is bound to project 'airep'", "--force"
    )
    assert project_of(tmp_path / "nova.db", ConversationKey("slack", "C1", "T9")) == "airep"
    code, out, _ = run(*bind[:2], "shop", *bind[2:], "--force")
    assert (code, out) == (0, "bound slack:C1 to shop (was airep)\n")
    unbind = ("project", "unbind", "--platform", "slack", "--channel", "C1")
    assert run(*unbind)[1] == "unbound slack:C1 from shop\n"
    one_line_error(run(*unbind), "slack:C1 is not bound to a project")
    assert project_of(tmp_path / "nova.db", ConversationKey("slack", "C1")) is None


def test_delete_asks_for_yes(run: Nova, tmp_path: Path) -> None:
    run("project", "create", "airep")
    for n in range(3):
        run("knowledge", "add", "--project", "airep", "--kind", "note", "--title", f"n{n}",
            "--body", "b")  # fmt: skip
    run("project", "bind", "airep", "--platform", "discord", "--channel", "42")
    one_line_error(run("project", "delete", "airep"), "3 items and 1 bindings", "--yes")
    assert run("project", "list")[1].startswith("airep: 3 items")
    code, out, _ = run("project", "delete", "airep", "--yes")
    assert (code, out) == (0, "deleted project airep (3 items, 1 bindings)\n")
    assert run("project", "list")[1].startswith("no projects yet")
    assert project_of(tmp_path / "nova.db", ConversationKey("discord", "42")) is None
    one_line_error(run("project", "delete", "airep", "--yes"), "no project named 'airep'")


async def projects_bound(db: Path, *names: str, slack: str | None = None) -> None:
    async with await Store.open(db) as store:
        for name in names:
            await store.create_project(name)
        if slack:
            await store.bind_project("slack", slack, names[0])


async def test_errors_in_a_real_process_are_one_line(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    await projects_bound(tmp_path / "nova.db", "airep", "shop", slack="C1")
    again = await nova(tmp_path, "project", "bind", "shop", "--platform", "slack",
                       "--channel", "C1", env=env)  # fmt: skip
    assert_one_line_error(again, "bound to project 'airep'", "--force")
    delete = await nova(tmp_path, "project", "delete", "airep", env=env)
    assert_one_line_error(delete, "0 items and 1 bindings", "add --yes")


async def test_ask_with_project_binds_the_terminal_thread(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    env = cli_env(tmp_path, fake_openai)
    db = tmp_path / "nova.db"
    await projects_bound(db, "airep", "shop")
    unknown = await nova(tmp_path, "ask", "--project", "ghost", "hello", env=env)
    assert_one_line_error(unknown, "no project named 'ghost'")
    fake_openai.script(Text("Hello."), Text("Hi again."))
    asked = await nova(tmp_path, "ask", "--project", "airep", "--thread", "q3", "hi", env=env)
    assert (asked.code, asked.out, asked.err) == (0, "Hello.\n", "")
    assert await bound_project(db, cli_key("q3")) == "airep"
    assert await bound_project(db, cli_key(None)) is None  # only that thread
    moved = await nova(tmp_path, "ask", "--project", "shop", "--thread", "q3", "hi", env=env)
    assert moved.code == 0
    assert moved.err == "nova: this conversation now belongs to shop, not airep\n"
    assert await bound_project(db, cli_key("q3")) == "shop"


async def test_chat_with_project_binds_the_main_conversation_and_new_threads(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    env = cli_env(tmp_path, fake_openai)
    db = tmp_path / "nova.db"
    await projects_bound(db, "airep")
    fake_openai.script(Text("Noted."))
    chat = await nova(tmp_path, "chat", "--project", "airep", env=env, stdin="hello\n/new\n")
    assert chat.code == 0, chat.err
    assert f"talking in cli:{cli_user()} (project airep)" in chat.out
    # The main conversation is bound by the user's name, so threads without a project of
    # their own inherit it; the thread /new opened is bound itself.
    assert await bound_project(db, cli_key(None)) == "airep"
    assert await bound_project(db, cli_key("some-other-thread")) == "airep"
    new_thread = chat.out.split("New thread: ")[1].split()[0]
    async with await Store.open(db) as store:
        bindings = {(b.channel_id, b.project) for b in await store.project_bindings()}
    assert bindings == {(cli_user(), "airep"), (new_thread, "airep")}
