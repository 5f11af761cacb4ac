"""The schema's history: every migration Nova has shipped, in order.

Append new migrations; never edit one that has shipped, since databases in the wild
already recorded it as applied. migrations.py applies them.
"""

from __future__ import annotations

from typing import NamedTuple


class Migration(NamedTuple):
    version: int
    description: str
    sql: str


MIGRATIONS: list[Migration] = [
    Migration(
        1,
        "conversations, messages, routing decisions, processed events",
        """
        CREATE TABLE conversations (
            id          INTEGER PRIMARY KEY,
            platform    TEXT NOT NULL,
            channel_id  TEXT NOT NULL,
            -- '' means "no thread": NULLs never compare equal, so UNIQUE would not hold.
            thread_id   TEXT NOT NULL DEFAULT '',
            created_at  TEXT NOT NULL,
            updated_at  TEXT NOT NULL,
            UNIQUE (platform, channel_id, thread_id)
        );
        CREATE TABLE messages (
            id               INTEGER PRIMARY KEY,
            conversation_id  INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            role             TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system', 'tool')),
            content          TEXT NOT NULL,
            agent            TEXT,
            user_id          TEXT,
            user_name        TEXT,
            tokens           INTEGER,
            created_at       TEXT NOT NULL
        );
        -- History and last-agent reads walk one conversation newest-first.
        CREATE INDEX messages_by_conversation ON messages (conversation_id, id);
        CREATE TABLE routing_decisions (
            id               INTEGER PRIMARY KEY,
            conversation_id  INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            message_id       INTEGER REFERENCES messages(id) ON DELETE SET NULL,
            agent            TEXT NOT NULL,
            rule             TEXT NOT NULL,
            reason           TEXT NOT NULL,
            score            REAL NOT NULL,
            created_at       TEXT NOT NULL
        );
        CREATE INDEX routing_by_conversation ON routing_decisions (conversation_id, id);
        CREATE TABLE processed_events (
            platform      TEXT NOT NULL,
            event_id      TEXT NOT NULL,
            processed_at  TEXT NOT NULL,
            PRIMARY KEY (platform, event_id)
        ) WITHOUT ROWID;
        """,
    ),
    Migration(
        2,
        "token usage and channel bindings",
        """
        CREATE TABLE token_usage (
            id                 INTEGER PRIMARY KEY,
            conversation_id    INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            agent              TEXT NOT NULL,
            model              TEXT NOT NULL,
            prompt_tokens      INTEGER NOT NULL CHECK (prompt_tokens >= 0),
            completion_tokens  INTEGER NOT NULL CHECK (completion_tokens >= 0),
            created_at         TEXT NOT NULL
        );
        -- Per-conversation totals, and global totals grouped by agent and model.
        CREATE INDEX token_usage_by_conversation ON token_usage (conversation_id);
        CREATE INDEX token_usage_by_agent_model ON token_usage (agent, model);
        CREATE TABLE channel_bindings (
            platform    TEXT NOT NULL,
            channel_id  TEXT NOT NULL,
            agent       TEXT NOT NULL,
            bound_at    TEXT NOT NULL,
            PRIMARY KEY (platform, channel_id)
        ) WITHOUT ROWID;
        """,
    ),
    Migration(
        3,
        "pipeline runs and steps",
        """
        CREATE TABLE pipeline_runs (
            id                 INTEGER PRIMARY KEY,
            conversation_id    INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            task               TEXT NOT NULL,
            -- The plan as JSON, kept verbatim for display and debugging.
            plan               TEXT NOT NULL,
            status             TEXT NOT NULL
                CHECK (status IN ('pending', 'running', 'done', 'failed', 'cancelled')),
            answer             TEXT,
            -- Set once, by whoever first claims the right to post the answer.
            answer_posted      INTEGER NOT NULL DEFAULT 0 CHECK (answer_posted IN (0, 1)),
            prompt_tokens      INTEGER NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
            completion_tokens  INTEGER NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
            created_at         TEXT NOT NULL,
            updated_at         TEXT NOT NULL,
            finished_at        TEXT
        );
        -- Resuming at startup looks for unfinished runs; listings walk one conversation.
        CREATE INDEX pipeline_runs_by_status ON pipeline_runs (status);
        CREATE INDEX pipeline_runs_by_conversation ON pipeline_runs (conversation_id, id);
        CREATE TABLE pipeline_steps (
            run_id             INTEGER NOT NULL REFERENCES pipeline_runs(id) ON DELETE CASCADE,
            step_id            TEXT NOT NULL,
            position           INTEGER NOT NULL,
            agent              TEXT NOT NULL,
            instruction        TEXT NOT NULL,
            -- JSON list of the step ids this step waits for.
            depends_on         TEXT NOT NULL DEFAULT '[]',
            status             TEXT NOT NULL
                CHECK (status IN ('pending', 'running', 'done', 'failed', 'skipped', 'cancelled')),
            attempt            INTEGER NOT NULL DEFAULT 0 CHECK (attempt >= 0),
            output             TEXT,
            error              TEXT,
            started_at         TEXT,
            finished_at        TEXT,
            prompt_tokens      INTEGER NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
            completion_tokens  INTEGER NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
            PRIMARY KEY (run_id, step_id),
            UNIQUE (run_id, position)
        );
        """,
    ),
    Migration(
        4,
        "ranked candidates on routing decisions",
        """
        -- JSON list of [agent, score], best first: what the matcher saw besides the winner.
        ALTER TABLE routing_decisions ADD COLUMN candidates TEXT NOT NULL DEFAULT '[]';
        """,
    ),
    Migration(
        5,
        "index processed events by age, for pruning",
        """
        CREATE INDEX processed_events_by_age ON processed_events (processed_at);
        """,
    ),
    Migration(
        6,
        "token usage per pipeline run",
        """
        -- Which pipeline run a call was made for (NULL: a chat answer, a hand-off, routing).
        ALTER TABLE token_usage ADD COLUMN run_id INTEGER;
        CREATE INDEX token_usage_by_run ON token_usage (run_id) WHERE run_id IS NOT NULL;
        """,
    ),
    Migration(
        7,
        "inbox, outbox, worker heartbeats and pipeline run leases",
        """
        -- Every platform message Nova takes, stored in the transaction that claims it, so a
        -- crash between the claim and the answer leaves it here to be answered, not lost.
        CREATE TABLE inbox (
            id                INTEGER PRIMARY KEY,
            platform          TEXT NOT NULL,
            event_id          TEXT NOT NULL,
            channel_id        TEXT NOT NULL,
            thread_id         TEXT,
            user_id           TEXT NOT NULL DEFAULT '',
            user_name         TEXT NOT NULL DEFAULT '',
            text              TEXT NOT NULL DEFAULT '',
            addressed         INTEGER NOT NULL DEFAULT 1 CHECK (addressed IN (0, 1)),
            agent             TEXT,
            state             TEXT NOT NULL
                CHECK (state IN ('received', 'answering', 'answered', 'failed')),
            owner             TEXT,
            lease_expires_at  TEXT,
            attempts          INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            -- The user's message in `messages` once stored, so a second attempt adds none.
            message_id        INTEGER REFERENCES messages(id) ON DELETE SET NULL,
            -- The platform's id of the message showing the answer as it streams.
            reply_handle      TEXT,
            received_at       TEXT NOT NULL,
            updated_at        TEXT NOT NULL,
            UNIQUE (platform, event_id)
        );
        CREATE INDEX inbox_open ON inbox (state) WHERE state IN ('received', 'answering');
        CREATE INDEX inbox_by_age ON inbox (received_at);
        -- Event ids already answered stay answered: their messages are not re-answered.
        INSERT INTO inbox (platform, event_id, channel_id, state, received_at, updated_at)
            SELECT platform, event_id, '', 'answered', processed_at, processed_at
            FROM processed_events;
        DROP TABLE processed_events;

        -- Everything Nova posts, recorded before it is sent and marked sent with the
        -- platform's id, so a crash mid-post is finished once, not lost and not doubled.
        CREATE TABLE outbox (
            id                   INTEGER PRIMARY KEY,
            -- What the post answers ('answer:<inbox id>', 'pipeline:<run>:<n>'): one post each.
            ref                  TEXT NOT NULL UNIQUE,
            platform             TEXT NOT NULL,
            channel_id           TEXT NOT NULL,
            thread_id            TEXT,
            text                 TEXT NOT NULL,
            agent                TEXT,
            -- A message already showing part of this answer (a streamed placeholder).
            anchor               TEXT,
            state                TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
            owner                TEXT,
            lease_expires_at     TEXT,
            attempts             INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            platform_message_id  TEXT,
            error                TEXT,
            created_at           TEXT NOT NULL,
            sent_at              TEXT
        );
        CREATE INDEX outbox_pending ON outbox (state) WHERE state = 'pending';

        -- One row per live `nova run`, its heartbeat refreshed while it runs; a lease whose
        -- owner has stopped beating (or whose process is gone) can be taken over.
        CREATE TABLE workers (
            owner         TEXT PRIMARY KEY,
            host          TEXT NOT NULL,
            pid           INTEGER NOT NULL,
            started_at    TEXT NOT NULL,
            heartbeat_at  TEXT NOT NULL
        ) WITHOUT ROWID;

        ALTER TABLE pipeline_runs ADD COLUMN lease_owner TEXT;
        ALTER TABLE pipeline_runs ADD COLUMN lease_expires_at TEXT;
        """,
    ),
    Migration(
        8,
        "who started each pipeline run",
        """
        -- The platform user id of the run's starter (NULL for runs from before this column):
        -- only they, or an admin, may cancel or retry it.
        ALTER TABLE pipeline_runs ADD COLUMN started_by TEXT;
        """,
    ),
    Migration(
        9,
        "projects, channel bindings to projects, knowledge items with full-text search,"
        " conversation summaries",
        """
        CREATE TABLE projects (
            id           INTEGER PRIMARY KEY,
            name         TEXT NOT NULL UNIQUE,
            title        TEXT NOT NULL DEFAULT '',
            description  TEXT NOT NULL DEFAULT '',
            created_at   TEXT NOT NULL,
            updated_at   TEXT NOT NULL
        );
        -- A channel (a terminal thread, for the `cli` platform) belongs to one project at most.
        CREATE TABLE project_bindings (
            platform    TEXT NOT NULL,
            channel_id  TEXT NOT NULL,
            project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            bound_at    TEXT NOT NULL,
            PRIMARY KEY (platform, channel_id)
        ) WITHOUT ROWID;
        CREATE TABLE knowledge (
            id           INTEGER PRIMARY KEY,
            project_id   INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            kind         TEXT NOT NULL
                CHECK (kind IN ('schema', 'rule', 'decision', 'problem', 'glossary', 'note')),
            title        TEXT NOT NULL,
            body         TEXT NOT NULL,
            -- Space-separated, lower case: searchable as words by the full-text index.
            tags         TEXT NOT NULL DEFAULT '',
            pinned       INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
            status       TEXT NOT NULL CHECK (status IN
                ('proposed', 'active', 'resolved', 'superseded', 'dismissed')),
            supersedes   INTEGER REFERENCES knowledge(id) ON DELETE SET NULL,
            -- Who or where it came from ("slack:C1/1700.1 by U1", "import docs/rules.md").
            source       TEXT NOT NULL DEFAULT '',
            source_link  TEXT,
            author       TEXT NOT NULL DEFAULT '',
            -- What an import made it from (a file, or a file's section): importing it again
            -- updates the item instead of adding another.
            origin       TEXT,
            created_at   TEXT NOT NULL,
            updated_at   TEXT NOT NULL,
            UNIQUE (project_id, origin)
        );
        CREATE INDEX knowledge_by_project ON knowledge (project_id, status, kind);
        -- External content: the text lives once, in `knowledge`; triggers keep the index in step.
        CREATE VIRTUAL TABLE knowledge_fts USING fts5(
            title, body, tags, content='knowledge', content_rowid='id',
            tokenize='porter unicode61'
        );
        CREATE TRIGGER knowledge_ai AFTER INSERT ON knowledge BEGIN
            INSERT INTO knowledge_fts (rowid, title, body, tags)
                VALUES (new.id, new.title, new.body, new.tags);
        END;
        CREATE TRIGGER knowledge_ad AFTER DELETE ON knowledge BEGIN
            INSERT INTO knowledge_fts (knowledge_fts, rowid, title, body, tags)
                VALUES ('delete', old.id, old.title, old.body, old.tags);
        END;
        CREATE TRIGGER knowledge_au AFTER UPDATE OF title, body, tags ON knowledge BEGIN
            INSERT INTO knowledge_fts (knowledge_fts, rowid, title, body, tags)
                VALUES ('delete', old.id, old.title, old.body, old.tags);
            INSERT INTO knowledge_fts (rowid, title, body, tags)
                VALUES (new.id, new.title, new.body, new.tags);
        END;
        -- Sentence vectors of items (float32 bytes), per embedding model, made on demand.
        CREATE TABLE knowledge_vectors (
            item_id  INTEGER NOT NULL REFERENCES knowledge(id) ON DELETE CASCADE,
            model    TEXT NOT NULL,
            -- The text the vector was made from changes with the item: stale when they differ.
            digest   TEXT NOT NULL,
            vector   BLOB NOT NULL,
            PRIMARY KEY (item_id, model)
        ) WITHOUT ROWID;
        -- A conversation's older turns, summarised: the summary covers message ids up to
        -- `last_message_id`; the messages themselves are never deleted.
        CREATE TABLE conversation_summaries (
            conversation_id  INTEGER PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
            summary          TEXT NOT NULL,
            first_message_id INTEGER NOT NULL,
            last_message_id  INTEGER NOT NULL,
            updated_at       TEXT NOT NULL
        );
        -- The knowledge items a routed message's prompt carried (JSON list of ids), for `why`.
        ALTER TABLE routing_decisions ADD COLUMN knowledge_ids TEXT NOT NULL DEFAULT '[]';
        """,
    ),
    Migration(
        10,
        "schedules and their runs, one per slot",
        """
        -- Nova's own table is the source of truth; the scheduler is rebuilt from it at start.
        CREATE TABLE schedules (
            id            INTEGER PRIMARY KEY,
            trigger_kind  TEXT NOT NULL CHECK (trigger_kind IN ('cron', 'every', 'at')),
            expression    TEXT NOT NULL,
            tz            TEXT NOT NULL,
            platform      TEXT NOT NULL,
            channel_id    TEXT NOT NULL,
            thread_id     TEXT,
            kind          TEXT NOT NULL CHECK (kind IN ('digest', 'agent', 'reminder')),
            agent         TEXT,
            prompt        TEXT,
            project       TEXT,
            owner         TEXT NOT NULL,
            paused        INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
            max_tokens    INTEGER CHECK (max_tokens IS NULL OR max_tokens > 0),
            -- A removed schedule keeps its row (its history stays readable) and never fires.
            removed       INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1)),
            created_at    TEXT NOT NULL,
            updated_at    TEXT NOT NULL
        );
        -- One row per (schedule, slot), claimed before anything is generated: whoever
        -- inserts it runs the slot, under a lease a live process renews.
        CREATE TABLE schedule_runs (
            id                INTEGER PRIMARY KEY,
            schedule_id       INTEGER NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
            slot              TEXT NOT NULL,
            status            TEXT NOT NULL
                CHECK (status IN ('running', 'done', 'quiet', 'missed', 'failed')),
            lease_owner       TEXT,
            lease_expires_at  TEXT,
            tokens            INTEGER NOT NULL DEFAULT 0 CHECK (tokens >= 0),
            post_ref          TEXT,
            error             TEXT,
            started_at        TEXT NOT NULL,
            finished_at       TEXT,
            UNIQUE (schedule_id, slot)
        );
        CREATE INDEX schedule_runs_open ON schedule_runs (status) WHERE status = 'running';
        """,
    ),
    Migration(
        11,
        "schedule proposals, quiet digests, runs asked for by hand",
        """
        -- A proposal is a schedule shown with Confirm / Cancel: stored (so a click after a
        -- restart works) but not live until confirmed, once.
        ALTER TABLE schedules ADD COLUMN proposed INTEGER NOT NULL DEFAULT 0
            CHECK (proposed IN (0, 1));
        ALTER TABLE schedules ADD COLUMN post_quiet INTEGER NOT NULL DEFAULT 0
            CHECK (post_quiet IN (0, 1));
        -- A run asked for by hand (`nova schedule run`) is a slot of its own; it does not
        -- count as the trigger's last slot when catching up.
        ALTER TABLE schedule_runs ADD COLUMN manual INTEGER NOT NULL DEFAULT 0
            CHECK (manual IN (0, 1));
        """,
    ),
    Migration(
        12,
        "a project's ERP database",
        """
        -- The database the erp-* agents read in the project's channels (sqlite:///… or
        -- postgresql://…); NULL: NOVA_ERP_DATABASE_URL, if set.
        ALTER TABLE projects ADD COLUMN erp_url TEXT;
        """,
    ),
    Migration(
        13,
        "API keys",
        """
        -- Only a hash of each key is kept: the key itself is shown once, at creation.
        CREATE TABLE api_keys (
            id             INTEGER PRIMARY KEY,
            name           TEXT NOT NULL UNIQUE,
            key_hash       TEXT NOT NULL UNIQUE,
            -- A JSON array of the models (agents, `nova` for the router) the key may use;
            -- NULL: every agent and the router.
            agents         TEXT,
            rate_limit     INTEGER NOT NULL CHECK (rate_limit > 0),
            rate_period_s  INTEGER NOT NULL CHECK (rate_period_s > 0),
            created_at     TEXT NOT NULL,
            last_used_at   TEXT
        );
        """,
    ),
]
