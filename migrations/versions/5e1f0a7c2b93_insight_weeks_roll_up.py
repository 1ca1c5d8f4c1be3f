"""insight: the roll-up by week, and what the last refresh saw of its settling span

`insight_weeks` is `insight_days` summed per Monday; existing days are summed here (the
app keeps it up to date from then on, greetings.insight.rollup). `insight_refresh.settled`
starts empty: the first refresh reads its settling span once more, as before.

Revision ID: 5e1f0a7c2b93
Revises: c74d4060979e
Create Date: 2026-11-30 15:35:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1f0a7c2b93'
down_revision = 'c74d4060979e'
branch_labels = None
depends_on = None

SUMS = ['packed', 'answered', 'rating_sum', 'r1', 'r2', 'r3', 'r4', 'r5']
# The Monday of a day, in each dialect's date arithmetic.
MONDAY = {
    'postgresql': "day - (EXTRACT(ISODOW FROM day)::int - 1)",
    'sqlite': "date(day, '-' || ((CAST(strftime('%w', day) AS INTEGER) + 6) % 7) || ' days')",
}


def upgrade():
    op.create_table(
        'insight_weeks',
        sa.Column('week', sa.Date(), nullable=False),
        sa.Column('packer_id', sa.Integer(), nullable=False),
        sa.Column('station_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=16), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in SUMS],
        sa.PrimaryKeyConstraint('week', 'packer_id', 'station_id', 'site_id', 'language',
                                name=op.f('pk_insight_weeks')),
    )
    with op.batch_alter_table('insight_weeks', schema=None) as batch_op:
        batch_op.create_index('ix_insight_weeks_packer_week', ['packer_id', 'week'],
                              unique=False)
    with op.batch_alter_table('insight_refresh', schema=None) as batch_op:
        batch_op.add_column(sa.Column('settled', sa.String(length=64), nullable=True))
    monday = MONDAY[op.get_bind().dialect.name]
    sums = ', '.join(f'SUM({name})' for name in SUMS)
    op.execute(
        f"INSERT INTO insight_weeks (week, packer_id, station_id, site_id, language, "
        f"{', '.join(SUMS)}) SELECT {monday}, packer_id, station_id, site_id, language, "
        f"{sums} FROM insight_days GROUP BY {monday}, packer_id, station_id, site_id, language")


def downgrade():
    with op.batch_alter_table('insight_refresh', schema=None) as batch_op:
        batch_op.drop_column('settled')
    with op.batch_alter_table('insight_weeks', schema=None) as batch_op:
        batch_op.drop_index('ix_insight_weeks_packer_week')
    op.drop_table('insight_weeks')
