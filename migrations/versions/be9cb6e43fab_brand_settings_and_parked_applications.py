"""the console: brand settings over the configuration; parked deliveries applied again

Revision ID: be9cb6e43fab
Revises: b80165141fb2
Create Date: 2026-11-30 08:24:38.842172

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'be9cb6e43fab'
down_revision = 'b80165141fb2'
branch_labels = None
depends_on = None


def upgrade():
    # One row (id 1), written with an upsert; an empty column means the configuration's value.
    op.create_table('brand_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=True),
    sa.Column('accent', sa.String(length=7), nullable=True),
    sa.Column('theme', sa.String(length=32), nullable=True),
    sa.Column('review_url', sa.String(length=500), nullable=True),
    sa.Column('logo_png', sa.LargeBinary(), nullable=True),
    sa.Column('logo_sha256', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_brand_settings_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_brand_settings'))
    )
    op.create_table('parked_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('applied_at', sa.DateTime(), nullable=False),
    sa.Column('applied_by_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=False),
    sa.Column('order_number', sa.String(length=128), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['applied_by_id'], ['users.id'], name=op.f('fk_parked_applications_applied_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_parked_applications_delivery_id_deliveries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parked_applications'))
    )
    with op.batch_alter_table('parked_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parked_applications_delivery_id'), ['delivery_id'], unique=False)



def downgrade():
    with op.batch_alter_table('parked_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parked_applications_delivery_id'))

    op.drop_table('parked_applications')
    op.drop_table('brand_settings')
