"""`/nova` on Discord: ask (with agent autocomplete), agents, why, bind, unbind, help.

Every interaction is deferred at once (Discord allows three seconds), then answered
with follow-ups. Mistakes the user can fix are answered privately (ephemeral).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable

import discord
from discord import app_commands

from novabot.adapters.discord.surfaces import (
    NO_PINGS,
    DiscordResponder,
    InteractionSurface,
    conversation_key,
)
from novabot.adapters.surface import SurfaceResponder
from novabot.core.bot import Bot
from novabot.core.message import Message

log = logging.getLogger(__name__)

HELP = (
    "`/nova ask prompt:<question> [agent:<name>]` · `/nova pipeline task:<task>` · "
    "`/nova agents` · `/nova why` · "
    "`/nova bind agent:<name>` · `/nova unbind` · `/nova help`\n"
    "Mention me (@Nova) in a channel, or DM me. Start a message with @agent to pick one."
)


PLAIN_SUBCOMMANDS = {
    "agents": "List the agents and what they do and do not",
    "why": "Why the last message went to the agent it did",
    "unbind": "Stop sending this channel's messages to one agent",
    "help": "How to use Nova",
}
"""Subcommands without options: each runs the core command of the same name."""

Core = Callable[[discord.Interaction, str], Awaitable[None]]


def plain_subcommand(core: Core, name: str) -> Callable[[discord.Interaction], Awaitable[None]]:
    async def run(interaction: discord.Interaction) -> None:
        await core(interaction, name)

    run.__name__ = name  # discord.py reads the callback's name for error messages
    return run


def nova_commands(bot: Bot, *, interval_s: float) -> app_commands.Group:
    group = app_commands.Group(name="nova", description="Talk to Nova's scoped agents")

    async def agent_names(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        routable = [card.name for card in bot.registry.routable_cards]
        names = [name for name in routable if current.lower() in name]
        return [app_commands.Choice(name=name, value=name) for name in names[:25]]

    @group.command(name="ask", description="Ask Nova; it picks the agent unless you do")
    @app_commands.describe(prompt="What to ask", agent="Send it to this agent")
    @app_commands.autocomplete(agent=agent_names)
    async def ask(interaction: discord.Interaction, prompt: str, agent: str | None = None) -> None:
        routable = [card.name for card in bot.registry.routable_cards]
        if agent and agent not in routable:
            known = ", ".join(routable)
            await private(interaction, f"There is no agent named '{agent}'. Agents: {known}.")
            return
        await interaction.response.defer(thinking=True)
        message = Message(
            key=conversation_key(interaction.channel),
            text=prompt,
            user_id=str(interaction.user.id),
            user_name=interaction.user.display_name,
            agent=agent,
            event_id=f"interaction:{interaction.id}",
        )
        surface = InteractionSurface(interaction, interval_s=interval_s)
        await bot.handle(message, SurfaceResponder(surface))

    async def core(interaction: discord.Interaction, name: str, args: str = "") -> None:
        with bot.busy():
            await interaction.response.defer(ephemeral=True, thinking=True)
            key = conversation_key(interaction.channel)
            channel = DiscordResponder(interaction.channel, interval_s=interval_s)
            reply = await bot.run_command(key, str(interaction.user.id), name, args, channel)
            text = f"{HELP}\n\n{reply.text}" if name == "help" else reply.text
            await InteractionSurface(interaction, private=True).say(text)

    @group.command(name="pipeline", description="Split a task across agents, in a thread")
    @app_commands.describe(task="What to do (or: list · show N · cancel N · retry N [step])")
    async def pipeline(interaction: discord.Interaction, task: str) -> None:
        await core(interaction, "pipeline", task)

    @group.command(name="bind", description="Send every message in this channel to one agent")
    @app_commands.describe(agent="The agent for this channel")
    @app_commands.autocomplete(agent=agent_names)
    async def bind(interaction: discord.Interaction, agent: str) -> None:
        await core(interaction, "bind", agent)

    for name, description in PLAIN_SUBCOMMANDS.items():
        group.command(name=name, description=description)(plain_subcommand(core, name))

    return group


async def private(interaction: discord.Interaction, text: str) -> None:
    """A short ephemeral answer, whether or not the interaction was deferred yet."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)


async def on_command_error(
    interaction: discord.Interaction, error: app_commands.AppCommandError
) -> None:
    """A failing command never takes the client down: the user gets a short private line."""
    error_id = uuid.uuid4().hex[:8]
    log.error("/nova failed in channel %s [error %s]", interaction.channel_id, error_id,
              exc_info=error)  # fmt: skip
    try:
        await private(interaction, f"Sorry, that didn't work (error id {error_id}).")
    except discord.HTTPException:
        log.warning("could not report error %s to the user", error_id)
