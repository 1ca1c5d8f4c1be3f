"""insight: notes of what a repack moved (the roll-up rebuilds those packers' days)

`insight_changes` is a small queue: a repack writes where its parcel counted and where it
counts now, a refresh of the roll-up rebuilds those packers' rows of those days and
deletes the notes it read (greetings.insight.rollup). Starts empty.

A roll-up built before this revision may count a parcel repacked on a later day twice
(on both days): its watermark is dropped, so the next refresh (the worker's periodic
`insight-refresh`, or the first dashboard view) rebuilds it from the base tables.

Revision ID: d3f54eb327da
Revises: 5e1f0a7c2b93
Create Date: 2026-11-30 18:29:20.157193

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd3f54eb327da'
down_revision = '5e1f0a7c2b93'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'insight_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('packer_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=True),
        sa.Column('packed_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_insight_changes')),
    )
    op.execute(sa.text("DELETE FROM insight_refresh WHERE name = 'insight'"))


def downgrade():
    op.drop_table('insight_changes')
