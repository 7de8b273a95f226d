"""The sign-in throttle: attempts counted per account and per client address, in the database.

An attempt is written (and committed) before its password is checked and removed when the
password was right, so the rows left are failures, and two workers (or hosts) sharing the
database count the same attempts: `gunicorn -w N` allows 5 failures per account, not 5 x N.
Accounts are counted by `username_key`, so every spelling of a name shares one budget.

Limits are `limits` strings from the settings (LOGIN_FAILURE_LIMIT per account,
LOGIN_IP_LIMIT per address), e.g. "5 per 15 minutes".
"""

import datetime as dt

from flask import current_app
from limits import parse
from sqlalchemy import delete, func, select

from ..models import LoginFailure
from ..models.base import utcnow

ACCOUNT = "account"
ADDRESS = "address"


def _limit(setting):
    """(attempts, window) of a limit setting."""
    item = parse(current_app.config[setting])
    return item.amount, dt.timedelta(seconds=item.get_expiry())


def _count(session, column, value, since):
    return session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(column == value, LoginFailure.at > since)
    )


def address_column(ip):
    """`ip` as stored: a forwarded address is whatever the proxy passed on."""
    return (ip or "")[: LoginFailure.ip.type.length] or None


def refusal(session, key, ip, now=None):
    """ACCOUNT or ADDRESS when that one used up its failed sign-ins, else None."""
    now = now or utcnow()
    attempts, window = _limit("LOGIN_FAILURE_LIMIT")
    if _count(session, LoginFailure.username_key, key, now - window) >= attempts:
        return ACCOUNT
    attempts, window = _limit("LOGIN_IP_LIMIT")
    if ip and _count(session, LoginFailure.ip, address_column(ip), now - window) >= attempts:
        return ADDRESS
    return None


def record_attempt(session, key, ip):
    """Count an attempt for account `key` from `ip` (committed at once, so that the other
    workers see it while this one checks the password); forgets attempts past every window."""
    session.add(LoginFailure(username_key=key, ip=address_column(ip)))
    session.commit()
    # Its own transaction: a range delete and an insert in one would let two workers'
    # gap locks deadlock on MySQL.
    longest = max(_limit("LOGIN_FAILURE_LIMIT")[1], _limit("LOGIN_IP_LIMIT")[1])
    session.execute(delete(LoginFailure).where(LoginFailure.at < utcnow() - longest))
    session.commit()


def forgive(session, key):
    """The account signed in: its counted attempts were not an attack (committed by the
    caller with the sign-in)."""
    session.execute(delete(LoginFailure).where(LoginFailure.username_key == key))
