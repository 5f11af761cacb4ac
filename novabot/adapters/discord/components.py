"""Nova's buttons on Discord: each button's `custom_id` is a `/nova` command, run as the
user who clicks it.

Clicks are taken from `on_interaction` rather than from a view's callbacks, so a button
posted before a restart still works: nothing about it lives in memory. The command checks
the state in the store itself (a proposed item is confirmed once), so a second click is
told, privately, that it was already done.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord

from novabot.adapters.discord.surfaces import MESSAGE_LIMIT, NO_PINGS, conversation_key
from novabot.commands.surface import split_command
from novabot.core.bot import Bot
from novabot.core.responder import Choice

PREFIX = "nova:"
CUSTOM_ID_LIMIT = 100


def choices_view(choices: Sequence[Choice]) -> discord.ui.View:
    """Buttons without callbacks: `on_choice` below answers their clicks."""
    view = discord.ui.View(timeout=None)
    for choice in choices:
        custom_id = f"{PREFIX}{choice.line}"
        if len(custom_id) > CUSTOM_ID_LIMIT:
            raise ValueError(f"the command of button '{choice.label}' is too long for Discord")
        view.add_item(discord.ui.Button(label=choice.label, custom_id=custom_id))
    return view


def choice_line(interaction: discord.Interaction) -> str | None:
    """The command a clicked Nova button carries, or None for anything else."""
    if interaction.type is not discord.InteractionType.component:
        return None
    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = str(data.get("custom_id", ""))
    return custom_id[len(PREFIX) :] if custom_id.startswith(PREFIX) else None


async def on_choice(bot: Bot, interaction: discord.Interaction) -> None:
    line = choice_line(interaction)
    if line is None:
        return
    name, args = split_command(line)
    user = str(interaction.user.id)
    with bot.busy():
        reply = await bot.run_command(conversation_key(interaction.channel), user, name, args)
        if not reply.ok:  # refused, or already done: for the clicker alone
            await interaction.response.send_message(
                reply.text[:MESSAGE_LIMIT], ephemeral=True, allowed_mentions=NO_PINGS
            )
            return
        # The buttons go: the message now says what was done and by whom.
        said = interaction.message.content if interaction.message else ""
        done = f"{said}\n✅ {reply.text} (<@{user}>)".strip()
        await interaction.response.edit_message(
            content=done[:MESSAGE_LIMIT], view=None, allowed_mentions=NO_PINGS
        )
