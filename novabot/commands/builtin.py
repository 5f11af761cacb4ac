"""The commands every Nova has (`agents`, `why`, `bind`, `unbind`, `usage`, `help`).

`bind` and `unbind` change where everyone's messages go, so only admins run them; `why`
and `usage` speak of this conversation only, unless an admin asks `usage --all`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from novabot.commands.command import Command, CommandContext, CommandError, Services
from novabot.oneline import one_line
from novabot.ops.prices import NO_PRICES, PriceError, PriceTable
from novabot.ops.usage import Total, describe_total
from novabot.projects.context import cite
from novabot.store.ops import UsageGroup
from novabot.store.records import UsageRow


async def agents_command(ctx: CommandContext, args: str) -> str:
    return describe_agents(ctx.services)


def describe_agents(services: Services) -> str:
    """Every agent with its description, what it does and what it does not."""
    blocks = []
    for agent in services.agents.agents.values():
        card = agent.card
        internal = "" if card.routable else " (internal: Nova uses it, the router never picks it)"
        lines = [f"{card.name}: {card.description}{internal}"]
        lines += [f"  does: {item}" for item in card.does]
        lines += [f"  does not: {item}" for item in card.does_not]
        if card.routable:
            threshold = services.router.matcher.threshold_for(card.name)
            lines.append(f"  picked by the router at a score of {threshold:.2f} or more")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


async def why_command(ctx: CommandContext, args: str) -> str:
    if args.strip():
        # Always about this conversation: there is nothing here to widen with `--all`.
        raise CommandError("usage: why — explains the last routing decision here")
    store = ctx.services.store
    record = await store.last_decision(ctx.key)
    if record is None and ctx.key.thread_id is None:
        # Asked at channel level (a slash command): the channel's latest thread counts.
        record = await store.last_channel_decision(ctx.key.platform, ctx.key.channel_id)
    if record is None:
        return "Nothing has been routed in this conversation yet."
    said = f' for "{one_line(record.message_text, 60)}"' if record.message_text else ""
    text = (
        f"{record.agent} answered{said}: {record.reason} "
        f"(rule: {record.rule}, score {record.score:.2f})"
    )
    text += _runner_up(record.agent, record.candidates)
    used = await _knowledge_used(ctx, record.knowledge_ids)
    return f"{text}\n{used}" if used else text


async def _knowledge_used(ctx: CommandContext, ids: Sequence[int]) -> str:
    """The project items the answer's prompt carried: "rule #12 VAT rounding, …"."""
    if not ids:
        return ""
    named = []
    for item_id in ids:
        item = await ctx.services.store.knowledge(item_id)
        named.append(
            f"#{item_id} (since forgotten)" if item is None else f"{cite(item)} {item.title}"
        )
    return "knowledge used: " + ", ".join(named)


def _runner_up(winner: str, candidates: Sequence[tuple[str, float]]) -> str:
    """The closest other agent and how far behind it was, from the matcher's ranking."""
    scores = dict(candidates)
    others = [(agent, score) for agent, score in candidates if agent != winner]
    if not others:
        return ""
    agent, score = others[0]
    line = f"; runner-up: {agent} at {score:.2f}"
    if winner in scores:
        line += f" (margin {scores[winner] - score:.2f})"
    return line


async def bind_command(ctx: CommandContext, args: str) -> str:
    agent = args.strip().lstrip("@").lower()
    if not agent:
        raise CommandError("usage: bind <agent> — every message in this channel goes to it")
    routable = [card.name for card in ctx.services.agents.routable_cards]
    if agent not in routable:
        known = ", ".join(routable)
        raise CommandError(f"there is no agent named '{agent}' (agents: {known})")
    await ctx.services.store.bind_channel(ctx.key.platform, ctx.key.channel_id, agent)
    return f"This channel now goes to {agent} unless a message names another agent."


async def unbind_command(ctx: CommandContext, args: str) -> str:
    removed = await ctx.services.store.unbind_channel(ctx.key.platform, ctx.key.channel_id)
    return "This channel has no default agent now." if removed else "This channel had no agent."


async def usage_command(ctx: CommandContext, args: str) -> str:
    everywhere = wants_all(ctx, args, "usage")
    rows = await ctx.services.store.usage(None if everywhere else ctx.key)
    return describe_usage(rows, ctx.services.prices)


def wants_all(ctx: CommandContext, args: str, command: str) -> bool:
    """Whether `--all` (or the older `all`) asks for every conversation; admins only,
    since other conversations' records are not the caller's to see."""
    words = args.split()
    if not words:
        return False
    if words not in (["--all"], ["all"]):
        raise CommandError(f"usage: {command} [--all]")
    if not ctx.is_admin:
        raise CommandError("only a Nova admin can see every conversation (--all)")
    return True


def describe_usage(
    rows: Sequence[UsageRow], prices: Callable[[], PriceTable], nothing: str = "No tokens used yet."
) -> str:
    """One line per (agent, model) with its cost, and the total, as the chat command and
    `nova usage` print them. An unusable price file costs nothing but a note."""
    if not rows:
        return nothing
    try:
        table, note = prices(), ""
    except PriceError as exc:
        table, note = NO_PRICES, f"(costs unknown: {exc})"
    lines = [f"{row.agent} ({row.model}): {describe_total(row_total(row, table))}" for row in rows]
    if len(rows) > 1:
        grand = Total("total")
        for row in rows:
            grand.add(as_group(row), table)
        lines.append(f"Total: {describe_total(grand)}")
    return "\n".join([*lines, note] if note else lines)


def row_total(row: UsageRow, prices: PriceTable) -> Total:
    total = Total(row.agent)
    total.add(as_group(row), prices)
    return total


def as_group(row: UsageRow) -> UsageGroup:
    return UsageGroup(row.agent, row.model, row.calls, row.prompt_tokens, row.completion_tokens)


async def help_command(ctx: CommandContext, args: str) -> str:
    lines = [
        f"{c.name} {c.usage}".strip() + f" — {c.summary}" for c in ctx.services.commands.values()
    ]
    return "Commands:\n" + "\n".join(lines) + "\nAddress an agent directly with @name."


BUILTIN_COMMANDS = (
    Command("agents", "list the agents and their scope", agents_command),
    Command("why", "why the last message went to the agent it did", why_command),
    # Public: everyone in a channel should know when its messages start going to one agent.
    # Admins only: a binding changes where everyone's messages go.
    Command(
        "bind",
        "send this channel's messages to one agent (admins)",
        bind_command,
        "<agent>",
        public=True,
        admin_only=True,
    ),
    Command(
        "unbind",
        "remove this channel's default agent (admins)",
        unbind_command,
        public=True,
        admin_only=True,
    ),
    Command(
        "usage",
        "tokens used in this conversation (admins: --all for every one)",
        usage_command,
        "[--all]",
    ),
    Command("help", "this list", help_command),
)
