"""Settings: the environment contract, the OpenAI fall-backs, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from novabot.config import OPENAI_DEFAULT_BASE_URL, ConfigError, load_settings


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert settings.db_path == Path("data/nova.db")
    assert settings.llm_endpoint == OPENAI_DEFAULT_BASE_URL
    assert not settings.llm_configured


def test_nova_names_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOVA_DB_PATH", "/tmp/x.db")
    monkeypatch.setenv("NOVA_LLM_BASE_URL", "http://127.0.0.1:11434/v1/")
    monkeypatch.setenv("NOVA_LLM_MODEL", "llama3.2")
    monkeypatch.setenv("NOVA_LLM_TIMEOUT_S", "12.5")
    settings = load_settings()
    assert settings.db_path == Path("/tmp/x.db")
    assert settings.llm_endpoint == "http://127.0.0.1:11434/v1"
    assert (settings.llm.model, settings.llm.timeout_s) == ("llama3.2", 12.5)
    assert settings.llm_configured and settings.llm_key == "not-needed"


def test_openai_variables_are_honoured_when_nova_ones_are_unset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    monkeypatch.setenv("OPENAI_BASE_URL", "https://proxy.example/v1")
    settings = load_settings()
    assert (settings.llm_key, settings.llm_endpoint) == ("sk-openai", "https://proxy.example/v1")
    monkeypatch.setenv("NOVA_LLM_API_KEY", "sk-nova")
    monkeypatch.setenv("NOVA_LLM_BASE_URL", "http://127.0.0.1:8080/v1")
    settings = load_settings()
    assert (settings.llm_key, settings.llm_endpoint) == ("sk-nova", "http://127.0.0.1:8080/v1")


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("NOVA_LLM_MODEL=from-dotenv\n", encoding="utf-8")
    assert load_settings().llm.model == "from-dotenv"


def test_secrets_never_show(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOVA_LLM_API_KEY", "sk-very-secret")
    settings = load_settings()
    assert "sk-very-secret" not in repr(settings) and "sk-very-secret" not in str(settings)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("NOVA_LLM_TIMEOUT_S", "soon", "NOVA_LLM_TIMEOUT_S: Input should be a valid number"),
        ("NOVA_LLM_TIMEOUT_S", "-1", "NOVA_LLM_TIMEOUT_S: Input should be greater than 0"),
        ("NOVA_LLM_BASE_URL", "localhost:8080", "NOVA_LLM_BASE_URL: must start with http://"),
        ("OPENAI_BASE_URL", "ftp://x", "OPENAI_BASE_URL: must start with http://"),
        ("NOVA_LOG_LEVEL", "loud", "NOVA_LOG_LEVEL: must be one of DEBUG"),
    ],
)
def test_invalid_value_is_one_line_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as failure:
        load_settings()
    assert expected in str(failure.value) and "\n" not in str(failure.value)


# Every variable name Nova documented before settings were grouped, with a valid value.
DOCUMENTED = {
    "NOVA_LOG_FILE": "/tmp/n.log",
    "NOVA_LOG_LEVEL": "debug",
    "NOVA_LLM_API_KEY": "k",
    "NOVA_LLM_MAX_RETRIES": "1",
    "NOVA_LLM_MAX_TOOL_ROUNDS": "2",
    "NOVA_HISTORY_TOKEN_BUDGET": "7",
    "NOVA_PIPELINE_MAX_STEPS": "3",
    "NOVA_PIPELINE_CONCURRENCY": "2",
    "NOVA_PIPELINE_STEP_TIMEOUT_S": "9",
    "NOVA_PIPELINE_STEP_RETRIES": "1",
    "NOVA_PIPELINE_RETRY_BACKOFF_S": "0.5",
    "NOVA_PIPELINE_MAX_TOKENS": "99",
    "NOVA_ROUTER_BACKEND": "lexical",
    "NOVA_ROUTER_EMBEDDING_MODEL": "e",
    "NOVA_ROUTER_EMBEDDING_BASE_URL": "http://127.0.0.1:9/v1",
    "NOVA_ROUTER_THRESHOLD": "0.4",
    "NOVA_ROUTER_LEXICAL_THRESHOLD": "0.2",
    "NOVA_ROUTER_SWITCH_MARGIN": "0.3",
    "NOVA_ROUTER_ABSTAIN": "decline",
    "NOVA_ROUTER_LLM_TIEBREAK": "1",
    "NOVA_ROUTER_TIE_MARGIN": "0.05",
    "NOVA_ROUTER_CACHE_DIR": "/tmp/cache",
    "NOVA_HTTP_HOST": "0.0.0.0",
    "NOVA_HTTP_PORT": "9000",
    "NOVA_SHUTDOWN_GRACE_S": "3",
    "NOVA_SLACK_BOT_TOKEN": "xoxb-1",
    "NOVA_SLACK_APP_TOKEN": "xapp-1",
    "NOVA_SLACK_SIGNING_SECRET": "s",
    "NOVA_SLACK_API_URL": "http://127.0.0.1:9/api",
    "NOVA_SLACK_UPDATE_INTERVAL_S": "0.5",
    "NOVA_DISCORD_TOKEN": "d",
    "NOVA_DISCORD_API_URL": "http://127.0.0.1:9/api",
    "NOVA_DISCORD_GATEWAY_URL": "ws://127.0.0.1:9",
    "NOVA_DISCORD_GUILD_IDS": "1,2",
    "NOVA_DISCORD_UPDATE_INTERVAL_S": "0.5",
    "NOVA_PROMPTS_DIR": "/tmp/cards",
}


def test_every_documented_name_reaches_its_group(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in DOCUMENTED.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert (settings.log.file, settings.log.level) == (Path("/tmp/n.log"), "DEBUG")
    assert (settings.llm.max_retries, settings.llm.max_tool_rounds) == (1, 2)
    assert settings.history_token_budget == 7 and settings.shutdown_grace_s == 3
    assert settings.pipeline.model_dump() == {
        "max_steps": 3,
        "concurrency": 2,
        "step_timeout_s": 9,
        "step_retries": 1,
        "retry_backoff_s": 0.5,
        "max_tokens": 99,
    }
    router = settings.router
    assert (router.backend, router.embedding_model, router.threshold) == ("lexical", "e", 0.4)
    assert (router.lexical_threshold, router.switch_margin, router.tie_margin) == (0.2, 0.3, 0.05)
    assert router.abstain == "decline" and router.llm_tiebreak
    assert router.cache_dir == Path("/tmp/cache") == settings.embedding_cache_dir
    assert (settings.http.host, settings.http.port) == ("0.0.0.0", 9000)
    slack = settings.slack
    assert slack.bot_token and slack.bot_token.get_secret_value() == "xoxb-1"
    assert slack.app_token and slack.signing_secret and slack.update_interval_s == 0.5
    discord = settings.discord
    assert discord.token and discord.guild_ids == [1, 2]
    assert discord.gateway_url == "ws://127.0.0.1:9" and discord.update_interval_s == 0.5
    assert settings.prompts_dir == Path("/tmp/cards")


def test_a_grouped_settings_error_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOVA_ROUTER_TIE_MARGIN", "2")
    with pytest.raises(ConfigError, match=r"^invalid configuration: NOVA_ROUTER_TIE_MARGIN: "):
        load_settings()


def test_flat_names_work_as_keywords_and_in_replaced() -> None:
    settings = load_settings(llm_model="m1", router_backend="lexical")
    assert (settings.llm.model, settings.router.backend) == ("m1", "lexical")
    changed = settings.replaced(llm_model="m2", db_path=Path("/tmp/y.db"))
    assert (changed.llm.model, changed.router.backend, changed.db_path) == (
        "m2",
        "lexical",
        Path("/tmp/y.db"),
    )
    assert settings.llm.model == "m1"  # a copy, not an edit
    with pytest.raises(ValueError, match="no setting named 'llm_modle'"):
        settings.replaced(llm_modle="typo")
