"""Baseline: every table of shared mode, as the stores used them in SQLite.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "qa_log",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("ts", sa.Text, nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("canonical", sa.Text, nullable=False),
        sa.Column("scope", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("approved", sa.Integer, nullable=False, server_default="0"),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False, server_default="0"),
        sa.Column("answer_json", sa.Text, nullable=False),
    )
    op.create_index("qa_log_ts", "qa_log", ["ts"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("qa_id", sa.Text, sa.ForeignKey("qa_log.id"), nullable=False),
        sa.Column("ts", sa.Text, nullable=False),
        sa.Column("vote", sa.Text, nullable=False),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
        sa.CheckConstraint("vote IN ('up', 'down')", name="feedback_vote"),
    )
    op.create_index("feedback_qa", "feedback", ["qa_id"])
    op.create_table(
        "approved",
        sa.Column("canonical", sa.Text, nullable=False),
        sa.Column("scope", sa.Text, nullable=False, server_default=""),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer_json", sa.Text, nullable=False),
        sa.Column("approved_by", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("canonical", "scope", name="approved_pkey"),
    )
    op.create_table(
        "approved_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("canonical", sa.Text, nullable=False),
        sa.Column("scope", sa.Text, nullable=False),
        sa.Column("who", sa.Text, nullable=False),
        sa.Column("ts", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("before_text", sa.Text),
        sa.Column("after_text", sa.Text),
        sa.Column("before_json", sa.Text),
        sa.Column("after_json", sa.Text),
        sa.CheckConstraint("action IN ('approve', 'edit', 'revoke')", name="approved_history_action"),
    )
    op.create_table(
        "drafts",
        sa.Column("token", sa.Text, primary_key=True),
        sa.Column("schema_id", sa.Text, nullable=False),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    )
    op.create_table(
        "draft_versions",
        sa.Column("token", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("token", "version", name="draft_versions_pkey"),
    )
    op.create_table(
        "llm_answers",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("answer", sa.Text, nullable=False),
    )
    op.create_table(
        "quota_counts",
        sa.Column("bucket", sa.Text, nullable=False),
        sa.Column("client", sa.Text, nullable=False),
        sa.Column("window", sa.Text, nullable=False),
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("bucket", "client", "window", "period", name="quota_counts_pkey"),
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("division", sa.Text, nullable=False),
        sa.Column("meta_json", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("original_name", sa.Text, nullable=False),
        sa.Column("original", sa.LargeBinary, nullable=False),
        sa.Column("added_at", sa.Text, nullable=False),
    )
    op.create_table(
        "corpus_state",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "embeddings",
        sa.Column("model", sa.Text, nullable=False),
        sa.Column("text_hash", sa.Text, nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("model", "text_hash", name="embeddings_pkey"),
    )


def downgrade() -> None:
    for table in ("embeddings", "corpus_state", "notices", "quota_counts", "llm_answers", "draft_versions", "drafts",
                  "approved_history", "approved", "feedback", "qa_log"):
        op.drop_table(table)
