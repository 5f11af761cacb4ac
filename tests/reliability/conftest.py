"""The fault suite drives `nova run` processes against the same fakes as the adapter tests."""

from tests.adapters.discord.conftest import fake_discord, no_discord_errors
from tests.adapters.slack.conftest import fake_slack

__all__ = ["fake_discord", "fake_slack", "no_discord_errors"]
