"""The LLM client: chat completions on any OpenAI-compatible endpoint.

Retries with backoff (honouring Retry-After) on 429, 5xx, timeouts and dropped
connections are the `openai` client's own; Nova sets how many. A stream that breaks
midway is past those retries: Nova asks again itself while nothing was shown yet. A final
failure is an `LLMError`: a detail line naming the endpoint and the fix (log, terminal),
and a public line for the channel (errors.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import openai

from novabot.agents.tools import Tool
from novabot.config import Settings
from novabot.llm.errors import (
    AnswerCutOffError,
    EmptyAnswerError,
    Hints,
    LLMError,
    NotAStreamError,
    StreamCutError,
    ToolLoopError,
    explain_api_error,
    public_api_error,
)
from novabot.llm.metering import CallObserver, UsageSink, current_charge
from novabot.llm.stream import (
    ChatMessage,
    NotAnEventStream,
    OnText,
    Round,
    StreamBroken,
    ToolCall,
    Usage,
    estimate_tokens,
    estimate_tokens_of,
    read_stream,
)

__all__ = [
    "LLM",
    "Answer",
    "ChatMessage",
    "LLMError",
    "OnText",
    "Usage",
    "estimate_tokens",
    "estimate_tokens_of",
]

log = logging.getLogger(__name__)

STREAM_RETRY_BACKOFF_S = 0.5
"""The first pause before asking again after a stream broke; it doubles each time."""


@dataclass
class Answer:
    text: str
    model: str
    usage: Usage = field(default_factory=Usage)
    rounds: int = 0
    tool_calls: int = 0
    capped: bool = False
    """It stopped at the caller's token cap: the text is what was said up to there."""


_HINTS = Hints(
    timeout="check the server or raise NOVA_LLM_TIMEOUT_S",
    connection="start that server or set NOVA_LLM_BASE_URL (or OPENAI_API_KEY for OpenAI)",
    auth="set NOVA_LLM_API_KEY or OPENAI_API_KEY",
    model="set NOVA_LLM_MODEL",
    address="set NOVA_LLM_BASE_URL",
)


class LLM:
    """One `AsyncOpenAI` client shared by every agent of the process."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        model: str,
        timeout_s: float = 60.0,
        max_retries: int = 3,
        max_tool_rounds: int = 5,
        usage_sink: UsageSink | None = None,
        observer: CallObserver | None = None,
    ) -> None:
        self.endpoint = base_url
        self.model = model
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.max_tool_rounds = max_tool_rounds
        self.usage_sink = usage_sink
        """Where every call's token counts go (see metering.py); None: not recorded."""
        self.observer = observer
        """Told each call's duration (the metrics); None: nobody is."""
        self._client = openai.AsyncOpenAI(
            base_url=base_url, api_key=api_key, timeout=timeout_s, max_retries=max_retries
        )

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        usage_sink: UsageSink | None = None,
        observer: CallObserver | None = None,
    ) -> LLM:
        return cls(
            base_url=settings.llm_endpoint,
            api_key=settings.llm_key,
            model=settings.llm.model,
            timeout_s=settings.llm.timeout_s,
            max_retries=settings.llm.max_retries,
            max_tool_rounds=settings.llm.max_tool_rounds,
            usage_sink=usage_sink,
            observer=observer,
        )

    async def close(self) -> None:
        await self._client.close()

    async def answer(
        self,
        messages: Sequence[ChatMessage],
        *,
        model: str | None = None,
        temperature: float | None = None,
        tools: Sequence[Tool] = (),
        on_text: OnText | None = None,
        max_tokens: int | None = None,
    ) -> Answer:
        """Answer the conversation, running tool calls until the model replies in text.

        `max_tokens` caps the completion tokens of the whole answer, tool rounds included:
        each call may use what is left, and once it is spent the answer stops there
        (`capped`), with what was said so far and no further tool calls.

        After `max_tool_rounds` rounds of tool calls the tools are withheld, so the model
        must answer with what it has: a tool loop can never run without end. A model that
        still asks for tools then, or that says nothing at all, raises an LLMError: an
        answer with no words would otherwise look like success and show nothing.
        """
        model = model or self.model
        conversation = list(messages)
        answer = Answer(text="", model=model)
        by_name = {tool.name: tool for tool in tools}
        for round_number in range(self.max_tool_rounds + 1):
            last = round_number == self.max_tool_rounds
            offered = () if last else tools
            left = None if max_tokens is None else max_tokens - answer.usage.completion_tokens
            result = await self._round(conversation, model, temperature, offered, on_text, left)
            answer.rounds += 1
            answer.usage.add(result.usage)
            answer.text += result.text
            if left is not None and result.usage.completion_tokens >= left:
                answer.capped = True
                return answer
            if not result.calls:
                if not answer.text.strip():
                    raise EmptyAnswerError(self._where, model)
                return answer
            if last:
                break
            answer.tool_calls += len(result.calls)
            conversation.append(_assistant_tool_message(result))
            conversation.extend(await _run_tools(result.calls, by_name))
        log.warning("model %s kept calling tools after %d rounds", model, answer.rounds)
        raise ToolLoopError(self._where, model, answer.rounds)

    async def call_function(
        self,
        messages: Sequence[ChatMessage],
        *,
        name: str,
        description: str,
        parameters: dict[str, Any],
        model: str | None = None,
    ) -> tuple[dict[str, Any] | None, Answer]:
        """One completion that must answer by calling the function `name`.

        Returns the call's arguments (None when the model answered otherwise and its text
        is not that JSON either) and the answer, for its model and token counts. An
        endpoint that refuses a forced tool choice (HTTP 400) is asked for JSON instead.
        """
        model = model or self.model
        function = {"name": name, "description": description, "parameters": parameters}
        forced = {"type": "function", "function": {"name": name}}
        started = time.perf_counter()
        try:
            response = await self._create(
                model=model,
                messages=messages,
                temperature=0,
                extra_body={"tools": [{"type": "function", "function": function}]},
                tool_choice=forced,
            )
        except openai.BadRequestError:
            log.info("%s refused a forced function call; asking for JSON", self.endpoint)
            answer = await self.complete_json(
                messages, schema=parameters, name=name, model=model, temperature=0
            )
            return _json_object(answer.text), answer
        except openai.APIError as exc:
            raise self._explain(exc, model) from exc
        message = response.choices[0].message if response.choices else None
        counted = Usage.of(response.usage)
        await self._meter(model, counted, started)
        calls = [c for c in (message.tool_calls or []) if c.type == "function"] if message else []
        text = (message.content or "") if message else ""
        answer = Answer(text=text, model=model, usage=counted, rounds=1, tool_calls=len(calls))
        arguments = calls[0].function.arguments if calls else text
        return _json_object(arguments), answer

    async def complete_json(
        self,
        messages: Sequence[ChatMessage],
        *,
        schema: dict[str, Any],
        name: str,
        model: str | None = None,
        temperature: float | None = None,
    ) -> Answer:
        """One completion that should be JSON matching `schema`.

        Structured output (`response_format` json_schema) is asked for first; an endpoint
        that rejects it (HTTP 400) is asked again without it, and the caller parses strictly.
        """
        model = model or self.model
        options: dict[str, Any] = {} if temperature is None else {"temperature": temperature}
        structured = {"type": "json_schema", "json_schema": {"name": name, "schema": schema}}
        started = time.perf_counter()
        try:
            try:
                response = await self._create(
                    model=model,
                    messages=messages,
                    response_format=structured,
                    **options,
                )
            except openai.BadRequestError:
                log.info("%s refused response_format; asking for plain JSON", self.endpoint)
                response = await self._create(
                    model=model,
                    messages=messages,
                    **options,
                )
        except openai.APIError as exc:
            raise self._explain(exc, model) from exc
        text = (response.choices[0].message.content or "") if response.choices else ""
        counted = Usage.of(response.usage)
        await self._meter(model, counted, started)
        return Answer(text=text, model=model, usage=counted, rounds=1)

    async def _create(self, **request: Any) -> Any:
        """The SDK's `chat.completions.create`, typed loosely in this one place: Nova builds
        messages, tool choices and response formats as plain JSON dicts (`ChatMessage`),
        which the SDK describes with TypedDict unions that plain dicts cannot satisfy."""
        return await self._client.chat.completions.create(**request)

    async def _round(
        self,
        messages: list[ChatMessage],
        model: str,
        temperature: float | None,
        tools: Sequence[Tool],
        on_text: OnText | None,
        max_tokens: int | None = None,
    ) -> Round:
        options: dict[str, Any] = {}
        if temperature is not None:
            options["temperature"] = temperature
        if max_tokens is not None:
            options["max_tokens"] = max_tokens
        if tools:
            # Sent as-is: the schemas are already plain JSON, and the client's per-call
            # transformation of nested schemas costs more than the rest of a call.
            options["extra_body"] = {"tools": [tool.schema() for tool in tools]}
        request: dict[str, Any] = {
            "model": model,
            "messages": messages,
            "stream": True,
            "stream_options": {"include_usage": True},
            **options,
        }
        started = time.perf_counter()
        result = await self._streamed(request, on_text)
        await self._meter(model, result.usage, started)
        return result

    async def _streamed(self, request: dict[str, Any], on_text: OnText | None) -> Round:
        """One streamed completion, asked again from the start when the stream breaks
        before anything was shown (up to `max_retries` times, with a doubling pause)."""
        model = request["model"]
        for attempt in range(self.max_retries + 1):
            try:
                stream = await self._create(**request)
            except openai.APIError as exc:
                raise self._explain(exc, model) from exc
            try:
                return await read_stream(stream, on_text, request["messages"])
            except NotAnEventStream as exc:
                raise NotAStreamError(self._where, exc.content_type) from exc
            except StreamBroken as exc:
                if exc.shown:
                    raise AnswerCutOffError(self._where, str(exc)) from exc
                if attempt == self.max_retries:
                    raise StreamCutError(self._where, attempt + 1, str(exc)) from exc
                log.info("%s dropped a stream before any text; asking again", self.endpoint)
                await asyncio.sleep(STREAM_RETRY_BACKOFF_S * 2**attempt)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _meter(self, model: str, usage: Usage, started: float) -> None:
        """Charge one call's tokens to whoever `charged_to` names (metering.py), and tell
        the observer how long it took (from `started`, a `perf_counter` reading)."""
        charge = current_charge()
        if self.observer is not None:
            self.observer.llm_call(charge.agent, model, time.perf_counter() - started)
        if self.usage_sink is None:
            return
        await self.usage_sink.record_usage(
            charge.key,
            agent=charge.agent,
            model=model,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            run_id=charge.run_id,
        )

    @property
    def _where(self) -> str:
        return f"the LLM endpoint {self.endpoint}"

    def _explain(self, exc: openai.APIError, model: str) -> LLMError:
        """The detail names the endpoint, what went wrong and what to change; the public
        line leaves out the address and whatever the endpoint sent."""
        detail = explain_api_error(
            exc,
            where=self._where,
            model=model,
            timeout_s=self.timeout_s,
            max_retries=self.max_retries,
            hints=_HINTS,
            base_url=self.endpoint,
        )
        return LLMError(detail, public_api_error(exc, model=model, base_url=self.endpoint))


def _json_object(text: str) -> dict[str, Any] | None:
    """The JSON object in a model's text (a ```json fence tolerated), or None."""
    cleaned = text.strip().removeprefix("```json").removeprefix("```").removesuffix("```")
    try:
        value = json.loads(cleaned)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _assistant_tool_message(result: Round) -> ChatMessage:
    return {
        "role": "assistant",
        "content": result.text or None,
        "tool_calls": [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
            for call in result.calls
        ],
    }


async def _run_tools(calls: list[ToolCall], tools: dict[str, Tool]) -> list[ChatMessage]:
    """Run one round's tool calls concurrently; each result goes back as a tool message."""

    async def run(call: ToolCall) -> ChatMessage:
        tool = tools.get(call.name)
        if tool is None:
            content = f"error: there is no tool named {call.name!r}"
        else:
            content = await tool.call(call.arguments)
        return {"role": "tool", "tool_call_id": call.id, "content": content}

    return list(await asyncio.gather(*(run(call) for call in calls)))
