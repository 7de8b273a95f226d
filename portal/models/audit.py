"""Who changed what, and who was refused."""

import json

import sqlalchemy as sa
from sqlalchemy.orm import relationship

from ..extensions import db
from .base import restrict_fk, utcnow

AUDIT_ACTIONS = ("create", "edit", "delete", "login", "login_failed", "denied")


class AuditLog(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (
        sa.Index("ix_audit_log_model_object_id", "model", "object_id"),
        sa.Index("ix_audit_log_at", "at"),
    )

    id = sa.Column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    user_id = sa.Column(sa.Integer, restrict_fk("user.id"), nullable=True, index=True)
    action = sa.Column(sa.String(16), nullable=False, index=True)
    model = sa.Column(sa.String(32), nullable=False, default="")
    object_id = sa.Column(sa.String(64), nullable=True)
    changes = sa.Column(sa.Text, nullable=True)

    user = relationship("User", lazy="joined")

    @property
    def changes_dict(self):
        try:
            return json.loads(self.changes) if self.changes else {}
        except ValueError:
            return {}
