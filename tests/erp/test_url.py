"""ERP database URLs: the forms Nova reads, one-line refusals, passwords never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from novabot.config import ConfigError, load_settings
from novabot.erp import ErpUrl, ErpUrlError, parse_url


@pytest.mark.parametrize(
    ("text", "kind", "target"),
    [
        ("data/erp.db", "sqlite", "data/erp.db"),
        ("/srv/erp.db", "sqlite", "/srv/erp.db"),
        ("sqlite:///data/erp.db", "sqlite", "data/erp.db"),
        ("sqlite:////srv/erp.db", "sqlite", "/srv/erp.db"),
        ("postgresql://ro:pw@db:5432/erp", "postgresql", "postgresql://ro:pw@db:5432/erp"),
        ("postgres://ro@db/erp", "postgresql", "postgresql://ro@db/erp"),
        ("postgresql+psycopg://ro@db/erp", "postgresql", "postgresql://ro@db/erp"),
    ],
)
def test_the_forms_nova_reads(text: str, kind: str, target: str) -> None:
    assert parse_url(text) == ErpUrl(kind, target)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "empty"),
        ("mysql://u@h/db", "'mysql' databases are not supported"),
        ("sqlite://erp.db", "three slashes"),
        ("sqlite:///", "names no file"),
        ("postgresql://", "names no server"),
    ],
)
def test_forms_it_cannot_use_are_one_line(text: str, says: str) -> None:
    with pytest.raises(ErpUrlError) as caught:
        parse_url(text)
    assert says in str(caught.value) and "\n" not in str(caught.value)


def test_a_password_is_masked_in_labels_only() -> None:
    url = parse_url("postgresql://nova_ro:s3cret@db.example:5432/erp")
    assert url.label == "postgresql://nova_ro:***@db.example:5432/erp"
    assert "s3cret" in url.target  # the driver gets it
    assert parse_url("postgresql://nova_ro@db/erp").label == "postgresql://nova_ro@db/erp"


def test_a_relative_sqlite_path_is_made_absolute(tmp_path: Path) -> None:
    absolute = parse_url("sqlite:///erp.db").absolute()
    assert absolute.text == f"sqlite:///{tmp_path / 'erp.db'}"  # the tests run in tmp_path
    assert parse_url("postgresql://h/db").absolute() == parse_url("postgresql://h/db")


def test_the_setting_is_checked_when_nova_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOVA_ERP_DATABASE_URL", "oracle://x")
    with pytest.raises(ConfigError, match="NOVA_ERP_DATABASE_URL: 'oracle' databases"):
        load_settings()
    monkeypatch.setenv("NOVA_ERP_DATABASE_URL", "postgresql://ro:pw@h/erp")
    monkeypatch.setenv("NOVA_ERP_MAX_ROWS", "20")
    settings = load_settings()
    assert settings.erp.max_rows == 20 and "pw" not in repr(settings.erp)
