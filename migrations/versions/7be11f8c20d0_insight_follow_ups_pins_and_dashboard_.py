"""insight: follow-ups of low ratings, "best of" pins, and the dashboard's indexes

Revision ID: 7be11f8c20d0
Revises: 0840aac9bdf2
Create Date: 2026-11-30 08:52:58.505014

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7be11f8c20d0'
down_revision = '0840aac9bdf2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('feedback_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'contacted', 'resolved', name='followupstatus', native_enum=False, length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['feedback_id'], ['feedback.id'], name=op.f('fk_follow_ups_feedback_id_feedback'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_follow_ups_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups')),
    sa.UniqueConstraint('feedback_id', name=op.f('uq_follow_ups_feedback_id'))
    )
    op.create_table('pins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('feedback_id', sa.Integer(), nullable=False),
    sa.Column('pinned_at', sa.DateTime(), nullable=False),
    sa.Column('pinned_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['feedback_id'], ['feedback.id'], name=op.f('fk_pins_feedback_id_feedback'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pinned_by_id'], ['users.id'], name=op.f('fk_pins_pinned_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pins')),
    sa.UniqueConstraint('feedback_id', name=op.f('uq_pins_feedback_id'))
    )


def downgrade():
    op.drop_table('pins')
    op.drop_table('follow_ups')
