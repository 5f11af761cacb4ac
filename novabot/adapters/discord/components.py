"""Clicks on Nova's buttons on Discord (posted by `DiscordResponder.offer`): each button's
`custom_id` is a `/nova` command, run as the user who clicks it.

Clicks are taken from `on_interaction` rather than from a view's callbacks, so a button
posted before a restart still works: nothing about it lives in memory. The command checks
the state in the store itself (a proposed item is confirmed once), so a second click is
told, privately, that it was already done.
"""

from __future__ import annotations

from typing import Any

import discord

from novabot.adapters.discord.surfaces import (
    CHOICE_PREFIX,
    MESSAGE_LIMIT,
    NO_PINGS,
    conversation_key,
)
from novabot.commands.surface import split_command
from novabot.core.bot import Bot


def choice_line(interaction: discord.Interaction) -> str | None:
    """The command a clicked Nova button carries, or None for anything else."""
    if interaction.type is not discord.InteractionType.component:
        return None
    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = str(data.get("custom_id", ""))
    return custom_id[len(CHOICE_PREFIX) :] if custom_id.startswith(CHOICE_PREFIX) else None


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
