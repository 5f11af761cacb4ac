"""Long conversations are compacted, never forgotten.

When a conversation's turns no longer fit the history budget, the older ones are folded by
the internal `compactor` agent into a rolling summary kept in SQLite (with the id range it
covers); the prompt then carries that summary, then the newest turns verbatim. Raw messages
stay in the store. Compaction runs in steps: only once a batch of turns has overflowed, so
most messages cost no extra call (until then the few overflowing turns are left out of the
prompt, as before, and go into the next summary). When the conversation belongs to a
project, the same call may propose knowledge items (decisions, problems) for people to
confirm. Any failure falls back to dropping the oldest turns: an answer never fails here.
"""

from __future__ import annotations

import json
import logging
import re
import weakref
from asyncio import Lock
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from novabot.agents.directory import AgentDirectory
from novabot.agents.history import (
    Split,
    chat_messages,
    lay_out,
    message_cost,
    split_history,
    summary_room,
)
from novabot.core.message import ConversationKey
from novabot.llm.client import LLM, ChatMessage
from novabot.llm.metering import charged_to
from novabot.llm.replies import unfenced
from novabot.store import StoredMessage
from novabot.store.knowledge import KnowledgeItem
from novabot.store.projects import Project
from novabot.store.summaries import Summary

log = logging.getLogger(__name__)

COMPACTOR = "compactor"
PROPOSAL_KINDS = ("decision", "problem")
_MARKER = re.compile(r"^[ \t]*\**KNOWLEDGE\**:\**[ \t]*", re.MULTILINE)
_MAX_MESSAGE_TOKENS = 1_000
"""A single long message is cut to this in the transcript, so one paste cannot fill a call."""


class CompactionStore(Protocol):
    """The store as the compactor uses it."""

    async def summary(self, key: ConversationKey) -> Summary | None: ...

    async def save_summary(self, key: ConversationKey, summary: Summary) -> None: ...

    async def history(self, key: ConversationKey, *, limit: int = 100) -> list[StoredMessage]: ...

    async def project_for(self, key: ConversationKey) -> Project | None: ...

    async def knowledge_items(
        self, project: str, *, kinds: Sequence[str] = ()
    ) -> list[KnowledgeItem]: ...

    async def add_knowledge(
        self,
        project: str,
        kind: str,
        title: str,
        body: str,
        *,
        status: str = "active",
        source: str = "",
        author: str = "",
    ) -> KnowledgeItem: ...


@dataclass(frozen=True)
class Proposal:
    kind: str
    title: str
    body: str


class Compactor:
    """Lays out a conversation's history within `budget` tokens, summarising when needed."""

    def __init__(
        self,
        store: CompactionStore,
        llm: LLM,
        agents: AgentDirectory,
        budget: int,
        *,
        batch: int = 20,
        chunk_tokens: int = 4_000,
        backlog: int = 2_000,
    ) -> None:
        self.store = store
        self.llm = llm
        self.agents = agents
        self.budget = budget
        self.batch = batch
        """Messages that must overflow before a compaction call is made."""
        self.chunk_tokens = chunk_tokens
        """Transcript tokens one call folds in; a longer backlog takes several calls."""
        self.backlog = backlog
        """How many messages before the loaded window a first compaction reads back."""
        self._locks: weakref.WeakValueDictionary[ConversationKey, Lock] = (
            weakref.WeakValueDictionary()
        )

    async def fit(
        self, key: ConversationKey, history: Sequence[StoredMessage]
    ) -> list[ChatMessage]:
        """The prompt history for `history` (oldest first, the message being answered
        left out): the summary, if any, then the newest turns verbatim."""
        lock = self._locks.setdefault(key, Lock())
        async with lock:  # two messages at once in one conversation compact once
            summary = await self.store.summary(key)
            prompt, split = self._lay_out(history, summary)
            if len(split.overflow) < self.batch:
                return prompt
            # Fold in whatever will not fit beside a summary of full size, so that no turn
            # falls between the new summary and the verbatim tail.
            room = self.budget - summary_room(self.budget)
            after = summary.last_message_id if summary else None
            overflow = split_history(history, room, after_id=after).overflow
            summary = await self._compact(key, history, summary, overflow)
            return self._lay_out(history, summary)[0]

    def _lay_out(
        self, history: Sequence[StoredMessage], summary: Summary | None
    ) -> tuple[list[ChatMessage], Split]:
        if summary is None:
            return lay_out(history, self.budget)
        return lay_out(history, self.budget, summary=summary.text, after_id=summary.last_message_id)

    async def _compact(
        self,
        key: ConversationKey,
        history: Sequence[StoredMessage],
        summary: Summary | None,
        overflow: list[StoredMessage],
    ) -> Summary | None:
        """Fold the overflow (and any older turns not yet summarised) into the summary; on
        failure keep what was saved so far and warn."""
        try:
            older = await self._backlog(key, history, summary)
            project = await self.store.project_for(key)
            with charged_to(COMPACTOR, key=key):
                for chunk in chunks([*older, *overflow], self.chunk_tokens):
                    summary = await self._fold(key, summary, chunk, project)
        except Exception as exc:  # never fail the answer: drop the oldest turns instead
            log.warning("could not compact %s (%s); dropping its oldest turns instead", key, exc)
        return summary

    async def _backlog(
        self, key: ConversationKey, history: Sequence[StoredMessage], summary: Summary | None
    ) -> list[StoredMessage]:
        """Turns older than the loaded window that no summary covers yet (a conversation
        that grew before it was first compacted)."""
        if not history:
            return []
        first = min(message.id for message in history)
        if summary is not None and summary.last_message_id >= first - 1:
            return []
        read = await self.store.history(key, limit=len(history) + self.backlog)
        after = summary.last_message_id if summary else 0
        return [m for m in chat_messages(read) if after < m.id < first]

    async def _fold(
        self,
        key: ConversationKey,
        summary: Summary | None,
        chunk: list[StoredMessage],
        project: Project | None,
    ) -> Summary:
        agent = self.agents.agents.get(COMPACTOR)
        if agent is None:
            raise LookupError("no 'compactor' scope card is loaded")
        request = compaction_request(
            summary.text if summary else "", chunk, summary_room(self.budget), project
        )
        messages: list[ChatMessage] = [
            {"role": "system", "content": agent.system_prompt},
            {"role": "user", "content": request},
        ]
        answer = await self.llm.answer(
            messages, model=agent.card.model, temperature=agent.card.temperature
        )
        text, proposals = read_reply(answer.text)
        if not text:
            raise ValueError("the compactor wrote an empty summary")
        first = summary.first_message_id if summary else chunk[0].id
        folded = Summary(text, first, chunk[-1].id)
        await self.store.save_summary(key, folded)
        if project is not None:
            await self._propose(key, project, proposals)
        return folded

    async def _propose(
        self, key: ConversationKey, project: Project, proposals: list[Proposal]
    ) -> None:
        """Store the proposals as `proposed` items, skipping titles the project has."""
        if not proposals:
            return
        known = await self.store.knowledge_items(project.name, kinds=PROPOSAL_KINDS)
        titles = {_norm(item.title) for item in known}
        for proposal in proposals:
            if _norm(proposal.title) in titles:
                continue
            titles.add(_norm(proposal.title))
            try:
                await self.store.add_knowledge(
                    project.name,
                    proposal.kind,
                    proposal.title,
                    proposal.body,
                    status="proposed",
                    source=f"compaction of {key}",
                    author=COMPACTOR,
                )
            except Exception as exc:  # a proposal the store refuses is not worth an answer
                log.info("skipped a proposal from compacting %s: %s", key, exc)


def chunks(messages: list[StoredMessage], limit: int) -> list[list[StoredMessage]]:
    """Consecutive runs of messages whose transcript stays within `limit` tokens (each run
    holds at least one message)."""
    runs: list[list[StoredMessage]] = []
    spent = 0
    for message in messages:
        cost = min(message_cost(message.content), _MAX_MESSAGE_TOKENS)
        if runs and spent + cost <= limit:
            runs[-1].append(message)
            spent += cost
        else:
            runs.append([message])
            spent = cost
    return runs


def transcript(messages: Sequence[StoredMessage]) -> str:
    lines = []
    for message in messages:
        who = message.user_name or message.user_id or "user"
        if message.role == "assistant":
            who = f"Nova ({message.agent})" if message.agent else "Nova"
        text = message.content.strip()
        if len(text) > _MAX_MESSAGE_TOKENS * 4:
            text = text[: _MAX_MESSAGE_TOKENS * 4] + " […]"
        lines.append(f"[{message.id}] {who}: {text}")
    return "\n".join(lines)


def compaction_request(
    previous: str, chunk: Sequence[StoredMessage], max_tokens: int, project: Project | None
) -> str:
    """The user message of one compaction call."""
    words = max(20, max_tokens * 3 // 4)
    parts = [
        f"Previous summary:\n{previous.strip() or '(none yet)'}",
        f"Turns to fold in (oldest first):\n{transcript(chunk)}",
        f"Write the new summary of the whole conversation so far in at most {words} words.",
    ]
    if project is not None:
        parts.append(
            f"This conversation belongs to the project '{project.name}'. After the summary,"
            " write a line `KNOWLEDGE:` followed by a JSON array of the decisions and"
            " problems these turns settle or raise that the project should record, each"
            ' {"kind": "decision" or "problem", "title": "...", "body": "..."};'
            " write [] if there are none."
        )
    return "\n\n".join(parts)


def read_reply(text: str) -> tuple[str, list[Proposal]]:
    """The summary and the proposals of a compactor's reply; a reply that ignores the
    proposal format is all summary, and a malformed proposal is skipped."""
    found = list(_MARKER.finditer(text))
    if not found:
        return text.strip(), []
    marker = found[-1]
    return text[: marker.start()].strip(), read_proposals(text[marker.end() :])


def read_proposals(text: str) -> list[Proposal]:
    body = unfenced(text)
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        log.info("the compactor's proposals are not JSON; ignoring them")
        return []
    if isinstance(data, dict):
        data = data.get("items") or data.get("proposals") or []
    if not isinstance(data, list):
        return []
    return [p for p in (_proposal(entry) for entry in data) if p is not None]


def _proposal(entry: object) -> Proposal | None:
    if not isinstance(entry, dict):
        return None
    kind = str(entry.get("kind", "")).strip().lower()
    title = " ".join(str(entry.get("title", "")).split())
    body = str(entry.get("body", "")).strip()
    if kind not in PROPOSAL_KINDS or not title or not body:
        return None
    return Proposal(kind, title[:200], body)


def _norm(title: str) -> str:
    return " ".join(title.lower().split())
