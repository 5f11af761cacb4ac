"""Migrations 9 on: projects and knowledge, schedules, ERP databases, API keys, the
dashboard's login. Append new
migrations here; never edit one that has shipped."""

from __future__ import annotations

from novabot.store.schema.migration import Migration

FEATURES: list[Migration] = [
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
    Migration(
        14,
        "the dashboard's admin password and login sessions",
        """
        -- One row at most: the operator's password, as a salted scrypt hash.
        CREATE TABLE dashboard_admin (
            id             INTEGER PRIMARY KEY CHECK (id = 1),
            password_hash  TEXT NOT NULL,
            set_at         TEXT NOT NULL
        );
        -- A signed-in browser. Only a hash of the cookie is kept (a copy of the database
        -- signs nobody in); the CSRF token is per session and goes in every form.
        CREATE TABLE dashboard_sessions (
            token_hash  TEXT PRIMARY KEY,
            csrf        TEXT NOT NULL,
            created_at  TEXT NOT NULL,
            expires_at  TEXT NOT NULL
        ) WITHOUT ROWID;
        """,
    ),
]
