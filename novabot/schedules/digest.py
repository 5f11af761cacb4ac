"""What a digest says: the period's material for one channel (every thread in it) and its
project, gathered from the store, and written out as compact text for the `digest` agent,
which makes the post from it and from nothing else.

Only the channel's own records and its project's knowledge are read, so a digest never
shows what belongs to another channel or project.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Protocol

from novabot.core.links import thread_link
from novabot.core.message import ConversationKey
from novabot.store.digests import AgentUsage, UnansweredQuestion
from novabot.store.knowledge import KnowledgeItem
from novabot.store.projects import Project
from novabot.store.records import PipelineRunRecord
from novabot.store.statuses import RunStatus, StepStatus

DIGEST_AGENT = "digest"
"""The internal agent (prompts/digest.md) that writes the post from `render`'s text."""
FIRST_PERIOD = timedelta(days=7)
"""How far back a channel's first digest looks (the inbox keeps a week, too)."""
ANSWER_WAIT = timedelta(minutes=15)
"""How long a question may stay open before a digest counts it as unanswered."""
RULE_KINDS = ("decision", "rule")
EXCERPT = 160


class DigestStore(Protocol):
    """The store queries a digest is gathered from (novabot/store/digests.py)."""

    async def project_for(self, key: ConversationKey) -> Project | None: ...

    async def knowledge_changes(
        self, project: str, since: datetime, until: datetime
    ) -> list[KnowledgeItem]: ...

    async def finished_runs(
        self, platform: str, channel_id: str, since: datetime, until: datetime
    ) -> list[PipelineRunRecord]: ...

    async def unanswered_questions(
        self, platform: str, channel_id: str, since: datetime, until: datetime, *,
        open_before: datetime,
    ) -> list[UnansweredQuestion]: ...  # fmt: skip

    async def channel_usage(
        self, platform: str, channel_id: str, since: datetime, until: datetime
    ) -> list[AgentUsage]: ...


@dataclass(frozen=True, slots=True)
class FinishedPipeline:
    run: PipelineRunRecord
    link: str | None
    """Its thread, when a link can be built."""


@dataclass(frozen=True, slots=True)
class Unanswered:
    question: UnansweredQuestion
    link: str | None
    """The thread it was asked in, when a link can be built."""


@dataclass(frozen=True)
class DigestMaterial:
    """Everything new in one channel and its project during [since, until)."""

    key: ConversationKey
    project: str | None
    since: datetime
    until: datetime
    rules: tuple[KnowledgeItem, ...] = ()
    """Decisions and rules added."""
    problems_opened: tuple[KnowledgeItem, ...] = ()
    """Problems added and not resolved within the period."""
    problems_resolved: tuple[KnowledgeItem, ...] = ()
    other_knowledge: tuple[KnowledgeItem, ...] = ()
    """Schemas, glossary entries and notes added."""
    pipelines: tuple[FinishedPipeline, ...] = ()
    unanswered: tuple[Unanswered, ...] = ()
    usage: tuple[AgentUsage, ...] = ()

    @property
    def quiet(self) -> bool:
        """Nothing new at all: then nothing is posted (unless the schedule asks to). The
        tokens earlier digests spent here do not count, or no period would ever be quiet."""
        return not (
            self.rules
            or self.problems_opened
            or self.problems_resolved
            or self.other_knowledge
            or self.pipelines
            or self.unanswered
            or any(row.agent != DIGEST_AGENT for row in self.usage)
        )


async def gather(
    store: DigestStore,
    key: ConversationKey,
    project: str | None,
    since: datetime | None,
    until: datetime,
    *,
    guild: str | None = None,
) -> DigestMaterial:
    """The material for `key`'s channel in [since, until); `project` is the schedule's
    (None: the channel's bound project, if any). `since` None (no digest yet) looks back
    `FIRST_PERIOD`. `guild` is the Discord guild the channel is in, for links."""
    _check_aware(until)
    since = until - FIRST_PERIOD if since is None else _check_aware(since)
    if project is None:
        bound = await store.project_for(key)
        project = None if bound is None else bound.name
    where = (key.platform, key.channel_id, since, until)
    items = [] if project is None else await store.knowledge_changes(project, since, until)
    runs = await store.finished_runs(*where)
    questions = await store.unanswered_questions(*where, open_before=until - ANSWER_WAIT)
    resolved = [i for i in items if i.kind == "problem" and i.status == "resolved"]
    added = [i for i in items if i not in resolved]
    return DigestMaterial(
        key=key,
        project=project,
        since=since,
        until=until,
        rules=tuple(i for i in added if i.kind in RULE_KINDS),
        problems_opened=tuple(i for i in added if i.kind == "problem"),
        problems_resolved=tuple(resolved),
        other_knowledge=tuple(i for i in added if i.kind not in (*RULE_KINDS, "problem")),
        pipelines=tuple(FinishedPipeline(r, thread_link(r.key, guild=guild)) for r in runs),
        unanswered=tuple(Unanswered(q, thread_link(q.key, guild=guild)) for q in questions),
        usage=tuple(await store.channel_usage(*where)),
    )


def render(material: DigestMaterial) -> str:
    """The material as compact text, every section present (an empty one says so, so the
    agent has nothing to guess), each item with its id and its link when it has one."""
    zone = material.until.tzinfo
    project = f" (project {material.project})" if material.project else " (no project)"
    lines = [
        f"Digest material for {material.key.platform}:{material.key.channel_id}{project},"
        f" from {_when(material.since, zone)} to {_when(material.until, zone)}.",
    ]
    sections: list[tuple[str, list[str]]] = [
        ("Decisions and rules added", [_knowledge(i) for i in material.rules]),
        ("Problems opened", [_knowledge(i) for i in material.problems_opened]),
        ("Problems resolved", [_knowledge(i) for i in material.problems_resolved]),
        ("Other knowledge added", [_knowledge(i) for i in material.other_knowledge]),
        ("Pipelines finished or failed", [_pipeline(p, zone) for p in material.pipelines]),
        ("Questions with an error or no answer", [_question(q, zone) for q in material.unanswered]),
        ("Token use by agent", [_usage(row) for row in material.usage]),
    ]
    for title, items in sections:
        lines += ["", f"## {title}", *(items or ["- none"])]
    return "\n".join(lines)


def quiet_note(key: ConversationKey, since: datetime | None, until: datetime) -> str:
    """The one line posted to `key` for a quiet period, when the schedule asks for it."""
    zone = until.tzinfo
    start = until - FIRST_PERIOD if since is None else since
    return (
        f"Nothing new in this channel from {_when(start, zone)} to {_when(until, zone)}:"
        " no decisions, problems, pipelines or unanswered questions."
    )


def _knowledge(item: KnowledgeItem) -> str:
    head = f'- {item.kind} #{item.id} "{item.title}" [{item.status}]'
    return head + f": {_excerpt(item.body)}" + _link(item.source_link)


def _pipeline(done: FinishedPipeline, zone: tzinfo | None) -> str:
    run = done.run
    ended = _when(run.finished_at, zone) if run.finished_at else "?"
    tokens = run.prompt_tokens + run.completion_tokens
    line = (
        f'- pipeline #{run.id} {run.status}: "{_excerpt(run.task)}"; {len(run.steps)} steps,'
        f" {tokens:,} tokens, ended {ended}"
    )
    failed = [s for s in run.steps if s.status == StepStatus.FAILED]
    if failed:
        line += f"; step '{failed[0].step_id}' failed: {_excerpt(failed[0].error or '')}"
    elif run.status == RunStatus.DONE and run.answer:
        line += f"; answer: {_excerpt(run.answer)}"
    return line + _link(done.link)


def _question(item: Unanswered, zone: tzinfo | None) -> str:
    question = item.question
    who = question.user_name or question.user_id or "someone"
    what = "failed" if question.state == "failed" else "no answer yet"
    asked = _when(question.received_at, zone)
    return f'- {what}: {who} asked at {asked}: "{_excerpt(question.text)}"' + _link(item.link)


def _usage(row: AgentUsage) -> str:
    return (
        f"- {row.agent}: {row.calls} calls, {row.total_tokens:,} tokens"
        f" ({row.prompt_tokens:,} prompt, {row.completion_tokens:,} completion)"
    )


def _link(link: str | None) -> str:
    return f" <{link}>" if link else " (no link)"


def _excerpt(text: str, limit: int = EXCERPT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _when(moment: datetime, zone: tzinfo | None) -> str:
    return moment.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z")


def _check_aware(moment: datetime) -> datetime:
    # A naive time would be read as the host's local time and shift the period silently.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a digest period needs times with a time zone")
    return moment
