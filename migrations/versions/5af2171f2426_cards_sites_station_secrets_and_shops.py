"""cards, sites, station secrets and shops, feedback per card

Every printed card gets its own row and token (a repack no longer kills the first card's
QR code); feedback belongs to a card; shipments name their station by id and keep the
site they were packed at; stations get a site (with its time zone), the hash of their
secret, the shops they pack for, and a retirement date.

Data: each shipment's token becomes its first card (with its print count), and each
answer moves onto that card. Station names that only shipments knew (the pack API took
any name) become retired stations, so no shipment loses its station. Existing stations
have no secret yet: their browsers must be set up again, once.

Revision ID: 5af2171f2426
Revises: 0840aac9bdf2
Create Date: 2026-11-30 08:20:50.839703

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5af2171f2426'
down_revision = '0840aac9bdf2'
branch_labels = None
depends_on = None


def _now():
    return datetime.now(UTC).replace(tzinfo=None)


def _run(sql, **params):
    op.get_bind().execute(sa.text(sql), params)


def upgrade():
    op.create_table('sites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('time_zone', sa.String(length=64), server_default='UTC', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites')),
    sa.UniqueConstraint('name', name=op.f('uq_sites_name'))
    )
    op.create_table('station_integrations',
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('integration_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['integration_id'], ['integrations.id'], name=op.f('fk_station_integrations_integration_id_integrations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_station_integrations_station_id_stations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('station_id', 'integration_id', name=op.f('pk_station_integrations'))
    )
    op.create_table('cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=False),
    sa.Column('packer_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('print_count', sa.Integer(), nullable=False),
    sa.Column('voided_at', sa.DateTime(), nullable=True),
    sa.Column('voided_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['packer_id'], ['packers.id'], name=op.f('fk_cards_packer_id_packers')),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'], name=op.f('fk_cards_shipment_id_shipments')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_cards_station_id_stations')),
    sa.ForeignKeyConstraint(['voided_by_id'], ['users.id'], name=op.f('fk_cards_voided_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cards')),
    sa.UniqueConstraint('token', name=op.f('uq_cards_token'))
    )
    with op.batch_alter_table('cards', schema=None) as batch_op:
        batch_op.create_index('ix_cards_packer_created', ['packer_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cards_shipment_id'), ['shipment_id'], unique=False)
        batch_op.create_index('ix_cards_station_created', ['station_id', 'created_at'], unique=False)

    # Stations: a site row for each site name, and a retired station for each name that
    # only shipments carried.
    with op.batch_alter_table('stations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('site_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('secret_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(), nullable=True))
    now = _now()
    _run("INSERT INTO sites (name, time_zone, created_at) SELECT DISTINCT site, 'UTC', :now "
         "FROM stations WHERE site IS NOT NULL AND site <> ''", now=now)
    _run("UPDATE stations SET site_id = (SELECT sites.id FROM sites WHERE sites.name = stations.site)")
    _run("INSERT INTO stations (name, profile, print_mode, idle_minutes, created_at, retired_at) "
         "SELECT DISTINCT station, 'a6', 'browser', 10, :now, :now FROM shipments "
         "WHERE station IS NOT NULL AND station NOT IN (SELECT name FROM stations)", now=now)

    # Shipments: their station by id and its site; each token becomes the first card.
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('station_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('site_id', sa.Integer(), nullable=True))
    _run("UPDATE shipments SET station_id = "
         "(SELECT stations.id FROM stations WHERE stations.name = shipments.station)")
    _run("UPDATE shipments SET site_id = "
         "(SELECT stations.site_id FROM stations WHERE stations.id = shipments.station_id)")
    _run("INSERT INTO cards (shipment_id, packer_id, station_id, token, created_at, print_count) "
         "SELECT id, packer_id, station_id, feedback_token, packed_at, print_count FROM shipments")

    # Feedback: onto the card that was the shipment's token.
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('card_id', sa.Integer(), nullable=True))
    _run("UPDATE feedback SET card_id = "
         "(SELECT cards.id FROM cards WHERE cards.shipment_id = feedback.shipment_id)")
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.alter_column('card_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_feedback_shipment_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_feedback_card_id'), ['card_id'])
        batch_op.drop_constraint(batch_op.f('fk_feedback_shipment_id_shipments'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_feedback_card_id_cards'), 'cards', ['card_id'], ['id'])
        batch_op.drop_column('shipment_id')

    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_shipments_feedback_token'), type_='unique')
        batch_op.create_index(batch_op.f('ix_shipments_packed_at'), ['packed_at'], unique=False)
        batch_op.create_index('ix_shipments_site_packed', ['site_id', 'packed_at'], unique=False)
        batch_op.create_index('ix_shipments_station_packed', ['station_id', 'packed_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_shipments_site_id_sites'), 'sites', ['site_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_shipments_station_id_stations'), 'stations', ['station_id'], ['id'])
        batch_op.drop_column('feedback_token')
        batch_op.drop_column('print_count')
        batch_op.drop_column('station')

    with op.batch_alter_table('stations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stations_site_id'), ['site_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_stations_site_id_sites'), 'sites', ['site_id'], ['id'])
        batch_op.drop_column('site')


def downgrade():
    """Back to one token per shipment: the newest card's. Lossy: of the answers given
    through several cards of one shipment only the newest stays, and retired stations
    and sites keep only their names on the shipments."""
    with op.batch_alter_table('stations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('site', sa.VARCHAR(length=100), nullable=True))
    _run("UPDATE stations SET site = (SELECT sites.name FROM sites WHERE sites.id = stations.site_id)")
    with op.batch_alter_table('stations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_stations_site_id_sites'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_stations_site_id'))
        batch_op.drop_column('retired_at')
        batch_op.drop_column('secret_hash')
        batch_op.drop_column('site_id')

    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('station', sa.VARCHAR(length=100), nullable=True))
        batch_op.add_column(sa.Column('print_count', sa.INTEGER(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('feedback_token', sa.VARCHAR(length=32), nullable=True))
    _run("UPDATE shipments SET station = "
         "(SELECT stations.name FROM stations WHERE stations.id = shipments.station_id)")
    _run("UPDATE shipments SET print_count = COALESCE("
         "(SELECT SUM(cards.print_count) FROM cards WHERE cards.shipment_id = shipments.id), 0)")
    _run("UPDATE shipments SET feedback_token = (SELECT cards.token FROM cards "
         "WHERE cards.shipment_id = shipments.id ORDER BY cards.id DESC LIMIT 1)")

    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shipment_id', sa.INTEGER(), nullable=True))
    _run("UPDATE feedback SET shipment_id = "
         "(SELECT cards.shipment_id FROM cards WHERE cards.id = feedback.card_id)")
    _run("DELETE FROM feedback WHERE id NOT IN "
         "(SELECT MAX(id) FROM feedback GROUP BY shipment_id)")
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.alter_column('shipment_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_feedback_card_id_cards'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_feedback_shipment_id_shipments'), 'shipments', ['shipment_id'], ['id'])
        batch_op.drop_constraint(batch_op.f('uq_feedback_card_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_feedback_shipment_id'), ['shipment_id'])
        batch_op.drop_column('card_id')

    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.alter_column('feedback_token', existing_type=sa.VARCHAR(length=32), nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_shipments_station_id_stations'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_shipments_site_id_sites'), type_='foreignkey')
        batch_op.drop_index('ix_shipments_station_packed')
        batch_op.drop_index('ix_shipments_site_packed')
        batch_op.drop_index(batch_op.f('ix_shipments_packed_at'))
        batch_op.create_unique_constraint(batch_op.f('uq_shipments_feedback_token'), ['feedback_token'])
        batch_op.drop_column('site_id')
        batch_op.drop_column('station_id')

    with op.batch_alter_table('cards', schema=None) as batch_op:
        batch_op.drop_index('ix_cards_station_created')
        batch_op.drop_index(batch_op.f('ix_cards_shipment_id'))
        batch_op.drop_index('ix_cards_packer_created')

    op.drop_table('cards')
    op.drop_table('station_integrations')
    op.drop_table('sites')
