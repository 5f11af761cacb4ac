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
    assert (settings.llm_model, settings.llm_timeout_s) == ("llama3.2", 12.5)
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
    assert load_settings().llm_model == "from-dotenv"


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
