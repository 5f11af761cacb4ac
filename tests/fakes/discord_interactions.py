"""Discord's interaction endpoints, for ``FakeDiscord`` (``tests.fakes.discord_server``).

Interaction callbacks (``POST /interactions/{id}/{token}/callback``), webhook follow-ups
(``POST /webhooks/{app}/{token}``) and application command sync
(``GET``/``PUT /applications/{app}[/guilds/{guild}]/commands``); the rest of the REST API
lives in ``discord_server``, which also serves GET/PATCH/DELETE of webhook messages
(``WEBHOOK_MESSAGE``, ``@original`` included) with its channel message handlers.

discord.py 2.7 POSTs interaction callbacks with ``?with_response=1`` and needs
``{"interaction": ..., "resource": ...}`` back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from tests.fakes.discord_gateway import JSON, snowflake
from tests.fakes.discord_wire import Answer

if TYPE_CHECKING:
    from tests.fakes.discord_server import RestCall, _Handler

_WEBHOOK = r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)"
_WEBHOOK_MESSAGE = _WEBHOOK + r"/messages/(?P<id>@original|\d+)"
_CALLBACK = r"/interactions/(?P<id>\d+)/(?P<token>[^/]+)/callback"
_COMMANDS = r"/applications/(?P<app>\d+)(?:/guilds/(?P<guild>\d+))?/commands"
_LOADING, _EPHEMERAL = 128, 64  # message flags: "Nova is thinking…", "only you can see this"


class InteractionsMixin:
    """Mixin: interaction callbacks, follow-ups and command sync, with the interaction state
    they keep. The host calls ``_init_interactions()``, adds ``_interaction_routes()`` to its
    REST routes, records each dispatched INTERACTION_CREATE in ``_interactions`` (by token) and
    provides the message store below."""

    _new_message: Callable[..., JSON]  # (channel_id, body, files, *, webhook=False)
    _edit: Callable[[JSON, JSON, tuple], JSON]  # (message, body, files)
    _find: Callable[[int], JSON | None]  # a stored message by id
    requests_to: Callable[[str, str], list[RestCall]]

    def _init_interactions(self) -> None:
        self.commands: dict[int | None, list[JSON]] = {}  # guild id (None: global) -> synced
        self._interactions: dict[str, JSON] = {}  # token -> the dispatched INTERACTION_CREATE
        self._originals: dict[str, int] = {}  # token -> id of the @original message
        self._acknowledged: set[str] = set()  # interaction tokens that had a callback

    def _interaction_routes(self) -> list[tuple[str, str, _Handler]]:
        return [
            ("POST", _CALLBACK, self._callback),
            ("POST", _WEBHOOK, self._followup),
            ("GET", _COMMANDS, lambda c, m: (200, self.commands.get(_guild(m), []))),
            ("PUT", _COMMANDS, self._sync_commands),
        ]

    # test API

    def interaction_responses(self) -> list[RestCall]:
        """POST /interactions/{id}/{token}/callback calls (``json["type"]`` 5 = deferred)."""
        return self.requests_to("POST", _CALLBACK)

    def followups(self) -> list[RestCall]:
        """Follow-up POSTs plus edits of the original response or of follow-ups, in order."""
        posts = self.requests_to("POST", _WEBHOOK)
        return sorted(posts + self.requests_to("PATCH", _WEBHOOK_MESSAGE), key=lambda c: c.at)

    # HTTP handlers

    def _callback(self, call: RestCall, m: re.Match[str]) -> Answer:
        token, body = m["token"], call.json or {}
        if token in self._acknowledged:
            return 400, {"message": "Interaction has already been acknowledged.", "code": 40060}
        self._acknowledged.add(token)
        kind, data = body.get("type"), body.get("data") or {}
        interaction = self._interactions.get(token, {})
        channel_id = int(interaction.get("channel_id", 0))
        message: JSON | None = None
        if kind == 4:  # CHANNEL_MESSAGE_WITH_SOURCE
            if invalid := _invalid(data, call.files, creating=True):
                return invalid
            message = self._new_message(channel_id, data, call.files, webhook=True)
        elif kind == 5:  # DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE: a "thinking…" message
            flags = int(data.get("flags", 0)) | _LOADING
            message = self._new_message(channel_id, {"flags": flags}, (), webhook=True)
        elif kind == 7 and (target := self._find(int(interaction.get("message", {}).get("id", 0)))):
            message = self._edit(target, data, call.files)  # UPDATE_MESSAGE (components)
        if message is not None and kind in (4, 5):
            self._originals[token] = int(message["id"])
        if call.query.get("with_response", "").lower() not in ("1", "true"):
            return 204, None
        flags = int(message["flags"]) if message else 0
        about = {"id": m["id"], "type": interaction.get("type", 2), "activity_instance_id": None}
        about["response_message_id"] = message["id"] if message else None
        about["response_message_loading"] = bool(flags & _LOADING)
        about["response_message_ephemeral"] = bool(flags & _EPHEMERAL)
        answer: JSON = {"interaction": about}
        if kind in (4, 5, 7):  # a message resource only for 4 and 7, as Discord documents
            answer["resource"] = {"type": kind} | ({"message": message} if kind != 5 else {})
        return 200, answer

    def _followup(self, call: RestCall, m: re.Match[str]) -> Answer:
        body = call.json or {}
        if invalid := _invalid(body, call.files, creating=True):
            return invalid
        original = self._find(self._originals.get(m["token"], 0))
        if original is not None and original["flags"] & _LOADING:
            # Discord: the first follow-up after a deferral edits the "thinking…" message
            message = self._edit(original, {k: v for k, v in body.items() if k != "flags"}, ())
            original["flags"] &= ~_LOADING
        else:
            channel_id = int(self._interactions.get(m["token"], {}).get("channel_id", 0))
            message = self._new_message(channel_id, body, call.files, webhook=True)
        waits = call.query.get("wait", "").lower() in ("1", "true")
        return (200, message) if waits else (204, None)

    def _sync_commands(self, call: RestCall, m: re.Match[str]) -> Answer:
        guild = _guild(m)
        ids = {c["name"]: c["id"] for c in self.commands.get(guild, [])}
        synced = []
        for command in call.json or []:
            extra = {"id": ids.get(command["name"], str(snowflake())), "application_id": m["app"]}
            extra |= {"version": str(snowflake())} | ({"guild_id": str(guild)} if guild else {})
            synced.append({"type": 1, "description": "", **command, **extra})
        self.commands[guild] = synced
        return 200, synced


def _guild(m: re.Match[str]) -> int | None:
    return int(m["guild"]) if m["guild"] else None


def _invalid(body: JSON, files: tuple, *, creating: bool = False) -> Answer | None:
    """Discord's 400s for a message body: over 2,000 characters, or nothing to show. Shared
    with ``discord_server``'s channel message endpoints."""
    content = body.get("content") or ""
    if len(content) > 2000:
        error = {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}
        errors = {"content": {"_errors": [error]}}
        return 400, {"message": "Invalid Form Body", "code": 50035, "errors": errors}
    keys = ("embeds", "components", "sticker_ids", "poll", "attachments")
    if creating and not (content or files or any(body.get(k) for k in keys)):
        return 400, {"message": "Cannot send an empty message", "code": 50006}
    return None
