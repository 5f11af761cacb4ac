"""Settings for how Nova works: pipelines, routing, schedules, logs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator

from novabot.routing.encoders import parse_backend


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

    backend: str = "minilm"
    """minilm: offline, shipped with Nova; mpnet: offline all-mpnet-base-v2, more accurate,
    built once by `nova models build`; use: offline, multilingual (USE, numpy only);
    offline encoders joined by '+' (mpnet+use) side by side; openai: the
    endpoint's /v1/embeddings; lexical: word overlap with the examples, no model at all."""
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
    multilingual: bool = True
    """Messages that are not in English go to the multilingual encoder (`use`) when the
    backend's own is English only (minilm, mpnet)."""
    models_dir: Path | None = None
    """Where `nova models build` puts the encoders it builds; default: `models/` beside the
    database."""

    @field_validator("backend")
    @classmethod
    def _backend(cls, value: str) -> str:
        return parse_backend(value)


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


class LogSettings(BaseModel):
    """`NOVA_LOG_*`."""

    file: Path | None = None
    """Where the full log (with tracebacks) goes; default: `nova.log` beside the database."""
    level: str = "INFO"
    format: Literal["text", "json"] = "text"
    """json: one JSON object per line in the log file, for log collectors."""

    @field_validator("level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level
