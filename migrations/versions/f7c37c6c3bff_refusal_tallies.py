"""refusal tallies: requests refused as 401/404 are counted per slug and day, not logged a row each

Revision ID: f7c37c6c3bff
Revises: 5af2171f2426
Create Date: 2026-11-30 08:20:23.168243

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f7c37c6c3bff'
down_revision = '5af2171f2426'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('refusal_tallies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.Enum('created', 'updated', 'duplicate', 'stale', 'ignored', 'ping', 'parked', 'spooled', 'unknown_integration', 'bad_signature', 'unreadable', 'too_large', 'not_json', 'invalid', 'refused', name='deliveryoutcome', native_enum=False, length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('first_at', sa.DateTime(), nullable=False),
    sa.Column('last_at', sa.DateTime(), nullable=False),
    sa.Column('samples', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refusal_tallies')),
    sa.UniqueConstraint('slug', 'outcome', 'day', name=op.f('uq_refusal_tallies_slug_outcome_day'))
    )


def downgrade():
    op.drop_table('refusal_tallies')
