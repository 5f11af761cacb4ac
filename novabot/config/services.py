"""Settings for what Nova talks to and listens on: the LLM endpoint, HTTP, the API, Slack,
Discord."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from novabot.config.values import blank_is_unset, comma_separated, http_url


class LLMSettings(BaseModel):
    """`NOVA_LLM_*`: the OpenAI-compatible endpoint every agent talks to."""

    base_url: str | None = None
    api_key: SecretStr | None = None
    model: str = "gpt-4o-mini"
    timeout_s: Annotated[float, Field(gt=0)] = 60.0
    max_retries: Annotated[int, Field(ge=0, le=10)] = 3
    max_tool_rounds: Annotated[int, Field(ge=1, le=20)] = 5

    _url = field_validator("base_url")(http_url)

    @field_validator("model")
    @classmethod
    def _named_model(cls, value: str) -> str:
        # `NOVA_LLM_MODEL=` would otherwise be sent as "model": "", which servers reject
        # with errors that do not point back here.
        if not value.strip():
            raise ValueError("is empty: name a model (e.g. gpt-4o-mini), or unset it")
        return value.strip()


class HTTPSettings(BaseModel):
    """`NOVA_HTTP_*`: where Nova listens (the Slack Events API without Socket Mode, the API,
    health and metrics)."""

    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8080
    always: bool = False
    """Serve `/healthz`, `/readyz` and `/metrics` even when no other part needs the server
    (Discord or Slack Socket Mode only): for containers and Prometheus."""


class ApiSettings(BaseModel):
    """`NOVA_API_*`: the OpenAI-compatible API (served once an API key exists)."""

    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Web origins whose pages may call the API from a browser (comma-separated, e.g.
    `https://example.com`; `*` for any); empty: no browser page may."""

    _list = field_validator("cors_origins", mode="before")(comma_separated)

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin != "*" and not origin.startswith(("http://", "https://")):
                raise ValueError(f"{origin!r} is not an origin (e.g. https://example.com, or *)")
        return [origin.rstrip("/") for origin in value]


class SlackSettings(BaseModel):
    """`NOVA_SLACK_*`."""

    bot_token: SecretStr | None = None
    app_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    api_url: str | None = None
    update_interval_s: Annotated[float, Field(gt=0)] = 1.0
    """How often a streaming Slack answer is edited (Slack allows about one edit a second)."""

    _url = field_validator("api_url")(http_url)
    _secrets = field_validator("bot_token", "app_token", "signing_secret")(blank_is_unset)


class DiscordSettings(BaseModel):
    """`NOVA_DISCORD_*`."""

    token: SecretStr | None = None
    api_url: str | None = None
    gateway_url: str | None = None
    guild_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    """Guilds `nova discord sync` targets by default (comma-separated ids)."""
    update_interval_s: Annotated[float, Field(gt=0)] = 1.0

    _url = field_validator("api_url")(http_url)
    _secret = field_validator("token")(blank_is_unset)

    @field_validator("gateway_url")
    @classmethod
    def _ws_url(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        if not value.strip().startswith(("ws://", "wss://")):
            raise ValueError(f"must start with ws:// or wss:// (got {value!r})")
        return value.strip()

    _list = field_validator("guild_ids", mode="before")(comma_separated)
