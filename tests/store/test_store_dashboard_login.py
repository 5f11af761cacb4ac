from __future__ import annotations

from novabot.store import Store


async def test_the_password_is_set_once_and_replacing_it_ends_every_session(
    store: Store,
) -> None:
    assert await store.dashboard_password() is None
    await store.set_dashboard_password("hash-1")
    await store.start_dashboard_session("token-a", "csrf-a", 3600)
    session = await store.dashboard_session("token-a")
    assert session is not None and session.csrf == "csrf-a"
    await store.set_dashboard_password("hash-2")
    assert await store.dashboard_password() == "hash-2"
    assert await store.dashboard_session("token-a") is None


async def test_a_session_ends_when_it_expires_or_signs_out(store: Store) -> None:
    await store.start_dashboard_session("expired", "c", -1)
    assert await store.dashboard_session("expired") is None
    await store.start_dashboard_session("live", "c", 3600)
    await store.end_dashboard_session("live")
    assert await store.dashboard_session("live") is None
