"""Two-factor sign-in: TOTP codes (RFC 6238, pyotp) and single-use recovery codes.

The secret is stored encrypted with a key derived from SECRET_KEY (a copy of the database
alone does not give away anyone's codes; changing SECRET_KEY means setting second factors up
again). A code is accepted in the current 30-second step or the one before or after it
(clocks drift), and never twice: the last step accepted is stored, and only a later one
passes. Recovery codes are stored as SHA-256 hashes and marked used in one UPDATE that only
an unused code can match, so two requests cannot spend the same code.
"""

import base64
import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from sqlalchemy import delete, select, update

from .. import access
from ..models import RecoveryCode, User
from ..models.base import utcnow

ISSUER = "Cinema Portal"
RECOVERY_CODE_COUNT = 10
VALID_WINDOW = 1  # steps either side of now
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def new_secret():
    return pyotp.random_base32()


def _fernet():
    key = hashlib.sha256(b"portal-totp:" + current_app.config["SECRET_KEY"].encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_secret(secret):
    return _fernet().encrypt(secret.encode()).decode()


def decrypt_secret(stored):
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def provisioning_uri(user, secret):
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_svg(uri):
    """The authenticator app's QR code as inline SVG (drawn here: no outside request)."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=2, omitsize=False)


def is_required(user):
    """Whether `user` may not sign in without a second factor (REQUIRE_ADMIN_TWO_FACTOR)."""
    return (
        bool(current_app.config.get("REQUIRE_ADMIN_TWO_FACTOR"))
        and access.PLATFORM_ADMIN in user.role_codes
    )


def _clean(code):
    return "".join((code or "").split()).replace("-", "").lower()


def matching_step(secret, code, after_step=None, now=None):
    """The time step whose TOTP equals `code` within the window, later than `after_step`;
    None for a wrong, reused or out-of-window code."""
    code = _clean(code)
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(time.time() if now is None else now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if after_step is not None and step <= after_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def verify_totp(session, user, code):
    """Accept `code` for `user` once: records its step so it can never be used again.
    The step is written with a conditional UPDATE, so two requests with one code cannot
    both pass."""
    secret = decrypt_secret(user.totp_secret or "") if user.has_two_factor else None
    if secret is None:
        return False
    step = matching_step(secret, code, user.totp_last_step)
    if step is None:
        return False
    last = User.totp_last_step
    result = session.execute(
        update(User)
        .where(User.id == user.id, (last.is_(None)) | (last < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    session.expire(user, ["totp_last_step"])
    return True


def _hash_code(code):
    return hashlib.sha256(_clean(code).encode()).hexdigest()


def new_recovery_codes(session, user):
    """Replace the user's recovery codes with ten new ones; returns them (shown once)."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(RecoveryCode(user_id=user.id, code_hash=_hash_code(raw)))
    session.flush()
    return codes


def use_recovery_code(session, user, code):
    """Spend one unused recovery code of `user`; False for a wrong or used one."""
    if len(_clean(code)) != 10:
        return False
    result = session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash_code(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def remaining_recovery_codes(session, user):
    return len(
        session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )


def verify_second_factor(session, user, code):
    """'totp' or 'recovery' for an accepted code, else None."""
    if verify_totp(session, user, code):
        return "totp"
    if use_recovery_code(session, user, code):
        return "recovery"
    return None


def enable(session, user, secret, code):
    """Turn on the second factor with `secret` once `code` proves the app has it; returns
    the new recovery codes, or None when the code is wrong."""
    step = matching_step(secret, code)
    if step is None:
        return None
    user.totp_secret = encrypt_secret(secret)
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    return new_recovery_codes(session, user)


def disable(session, user):
    """Remove the second factor and its recovery codes (the user's choice or an admin's
    reset)."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.flush()
