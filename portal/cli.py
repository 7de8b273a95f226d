"""Command line: `flask --app wsgi <command>`."""

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from tqdm import tqdm

from .extensions import db
from .services.accounts import create_user, sync_permissions
from .services.boxoffice import rebuild as rebuild_box_office
from .services.cities import CityFileError, parse_cities, upsert_cities
from .services.demo import seed_demo


@click.command("seed-demo")
@with_appcontext
@click.option(
    "--password",
    envvar="PORTAL_DEMO_PASSWORD",
    default=None,
    help="Password for the demo users (default: the documented demo password).",
)
def seed_demo_command(password):
    """Create the demo data that is missing (idempotent)."""
    if not current_app.config.get("SEED_DEMO", True):
        raise click.ClickException(
            f"PORTAL_ENV={current_app.config['ENV_NAME']} never seeds demo data."
        )
    logins = seed_demo(db.session, **({"password": password} if password else {}))
    db.session.commit()
    click.echo("Demo data is in place. Demo logins:")
    for username, pw, role in logins:
        click.echo(f"  {username:<10} {pw:<20} {role}")


@click.command("import-cities")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_cities_command(path):
    """Insert or update cities from a ticketing-site city JSON file (idempotent)."""
    try:
        cities = parse_cities(path.read_text(encoding="utf-8"))
    except (CityFileError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    with tqdm(total=len(cities), unit="city", disable=None) as bar:
        created, updated = upsert_cities(db.session, cities, progress=bar.update)
    db.session.commit()
    click.echo(
        f"{len(cities)} cities read: {created} created, {updated} updated, "
        f"{len(cities) - created - updated} unchanged."
    )


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, help="Role code; repeatable.")
@click.option("--cinema", "cinemas", multiple=True, type=int, help="Cinema id; repeatable.")
@click.option("--email", default=None)
@click.option("--password", default=None, help="Else PORTAL_PASSWORD, else a hidden prompt.")
def create_user_command(username, roles, cinemas, email, password):
    """Create a user with roles and assigned cinemas."""
    password = (
        password
        or os.environ.get("PORTAL_PASSWORD")
        or click.prompt("Password", hide_input=True, confirmation_prompt=True)
    )
    try:
        user = create_user(db.session, username, password, roles, cinemas, email)
    except ValueError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Created user {user.username} (id {user.id}) with roles {', '.join(roles)}.")


@click.command("sync-permissions")
@with_appcontext
def sync_permissions_command():
    """Make the permission table and the default roles match the code."""
    result = sync_permissions(db.session)
    db.session.commit()
    click.echo(
        f"Permissions in sync ({result['permissions_created']} created); "
        f"{result['roles']} default roles updated."
    )


@click.command("rebuild-box-office")
@with_appcontext
def rebuild_box_office_command():
    """Recompute the box office figures of every show from its tickets, and the chain-wide
    rollup from those."""
    from .models import Schedule

    total = db.session.query(db.func.count(Schedule.id)).scalar()
    with tqdm(total=total, unit="show", disable=None) as bar:
        shows = rebuild_box_office(db.session, progress=bar.update)
    db.session.commit()
    if db.engine.dialect.name == "mysql":
        # Every row is new: fresh index statistics, or the planner guesses from the old ones.
        db.session.execute(db.text("ANALYZE TABLE box_office_show, box_office_rollup")).all()
        db.session.commit()
    click.echo(f"Box office rebuilt from the tickets of {shows} shows.")


def init_cli(app):
    for command in (
        seed_demo_command,
        import_cities_command,
        create_user_command,
        sync_permissions_command,
        rebuild_box_office_command,
    ):
        app.cli.add_command(command)
