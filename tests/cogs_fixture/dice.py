"""A cog that adds two commands: `dice` (a private reply) and `toss` (a public one)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from novabot.commands.command import Command, CommandContext, CommandError

if TYPE_CHECKING:
    from novabot.core.cogs import CogSetup


async def dice_command(ctx: CommandContext, args: str) -> str:
    sides = args.strip() or "6"
    if not sides.isdigit():
        raise CommandError("usage: dice [sides]")
    return f"rolled a d{sides} for {ctx.user_id}: {sides}"


async def toss_command(ctx: CommandContext, args: str) -> str:
    return f"{ctx.user_id} tossed a coin: heads"


async def setup(nova: CogSetup) -> None:
    nova.add_command(Command("dice", "roll a die", dice_command, "[sides]"))
    nova.add_command(Command("toss", "toss a coin for the channel", toss_command, public=True))
