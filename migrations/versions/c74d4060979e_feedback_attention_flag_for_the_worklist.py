"""feedback: the worklist's attention flag and its partial index

The flags of answers already stored are set by the app (greetings.insight.attention
.refresh, on the first worklist page or worker tick: no fingerprint of the words yet), in
Python like every later write, so the rule lives in one place.

Revision ID: c74d4060979e
Revises: be9cb6e43fab
Create Date: 2026-11-30 12:08:31.193092

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c74d4060979e'
down_revision = 'be9cb6e43fab'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attention', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.create_index('ix_feedback_attention_created', ['created_at', 'id'],
                              unique=False, postgresql_where=sa.text('attention'),
                              sqlite_where=sa.text('attention'))


def downgrade():
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_attention_created')
        batch_op.drop_column('attention')
