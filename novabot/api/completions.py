"""`POST /v1/chat/completions`: one request, one message through the bot, one answer.

With a conversation id (`X-Nova-Conversation`, or the `user` field) the conversation is
Nova's to keep, at (api, the key's name, the id): the client sends only its new message.
Without one the request stands alone: the messages it carries are written as the history
of a conversation of its own (named by the completion id), then the last one is answered
like any other message.
"""

from __future__ import annotations

import time
import uuid

from aiohttp import web

from novabot.api.chat_request import CONVERSATION_HEADER, ChatRequest, parse_chat, read_body
from novabot.api.errors import ApiError
from novabot.api.keys import ROUTER_MODEL, allowed_models
from novabot.api.responder import ApiResponder
from novabot.api.sse import ChunkStream, Envelope
from novabot.core.bot import Bot, Outcome, Status
from novabot.core.message import ConversationKey, Message
from novabot.llm.stream import Usage
from novabot.store.api_keys import ApiKeyRecord

PLATFORM = "api"
AGENT_HEADER = "X-Nova-Agent"
ROUTE_HEADER = "X-Nova-Route"
API_KEY = web.RequestKey("nova_api_key", ApiKeyRecord)
"""Where the gate leaves the request's key."""


class Completions:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def handle(self, request: web.Request) -> web.StreamResponse:
        key = request[API_KEY]
        chat = parse_chat(await read_body(request), request.headers.get(CONVERSATION_HEADER))
        agent = self.agent_for(key, chat.model)
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        conversation = ConversationKey(PLATFORM, key.name, chat.conversation or completion_id)
        if chat.conversation is None:
            await self.write_history(conversation, chat, key.name)
        message = Message(
            conversation,
            chat.text,
            user_id=key.name,
            user_name=key.name,
            agent=agent,
            event_id=f"{PLATFORM}:{completion_id}",
        )
        envelope = Envelope(completion_id, int(time.time()), chat.model)
        chunks = self.chunks(request, envelope, chat, conversation) if chat.stream else None
        responder = ApiResponder(conversation, chunks)
        outcome = await self.bot.handle(message, responder)
        return await reply(outcome, responder, envelope, chat.conversation)

    def chunks(
        self,
        request: web.Request,
        envelope: Envelope,
        chat: ChatRequest,
        conversation: ConversationKey,
    ) -> ChunkStream:
        async def headers() -> dict[str, str]:
            # The stream starts once the agent writes: the route is recorded by then.
            decision = await self.bot.store.last_decision(conversation)
            found = {} if decision is None else route_headers(decision.agent, decision.rule)
            return found | kept_header(chat.conversation)

        return ChunkStream(request, envelope, headers, include_usage=chat.include_usage)

    def agent_for(self, key: ApiKeyRecord, model: str) -> str | None:
        """The agent `model` names (None: the router chooses), if `key` may use it."""
        agents = self.bot.agent_names
        if model != ROUTER_MODEL and model not in agents:
            raise ApiError(
                404,
                f"The model `{model}` does not exist: GET /v1/models lists the ones you may use.",
                param="model",
                code="model_not_found",
            )
        allowed = allowed_models(key, agents)
        if model not in allowed:
            what = "Nova's router" if model == ROUTER_MODEL else f"the agent `{model}`"
            raise ApiError(
                403,
                f"This API key may not use {what}; it may use: {', '.join(allowed)}.",
                kind="permission_error",
                param="model",
                code="model_not_allowed",
            )
        return None if model == ROUTER_MODEL else model

    async def write_history(self, key: ConversationKey, chat: ChatRequest, user: str) -> None:
        for role, text in chat.earlier:
            await self.bot.store.add_message(
                key, role, text, user_id=user if role == "user" else None, user_name=user
            )


def route_headers(agent: str, rule: str) -> dict[str, str]:
    return {AGENT_HEADER: agent, ROUTE_HEADER: rule}


def kept_header(conversation: str | None) -> dict[str, str]:
    """The conversation Nova keeps for the client, echoed back."""
    return {} if conversation is None else {CONVERSATION_HEADER: conversation}


async def reply(
    outcome: Outcome, responder: ApiResponder, envelope: Envelope, conversation: str | None
) -> web.StreamResponse:
    """The HTTP answer for the bot's outcome: the completion, or an OpenAI-style error."""
    chunks = responder.chunks
    if outcome.status != Status.ANSWERED:
        error = failure(outcome, responder)
        return await chunks.fail(error) if chunks and chunks.started else error.response()
    answer = outcome.answer
    usage = answer.usage if answer else Usage()
    finish = "length" if answer and answer.capped else "stop"
    if chunks is not None:
        await responder.flush_said()
        return await chunks.finish(usage, finish)
    route = outcome.route
    headers = {} if route is None else route_headers(route.agent, route.rule)
    headers |= kept_header(conversation)
    body = envelope.completion(responder.text, usage, finish)
    return web.json_response(body, headers=headers)


def failure(outcome: Outcome, responder: ApiResponder) -> ApiError:
    """What went wrong, in the words the bot told the user (never the endpoint's address)."""
    told = (responder.said[-1] if responder.said else outcome.error or "").removeprefix("⚠️ ")
    if outcome.status == Status.REJECTED:
        return ApiError(400, told or "Nova could not take that message.", param="messages")
    if outcome.status == Status.DUPLICATE:  # ids are fresh per request: not expected
        return ApiError(409, "this request is already being answered", code="duplicate")
    if outcome.error_id is None:  # the language model failed: Nova's gateway failed
        return ApiError(502, told or "Nova's language model failed.", kind="api_error")
    return ApiError(500, told, kind="server_error")
