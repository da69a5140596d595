"""The `user` commands: operator accounts of the console (`flask --app wsgi user ...`)."""
from __future__ import annotations

import sys

import click
from flask import Flask

from . import audit, operators
from .extensions import db


def register_user_commands(app: Flask) -> None:
    @app.cli.group("user")
    def user():
        """Operator accounts of the console (/console/)."""

    def password_input() -> str:
        if sys.stdin.isatty():
            return click.prompt("Password (12 characters or more)", hide_input=True, confirmation_prompt=True)
        return sys.stdin.readline().rstrip("\r\n")

    @user.command("create")
    @click.argument("email")
    @click.option("--role", type=click.Choice(["super_user", "staff"]), required=True)
    @click.option("--name", default="", help="The operator's name, as the console shows it.")
    def create_user(email: str, role: str, name: str):
        """Create an operator; the password is read from standard input (prompted twice on a terminal)."""
        try:
            operator = operators.create_operator(email, password_input(), role, name)
        except operators.OperatorError as exc:
            raise click.ClickException(str(exc))
        audit.record("operator.create", actor_kind="cli", actor="cli",
                     after={"email": operator.email, "role": operator.role, "name": operator.name})
        db.session.commit()
        click.echo(f"created {operator.role} {operator.email} (id {operator.id})")

    @user.command("list")
    def list_users():
        """Operators: id, email, role, state, two-step verification, name."""
        for operator in operators.list_operators():
            state = "disabled" if operator.disabled_at else "active"
            two_step = "two-step on" if operator.totp_enabled else "two-step off"
            click.echo(f"{operator.id}\t{operator.email}\t{operator.role}\t{state}\t{two_step}\t{operator.name}")

    @user.command("disable")
    @click.argument("email")
    def disable_user(email: str):
        """Disable an operator: they cannot sign in, and are signed out at their next request."""
        operator = operator_named(email)
        if operators.disable_operator(operator):
            audit.record("operator.disable", actor_kind="cli", actor="cli",
                         before={"email": operator.email, "disabled": False},
                         after={"email": operator.email, "disabled": True})
        db.session.commit()
        click.echo(f"disabled {operator.email}")

    def operator_named(email: str):
        operator = operators.find_operator(email)
        if operator is None:
            raise click.ClickException(f"no operator {operators.normalise_email(email)}")
        return operator

    @user.command("enable")
    @click.argument("email")
    def enable_user(email: str):
        """Let a disabled operator sign in again."""
        operator = operator_named(email)
        if operators.enable_operator(operator):
            audit.record("operator.enable", actor_kind="cli", actor="cli",
                         before={"email": operator.email, "disabled": True},
                         after={"email": operator.email, "disabled": False})
        db.session.commit()
        click.echo(f"enabled {operator.email}")

    @user.command("set-password")
    @click.argument("email")
    def set_user_password(email: str):
        """Replace an operator's password (standard input, or prompted twice); their sessions end."""
        operator = operator_named(email)
        try:
            operators.set_password(operator, password_input())
        except operators.OperatorError as exc:
            raise click.ClickException(str(exc))
        audit.record("operator.password", actor_kind="cli", actor="cli", after={"email": operator.email})
        db.session.commit()
        click.echo(f"new password for {operator.email}")

    @user.command("reset-totp")
    @click.argument("email")
    def reset_user_totp(email: str):
        """Turn off an operator's two-step verification (a lost phone): they set it up again."""
        operator = operator_named(email)
        before = operator.totp_enabled
        operators.turn_off_totp(operator)
        audit.record("operator.totp_reset", actor_kind="cli", actor="cli",
                     before={"email": operator.email, "two_step": before},
                     after={"email": operator.email, "two_step": False})
        db.session.commit()
        click.echo(f"two-step verification off for {operator.email}")
