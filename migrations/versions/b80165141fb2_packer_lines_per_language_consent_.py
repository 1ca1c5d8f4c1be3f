"""packer lines per language, consent records, offboarding, token scopes

Revision ID: b80165141fb2
Revises: d9a2c1d9f90f
Create Date: 2026-11-30 08:22:04.259157

A packer's one `own_line` becomes their line in the deployment's DEFAULT_LANGUAGE (the
language it was most likely written in; a card in another language then carries none,
as PRODUCT.md asks). Consents given before this revision get a record saying so. Tokens
made before scopes existed keep what every token could do: pack and read feedback.
"""
from alembic import op
import sqlalchemy as sa
from flask import current_app


# revision identifiers, used by Alembic.
revision = 'b80165141fb2'
down_revision = 'd9a2c1d9f90f'
branch_labels = None
depends_on = None


def _default_language():
    from greetings.text import card_language

    return card_language(current_app.config.get("DEFAULT_LANGUAGE"))


def upgrade():
    op.create_table('consent_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('packer_id', sa.Integer(), nullable=False),
    sa.Column('given', sa.Boolean(), nullable=False),
    sa.Column('via', sa.Enum('console', 'station', 'api', 'cli', name='consentvia', native_enum=False, length=16), nullable=False),
    sa.Column('recorded_by', sa.String(length=320), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['packer_id'], ['packers.id'], name=op.f('fk_consent_records_packer_id_packers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_records'))
    )
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_records_packer_id'), ['packer_id'], unique=False)

    op.create_table('packer_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('packer_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['packer_id'], ['packers.id'], name=op.f('fk_packer_lines_packer_id_packers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_packer_lines')),
    sa.UniqueConstraint('packer_id', 'language', name=op.f('uq_packer_lines_packer_id_language'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scopes', sa.String(length=200), server_default='pack feedback:read', nullable=False))

    # Read before the packers table is rebuilt: on SQLite a batch alteration copies the table
    # and drops the old one, and with foreign keys on that drop would cascade to new rows.
    bind = op.get_bind()
    lines = bind.execute(sa.text(
        "SELECT id, own_line FROM packers WHERE own_line IS NOT NULL AND own_line <> ''")).all()
    consents = bind.execute(sa.text(
        "SELECT id, created_at FROM packers WHERE signature_consent = :yes"), {"yes": True}).all()

    with op.batch_alter_table('packers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offboarded_at', sa.DateTime(), nullable=True))
        batch_op.alter_column('full_name',
               existing_type=sa.VARCHAR(length=200),
               nullable=True)
        batch_op.alter_column('badge_hash',
               existing_type=sa.VARCHAR(length=64),
               nullable=True)
        batch_op.drop_column('own_line')

    language = _default_language()
    for packer_id, text in lines:
        bind.execute(sa.text("INSERT INTO packer_lines (packer_id, language, text) "
                             "VALUES (:packer, :language, :text)"),
                     {"packer": packer_id, "language": language, "text": text})
    for packer_id, created_at in consents:
        bind.execute(sa.text(
            "INSERT INTO consent_records (packer_id, given, via, recorded_by, recorded_at) "
            "VALUES (:packer, :yes, 'cli', 'before consent records were kept', :at)"),
            {"packer": packer_id, "yes": True, "at": created_at})


def downgrade():
    bind = op.get_bind()
    lines = bind.execute(sa.text("SELECT packer_id, text FROM packer_lines WHERE language = :language"),
                         {"language": _default_language()}).all()
    # Offboarded packers have neither: the old schema needs both, and unique badges.
    bind.execute(sa.text("UPDATE packers SET full_name = '' WHERE full_name IS NULL"))
    bind.execute(sa.text("UPDATE packers SET badge_hash = 'offboarded-' || CAST(id AS VARCHAR(20)) "
                         "WHERE badge_hash IS NULL"))

    with op.batch_alter_table('packers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('own_line', sa.VARCHAR(length=200), nullable=True))
        batch_op.alter_column('badge_hash',
               existing_type=sa.VARCHAR(length=64),
               nullable=False)
        batch_op.alter_column('full_name',
               existing_type=sa.VARCHAR(length=200),
               nullable=False)
        batch_op.drop_column('offboarded_at')

    for packer_id, text in lines:
        bind.execute(sa.text("UPDATE packers SET own_line = :text WHERE id = :packer"),
                     {"text": text, "packer": packer_id})

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('scopes')

    op.drop_table('packer_lines')
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_records_packer_id'))

    op.drop_table('consent_records')
