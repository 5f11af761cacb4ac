"""Nova's settings: the one place that reads the environment and `.env`.

Every setting is `NOVA_<NAME>`; the names are a contract with users and deploy files.
When the `NOVA_LLM_*` endpoint settings are unset, the ecosystem's `OPENAI_API_KEY` and
`OPENAI_BASE_URL` are honoured so an existing OpenAI setup works as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1"

HOW_TO_CONFIGURE_LLM = (
    "No LLM endpoint is configured: set OPENAI_API_KEY (or NOVA_LLM_API_KEY) to use OpenAI, "
    "or NOVA_LLM_BASE_URL to a local OpenAI-compatible server "
    "(e.g. http://127.0.0.1:11434/v1 for Ollama, http://127.0.0.1:8080/v1 for llama.cpp)."
)


class ConfigError(Exception):
    """A setting has a value Nova cannot use; the message is one line naming it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NOVA_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

    db_path: Path = Path("data/nova.db")
    log_file: Path | None = None
    """Where the full log (with tracebacks) goes; default: `nova.log` beside the database."""
    log_level: str = "INFO"
    prompts_dir: Path | None = None
    """An extra folder of scope cards, loaded after the shipped ones."""

    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_model: str = "gpt-4o-mini"
    llm_timeout_s: Annotated[float, Field(gt=0)] = 60.0
    llm_max_retries: Annotated[int, Field(ge=0, le=10)] = 3
    llm_max_tool_rounds: Annotated[int, Field(ge=1, le=20)] = 5
    history_token_budget: Annotated[int, Field(ge=0)] = 3000

    pipeline_max_steps: Annotated[int, Field(ge=1, le=100)] = 12
    pipeline_concurrency: Annotated[int, Field(ge=1, le=64)] = 4
    pipeline_step_timeout_s: Annotated[float, Field(gt=0)] = 180.0
    pipeline_step_retries: Annotated[int, Field(ge=0, le=10)] = 2
    pipeline_retry_backoff_s: Annotated[float, Field(ge=0)] = 2.0
    pipeline_max_tokens: Annotated[int, Field(ge=1)] = 200_000
    """A run stops starting steps once it has used this many tokens."""

    router_backend: Literal["minilm", "openai", "lexical"] = "minilm"
    """minilm: offline, shipped with Nova; openai: the endpoint's /v1/embeddings; lexical:
    word overlap with the examples, no model at all."""
    router_embedding_model: str = "text-embedding-3-small"
    router_embedding_base_url: str | None = None
    """For the openai backend; the LLM endpoint when unset."""
    router_threshold: Annotated[float, Field(ge=0, le=1)] | None = None
    """Below this score the router abstains; unset: learnt from the cards' examples."""
    router_lexical_threshold: Annotated[float, Field(ge=0, le=1)] = 0.3
    router_switch_margin: Annotated[float, Field(ge=0, le=1)] = 0.25
    router_abstain: Literal["chat", "decline"] = "chat"
    """chat: a message no agent covers goes to chat, with a note; decline: Nova says so
    and names the closest agents."""
    router_llm_tiebreak: bool = False
    router_tie_margin: Annotated[float, Field(ge=0, le=1)] = 0.1
    """The top two are "too close" when their scores differ by less than this."""
    router_cache_dir: Path | None = None
    """Where card embeddings are cached; default: `embeddings/` beside the database."""

    http_host: str = "127.0.0.1"
    http_port: Annotated[int, Field(ge=1, le=65535)] = 8080
    shutdown_grace_s: Annotated[float, Field(ge=0)] = 20.0
    """How long `nova run` lets in-flight answers finish on SIGINT/SIGTERM."""

    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str | None = None
    slack_update_interval_s: Annotated[float, Field(gt=0)] = 1.0
    """How often a streaming Slack answer is edited (Slack allows about one edit a second)."""

    discord_token: SecretStr | None = None
    discord_api_url: str | None = None
    discord_gateway_url: str | None = None
    discord_guild_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    """Guilds `nova discord sync` targets by default (comma-separated ids)."""
    discord_update_interval_s: Annotated[float, Field(gt=0)] = 1.0

    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL")
    )

    @field_validator("llm_base_url", "openai_base_url", "slack_api_url", "discord_api_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        value = value.strip()
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"must start with http:// or https:// (got {value!r})")
        return value.rstrip("/")

    @field_validator("discord_gateway_url")
    @classmethod
    def _ws_url(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        if not value.strip().startswith(("ws://", "wss://")):
            raise ValueError(f"must start with ws:// or wss:// (got {value!r})")
        return value.strip()

    @field_validator("discord_guild_ids", mode="before")
    @classmethod
    def _comma_separated_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("slack_bot_token", "slack_app_token", "slack_signing_secret", "discord_token")
    @classmethod
    def _blank_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        # `NOVA_SLACK_APP_TOKEN=` in a .env file means "not set", not "an empty token".
        return value if value and value.get_secret_value().strip() else None

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @property
    def embedding_cache_dir(self) -> Path:
        return self.router_cache_dir or self.db_path.parent / "embeddings"

    @property
    def llm_endpoint(self) -> str:
        """The base URL Nova will call: NOVA_LLM_BASE_URL, else OPENAI_BASE_URL, else OpenAI."""
        return self.llm_base_url or self.openai_base_url or OPENAI_DEFAULT_BASE_URL

    @property
    def llm_key(self) -> str:
        """The API key to send; local servers accept any, so a placeholder stands in."""
        secret = self.llm_api_key or self.openai_api_key
        return secret.get_secret_value() if secret else "not-needed"

    @property
    def llm_configured(self) -> bool:
        """True when the user named an endpoint or gave a key (so OpenAI itself is meant)."""
        return bool(
            self.llm_base_url or self.openai_base_url or self.llm_api_key or self.openai_api_key
        )

    @property
    def resolved_log_file(self) -> Path:
        return self.log_file or self.db_path.parent / "nova.log"


def env_name(field: str) -> str:
    """The environment variable a user sets for a settings field."""
    info = Settings.model_fields[field]
    alias = info.validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return f"NOVA_{field.upper()}"


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning a validation failure into one readable line."""
    try:
        # Overrides are field values by name; pydantic checks them, mypy cannot.
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors(include_url=False):
        field = str(error["loc"][0]) if error["loc"] else "?"
        name = env_name(field) if field in Settings.model_fields else field
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(f"{name}: {message}")
    return "invalid configuration: " + "; ".join(problems)
