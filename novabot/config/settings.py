"""Nova's settings: the one place that reads the environment and `.env`.

Every setting is `NOVA_<NAME>`; the names are a contract with users and deploy files.
When the `NOVA_LLM_*` endpoint settings are unset, the ecosystem's `OPENAI_API_KEY` and
`OPENAI_BASE_URL` are honoured so an existing OpenAI setup works as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from novabot.config.runtime import LogSettings, PipelineSettings, RouterSettings, ScheduleSettings
from novabot.config.services import (
    ApiSettings,
    DiscordSettings,
    HTTPSettings,
    LLMSettings,
    SlackSettings,
)
from novabot.config.tools import CodeSettings, ErpSettings, FetchSettings
from novabot.config.values import ConfigError, PlatformIds, http_url, platform_ids

OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1"

HOW_TO_CONFIGURE_LLM = (
    "No LLM endpoint is configured: set OPENAI_API_KEY (or NOVA_LLM_API_KEY) to use OpenAI, "
    "or NOVA_LLM_BASE_URL to a local OpenAI-compatible server "
    "(e.g. http://127.0.0.1:11434/v1 for Ollama, http://127.0.0.1:8080/v1 for llama.cpp)."
)


class Settings(BaseSettings):
    """All of Nova's settings, grouped by concern: `NOVA_LLM_MODEL` is `settings.llm.model`.

    A group's variables are `NOVA_<GROUP>_<FIELD>` (split at the first underscore after
    the group's name), so every documented name reads as it always did. Flat names work as
    keyword arguments too (`Settings(llm_model=...)`, `settings.replaced(llm_model=...)`).
    """

    model_config = SettingsConfigDict(
        env_prefix="NOVA_",
        env_file=".env",
        env_file_encoding="utf-8",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        extra="ignore",
        validate_default=True,
    )

    db_path: Path = Path("data/nova.db")
    prompts_dir: Path | None = None
    """An extra folder of scope cards, loaded after the shipped ones."""
    history_token_budget: Annotated[int, Field(ge=0)] = 3000
    knowledge_token_budget: Annotated[int, Field(ge=0)] = 1500
    """How many tokens of a project's knowledge a prompt may carry (0: none)."""
    shutdown_grace_s: Annotated[float, Field(ge=0)] = 20.0
    """How long `nova run` lets in-flight answers finish on SIGINT/SIGTERM."""
    lease_s: Annotated[float, Field(gt=0)] = 30.0
    """How long work held by a silent `nova run` (an answer, a post, a pipeline run) waits
    before another process takes it over; a process known to be dead is taken over at once."""
    timezone: str = "UTC"
    """The IANA time zone schedules use when they name none (NOVA_TIMEZONE)."""
    admins: PlatformIds = frozenset()
    """Who may change shared state (bind, unbind) and see across conversations (`--all`)."""
    allowed_users: PlatformIds = frozenset()
    """When set, Nova answers only these users (and admins); others get one private line."""
    allowed_channels: PlatformIds = frozenset()
    """When set, Nova answers only in these channels (a DM is a channel too)."""
    prices_file: Path | None = None
    """The model price table the ops agent costs tokens with (USD per 1M input/output
    tokens); default: the shipped `deploy/prices.yaml`."""

    llm: LLMSettings = Field(default_factory=LLMSettings)
    pipeline: PipelineSettings = Field(default_factory=PipelineSettings)
    router: RouterSettings = Field(default_factory=RouterSettings)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    fetch: FetchSettings = Field(default_factory=FetchSettings)
    erp: ErpSettings = Field(default_factory=ErpSettings)
    http: HTTPSettings = Field(default_factory=HTTPSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    code: CodeSettings = Field(default_factory=CodeSettings)

    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL")
    )

    _url = field_validator("openai_base_url")(http_url)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value.strip())
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. Europe/London)") from None
        return value.strip()

    _access = field_validator("admins", "allowed_users", "allowed_channels", mode="before")(
        platform_ids
    )

    @model_validator(mode="before")
    @classmethod
    def _accept_flat_names(cls, data: Any) -> Any:
        """`llm_model=...` given as a keyword lands in the `llm` group, over the env."""
        if not isinstance(data, dict):
            return data
        nested = dict(data)
        for name in [key for key in data if key in FLAT_NAMES]:
            group, field = FLAT_NAMES[name]
            nested[group] = {**_as_dict(nested.get(group)), field: nested.pop(name)}
        return nested

    def replaced(self, **changes: Any) -> Settings:
        """A copy with `changes` (flat names, e.g. `llm_base_url`), unvalidated like
        `model_copy`: for tests and callers that adjust settings already checked."""
        groups: dict[str, dict[str, Any]] = {}
        top: dict[str, Any] = {}
        for name, value in changes.items():
            if name in FLAT_NAMES:
                group, field = FLAT_NAMES[name]
                groups.setdefault(group, {})[field] = value
            elif name in type(self).model_fields:
                top[name] = value
            else:
                raise ValueError(f"there is no setting named {name!r}")
        for group, fields in groups.items():
            top[group] = getattr(self, group).model_copy(update=fields)
        return self.model_copy(update=top)

    @property
    def embedding_cache_dir(self) -> Path:
        return self.router.cache_dir or self.db_path.parent / "embeddings"

    @property
    def models_dir(self) -> Path:
        return self.router.models_dir or self.db_path.parent / "models"

    @property
    def llm_endpoint(self) -> str:
        """The base URL Nova will call: NOVA_LLM_BASE_URL, else OPENAI_BASE_URL, else OpenAI."""
        return self.llm.base_url or self.openai_base_url or OPENAI_DEFAULT_BASE_URL

    @property
    def llm_key(self) -> str:
        """The API key to send; local servers accept any, so a placeholder stands in."""
        secret = self.llm.api_key or self.openai_api_key
        return secret.get_secret_value() if secret else "not-needed"

    @property
    def llm_configured(self) -> bool:
        """True when the user named an endpoint or gave a key (so OpenAI itself is meant)."""
        return bool(
            self.llm.base_url or self.openai_base_url or self.llm.api_key or self.openai_api_key
        )

    @property
    def resolved_log_file(self) -> Path:
        return self.log.file or self.db_path.parent / "nova.log"


GROUPS = (
    "llm",
    "pipeline",
    "router",
    "fetch",
    "erp",
    "code",
    "schedule",
    "http",
    "api",
    "slack",
    "discord",
    "log",
)
FLAT_NAMES: dict[str, tuple[str, str]] = {
    f"{group}_{field}": (group, field)
    for group in GROUPS
    # Each group field is annotated with its BaseModel class; mypy sees `type | None`.
    for field in Settings.model_fields[group].annotation.model_fields  # type: ignore[union-attr]
}
"""`llm_base_url` → ("llm", "base_url"): every setting by the name its variable has."""


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, BaseModel):
        return value.model_dump(exclude_unset=True)
    return dict(value or {})


def env_name(*location: str | int) -> str:
    """The environment variable a user sets for a setting, from its place in Settings."""
    field = str(location[0]) if location else "?"
    if field in GROUPS and len(location) > 1:
        return f"NOVA_{field.upper()}_{str(location[1]).upper()}"
    info = Settings.model_fields.get(field)
    if info is not None and isinstance(info.validation_alias, AliasChoices):
        return str(info.validation_alias.choices[0])
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
        name = env_name(*error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(f"{name}: {message}")
    return "invalid configuration: " + "; ".join(problems)
