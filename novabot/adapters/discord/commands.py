"""`/nova` on Discord: `ask` (with agent autocomplete), plus every command in the registry.

Every interaction is deferred at once (Discord allows three seconds), then answered
with follow-ups. Mistakes the user can fix are answered privately (ephemeral).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands

from novabot.adapters.discord.surfaces import (
    NO_PINGS,
    DiscordResponder,
    InteractionSurface,
    conversation_key,
)
from novabot.adapters.refusal import WatchedChannel
from novabot.adapters.surface import SurfaceResponder
from novabot.adapters.text import clean_optional, clean_text
from novabot.commands.command import Command
from novabot.commands.surface import offered_commands, shown_to_channel
from novabot.config import ConfigError
from novabot.core.bot import Bot
from novabot.core.message import Message

log = logging.getLogger(__name__)

ASK_SYNTAX = "`/nova ask prompt:<question> [agent:<name>]`"
HELP_FOOTER = "Mention me (@Nova) in a channel, or DM me. Start a message with @agent to pick one."
CANNOT_POST = (
    "I can't post in this channel. Give me the View Channel, Send Messages and "
    "Create Public Threads permissions here, and try again."
)
UNKNOWN_CHANNEL = 10003
ADAPTER_COMMANDS = {"ask"}
"""Answered here, not by the core: a question is a message to route, not a command."""
NAMED_OPTIONS = {"bind": "agent:<name>", "pipeline": "task:<task>"}
"""Built-ins whose argument has a name of its own on Discord (and bind's autocompletes)."""

MAX_SUBCOMMANDS = 25
MAX_DESCRIPTION = 100
SUBCOMMAND_NAME = re.compile(r"[-_\w]{1,32}")

AgentNames = Callable[
    [discord.Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[str]]]
]


def nova_commands(bot: Bot, *, interval_s: float) -> app_commands.Group:
    """`/nova`, built from the registry as it stands now (after the cogs have loaded)."""
    commands = offered_commands(bot.commands, ADAPTER_COMMANDS)
    check_limits(commands)
    group = app_commands.Group(name="nova", description="Talk to Nova's scoped agents")
    core = CoreCommands(bot, commands, interval_s, help_text(commands))
    agent_names = agent_autocomplete(bot)
    group.add_command(ask_subcommand(bot, interval_s, agent_names))
    for command in commands.values():
        group.add_command(subcommand(core, command, agent_names))
    return group


def check_limits(commands: dict[str, Command]) -> None:
    """Discord refuses a whole sync over one bad subcommand: say which, before it does."""
    count = len(commands) + len(ADAPTER_COMMANDS)
    if count > MAX_SUBCOMMANDS:
        raise ConfigError(
            f"Discord allows {MAX_SUBCOMMANDS} subcommands under /nova and Nova has {count} "
            f"({', '.join(commands)}, ask): remove a cog's command"
        )
    for command in commands.values():
        if not SUBCOMMAND_NAME.fullmatch(command.name) or command.name != command.name.lower():
            raise ConfigError(
                f"the command name '{command.name}' is not valid on Discord: use 1 to 32 "
                "lowercase letters, digits, '-' or '_'"
            )
        for field, text in (("summary", command.summary), ("usage", command.usage)):
            if len(text) > MAX_DESCRIPTION or (field == "summary" and not text):
                raise ConfigError(
                    f"the command '{command.name}' has a {len(text)}-character {field}; "
                    f"Discord takes 1 to {MAX_DESCRIPTION}"
                )


def help_text(commands: dict[str, Command]) -> str:
    """How each subcommand is written on Discord, then where else Nova listens."""
    forms = [ASK_SYNTAX] + [f"`{discord_syntax(command)}`" for command in commands.values()]
    return " · ".join(forms) + "\n" + HELP_FOOTER


def discord_syntax(command: Command) -> str:
    option = NAMED_OPTIONS.get(command.name) or (f"[args:{command.usage}]" if command.usage else "")
    return f"/nova {command.name} {option}".strip()


@dataclass(frozen=True)
class CoreCommands:
    """Runs a registry command for an interaction and shows the reply to its audience."""

    bot: Bot
    commands: dict[str, Command]
    interval_s: float
    help: str

    async def run(self, interaction: discord.Interaction, name: str, args: str = "") -> None:
        command = self.commands[name]
        with self.bot.busy():
            # The deferral decides who sees the reply, before the reply exists.
            await interaction.response.defer(ephemeral=not command.public, thinking=True)
            key = conversation_key(interaction.channel)
            notice = CannotPostNotice(interaction, public=command.public)
            channel = WatchedChannel(
                DiscordResponder(interaction.channel, interval_s=self.interval_s),
                cannot_post,
                notice,
            )
            try:
                reply = await self.bot.run_command(
                    key, str(interaction.user.id), name, clean_text(args), channel
                )
            except discord.HTTPException:
                if channel.told:
                    return  # the user heard why, privately; the log has the details
                raise
            notice.replied = True
            text = f"{self.help}\n\n{reply.text}" if name == "help" else reply.text
            public = shown_to_channel(command, reply)
            if command.public and not public:
                # A usage error is for its author alone: take back the public "thinking…".
                await interaction.delete_original_response()
            await InteractionSurface(interaction, private=not public).say(text)


def cannot_post(exc: BaseException) -> bool:
    """403 (Missing Access, Missing Permissions) or an unknown channel: not a passing fault."""
    if isinstance(exc, discord.Forbidden):
        return True
    return isinstance(exc, discord.NotFound) and exc.code == UNKNOWN_CHANNEL


class CannotPostNotice:
    """Tells a command's user privately that Nova cannot post in the channel."""

    def __init__(self, interaction: discord.Interaction, *, public: bool) -> None:
        self.interaction = interaction
        self.public = public
        self.replied = False
        """Set once the command's own reply is shown: a later refusal (a pipeline running
        in the background) must not take that reply back."""

    async def __call__(self) -> None:
        if self.public and not self.replied:
            # The public "thinking…" would otherwise become the private line, for all to see.
            await self.interaction.delete_original_response()
        await private(self.interaction, CANNOT_POST)


def subcommand(
    core: CoreCommands, command: Command, agent_names: AgentNames
) -> app_commands.Command:
    if command.name == "bind":
        return bind_subcommand(core, command, agent_names)
    if command.name == "pipeline":
        return pipeline_subcommand(core, command)
    return free_text_subcommand(core, command)


def free_text_subcommand(core: CoreCommands, command: Command) -> app_commands.Command:
    """`/nova <name> [args:…]`: one optional string, passed to the command as typed."""

    @app_commands.describe(args=command.usage or "Nothing needed")
    async def run(interaction: discord.Interaction, args: str | None = None) -> None:
        await core.run(interaction, command.name, args or "")

    return app_commands.Command(name=command.name, description=described(command), callback=run)


def pipeline_subcommand(core: CoreCommands, command: Command) -> app_commands.Command:
    @app_commands.describe(task="What to do (or: list · show N · cancel N · retry N [step])")
    async def pipeline(interaction: discord.Interaction, task: str) -> None:
        await core.run(interaction, command.name, task)

    return app_commands.Command(
        name=command.name, description=described(command), callback=pipeline
    )


def bind_subcommand(
    core: CoreCommands, command: Command, agent_names: AgentNames
) -> app_commands.Command:
    @app_commands.describe(agent="The agent for this channel")
    @app_commands.autocomplete(agent=agent_names)
    async def bind(interaction: discord.Interaction, agent: str) -> None:
        await core.run(interaction, command.name, agent)

    return app_commands.Command(name=command.name, description=described(command), callback=bind)


def described(command: Command) -> str:
    """Discord shows descriptions as sentences; help lines start lowercase."""
    return command.summary[:1].upper() + command.summary[1:]


def agent_autocomplete(bot: Bot) -> AgentNames:
    async def agent_names(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        names = [name for name in bot.agent_names if current.lower() in name]
        return [app_commands.Choice(name=name, value=name) for name in names[:25]]

    return agent_names


def ask_subcommand(bot: Bot, interval_s: float, agent_names: AgentNames) -> app_commands.Command:
    @app_commands.describe(prompt="What to ask", agent="Send it to this agent")
    @app_commands.autocomplete(agent=agent_names)
    async def ask(interaction: discord.Interaction, prompt: str, agent: str | None = None) -> None:
        prompt, agent = clean_text(prompt), clean_optional(agent)
        refusal = bot.access.refusal(
            conversation_key(interaction.channel), str(interaction.user.id)
        )
        if refusal is not None:  # privately, before a public "thinking…" appears
            await private(interaction, refusal)
            return
        routable = bot.agent_names
        if agent and agent not in routable:
            known = ", ".join(routable)
            await private(interaction, f"There is no agent named '{agent}'. Agents: {known}.")
            return
        await interaction.response.defer(thinking=True)
        message = Message(
            key=conversation_key(interaction.channel),
            text=prompt,
            user_id=str(interaction.user.id),
            user_name=clean_text(interaction.user.display_name),
            agent=agent,
            event_id=f"interaction:{interaction.id}",
        )
        surface = InteractionSurface(interaction, interval_s=interval_s)
        await bot.handle(message, SurfaceResponder(surface))

    return app_commands.Command(
        name="ask", description="Ask Nova; it picks the agent unless you do", callback=ask
    )


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
