"""The schema comes from the migrations, and the models never drift from them."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from portal.extensions import db


def test_models_and_migrations_agree(app_ctx):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models differ from migrations/: {diff}"


def test_database_is_at_the_single_head_revision(app_ctx):
    config = app_ctx.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1
    with db.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == heads[0]


def test_every_table_of_the_contract_exists(app_ctx):
    tables = set(inspect(db.engine).get_table_names())
    assert {
        "city",
        "cinema",
        "hall",
        "movie",
        "schedule",
        "user",
        "role",
        "permission",
        "role_permission",
        "user_role",
        "user_cinema",
        "audit_log",
    } <= tables


def test_foreign_keys_restrict_deletes(app_ctx):
    for table in ("cinema", "hall", "schedule", "user_cinema", "audit_log"):
        for fk in inspect(db.engine).get_foreign_keys(table):
            assert (fk.get("options") or {}).get("ondelete", "RESTRICT").upper() == "RESTRICT"
