"""`nova knowledge`: a project's items (schemas, rules, decisions, problems…) from the
terminal: add, list, search, show, edit, resolve, forget, import and export."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from novabot.adapters.terminal import cli_user
from novabot.cli.runtime import UsageError
from novabot.config import Settings
from novabot.projects.exporting import export_project
from novabot.projects.importing import SourceError, import_path
from novabot.store import Store
from novabot.store.knowledge import KINDS, STATUSES, KnowledgeItem

EXIT_PARTIAL = 1
"""An import that stored some items and skipped others."""


def add_commands(commands: Any) -> None:
    knowledge = commands.add_parser("knowledge", help="what a project knows: rules, schemas…")
    sub = knowledge.add_subparsers(dest="knowledge_command", required=True, metavar="ACTION")

    add = sub.add_parser("add", help="add an item")
    add.add_argument("--project", required=True)
    add.add_argument("--kind", required=True, choices=KINDS)
    add.add_argument("--title", required=True)
    add_body_arguments(add, required=True)
    add.add_argument("--pinned", action="store_true", help="always in the project's prompts")
    add.add_argument("--tags", help="comma-separated: vat,invoices")
    add.set_defaults(run=run_add)

    listing = sub.add_parser("list", help="a project's items, newest first")
    listing.add_argument("--project", required=True)
    listing.add_argument("--kind", choices=KINDS)
    listing.add_argument("--status", choices=STATUSES)
    listing.set_defaults(run=run_list)

    search = sub.add_parser("search", help="full-text search of a project's active items")
    search.add_argument("--project", required=True)
    search.add_argument("--all", action="store_true", help="every status, not only active")
    search.add_argument("query", nargs="+")
    search.set_defaults(run=run_search)

    show = sub.add_parser("show", help="one item in full")
    show.add_argument("id", type=item_id)
    show.set_defaults(run=run_show)

    edit = sub.add_parser("edit", help="change an item")
    edit.add_argument("id", type=item_id)
    edit.add_argument("--title")
    add_body_arguments(edit, required=False)
    edit.add_argument("--kind", choices=KINDS)
    edit.add_argument("--tags", help="comma-separated; replaces the tags")
    edit.add_argument("--status", choices=STATUSES)
    pin = edit.add_mutually_exclusive_group()
    pin.add_argument("--pinned", dest="pinned", action="store_const", const=True)
    pin.add_argument("--unpinned", dest="pinned", action="store_const", const=False)
    edit.set_defaults(run=run_edit)

    for name, what, runner in (
        ("resolve", "mark a problem (or any item) resolved", run_resolve),
        ("forget", "delete an item", run_forget),
    ):
        command = sub.add_parser(name, help=what)
        command.add_argument("id", type=item_id)
        command.set_defaults(run=runner)

    importing = sub.add_parser("import", help="read Markdown and SQL DDL files into a project")
    importing.add_argument("--project", required=True)
    importing.add_argument("path", type=Path, metavar="FILE_OR_DIR")
    importing.set_defaults(run=run_import)

    export = sub.add_parser("export", help="write a project's items as Markdown files")
    export.add_argument("--project", required=True)
    export.add_argument("folder", type=Path, metavar="DIR")
    export.set_defaults(run=run_export)


def add_body_arguments(parser: argparse.ArgumentParser, *, required: bool) -> None:
    body = parser.add_mutually_exclusive_group(required=required)
    body.add_argument("--body", help="the item's text (Markdown)")
    body.add_argument("--file", type=Path, help="read the text from this file")


def item_id(text: str) -> int:
    """An item number, as listed (`12`) or as cited (`#12`)."""
    try:
        return int(text.removeprefix("#"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not an item number") from None


def body_of(args: argparse.Namespace) -> str | None:
    if args.file is None:
        return None if args.body is None else str(args.body)
    try:
        return Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise UsageError(f"--file {args.file}: {reason}") from None


def tags_of(text: str | None) -> list[str]:
    return [tag for tag in (text or "").split(",") if tag.strip()]


async def run_add(settings: Settings, args: argparse.Namespace) -> int:
    body = body_of(args)
    assert body is not None  # the group is required
    async with await Store.open(settings.db_path) as store:
        await store.require_project(args.project)  # its error names the known projects
        item = await store.add_knowledge(
            args.project, args.kind, args.title, body, tags=tags_of(args.tags),
            pinned=args.pinned, source="nova knowledge add", author=cli_user(),
        )  # fmt: skip
    print(f"added #{item.id} {item.kind}: {item.title}")
    return 0


async def run_list(settings: Settings, args: argparse.Namespace) -> int:
    async with await Store.open(settings.db_path) as store:
        await store.require_project(args.project)
        items = await store.knowledge_items(
            args.project,
            kinds=[args.kind] if args.kind else (),
            statuses=[args.status] if args.status else (),
        )
    if not items:
        print(f"no items in {args.project}" + (" match" if args.kind or args.status else ""))
    for item in items:
        print(line(item))
    return 0


async def run_search(settings: Settings, args: argparse.Namespace) -> int:
    query = " ".join(args.query)
    async with await Store.open(settings.db_path) as store:
        await store.require_project(args.project)
        statuses = STATUSES if args.all else ("active",)
        found = await store.search_knowledge(args.project, query, statuses=statuses)
    if not found and not any(ch.isalnum() for ch in query):
        raise UsageError(f"'{query[:40]}' has no words to search for")
    if not found:
        print(f"nothing in {args.project} matches '{query}'")
    for item, _ in found:
        print(line(item))
    return 0


async def run_show(settings: Settings, args: argparse.Namespace) -> int:
    async with await Store.open(settings.db_path) as store:
        item = await store.require_knowledge(args.id)
    print(described(item))
    return 0


async def run_edit(settings: Settings, args: argparse.Namespace) -> int:
    changes: dict[str, Any] = {
        name: getattr(args, name)
        for name in ("title", "kind", "status", "pinned")
        if getattr(args, name) is not None
    }
    if args.tags is not None:
        changes["tags"] = tags_of(args.tags)
    body = body_of(args)
    if body is not None:
        changes["body"] = body
    if not changes:
        raise UsageError(
            "nothing to change: give --title, --body or --file, --kind, --tags, --status, "
            "--pinned or --unpinned"
        )
    async with await Store.open(settings.db_path) as store:
        item = await store.edit_knowledge(args.id, **changes)
    print(f"edited {line(item)}")
    return 0


async def run_resolve(settings: Settings, args: argparse.Namespace) -> int:
    async with await Store.open(settings.db_path) as store:
        before = await store.require_knowledge(args.id)
        item = await store.edit_knowledge(args.id, status="resolved")
    already = " (it already was)" if before.status == "resolved" else ""
    print(f"resolved #{item.id} {item.kind}: {item.title}{already}")
    return 0


async def run_forget(settings: Settings, args: argparse.Namespace) -> int:
    async with await Store.open(settings.db_path) as store:
        item = await store.require_knowledge(args.id)
        await store.forget_knowledge(args.id)
    print(f"forgot #{item.id} {item.kind}: {item.title}")
    return 0


async def run_import(settings: Settings, args: argparse.Namespace) -> int:
    async with await Store.open(settings.db_path) as store:
        try:
            report = await import_path(store, args.project, args.path, author=cli_user())
        except SourceError as exc:
            raise UsageError(str(exc)) from None
    if report.problems and not report.imported:
        more = f" (and {len(report.problems) - 1} more)" if len(report.problems) > 1 else ""
        raise UsageError(f"nothing imported: {report.problems[0]}{more}")
    print(report.summary())
    return EXIT_PARTIAL if report.problems else 0


async def run_export(settings: Settings, args: argparse.Namespace) -> int:
    async with await Store.open(settings.db_path) as store:
        written = await export_project(store, args.project, args.folder)
    print(f"exported {len(written)} items to {args.folder}")
    return 0


def line(item: KnowledgeItem) -> str:
    """One item in a list: number, kind, status, title, and pinned/tags when set."""
    extras = (" [pinned]" if item.pinned else "") + (
        f" [{', '.join(item.tags)}]" if item.tags else ""
    )
    return f"#{item.id:<4} {item.kind:<9} {item.status:<10} {item.title}{extras}"


def described(item: KnowledgeItem) -> str:
    facts = [
        f"#{item.id} {item.kind}: {item.title}",
        f"project {item.project} · {item.status}" + (" · pinned" if item.pinned else ""),
    ]
    if item.tags:
        facts.append(f"tags: {', '.join(item.tags)}")
    if item.supersedes:
        facts.append(f"supersedes #{item.supersedes}")
    source = ", ".join(
        part
        for part in (item.source, item.author and f"by {item.author}", item.source_link)
        if part
    )
    if source:
        facts.append(f"source: {source}")
    facts.append(
        f"created {item.created_at:%Y-%m-%d %H:%M}, updated {item.updated_at:%Y-%m-%d %H:%M}"
    )
    return "\n".join(facts) + "\n\n" + item.body.strip()
