"""The selling bench's loader: ticket codes unique without a check, and the keys it drops
while loading are the schema's own (it builds them back by name and columns)."""

from sqlalchemy import inspect

from bench.orders_generate import secondary_keys, ticket_code
from portal.extensions import db
from portal.services.selling import CODE_ALPHABET


def test_ticket_codes_are_twelve_sale_letters_and_distinct():
    codes = [ticket_code(n) for n in range(1, 100_001)]
    assert len(set(codes)) == len(codes)
    assert all(len(c) == 12 and set(c) <= set(CODE_ALPHABET) for c in codes)


def test_ticket_codes_spell_the_number_times_the_multiplier_five_bits_a_letter():
    value = (12345 * 0x9E3779B97F4A7C1) % (1 << 60)
    assert ticket_code(12345) == "".join(CODE_ALPHABET[(value >> (5 * i)) & 31] for i in range(12))


def test_the_keys_the_loader_rebuilds_are_the_migrated_schemas_secondary_keys(app_ctx):
    inspector = inspect(db.engine)
    for table in ("ticket", "ticket_order"):
        schema = {
            (i["name"], bool(i["unique"]), tuple(i["column_names"]))
            for i in inspector.get_indexes(table)
        }
        schema |= {
            (u["name"], True, tuple(u["column_names"]))
            for u in inspector.get_unique_constraints(table)
        }
        clauses = secondary_keys(table)
        rebuilt = {
            (
                name,
                clause.startswith("ADD UNIQUE"),
                tuple(c.strip(" `") for c in clause.split("(", 1)[1].rstrip(")").split(",")),
            )
            for name, clause in clauses.items()
        }
        assert rebuilt == schema, table
