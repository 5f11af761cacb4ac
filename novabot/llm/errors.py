"""What Nova says when an OpenAI-compatible endpoint fails, to whom.

Every failure has two lines. The detail names the endpoint, what it said and the setting
to change: it goes to the log and the terminal, where the operator reads. The public line
says what went wrong and what to do, with no address and nothing the endpoint sent: it is
what a shared channel sees. `explain_api_error` (the detail alone) is shared by the chat
client and the embedding backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import openai

from novabot.oneline import one_line

SEE_LOG = "details are in Nova's log"


class LLMError(Exception):
    """The endpoint could not give an answer.

    `str(error)` is `detail`, for the log and the terminal; `public` is for the channel.
    """

    def __init__(self, detail: str, public: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.public = public or f"Nova's language model failed; try again later ({SEE_LOG})."


class EmptyAnswerError(LLMError):
    """The model finished without a word (nor a tool call)."""

    def __init__(self, where: str, model: str) -> None:
        super().__init__(
            f"{where} sent an empty answer (model '{model}')",
            "The language model sent an empty answer; try again, or rephrase the request.",
        )


class NotAStreamError(LLMError):
    """A streamed request was answered with a body that is not Server-Sent Events (a JSON
    completion, an HTML page): the SDK finds no event in it, so it would read as empty."""

    def __init__(self, where: str, content_type: str) -> None:
        super().__init__(
            f"{where} answered a streamed request with {content_type or 'an untyped body'}, "
            "not an event stream; is it an OpenAI-compatible /v1 endpoint that streams?",
            "The language model's server sent a reply Nova cannot read (not a stream); "
            f"whoever runs Nova should check NOVA_LLM_BASE_URL ({SEE_LOG}).",
        )


class ToolLoopError(LLMError):
    """The model kept asking for tools, even once they were withheld."""

    def __init__(self, where: str, model: str, rounds: int) -> None:
        super().__init__(
            f"model '{model}' at {where} kept calling tools after {rounds} rounds "
            "(the last offered none) without answering",
            f"The agent kept calling tools without answering (stopped after {rounds} "
            "rounds); try again, or ask for something narrower.",
        )


class StreamCutError(LLMError):
    """The connection dropped in the middle of a streamed answer."""

    def __init__(self, where: str, attempts: int, cause: str) -> None:
        super().__init__(
            f"{where} dropped the connection mid-answer, {attempts} time(s) in a row: "
            f"{one_line(cause, 200)}",
            "The connection to the language model kept dropping mid-answer; try again in a moment.",
        )


class AnswerCutOffError(StreamCutError):
    """The stream broke after part of the answer was shown: asking again would show a
    second, different beginning, so the part shown stays and the user is told."""

    def __init__(self, where: str, cause: str) -> None:
        LLMError.__init__(
            self,
            f"the answer was cut off: {where} dropped the connection mid-answer: "
            f"{one_line(cause, 200)}",
            "The answer was cut off: the connection to the language model dropped; "
            "ask again for the rest.",
        )


@dataclass(frozen=True)
class Hints:
    """What to tell the user to do, per kind of failure ('' says nothing more)."""

    timeout: str = ""
    connection: str = "is the server running?"
    auth: str = ""
    model: str = ""
    address: str = ""
    """The setting that holds the base URL, named when the URL looks wrong."""


def explain_api_error(
    exc: openai.APIError,
    *,
    where: str,
    model: str,
    timeout_s: float,
    max_retries: int,
    hints: Hints,
    base_url: str | None = None,
) -> str:
    """The detail: endpoint, what went wrong, what to change. `base_url` lets a 404 that
    is not about the model be recognised as an address missing its /v1."""
    tries = f"after {max_retries + 1} attempts" if max_retries else "(no retries)"
    if isinstance(exc, openai.APITimeoutError):
        return _hinted(f"{where} did not answer within {timeout_s:g}s {tries}", hints.timeout)
    if isinstance(exc, openai.APIConnectionError):
        return _hinted(f"cannot reach {where} {tries}", hints.connection)
    if isinstance(exc, openai.AuthenticationError):
        return _hinted(f"{where} rejected the API key", hints.auth)
    if isinstance(exc, openai.NotFoundError):
        if base_url and missing_v1(exc, base_url, model):
            fixed = base_url.rstrip("/") + "/v1"
            problem = f"{where} answered 404 Not Found: that address does NOT end in /v1"
            return _hinted(f"{problem}; try {fixed}", hints.address)
        return _hinted(f"{where} does not serve the model '{model}'", hints.model)
    if isinstance(exc, openai.RateLimitError):
        return f"{where} is rate-limiting Nova (HTTP 429) {tries}; try again later"
    if isinstance(exc, openai.APIStatusError):
        return f"{where} failed with HTTP {exc.status_code} {tries}: {one_line(exc.message, 200)}"
    return f"{where} sent an answer Nova cannot use: {one_line(str(exc), 200)}"


def public_api_error(exc: openai.APIError, *, model: str, base_url: str | None = None) -> str:
    """The public line for the same failure: no address, nothing the endpoint sent."""
    if isinstance(exc, openai.APITimeoutError):
        return "The language model took too long to answer; try again in a moment."
    if isinstance(exc, openai.APIConnectionError):
        return f"Nova cannot reach its language model right now; try again later ({SEE_LOG})."
    if isinstance(exc, openai.AuthenticationError):
        return (
            "The language model refused Nova's API key; whoever runs Nova should set "
            f"NOVA_LLM_API_KEY ({SEE_LOG})."
        )
    if isinstance(exc, openai.NotFoundError):
        if base_url and missing_v1(exc, base_url, model):
            return (
                "Nova's language model address is wrong (NOVA_LLM_BASE_URL should end in "
                f"/v1); {SEE_LOG}."
            )
        return (
            f"The language model '{model}' is not available; whoever runs Nova should set "
            f"NOVA_LLM_MODEL ({SEE_LOG})."
        )
    if isinstance(exc, openai.RateLimitError):
        return "The language model is rate-limiting Nova; try again in a minute."
    if isinstance(exc, openai.APIStatusError):
        return f"The language model failed (HTTP {exc.status_code}); try again later ({SEE_LOG})."
    return f"The language model sent a reply Nova cannot read; try again ({SEE_LOG})."


def missing_v1(exc: openai.NotFoundError, base_url: str, model: str) -> bool:
    """A 404 about the address, not the model: the base URL lacks /v1 and the error does
    not mention the model (Ollama, vLLM and OpenAI all name it when it is the model)."""
    if urlsplit(base_url).path.rstrip("/").endswith("/v1"):
        return False
    return exc.code != "model_not_found" and model not in (exc.message or "")


def _hinted(problem: str, hint: str) -> str:
    return f"{problem}; {hint}" if hint else problem
