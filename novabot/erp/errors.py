"""What can go wrong with an ERP database, each as one line a user (or a model) can act on."""

from __future__ import annotations


class ErpError(Exception):
    """Anything the ERP layer refuses or cannot do; `str()` is the whole message."""

    prefix = "error"

    @property
    def line(self) -> str:
        """How a tool reports it: `refused: …`, `stopped: …`, `error: …`."""
        return f"{self.prefix}: {self}"


class ErpUrlError(ErpError, ValueError):
    """The URL names no database Nova can open."""


class ErpUnavailable(ErpError):
    """The database cannot be reached or opened (missing file, server down, bad login)."""


class QueryRefused(ErpError):
    """The database refused the statement: it writes, changes the session, or is more
    than one statement. The data is untouched."""

    prefix = "refused"


class QueryTimedOut(ErpError):
    """The query ran past its deadline and was stopped by the database."""

    prefix = "stopped"


class QueryFailed(ErpError):
    """The statement is fine to run but wrong (a typo, an unknown column)."""
