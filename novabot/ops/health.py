"""Health: is the LLM endpoint answering, and what this process can see of the adapters.

The endpoint check is one `GET /models` through the openai client with a short timeout
and no retries: cheap, and it answers the question asked (does the endpoint respond, and
with the configured model?). An adapter's live connection is held by `nova run` and is not
visible here, so the adapter report says what is configured, which `nova run` processes
keep a heartbeat in the database, and what waits in the outbox, and says that plainly.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import openai

from novabot.config import Settings
from novabot.store.leases import WorkerRow
from novabot.store.ops import PostQueue

ENDPOINT_TIMEOUT_S = 3.0
"""Long enough for a local server under load, short enough to answer in chat."""


@dataclass(frozen=True)
class EndpointHealth:
    up: bool
    detail: str
    """Why it is down, or what it answered; one line, with no address or key."""
    models: tuple[str, ...] = ()
    elapsed_s: float = 0.0


async def check_endpoint(
    base_url: str, api_key: str, *, model: str, timeout_s: float = ENDPOINT_TIMEOUT_S
) -> EndpointHealth:
    """Ask the endpoint for its models once; never raises."""
    client = openai.AsyncOpenAI(
        base_url=base_url, api_key=api_key, timeout=timeout_s, max_retries=0
    )
    started = time.monotonic()
    try:
        page = await client.models.list()
    except openai.APITimeoutError:
        return EndpointHealth(False, f"no answer within {timeout_s:g} s")
    except openai.APIConnectionError as exc:
        return EndpointHealth(False, f"cannot connect ({_cause(exc)})")
    except openai.AuthenticationError:
        return EndpointHealth(False, "it refused the API key (NOVA_LLM_API_KEY)")
    except openai.APIStatusError as exc:
        return EndpointHealth(False, f"it answered HTTP {exc.status_code} to GET /models")
    finally:
        await client.close()
    elapsed = time.monotonic() - started
    models = tuple(sorted(m.id for m in page.data))
    if model in models or not models:
        served = f"serves {len(models)} models" if models else "lists no models"
        return EndpointHealth(
            True, f"answered in {elapsed * 1000:.0f} ms; {served}", models, elapsed
        )
    return EndpointHealth(
        True,
        f"answered in {elapsed * 1000:.0f} ms, but does not list the configured model {model}"
        " (NOVA_LLM_MODEL)",
        models,
        elapsed,
    )


def _cause(exc: BaseException) -> str:
    """The innermost reason (e.g. "connection refused"), without addresses."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return str(text).splitlines()[0].lower()[:120]


def describe_endpoint(health: EndpointHealth, *, model: str, url: str | None) -> str:
    """One line; the address only when given (admins), since a channel may be shared."""
    where = f"LLM endpoint {url}" if url else "LLM endpoint"
    state = "up" if health.up else "DOWN"
    return f"{where} (model {model}): {state} — {health.detail}"


def configured_adapters(
    settings: Settings, *, api_keys: int = 0, dashboard: bool = False
) -> list[str]:
    """The adapters `nova run` starts with these settings (the API once a key exists, the
    dashboard once its password is set), and how each connects."""
    adapters = []
    where = f"{settings.http.host}:{settings.http.port}"
    if settings.slack.bot_token is not None:
        how = "Socket Mode" if settings.slack.app_token is not None else f"Events API on {where}"
        adapters.append(f"slack ({how})")
    if settings.discord.token is not None:
        adapters.append("discord (gateway)")
    if api_keys:
        adapters.append(f"api (on {where}/v1, {api_keys} key{'s' if api_keys > 1 else ''})")
    if dashboard:
        adapters.append(f"dashboard (on {where}/dashboard)")
    return adapters


def describe_adapters(
    settings: Settings,
    workers: Sequence[WorkerRow],
    queues: Sequence[PostQueue],
    *,
    api_keys: int = 0,
    dashboard: bool = False,
    now: datetime | None = None,
) -> str:
    """What is configured, which `nova run` processes beat, what waits to be posted."""
    now = now or datetime.now(UTC)
    adapters = configured_adapters(settings, api_keys=api_keys, dashboard=dashboard)
    lines = [
        "Adapters configured: " + ", ".join(adapters)
        if adapters
        else "Adapters configured: none (no NOVA_SLACK_BOT_TOKEN or NOVA_DISCORD_TOKEN, no API "
        "key, no dashboard password; terminal only)"
    ]
    if not workers:
        lines.append("`nova run` processes: none has a heartbeat in the database.")
    for worker in sorted(workers, key=lambda w: w.heartbeat_at, reverse=True):
        age = (now - worker.heartbeat_at).total_seconds()
        state = "alive" if age <= settings.lease_s else "silent: probably stopped or stuck"
        lines.append(
            f"`nova run` on {worker.host} (pid {worker.pid}): last heartbeat {_ago(age)}, {state}"
        )
    for queue in queues:
        waiting = ""
        if queue.pending and queue.oldest_pending is not None:
            oldest = (now - queue.oldest_pending).total_seconds()
            waiting = f", the oldest waiting {_ago(oldest).removesuffix(' ago')}"
        lines.append(
            f"Outbox {queue.platform}: {queue.pending} posts waiting{waiting};"
            f" {queue.failed} failed for good"
        )
    if not queues:
        lines.append("Outbox: nothing waiting or failed.")
    lines.append(
        "(Whether each adapter is connected right now is held by `nova run` and not visible "
        "here: a fresh heartbeat and an empty outbox are the signs it works.)"
    )
    return "\n".join(lines)


def _ago(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 120:
        return f"{seconds:.0f} s ago"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.1f} h ago"
