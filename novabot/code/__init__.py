"""Read-only access to configured git repositories for the code agents."""

from novabot.code.paths import CodeError
from novabot.code.reading import CodeReader
from novabot.code.repos import CodeRepos, Repo

__all__ = ["CodeError", "CodeReader", "CodeRepos", "Repo"]
