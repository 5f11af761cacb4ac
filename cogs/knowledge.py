"""Projects and their knowledge in chat: `/nova project`, `/nova remember`, `/nova
knowledge`, `/nova forget`, and the tools the `project` and `scribe` agents use.

What a non-admin adds is `proposed` and offered with Confirm / Dismiss buttons; only an
admin's confirmation makes it `active` (only active items reach prompts). The pending state
is the item's status in SQLite, so a click after a restart works and a second does nothing.
An item of another project than the conversation's is "not found here", in the same words
as a missing one, so nothing of one project shows in another's channels.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from novabot.agents.tools import ToolFunc
from novabot.agents.turn import Turn, current_turn
from novabot.commands.command import Command, CommandContext, CommandError
from novabot.core.access import AccessPolicy
from novabot.core.message import ConversationKey
from novabot.core.responder import Choice, Responder, typed_choices
from novabot.store.errors import StoreError
from novabot.store.knowledge import KINDS, KnowledgeItem
from novabot.store.projects import Project, binding_channels

if TYPE_CHECKING:
    from novabot.core.cogs import CogSetup
    from novabot.store import Store

TITLE_LIMIT = 80
LIST_LIMIT = 20
UNBOUND = "This channel belongs to no project; an admin can bind one: `/nova project bind NAME`."
DONE = {"active": "confirmed", "dismissed": "dismissed", "resolved": "resolved"}
"""How a status reads once an item has reached it."""
_KIND_PREFIX = re.compile(rf"^\s*({'|'.join(KINDS)})\s*:\s*", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def title_of(text: str) -> str:
    """An item's title: the first line, else its first sentence, cut to TITLE_LIMIT."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    first = _SENTENCE_END.split(first, maxsplit=1)[0].strip()
    return first if len(first) <= TITLE_LIMIT else first[: TITLE_LIMIT - 1].rstrip() + "…"


def split_kind(text: str, default: str = "note") -> tuple[str, str]:
    """`rule: totals round per line` → (`rule`, `totals round per line`)."""
    found = _KIND_PREFIX.match(text)
    if found is None:
        return default, text.strip()
    return found.group(1).lower(), text[found.end() :].strip()


def item_line(item: KnowledgeItem) -> str:
    return f"#{item.id} {item.kind}: {item.title}"


def decision_choices(item_id: int) -> list[Choice]:
    return [
        Choice("Confirm", "knowledge", f"confirm {item_id}"),
        Choice("Dismiss", "knowledge", f"dismiss {item_id}"),
    ]


def parse_id(text: str, usage: str) -> int:
    word = text.strip().lstrip("#")
    if not word.isdigit():
        raise CommandError(f"usage: {usage}")
    return int(word)


class Knowledge:
    """The commands and tools, over the store and the admin list."""

    def __init__(self, store: Store, access: AccessPolicy) -> None:
        self.store = store
        self.access = access

    # -- shared -----------------------------------------------------------------------

    async def bound(self, key: ConversationKey) -> Project:
        project = await self.store.project_for(key)
        if project is None:
            raise CommandError(UNBOUND)
        return project

    async def item_here(self, project: Project, item_id: int) -> KnowledgeItem:
        """The item, if it belongs to this conversation's project; else "not found here"."""
        item = await self.store.knowledge(item_id)
        if item is None or item.project != project.name:
            raise CommandError(f"There is no knowledge item #{item_id} here.")
        return item

    async def add(
        self,
        key: ConversationKey,
        user_id: str,
        kind: str,
        text: str,
        *,
        admin: bool,
        title: str = "",
        supersedes: int | None = None,
        link: str | None = None,
    ) -> KnowledgeItem:
        project = await self.bound(key)
        try:
            return await self.store.add_knowledge(
                project.name, kind, title or title_of(text), text,
                status="active" if admin else "proposed", supersedes=supersedes,
                source=f"{key} by {user_id}", source_link=link, author=user_id,
            )  # fmt: skip
        except StoreError as exc:
            raise CommandError(str(exc)) from None

    async def decide(self, key: ConversationKey, item_id: int, status: str) -> str:
        """Move a proposed item to `status` once; a repeat says it was already done."""
        item = await self.item_here(await self.bound(key), item_id)
        if not await self.store.move_knowledge(item_id, status, only_from="proposed"):
            now = (await self.store.require_knowledge(item_id)).status
            raise CommandError(f"#{item_id} was already {DONE.get(now, now)}.")
        if status == "active" and item.supersedes is not None:
            await self.store.move_knowledge(item.supersedes, "superseded", only_from="active")
        return f"{item_line(item)} — {DONE[status]}."

    async def offer(self, responder: Responder | None, item: KnowledgeItem) -> None:
        if responder is not None:
            await responder.offer(f"Proposed {item_line(item)}", decision_choices(item.id))

    def require_admin(self, ctx: CommandContext, what: str) -> None:
        if not ctx.is_admin:
            raise CommandError(self.access.admin_refusal(what, ctx.key, ctx.user_id))

    # -- commands ---------------------------------------------------------------------

    async def project_command(self, ctx: CommandContext, args: str) -> str:
        verb, _, rest = args.strip().partition(" ")
        if verb == "bind":
            self.require_admin(ctx, "project bind")
            return await self.bind(ctx, rest.split())
        if verb == "unbind" and not rest.strip():
            self.require_admin(ctx, "project unbind")
            name = await self.store.unbind_project(ctx.key.platform, channel_of(ctx.key))
            return f"This channel no longer belongs to {name}." if name else UNBOUND
        if verb:
            raise CommandError("usage: project [bind NAME [--force] | unbind]")
        project = await self.store.project_for(ctx.key)
        if project is None:
            return UNBOUND
        return await self.describe(project)

    async def bind(self, ctx: CommandContext, words: list[str]) -> str:
        force = "--force" in words
        names = [word for word in words if word != "--force"]
        if len(names) != 1:
            raise CommandError("usage: project bind NAME [--force]")
        try:
            project = await self.store.require_project(names[0])
            before = await self.store.bind_project(
                ctx.key.platform, channel_of(ctx.key), project.name, force=force
            )
        except StoreError as exc:
            raise CommandError(str(exc)) from None
        moved = f" (it belonged to {before})" if before and before != project.name else ""
        return f"This channel now belongs to project {project.name}{moved}."

    async def describe(self, project: Project) -> str:
        items = await self.store.knowledge_items(project.name)
        counts: dict[str, int] = {}
        for item in items:
            counts[item.status] = counts.get(item.status, 0) + 1
        shown = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no items"
        title = f" — {project.title}" if project.title else ""
        return f"This channel belongs to project {project.name}{title}: {shown}."

    async def remember_command(self, ctx: CommandContext, args: str) -> str:
        kind, text = split_kind(args)
        if not text:
            raise CommandError("usage: remember [kind:] <text> — kinds: " + ", ".join(KINDS))
        item = await self.add(ctx.key, ctx.user_id, kind, text, admin=ctx.is_admin)
        if item.status == "active":
            return f"Remembered {item_line(item)}."
        await self.offer(ctx.responder, item)
        return f"Proposed {item_line(item)}; it counts once an admin confirms it: " + typed_choices(
            decision_choices(item.id)
        )

    async def knowledge_command(self, ctx: CommandContext, args: str) -> str:
        verb, _, rest = args.strip().partition(" ")
        if verb.lower() in ("confirm", "dismiss", "resolve"):
            self.require_admin(ctx, f"knowledge {verb.lower()}")
            item_id = parse_id(rest, f"knowledge {verb.lower()} ID")
            if verb.lower() == "resolve":
                return await self.resolve(ctx.key, item_id)
            status = "active" if verb.lower() == "confirm" else "dismissed"
            return await self.decide(ctx.key, item_id, status)
        project = await self.bound(ctx.key)
        query = args.strip()
        if query.lower() == "proposed":  # what waits for an admin (compaction proposes too)
            found = await self.store.knowledge_items(project.name, statuses=("proposed",))
            empty = f"Nothing in {project.name} waits for confirmation."
        elif query:
            found = [item for item, _ in await self.store.search_knowledge(project.name, query)]
            empty = f"Nothing in {project.name} matches '{query[:60]}'."
        else:
            found = await self.store.knowledge_items(project.name, statuses=("active",))
            empty = f"{project.name} has no active knowledge yet."
        if not found:
            return empty
        lines = [item_line(item) for item in found[:LIST_LIMIT]]
        more = len(found) - LIST_LIMIT
        return "\n".join(lines + ([f"… and {more} more"] if more > 0 else []))

    async def resolve(self, key: ConversationKey, item_id: int) -> str:
        item = await self.item_here(await self.bound(key), item_id)
        if not await self.store.move_knowledge(item_id, "resolved", only_from="active"):
            raise CommandError(f"#{item_id} is {item.status}, not active: nothing to resolve.")
        return f"{item_line(item)} — resolved."

    async def forget_command(self, ctx: CommandContext, args: str) -> str:
        item = await self.item_here(await self.bound(ctx.key), parse_id(args, "forget ID"))
        await self.store.forget_knowledge(item.id)
        return f"Forgot {item_line(item)}."

    # -- tools ------------------------------------------------------------------------

    def turn(self) -> Turn:
        turn = current_turn.get()
        if turn is None:
            raise RuntimeError("no conversation is being answered")
        return turn

    def turn_is_admin(self, turn: Turn) -> bool:
        return self.access.is_admin(turn.message.key.platform, turn.message.user_id)

    async def store_from_turn(
        self, kind: str, title: str, body: str, *, admin: bool, supersedes: int | None = None
    ) -> str:
        turn = self.turn()
        try:
            item = await self.add(
                turn.message.key, turn.message.user_id, kind, body, admin=admin, title=title,
                supersedes=supersedes, link=turn.message.link,
            )  # fmt: skip
        except CommandError as exc:
            return f"error: {exc}"
        if item.status == "active":
            if supersedes is not None:
                await self.store.move_knowledge(supersedes, "superseded", only_from="active")
            return f"recorded {item_line(item)} (active)"
        await self.offer(turn.responder, item)
        return f"proposed {item_line(item)}; the user was offered Confirm / Dismiss buttons"


def channel_of(key: ConversationKey) -> str:
    """The channel a binding is made for: the terminal thread itself, else the channel."""
    return binding_channels(key)[0]


Kind = Annotated[str, Field(description=f"One of: {', '.join(KINDS)}")]
Title = Annotated[str, Field(description="A short title, under 80 characters")]
Body = Annotated[str, Field(description="The whole item in Markdown, as the user said it")]


def tools(k: Knowledge) -> list[ToolFunc]:
    """The agent tools, as closures over the cog's store (tools are plain functions)."""

    async def propose_knowledge(kind: Kind, title: Title, body: Body) -> str:
        """Suggest a project knowledge item noticed in the conversation (a decision, a rule,
        a problem); people confirm or dismiss it, nothing counts until confirmed."""
        return await k.store_from_turn(kind, title, body, admin=False)

    async def record_knowledge(kind: Kind, title: Title, body: Body) -> str:
        """Record a knowledge item the user explicitly asked to note (active when an admin
        asks, else proposed for an admin to confirm)."""
        return await k.store_from_turn(kind, title, body, admin=k.turn_is_admin(k.turn()))

    async def search_project_knowledge(
        query: Annotated[str, Field(description="Words to look for")],
    ) -> str:
        """Search this conversation's project knowledge; returns matching active items."""
        project = await k.store.project_for(k.turn().message.key)
        if project is None:
            return "error: this conversation belongs to no project"
        found = await k.store.search_knowledge(project.name, query, limit=8)
        if not found:
            return f"no active item of {project.name} matches {query!r}"
        return "\n\n".join(f"{item_line(item)}\n{item.body}" for item, _ in found)

    async def resolve_knowledge(
        item_id: Annotated[int, Field(description="The id of the problem to mark resolved")],
    ) -> str:
        """Mark a project knowledge item (an open problem) resolved."""
        turn = k.turn()
        if not k.turn_is_admin(turn):
            choice = Choice("Mark resolved", "knowledge", f"resolve {item_id}")
            await turn.responder.offer(f"Mark #{item_id} resolved?", [choice])
            return "only an admin can resolve; an admin was offered a button to do it"
        try:
            return await k.resolve(turn.message.key, item_id)
        except CommandError as exc:
            return f"error: {exc}"

    async def supersede_knowledge(
        old_id: Annotated[int, Field(description="The id of the item that no longer holds")],
        body: Annotated[str, Field(description="What holds now, in full")],
    ) -> str:
        """Replace a knowledge item with a new version (the old one becomes superseded)."""
        turn = k.turn()
        try:
            old = await k.item_here(await k.bound(turn.message.key), old_id)
        except CommandError as exc:
            return f"error: {exc}"
        return await k.store_from_turn(
            old.kind, title_of(body), body, admin=k.turn_is_admin(turn), supersedes=old.id
        )

    return [
        propose_knowledge,
        record_knowledge,
        search_project_knowledge,
        resolve_knowledge,
        supersede_knowledge,
    ]


async def setup(nova: CogSetup) -> None:
    k = Knowledge(nova.store, AccessPolicy.from_settings(nova.settings))
    for tool in tools(k):
        nova.add_tool(tool)
    nova.add_command(
        Command(
            "project",
            "this channel's project (admins: bind NAME [--force], unbind)",
            k.project_command,
            "[bind NAME [--force] | unbind]",
            public=True,
        )
    )
    nova.add_command(
        Command(
            "remember",
            "add to this project's knowledge (admins: at once; others: proposed)",
            k.remember_command,
            "[kind:] <text>",
        )
    )
    nova.add_command(
        Command(
            "knowledge",
            "list or search this project's knowledge (admins: confirm/dismiss/resolve ID)",
            k.knowledge_command,
            "[query | proposed | confirm ID | dismiss ID | resolve ID]",
        )
    )
    nova.add_command(
        Command(
            "forget",
            "delete a knowledge item of this project (admins)",
            k.forget_command,
            "ID",
            admin_only=True,
        )
    )
