"""One line for an OpenAI-compatible endpoint's failure: what went wrong, where, and the
setting to change. Shared by the chat client and the embedding backend."""

from __future__ import annotations

from dataclasses import dataclass

import openai

from novabot.oneline import one_line


@dataclass(frozen=True)
class Hints:
    """What to tell the user to do, per kind of failure ('' says nothing more)."""

    timeout: str = ""
    connection: str = "is the server running?"
    auth: str = ""
    model: str = ""


def explain_api_error(
    exc: openai.APIError,
    *,
    where: str,
    model: str,
    timeout_s: float,
    max_retries: int,
    hints: Hints,
) -> str:
    tries = f"after {max_retries + 1} attempts" if max_retries else "(no retries)"
    if isinstance(exc, openai.APITimeoutError):
        return _hinted(f"{where} did not answer within {timeout_s:g}s {tries}", hints.timeout)
    if isinstance(exc, openai.APIConnectionError):
        return _hinted(f"cannot reach {where} {tries}", hints.connection)
    if isinstance(exc, openai.AuthenticationError):
        return _hinted(f"{where} rejected the API key", hints.auth)
    if isinstance(exc, openai.NotFoundError):
        return _hinted(f"{where} does not serve the model '{model}'", hints.model)
    if isinstance(exc, openai.RateLimitError):
        return f"{where} is rate-limiting Nova (HTTP 429) {tries}; try again later"
    if isinstance(exc, openai.APIStatusError):
        return f"{where} failed with HTTP {exc.status_code} {tries}: {one_line(exc.message, 200)}"
    return f"{where} sent an answer Nova cannot use: {one_line(str(exc), 200)}"


def _hinted(problem: str, hint: str) -> str:
    return f"{problem}; {hint}" if hint else problem
