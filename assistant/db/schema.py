"""Every table of the product, once, for SQLite and PostgreSQL alike.

The embedded files in DATA_DIR keep the names and columns they had before SQLAlchemy
(web.sqlite: Q&A log, feedback, approved answers; forms.sqlite3: drafts; the LLM cache file),
so an existing data directory opens unchanged. In shared mode all tables live in one
PostgreSQL database whose schema is made by the Alembic revisions in `migrations/versions`;
`tests/test_db_schema.py` checks the revisions produce exactly these tables.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
)

metadata = MetaData()

# -- Q&A log, feedback and approved answers (web.sqlite) -------------------------------------

qa_log = Table(
    "qa_log",
    metadata,
    Column("id", Text, primary_key=True),
    Column("ts", Text, nullable=False),
    Column("question", Text, nullable=False),
    Column("canonical", Text, nullable=False),
    Column("scope", Text, nullable=False, server_default=""),
    Column("status", Text, nullable=False),
    Column("approved", Integer, nullable=False, server_default="0"),
    Column("channel", Text, nullable=False),
    Column("latency_ms", Float, nullable=False, server_default="0"),
    Column("answer_json", Text, nullable=False),
    Index("qa_log_ts", "ts"),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("qa_id", Text, ForeignKey("qa_log.id"), nullable=False),
    Column("ts", Text, nullable=False),
    Column("vote", Text, nullable=False),
    Column("comment", Text, nullable=False, server_default=""),
    CheckConstraint("vote IN ('up', 'down')", name="feedback_vote"),
    Index("feedback_qa", "qa_id"),
    sqlite_autoincrement=True,
)

approved = Table(
    "approved",
    metadata,
    Column("canonical", Text, nullable=False),
    Column("scope", Text, nullable=False, server_default=""),
    Column("question", Text, nullable=False),
    Column("answer_json", Text, nullable=False),
    Column("approved_by", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    PrimaryKeyConstraint("canonical", "scope", name="approved_pkey"),
)

approved_history = Table(
    "approved_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("canonical", Text, nullable=False),
    Column("scope", Text, nullable=False),
    Column("who", Text, nullable=False),
    Column("ts", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("before_text", Text),
    Column("after_text", Text),
    Column("before_json", Text),
    Column("after_json", Text),
    CheckConstraint("action IN ('approve', 'edit', 'revoke')", name="approved_history_action"),
    sqlite_autoincrement=True,
)

WEB_TABLES = (qa_log, feedback, approved, approved_history)

# -- 申报书 drafts (forms.sqlite3) ------------------------------------------------------------

drafts = Table(
    "drafts",
    metadata,
    Column("token", Text, primary_key=True),
    Column("schema_id", Text, nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("title", Text, nullable=False, server_default=""),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
)

draft_versions = Table(
    "draft_versions",
    metadata,
    Column("token", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("state", Text, nullable=False),
    PrimaryKeyConstraint("token", "version", name="draft_versions_pkey"),
)

DRAFT_TABLES = (drafts, draft_versions)

# -- LLM answers (the cache file) -------------------------------------------------------------

llm_answers = Table(
    "llm_answers",
    metadata,
    Column("key", Text, primary_key=True),
    Column("answer", Text, nullable=False),
)

CACHE_TABLES = (llm_answers,)

# -- shared mode only ------------------------------------------------------------------------

# One row per (bucket, client, window, period): a request is one atomic insert-or-increment.
quota_counts = Table(
    "quota_counts",
    metadata,
    Column("bucket", Text, nullable=False),  # a site key, or the key-less API
    Column("client", Text, nullable=False),  # the client address
    Column("window", Text, nullable=False),  # 'minute' | 'day'
    Column("period", Text, nullable=False),  # the minute number, or the Beijing date
    Column("count", Integer, nullable=False),
    PrimaryKeyConstraint("bucket", "client", "window", "period", name="quota_counts_pkey"),
)

# Notices added at run time, with their original file; `corpus_state` holds the corpus version
# every worker compares with its own (and LISTEN/NOTIFY tells them at once).
notices = Table(
    "notices",
    metadata,
    Column("id", Text, primary_key=True),
    Column("division", Text, nullable=False),
    Column("meta_json", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("original_name", Text, nullable=False),
    Column("original", LargeBinary, nullable=False),
    Column("added_at", Text, nullable=False),
)

corpus_state = Table(
    "corpus_state",
    metadata,
    Column("name", Text, primary_key=True),
    Column("version", Integer, nullable=False),
)

# Chunk embeddings keyed by embedding model and text hash, so N workers embed the corpus once.
embeddings = Table(
    "embeddings",
    metadata,
    Column("model", Text, nullable=False),
    Column("text_hash", Text, nullable=False),
    Column("vector", LargeBinary, nullable=False),
    PrimaryKeyConstraint("model", "text_hash", name="embeddings_pkey"),
)
