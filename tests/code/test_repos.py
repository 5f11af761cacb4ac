"""`NOVA_CODE_REPOS`: its shape checked at start, each repository when a tool uses it, and
git's own environment variables never redirecting a tool."""

from __future__ import annotations

from pathlib import Path

import pytest

from novabot.code import CodeError, CodeReader, CodeRepos
from novabot.config import ConfigError, load_settings
from tests.cli.test_main import assert_one_line_error, nova
from tests.code.conftest import commit, git, write
from tests.conftest import cli_env


def test_the_setting_reads_name_path_pairs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NOVA_CODE_REPOS", f" shop = {tmp_path}/shop , site=site,")
    repos = load_settings().code.repos
    assert repos == {"shop": tmp_path / "shop", "site": tmp_path / "site"}  # cwd is tmp_path


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("shop", "'shop' is not name=path"),
        ("shop=", "'shop=' is not name=path"),
        ("=/srv/shop", "'' is not a repository name"),
        ("my shop=/srv/shop", "'my shop' is not a repository name"),
        ("shop=/a,SHOP=/b", "'SHOP' is named twice"),
    ],
)
def test_a_bad_entry_is_one_line_at_start(
    monkeypatch: pytest.MonkeyPatch, value: str, said: str
) -> None:
    monkeypatch.setenv("NOVA_CODE_REPOS", value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value).startswith("invalid configuration: NOVA_CODE_REPOS: ")
    assert said in str(caught.value) and "\n" not in str(caught.value)


async def test_nova_refuses_to_start_with_a_bad_entry(tmp_path: Path) -> None:
    env = cli_env(tmp_path, NOVA_CODE_REPOS="shop:/srv/shop")
    result = await nova(tmp_path, "agents", env=env)
    assert_one_line_error(result, "NOVA_CODE_REPOS", "'shop:/srv/shop' is not name=path")


async def test_picking_a_repository_by_name(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(CodeError, match="no code repository is configured: set NOVA_CODE_REPOS"):
        await CodeRepos({}).pick()
    assert (await CodeRepos({"shop": repo}).pick()).name == "shop"  # the only one
    two = CodeRepos({"shop": repo, "site": tmp_path})
    with pytest.raises(CodeError) as caught:
        await CodeReader(two).list_files()
    assert str(caught.value) == "several repositories are configured; name one of: shop, site"
    with pytest.raises(CodeError, match="no repository is named 'blog'; configured: shop, site"):
        await two.pick("blog")
    picked = await two.pick("SHOP")
    assert (picked.name, picked.root.name) == ("shop", "shop")


async def test_a_path_that_is_no_work_tree_top_level_is_refused_at_use(
    repo: Path, tmp_path: Path
) -> None:
    (tmp_path / "plain").mkdir()
    cases = {
        "gone": (tmp_path / "gone", "no such directory"),
        "plain": (tmp_path / "plain", "is not the top level of a git work tree"),
        "sub": (repo / "src", "is not the top level of a git work tree"),
    }
    repos = CodeRepos({name: path for name, (path, _) in cases.items()})
    for name, (path, said) in cases.items():
        with pytest.raises(CodeError) as caught:
            await CodeReader(repos).list_files(name)
        assert str(caught.value).startswith(f"NOVA_CODE_REPOS: {name}={path}: ")
        assert said in str(caught.value) and "\n" not in str(caught.value)
    assert len(await repos.problems()) == 3
    git(tmp_path / "plain", "init", "-q")  # made a repository while Nova runs: usable now
    assert await CodeReader(repos).list_files("plain") == "plain: no tracked files"


async def test_git_environment_variables_cannot_redirect_a_tool(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reader: CodeReader
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    git(other, "init", "-q")
    write(other, "elsewhere.py", "ELSEWHERE = 1\n")
    commit(other, "Another repository")
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other))
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'core.pager=false'")
    listed = await reader.list_files()
    assert "src/shop/app.py" in listed and "elsewhere.py" not in listed
    assert "no matches" in await reader.search("ELSEWHERE")
