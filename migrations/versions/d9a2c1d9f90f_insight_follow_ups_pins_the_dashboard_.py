"""insight: follow-ups, pins, the dashboard roll-up and an index on feedback

Revision ID: d9a2c1d9f90f
Revises: f7c37c6c3bff
Create Date: 2026-11-30 09:46:46.393703

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd9a2c1d9f90f'
down_revision = 'f7c37c6c3bff'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('insight_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('packer_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('packed', sa.Integer(), nullable=False),
    sa.Column('answered', sa.Integer(), nullable=False),
    sa.Column('rating_sum', sa.Integer(), nullable=False),
    sa.Column('r1', sa.Integer(), nullable=False),
    sa.Column('r2', sa.Integer(), nullable=False),
    sa.Column('r3', sa.Integer(), nullable=False),
    sa.Column('r4', sa.Integer(), nullable=False),
    sa.Column('r5', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'packer_id', 'station_id', 'site_id', 'language', name=op.f('pk_insight_days'))
    )
    with op.batch_alter_table('insight_days', schema=None) as batch_op:
        batch_op.create_index('ix_insight_days_packer_day', ['packer_id', 'day'], unique=False)

    op.create_table('insight_refresh',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('zone', sa.String(length=64), nullable=False),
    sa.Column('refreshed_to', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_insight_refresh'))
    )
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
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_created_at', ['created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_created_at')

    op.drop_table('pins')
    op.drop_table('follow_ups')
    op.drop_table('insight_refresh')
    with op.batch_alter_table('insight_days', schema=None) as batch_op:
        batch_op.drop_index('ix_insight_days_packer_day')

    op.drop_table('insight_days')
