"""`nova project`: create projects, bind channels (and terminal threads) to them, delete them.

These commands need only the database, so they open the store alone: no model is loaded.
"""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

from novabot.cli.runtime import UsageError
from novabot.config import Settings
from novabot.erp import ErpError, ErpUrlError, parse_url
from novabot.erp.connect import limits_of, open_database
from novabot.store import Store
from novabot.store.projects import Project

PLATFORMS = ("slack", "discord", "cli")


def add_commands(commands: Any) -> None:
    project = commands.add_parser("project", help="projects, and the channels bound to them")
    sub = project.add_subparsers(dest="project_command", required=True, metavar="ACTION")

    create = sub.add_parser("create", help="create a project")
    create.add_argument("name", help="a slug: lower-case letters, digits and dashes")
    create.add_argument("--title", default="", help="a human title")
    create.add_argument("--description", default="", help="what the project is")
    create.set_defaults(run=run_create)

    sub.add_parser("list", help="every project, its bindings and items").set_defaults(run=run_list)

    show = sub.add_parser("show", help="a project: bindings, item counts, pinned items")
    show.add_argument("name")
    show.set_defaults(run=run_show)

    change = sub.add_parser("set", help="change a project's settings (its ERP database)")
    change.add_argument("name")
    erp = change.add_mutually_exclusive_group(required=True)
    erp.add_argument(
        "--erp-url",
        metavar="URL",
        help="the ERP database its erp-* agents read: a SQLite file or postgresql://…",
    )
    erp.add_argument("--no-erp-url", action="store_true", help="use NOVA_ERP_DATABASE_URL again")
    change.set_defaults(run=run_set)

    bind = sub.add_parser("bind", help="bind a channel (or terminal thread) to a project")
    bind.add_argument("name")
    add_channel_arguments(bind)
    bind.add_argument("--force", action="store_true", help="move it from another project")
    bind.set_defaults(run=run_bind)

    unbind = sub.add_parser("unbind", help="a channel belongs to no project any more")
    add_channel_arguments(unbind)
    unbind.set_defaults(run=run_unbind)

    delete = sub.add_parser("delete", help="delete a project with its knowledge")
    delete.add_argument("name")
    delete.add_argument("--yes", action="store_true", help="yes, delete its knowledge too")
    delete.set_defaults(run=run_delete)


def add_channel_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--platform", required=True, choices=PLATFORMS)
    parser.add_argument(
        "--channel",
        required=True,
        help="the channel id (C0123 on Slack, a number on Discord); for cli, a thread name",
    )


async def run_create(settings: Settings, args: argparse.Namespace) -> int:
    async with await Store.open(settings.db_path) as store:
        project = await store.create_project(
            args.name, title=args.title, description=args.description
        )
    print(
        f"created project {project.name}; next: nova knowledge import --project {project.name} DIR"
    )
    return 0


async def run_list(settings: Settings, args: argparse.Namespace) -> int:
    async with await Store.open(settings.db_path) as store:
        projects = await store.projects()
        if not projects:
            print("no projects yet: nova project create NAME")
            return 0
        for project in projects:
            items = len(await store.knowledge_items(project.name))
            bound = [
                f"{b.platform}:{b.channel_id}" for b in await store.project_bindings(project.name)
            ]
            print(
                f"{project.name}{_titled(project)}: {items} items; "
                f"bound to {', '.join(bound) if bound else 'no channel'}"
            )
    return 0


async def run_show(settings: Settings, args: argparse.Namespace) -> int:
    async with await Store.open(settings.db_path) as store:
        project = await store.require_project(args.name)
        items = await store.knowledge_items(project.name)
        bindings = await store.project_bindings(project.name)
    lines = [f"{project.name}{_titled(project)}"]
    if project.description:
        lines.append(project.description)
    bound = ", ".join(f"{b.platform}:{b.channel_id}" for b in bindings)
    lines.append(f"bound to: {bound or 'no channel'}")
    lines.append(f"erp database: {erp_line(settings, project)}")
    lines.append(f"items: {len(items)}")
    for label, counts in (
        ("by kind", Counter(i.kind for i in items)),
        ("by status", Counter(i.status for i in items)),
    ):
        if counts:
            lines.append(f"  {label}: " + ", ".join(f"{k} {n}" for k, n in sorted(counts.items())))
    pinned = [i for i in items if i.pinned]
    if pinned:
        lines.append("pinned:")
        lines.extend(f"  #{i.id} {i.kind}: {i.title}" for i in pinned)
    print("\n".join(lines))
    return 0


async def run_set(settings: Settings, args: argparse.Namespace) -> int:
    url = None
    if args.erp_url is not None:
        try:
            url = parse_url(args.erp_url).absolute()
        except ErpUrlError as exc:
            raise UsageError(str(exc)) from None
    async with await Store.open(settings.db_path) as store:
        project = await store.set_project_erp_url(args.name, None if url is None else url.text)
    if url is None:
        print(f"{project.name} reads the default ERP database: {erp_line(settings, project)}")
        return 0
    print(f"{project.name} reads the ERP database {url.label}")
    try:  # saved either way: the database may be on its way (a server not started yet)
        tables = await open_database(url, limits_of(settings.erp)).schema()
    except ErpError as exc:
        print(f"warning: it cannot be read now: {exc}")
    else:
        print(f"it has {len(tables)} tables and views")
    return 0


def erp_line(settings: Settings, project: Project) -> str:
    """Which ERP database a project's agents read, the password masked."""
    if project.erp_url:
        return parse_url(project.erp_url).label
    default = settings.erp.database_url
    if default is None:
        return "none (set one: nova project set NAME --erp-url URL, or NOVA_ERP_DATABASE_URL)"
    return f"{parse_url(default.get_secret_value()).label} (NOVA_ERP_DATABASE_URL)"


async def run_bind(settings: Settings, args: argparse.Namespace) -> int:
    async with await Store.open(settings.db_path) as store:
        before = await store.bind_project(args.platform, args.channel, args.name, force=args.force)
    where = f"{args.platform}:{args.channel}"
    moved = f" (was {before})" if before not in (None, args.name) else ""
    print(f"bound {where} to {args.name}{moved}")
    return 0


async def run_unbind(settings: Settings, args: argparse.Namespace) -> int:
    async with await Store.open(settings.db_path) as store:
        before = await store.unbind_project(args.platform, args.channel)
    where = f"{args.platform}:{args.channel}"
    if before is None:
        raise UsageError(f"{where} is not bound to a project")
    print(f"unbound {where} from {before}")
    return 0


async def run_delete(settings: Settings, args: argparse.Namespace) -> int:
    async with await Store.open(settings.db_path) as store:
        project = await store.require_project(args.name)
        items = len(await store.knowledge_items(project.name))
        bindings = len(await store.project_bindings(project.name))
        if not args.yes:
            raise UsageError(
                f"deleting project {project.name} deletes its {items} items and "
                f"{bindings} bindings; add --yes to do it"
            )
        await store.delete_project(project.name)
    print(f"deleted project {project.name} ({items} items, {bindings} bindings)")
    return 0


def _titled(project: Project) -> str:
    return f" ({project.title})" if project.title else ""
