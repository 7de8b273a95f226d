"""Column helpers shared by the models."""

from datetime import UTC, datetime

import sqlalchemy as sa


def utcnow():
    """Naive UTC now: the stored convention for audit and bookkeeping times."""
    return datetime.now(UTC).replace(tzinfo=None)


def restrict_fk(target, **kwargs):
    """A foreign key the database itself refuses to orphan."""
    return sa.ForeignKey(target, ondelete="RESTRICT", onupdate="RESTRICT", **kwargs)


class Versioned:
    """Optimistic locking: every UPDATE checks and bumps `version`."""

    version = sa.Column(sa.Integer, nullable=False, default=1, server_default="1")

    @sa.orm.declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.version}
