"""Sending mail: SMTP (standard library) with the MAIL_* settings, or the console.

`make run` (development) prints each mail to the terminal instead of sending it; every other
environment sends through MAIL_SERVER. A mail that cannot be handed over raises MailError,
so that the caller can undo what the mail was for.
"""

import logging
import smtplib
import ssl
import sys
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app, render_template
from flask_babel import force_locale

log = logging.getLogger("portal.mail")


class MailError(RuntimeError):
    """The mail server refused the message or could not be reached."""


def build_message(to, subject, body):
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(
        domain=config["MAIL_DEFAULT_SENDER"].rpartition("@")[2] or None
    )
    message.set_content(body)
    return message


def send_mail(to, subject, body):
    """Hand one plain-text mail to the configured backend; MailError when it fails."""
    message = build_message(to, subject, body)
    if current_app.config["MAIL_BACKEND"] == "console":
        headers = "".join(f"{name}: {message[name]}\n" for name in ("From", "To", "Subject"))
        print(
            f"----- mail (MAIL_BACKEND=console: not sent) -----\n{headers}\n"
            f"{message.get_content()}-----",
            file=sys.stdout,
            flush=True,
        )
        return message
    try:
        _send_smtp(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.error("mail to %s not sent: %s", to, exc)
        raise MailError(str(exc)) from exc
    log.info("mail %r sent to %s", subject, to)
    return message


def _send_smtp(message):
    config = current_app.config
    server, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
    context = ssl.create_default_context()
    if config["MAIL_USE_SSL"]:
        connection = smtplib.SMTP_SSL(server, port, timeout=timeout, context=context)
    else:
        connection = smtplib.SMTP(server, port, timeout=timeout)
    with connection as smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls(context=context)
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)


def send_templated(user, template, subject, **context):
    """A mail to `user` from templates/mail/<template>.txt, in the user's saved language
    (else the one of this request)."""
    from ..i18n import current_locale, supported_locale

    locale = supported_locale(user.locale) or str(current_locale())
    with force_locale(locale):
        body = render_template(f"mail/{template}.txt", user=user, **context)
        return send_mail(user.email, str(subject), body)
