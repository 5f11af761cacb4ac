"""A started app with an admin and a time zone, for the schedule tests in chat."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from novabot.app import App, started_app
from novabot.config import Settings
from tests.cogs.schedules.chat import ADMIN, ZONE


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[App]:
    chosen = settings.replaced(admins=frozenset({("test", ADMIN)}), timezone=ZONE)
    async with started_app(chosen) as started:
        await started.store.create_project("airep")
        yield started
