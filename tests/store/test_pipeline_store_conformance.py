"""Every pipeline store Nova ships passes the same contract (tests/store/conformance.py).

A new store joins by adding its factory to STORES: a fresh, empty store per test.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest

from novabot.store import MemoryPipelineStore, MessageLog, PipelineStore, Store
from tests.store.conformance import PipelineStoreContract

StoreFactory = Callable[[Path], AbstractAsyncContextManager[PipelineStore]]


@asynccontextmanager
async def sqlite_store(tmp_path: Path) -> AsyncIterator[PipelineStore]:
    """A temporary database file, built by the real migrations."""
    async with await Store.open(tmp_path / "conformance.db") as store:
        yield store


@asynccontextmanager
async def memory_store(tmp_path: Path) -> AsyncIterator[PipelineStore]:
    yield MemoryPipelineStore()


STORES: dict[str, StoreFactory] = {"sqlite": sqlite_store, "memory": memory_store}


@pytest.fixture(params=sorted(STORES))
async def pipeline_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[PipelineStore]:
    async with STORES[request.param](tmp_path) as store:
        yield store


class TestPipelineStore(PipelineStoreContract):
    pass


def as_pipeline_store(store: Store | MemoryPipelineStore) -> PipelineStore:
    return store  # a type checker proves both implementations structurally here


def as_message_log(store: Store) -> MessageLog:
    return store


def protocol_methods(protocol: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(protocol).items()
        if inspect.iscoroutinefunction(member)
    }


@pytest.mark.parametrize(
    ("protocol", "implementation"),
    [(PipelineStore, Store), (PipelineStore, MemoryPipelineStore), (MessageLog, Store)],
)
def test_implementations_take_what_the_protocol_passes(
    protocol: type, implementation: type
) -> None:
    """The structural check at run time: every protocol method exists, is async, and
    accepts the protocol's parameters the same way (extra ones must be optional)."""
    for name, wanted in protocol_methods(protocol).items():
        method = getattr(implementation, name)
        assert inspect.iscoroutinefunction(method), name
        found = inspect.signature(method).parameters
        for param in wanted.parameters.values():
            assert param.name in found, f"{implementation.__name__}.{name} lacks {param.name}"
            other = found[param.name]
            assert (other.kind, other.default) == (param.kind, param.default), (name, param)
        extra = [p for p in found.values() if p.name not in wanted.parameters]
        assert all(p.default is not inspect.Parameter.empty for p in extra), (name, extra)
    assert isinstance(as_pipeline_store(MemoryPipelineStore()), PipelineStore)


def test_the_protocol_is_exactly_what_pipelines_call() -> None:
    assert sorted(protocol_methods(PipelineStore)) == sorted(
        [
            "claim_answer_post", "create_run", "fail_step", "finish_step", "get_run",
            "latest_run_id", "list_runs", "reopen_run", "reset_interrupted_steps",
            "run_status", "save_answer", "set_run_status", "set_steps_status", "start_step",
            "unfinished_runs",
        ]
    )  # fmt: skip
