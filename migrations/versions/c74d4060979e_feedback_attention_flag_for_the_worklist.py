"""feedback: the worklist's attention flag, and the packer and site an answer counts for

The flags of answers already stored are set by the app (greetings.insight.attention
.refresh, on the first worklist page or worker tick: no fingerprint of the words yet), in
Python like every later write, so the rule lives in one place.

`packer_id` and `site_id` are copied from the card (greetings.feedback.service.credit):
the packer named on it and its station's site (the shipment's for a card made without a
station). Existing answers get them here, in SQL both SQLite and PostgreSQL run
(correlated subqueries, no UPDATE … FROM).

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

VISIBLE = 'comment IS NOT NULL AND hidden_at IS NULL'

BACKFILL = """
UPDATE feedback SET
  packer_id = (SELECT cards.packer_id FROM cards WHERE cards.id = feedback.card_id),
  site_id = (SELECT COALESCE(stations.site_id, shipments.site_id)
             FROM cards JOIN shipments ON shipments.id = cards.shipment_id
             LEFT JOIN stations ON stations.id = cards.station_id
             WHERE cards.id = feedback.card_id)
"""


def upgrade():
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attention', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('packer_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('site_id', sa.Integer(), nullable=True))
    op.execute(BACKFILL)
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.alter_column('packer_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key('fk_feedback_packer_id_packers', 'packers',
                                    ['packer_id'], ['id'])
        batch_op.create_foreign_key('fk_feedback_site_id_sites', 'sites', ['site_id'], ['id'])
        batch_op.create_index('ix_feedback_attention_created', ['created_at', 'id'],
                              unique=False, postgresql_where=sa.text('attention'),
                              sqlite_where=sa.text('attention'))
        batch_op.create_index('ix_feedback_site_attention_created',
                              ['site_id', 'created_at', 'id'], unique=False,
                              postgresql_where=sa.text('attention'),
                              sqlite_where=sa.text('attention'))
        batch_op.create_index('ix_feedback_packer_visible',
                              ['packer_id', 'rating', 'created_at'], unique=False,
                              postgresql_where=sa.text(VISIBLE),
                              sqlite_where=sa.text(VISIBLE))


def downgrade():
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_packer_visible')
        batch_op.drop_index('ix_feedback_site_attention_created')
        batch_op.drop_index('ix_feedback_attention_created')
        batch_op.drop_constraint('fk_feedback_site_id_sites', type_='foreignkey')
        batch_op.drop_constraint('fk_feedback_packer_id_packers', type_='foreignkey')
        batch_op.drop_column('site_id')
        batch_op.drop_column('packer_id')
        batch_op.drop_column('attention')
