"""Projects and their channel bindings: names, duplicates, force, inheritance, cascade."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from novabot.core.message import ConversationKey
from novabot.store import Store
from novabot.store.projects import ProjectError, binding_channels


async def project_of(store: Store, key: ConversationKey) -> str | None:
    found = await store.project_for(key)
    return None if found is None else found.name


async def test_create_read_and_list(store: Store) -> None:
    made = await store.create_project("airep", title="AI sales rep", description="ERP + rep")
    await store.create_project("shop")
    assert (made.name, made.title, made.description) == ("airep", "AI sales rep", "ERP + rep")
    assert made.created_at.tzinfo is not None
    assert await store.project("airep") == made
    assert await store.project("nope") is None
    assert [p.name for p in await store.projects()] == ["airep", "shop"]


async def test_duplicate_and_bad_names_are_refused(store: Store) -> None:
    await store.create_project("airep")
    with pytest.raises(ProjectError, match="already a project named 'airep'"):
        await store.create_project("airep")
    for bad in ("Airep", "-x", "has space", "a" * 41, ""):
        with pytest.raises(ProjectError, match="is not a project name"):
            await store.create_project(bad)
    assert [p.name for p in await store.projects()] == ["airep"]


async def test_require_project_names_the_known_ones(store: Store) -> None:
    with pytest.raises(ProjectError, match=r"no project named 'x' \(projects: none yet\)"):
        await store.require_project("x")
    await store.create_project("airep")
    await store.create_project("shop")
    with pytest.raises(ProjectError, match=r"\(projects: airep, shop\)"):
        await store.require_project("x")


async def test_bind_refuses_another_project_without_force(store: Store) -> None:
    await store.create_project("airep")
    await store.create_project("shop")
    assert await store.bind_project("slack", "C1", "airep") is None
    assert await store.bind_project("slack", "C1", "airep") == "airep"  # again: harmless
    with pytest.raises(ProjectError, match=r"slack:C1 is bound to project 'airep'.*--force"):
        await store.bind_project("slack", "C1", "shop")
    assert await project_of(store, ConversationKey("slack", "C1")) == "airep"
    assert await store.bind_project("slack", "C1", "shop", force=True) == "airep"
    assert await project_of(store, ConversationKey("slack", "C1")) == "shop"
    with pytest.raises(ProjectError, match="no project named 'ghost'"):
        await store.bind_project("slack", "C2", "ghost")


async def test_unbind_and_bindings(store: Store) -> None:
    await store.create_project("airep")
    await store.create_project("shop")
    await store.bind_project("slack", "C1", "airep")
    await store.bind_project("discord", "42", "airep")
    await store.bind_project("slack", "C9", "shop")
    listed = [(b.platform, b.channel_id, b.project) for b in await store.project_bindings()]
    assert listed == [("discord", "42", "airep"), ("slack", "C1", "airep"), ("slack", "C9", "shop")]
    assert [b.channel_id for b in await store.project_bindings("shop")] == ["C9"]
    assert await store.unbind_project("slack", "C1") == "airep"
    assert await store.unbind_project("slack", "C1") is None
    assert await store.project_for(ConversationKey("slack", "C1")) is None


async def test_a_thread_inherits_its_channels_project(store: Store) -> None:
    await store.create_project("airep")
    await store.bind_project("slack", "C1", "airep")
    found = await store.project_for(ConversationKey("slack", "C1", "1700000000.0001"))
    assert found is not None and found.name == "airep"
    # The same channel id on another platform is another channel.
    assert await store.project_for(ConversationKey("discord", "C1")) is None


async def test_terminal_threads_are_bound_by_name_before_the_users_channel(store: Store) -> None:
    await store.create_project("airep")
    await store.create_project("shop")
    main, trip = ConversationKey("cli", "ada"), ConversationKey("cli", "ada", "trip")
    assert binding_channels(trip) == ["trip", "ada"]
    assert binding_channels(ConversationKey("slack", "C1", "T1")) == ["C1"]
    await store.bind_project("cli", "trip", "shop")
    assert await store.project_for(main) is None
    assert await project_of(store, trip) == "shop"
    await store.bind_project("cli", "ada", "airep")  # the main conversation
    assert await project_of(store, main) == "airep"
    assert await project_of(store, trip) == "shop"
    other = ConversationKey("cli", "ada", "other")
    assert await project_of(store, other) == "airep"


async def test_delete_cascades_to_knowledge_bindings_and_vectors(
    store: Store, count_rows: Callable[[str], int]
) -> None:
    await store.create_project("airep")
    await store.create_project("shop")
    item = await store.add_knowledge("airep", "rule", "VAT per line", "round each line")
    kept = await store.add_knowledge("shop", "rule", "VAT per line", "round each line")
    await store.save_knowledge_vectors("m", [(item.id, "d", b"\0" * 8), (kept.id, "d", b"\0" * 8)])
    await store.bind_project("slack", "C1", "airep")
    await store.bind_project("slack", "C2", "shop")
    assert await store.delete_project("airep") is True
    assert await store.delete_project("airep") is False
    assert await store.knowledge(item.id) is None
    assert await store.knowledge(kept.id) is not None
    assert (count_rows("knowledge"), count_rows("project_bindings")) == (1, 1)
    assert count_rows("knowledge_vectors") == 1
    assert [i.id for i, _ in await store.search_knowledge("shop", "vat")] == [kept.id]
    assert await store.search_knowledge("airep", "vat") == []


async def test_a_projects_erp_database_is_kept_and_cleared(store: Store) -> None:
    await store.create_project("sweep")
    assert (await store.require_project("sweep")).erp_url is None
    changed = await store.set_project_erp_url("sweep", "postgresql://ro:pw@db/erp")
    assert changed.erp_url == "postgresql://ro:pw@db/erp"
    await store.bind_project("slack", "C1", "sweep")
    found = await store.project_for(ConversationKey("slack", "C1", "T9"))
    assert found is not None and found.erp_url == "postgresql://ro:pw@db/erp"
    assert (await store.set_project_erp_url("sweep", None)).erp_url is None
    with pytest.raises(ProjectError, match="no project named 'nope'"):
        await store.set_project_erp_url("nope", "erp.db")
