"""Migrations 1-8: the message path (conversations, routing, inbox, outbox, leases, token
use) and pipelines. Shipped: never edit, only append in the newest module."""

from __future__ import annotations

from novabot.store.schema.migration import Migration

CORE: list[Migration] = [
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
]
