"""Nova's settings, by concern; `from novabot.config import Settings` is the usual door."""

from novabot.config.runtime import LogSettings, PipelineSettings, RouterSettings, ScheduleSettings
from novabot.config.services import (
    ApiSettings,
    DiscordSettings,
    HTTPSettings,
    LLMSettings,
    SlackSettings,
)
from novabot.config.settings import (
    FLAT_NAMES,
    GROUPS,
    HOW_TO_CONFIGURE_LLM,
    OPENAI_DEFAULT_BASE_URL,
    Settings,
    env_name,
    load_settings,
)
from novabot.config.tools import CodeSettings, ErpSettings, FetchSettings
from novabot.config.values import ACCESS_PLATFORMS, ConfigError

__all__ = [
    "ACCESS_PLATFORMS",
    "FLAT_NAMES",
    "GROUPS",
    "HOW_TO_CONFIGURE_LLM",
    "OPENAI_DEFAULT_BASE_URL",
    "ApiSettings",
    "CodeSettings",
    "ConfigError",
    "DiscordSettings",
    "ErpSettings",
    "FetchSettings",
    "HTTPSettings",
    "LLMSettings",
    "LogSettings",
    "PipelineSettings",
    "RouterSettings",
    "ScheduleSettings",
    "Settings",
    "SlackSettings",
    "env_name",
    "load_settings",
]
