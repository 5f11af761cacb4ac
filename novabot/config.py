"""Nova's settings: the one place that reads the environment and `.env`.

Every setting is `NOVA_<NAME>`; the names are a contract with users and deploy files.
When the `NOVA_LLM_*` endpoint settings are unset, the ecosystem's `OPENAI_API_KEY` and
`OPENAI_BASE_URL` are honoured so an existing OpenAI setup works as it is.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    BaseModel,
    Field,
    IPvAnyNetwork,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from novabot.erp.url import parse_url

OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1"

HOW_TO_CONFIGURE_LLM = (
    "No LLM endpoint is configured: set OPENAI_API_KEY (or NOVA_LLM_API_KEY) to use OpenAI, "
    "or NOVA_LLM_BASE_URL to a local OpenAI-compatible server "
    "(e.g. http://127.0.0.1:11434/v1 for Ollama, http://127.0.0.1:8080/v1 for llama.cpp)."
)


class ConfigError(Exception):
    """A setting has a value Nova cannot use; the message is one line naming it."""


def _http_url(value: str | None) -> str | None:
    if value is None or value.strip() == "":
        return None
    value = value.strip()
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"must start with http:// or https:// (got {value!r})")
    return value.rstrip("/")


ACCESS_PLATFORMS = ("slack", "discord")
"""Platforms whose users and channels the access lists name (the terminal is the owner's)."""

PlatformIds = Annotated[frozenset[tuple[str, str]], NoDecode]
"""`slack:U123,discord:456` → {("slack", "U123"), ("discord", "456")}."""


def _platform_ids(value: object) -> object:
    """Parse `platform:id` entries (comma-separated text, or a collection of them)."""
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list | tuple | set | frozenset):
        return frozenset(_platform_id(entry) for entry in value)
    return value


def _platform_id(entry: object) -> tuple[str, str]:
    if isinstance(entry, tuple | list) and len(entry) == 2:
        entry = f"{entry[0]}:{entry[1]}"
    platform, _, ident = str(entry).strip().partition(":")
    platform, ident = platform.strip().lower(), ident.strip()
    if platform not in ACCESS_PLATFORMS or not ident:
        raise ValueError(f"'{entry}' is not platform:id (e.g. slack:U123 or discord:456)")
    if platform == "discord" and not ident.isdigit():
        raise ValueError(f"'{entry}': Discord ids are numbers (Developer Mode → Copy ID)")
    return platform, ident


def _blank_is_unset(value: SecretStr | None) -> SecretStr | None:
    # `NOVA_SLACK_APP_TOKEN=` in a .env file means "not set", not "an empty token".
    return value if value and value.get_secret_value().strip() else None


class LLMSettings(BaseModel):
    """`NOVA_LLM_*`: the OpenAI-compatible endpoint every agent talks to."""

    base_url: str | None = None
    api_key: SecretStr | None = None
    model: str = "gpt-4o-mini"
    timeout_s: Annotated[float, Field(gt=0)] = 60.0
    max_retries: Annotated[int, Field(ge=0, le=10)] = 3
    max_tool_rounds: Annotated[int, Field(ge=1, le=20)] = 5

    _url = field_validator("base_url")(_http_url)

    @field_validator("model")
    @classmethod
    def _named_model(cls, value: str) -> str:
        # `NOVA_LLM_MODEL=` would otherwise be sent as "model": "", which servers reject
        # with errors that do not point back here.
        if not value.strip():
            raise ValueError("is empty: name a model (e.g. gpt-4o-mini), or unset it")
        return value.strip()


class PipelineSettings(BaseModel):
    """`NOVA_PIPELINE_*`: the hard caps of a pipeline run."""

    max_steps: Annotated[int, Field(ge=1, le=100)] = 12
    concurrency: Annotated[int, Field(ge=1, le=64)] = 4
    step_timeout_s: Annotated[float, Field(gt=0)] = 180.0
    step_retries: Annotated[int, Field(ge=0, le=10)] = 2
    retry_backoff_s: Annotated[float, Field(ge=0)] = 2.0
    max_tokens: Annotated[int, Field(ge=1)] = 200_000
    """A run stops starting steps once it has used this many tokens."""


class RouterSettings(BaseModel):
    """`NOVA_ROUTER_*`: how messages find their agent."""

    backend: Literal["minilm", "openai", "lexical"] = "minilm"
    """minilm: offline, shipped with Nova; openai: the endpoint's /v1/embeddings; lexical:
    word overlap with the examples, no model at all."""
    embedding_model: str = "text-embedding-3-small"
    embedding_base_url: str | None = None
    """For the openai backend; the LLM endpoint when unset."""
    threshold: Annotated[float, Field(ge=0, le=1)] | None = None
    """Below this score the router abstains; unset: learnt from the cards' examples."""
    lexical_threshold: Annotated[float, Field(ge=0, le=1)] = 0.3
    switch_margin: Annotated[float, Field(ge=0, le=1)] = 0.25
    abstain: Literal["chat", "decline"] = "chat"
    """chat: a message no agent covers goes to chat, with a note; decline: Nova says so
    and names the closest agents."""
    llm_tiebreak: bool = False
    tie_margin: Annotated[float, Field(ge=0, le=1)] = 0.1
    """The top two are "too close" when their scores differ by less than this."""
    cache_dir: Path | None = None
    """Where card embeddings are cached; default: `embeddings/` beside the database."""


class ScheduleSettings(BaseModel):
    """`NOVA_SCHEDULE_*`: how schedules fire."""

    catchup_s: Annotated[float, Field(ge=0)] = 3600.0
    """After downtime, a missed slot younger than this runs once; older ones are recorded
    as missed (never run in a burst)."""
    min_every_s: Annotated[float, Field(gt=0)] = 10.0
    """The shortest `every` interval accepted."""
    sync_s: Annotated[float, Field(gt=0)] = 5.0
    """How often `nova run` re-reads the schedules (made or changed by other processes)
    and takes over runs nobody holds."""
    max_tokens: Annotated[int, Field(ge=1)] = 4000
    """A run's token cap when its schedule sets none."""


class FetchSettings(BaseModel):
    """`NOVA_FETCH_*`: how the summarizer's `fetch_url` reads a web page or PDF."""

    allow_private: bool = False
    """Allow private, loopback and link-local addresses (an intranet wiki, tests); off, a
    URL that resolves to one, before or after a redirect, is refused."""
    allow_networks: Annotated[list[IPvAnyNetwork], NoDecode] = Field(default_factory=list)
    """Networks reachable even when private ones are not (`10.1.2.0/24,fd00::/64`): an
    intranet wiki without opening every private address."""
    max_bytes: Annotated[int, Field(ge=1024)] = 5_000_000
    """A body larger than this is refused, not cut (a cut PDF cannot be read)."""
    timeout_s: Annotated[float, Field(gt=0)] = 15.0
    """For the whole fetch, redirects included."""
    max_chars: Annotated[int, Field(ge=500)] = 12_000
    """How much extracted text reaches the model (about 3,000 tokens by default)."""

    @field_validator("allow_networks", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


class ErpSettings(BaseModel):
    """`NOVA_ERP_*`: the ERP database the erp-* agents read, and how much one query may
    take. A project's own database (`nova project set NAME --erp-url URL`) wins over
    `NOVA_ERP_DATABASE_URL` in the channels bound to it."""

    database_url: SecretStr | None = None
    """A SQLite file (a path or sqlite:///PATH) or postgresql://USER:PASSWORD@HOST/DB."""
    timeout_s: Annotated[float, Field(gt=0, le=300)] = 5.0
    """A query is stopped by the database past this."""
    max_rows: Annotated[int, Field(ge=1, le=10_000)] = 100
    max_bytes: Annotated[int, Field(ge=1024, le=16 * 1024 * 1024)] = 64 * 1024
    """The most text one query returns to the agent; more is cut and marked truncated."""

    _secret = field_validator("database_url")(_blank_is_unset)

    @field_validator("database_url")
    @classmethod
    def _usable_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            parse_url(value.get_secret_value())
        return value


class HTTPSettings(BaseModel):
    """`NOVA_HTTP_*`: where Nova listens (the Slack Events API without Socket Mode)."""

    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8080


class SlackSettings(BaseModel):
    """`NOVA_SLACK_*`."""

    bot_token: SecretStr | None = None
    app_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    api_url: str | None = None
    update_interval_s: Annotated[float, Field(gt=0)] = 1.0
    """How often a streaming Slack answer is edited (Slack allows about one edit a second)."""

    _url = field_validator("api_url")(_http_url)
    _secrets = field_validator("bot_token", "app_token", "signing_secret")(_blank_is_unset)


class DiscordSettings(BaseModel):
    """`NOVA_DISCORD_*`."""

    token: SecretStr | None = None
    api_url: str | None = None
    gateway_url: str | None = None
    guild_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    """Guilds `nova discord sync` targets by default (comma-separated ids)."""
    update_interval_s: Annotated[float, Field(gt=0)] = 1.0

    _url = field_validator("api_url")(_http_url)
    _secret = field_validator("token")(_blank_is_unset)

    @field_validator("gateway_url")
    @classmethod
    def _ws_url(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        if not value.strip().startswith(("ws://", "wss://")):
            raise ValueError(f"must start with ws:// or wss:// (got {value!r})")
        return value.strip()

    @field_validator("guild_ids", mode="before")
    @classmethod
    def _comma_separated_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


REPO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def _repo_entries(value: object) -> object:
    """`nova=/srv/nova,site=~/site` → {"nova": Path, "site": Path}; the shape is checked
    here (at start), whether each path is a git repository when a tool first uses it."""
    if not isinstance(value, str):
        return value
    repos: dict[str, Path] = {}
    for entry in (part.strip() for part in value.split(",")):
        if not entry:
            continue
        name, equals, path = (piece.strip() for piece in entry.partition("="))
        if not equals or not path:
            raise ValueError(f"'{entry}' is not name=path (e.g. nova=/srv/nova)")
        if not REPO_NAME.match(name):
            raise ValueError(f"'{name}' is not a repository name (letters, digits, . _ -)")
        if name.lower() in {known.lower() for known in repos}:
            raise ValueError(f"'{name}' is named twice")
        repos[name] = Path(path).expanduser().absolute()
    return repos


class CodeSettings(BaseModel):
    """`NOVA_CODE_*`: the git repositories code-reader and code-reviewer may read."""

    repos: Annotated[dict[str, Path], NoDecode] = Field(default_factory=dict)
    """`name=path,name2=path2`; each path is the top level of a git work tree."""
    timeout_s: Annotated[float, Field(gt=0, le=120)] = 10.0
    """How long one git command may run before it is stopped (a slow regex, say)."""

    _entries = field_validator("repos", mode="before")(_repo_entries)


class LogSettings(BaseModel):
    """`NOVA_LOG_*`."""

    file: Path | None = None
    """Where the full log (with tracebacks) goes; default: `nova.log` beside the database."""
    level: str = "INFO"

    @field_validator("level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level


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

    _url = field_validator("openai_base_url")(_http_url)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value.strip())
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. Europe/London)") from None
        return value.strip()

    _access = field_validator("admins", "allowed_users", "allowed_channels", mode="before")(
        _platform_ids
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
