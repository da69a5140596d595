"""The `user` commands: create (password on standard input), list, disable; each audited."""
from __future__ import annotations

import json

from sqlalchemy import select

from shopify_app.extensions import db
from shopify_app.models import AuditEntry, Operator
from tests.console_support import PASSWORD, cheap_password_hashing, sign_in  # noqa: F401


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_user_create_reads_the_password_from_standard_input_and_prints_the_operator_last(app):
    result = run(app, "user", "create", "Ops@Example.com", "--role", "super_user", "--name", "Ops Lead",
                 input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "created super_user ops@example.com (id 1)"
    operator = db.session.execute(select(Operator)).scalar_one()
    assert (operator.email, operator.role, operator.name) == ("ops@example.com", "super_user", "Ops Lead")
    assert sign_in(app.test_client(), "ops@example.com").status_code == 302
    [entry] = db.session.execute(select(AuditEntry).where(AuditEntry.action == "operator.create")).scalars()
    assert (entry.action, entry.actor_kind, entry.actor) == ("operator.create", "cli", "cli")
    assert PASSWORD not in json.dumps(entry.after)


def test_user_create_refuses_a_short_password_an_unknown_role_and_a_taken_email(app):
    short = run(app, "user", "create", "a@example.com", "--role", "staff", input="eleven char\n")
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    role = run(app, "user", "create", "a@example.com", "--role", "admin", input=PASSWORD + "\n")
    assert role.exit_code != 0 and "admin" in role.output
    assert run(app, "user", "create", "a@example.com", "--role", "staff", input=PASSWORD + "\n").exit_code == 0
    taken = run(app, "user", "create", "A@example.com", "--role", "staff", input=PASSWORD + "\n")
    assert taken.exit_code != 0 and "exists already" in taken.output
    missing = run(app, "user", "create", "b@example.com", input=PASSWORD + "\n")
    assert missing.exit_code != 0 and "--role" in missing.output


def test_user_list_shows_each_operator_without_secrets(app):
    run(app, "user", "create", "b@example.com", "--role", "staff", "--name", "Bee", input=PASSWORD + "\n")
    run(app, "user", "create", "a@example.com", "--role", "super_user", input=PASSWORD + "\n")
    result = run(app, "user", "list")
    assert result.exit_code == 0
    assert result.output.splitlines() == ["2\ta@example.com\tsuper_user\tactive\ttwo-step off\t",
                                          "1\tb@example.com\tstaff\tactive\ttwo-step off\tBee"]
    assert "argon2" not in result.output


def test_user_disable_stops_sign_in_and_is_audited(app):
    run(app, "user", "create", "a@example.com", "--role", "staff", input=PASSWORD + "\n")
    client = app.test_client()
    assert sign_in(client, "a@example.com").status_code == 302
    result = run(app, "user", "disable", "A@example.com")
    assert result.exit_code == 0 and result.output.strip().splitlines()[-1] == "disabled a@example.com"
    assert client.get("/console/").status_code == 302  # signed out at the next request
    assert sign_in(app.test_client(), "a@example.com").status_code == 401
    assert "disabled" in run(app, "user", "list").output
    actions = [(e.action, e.actor_kind, e.after) for e in db.session.execute(select(AuditEntry)).scalars()
               if e.action == "operator.disable"]
    assert actions == [("operator.disable", "cli", {"email": "a@example.com", "disabled": True})]
    unknown = run(app, "user", "disable", "nobody@example.com")
    assert unknown.exit_code != 0 and "no operator nobody@example.com" in unknown.output


def test_user_enable_lets_a_disabled_operator_sign_in_again(app):
    run(app, "user", "create", "a@example.com", "--role", "staff", input=PASSWORD + "\n")
    run(app, "user", "disable", "a@example.com")
    result = run(app, "user", "enable", "a@example.com")
    assert result.exit_code == 0 and result.output.strip().splitlines()[-1] == "enabled a@example.com"
    assert sign_in(app.test_client(), "a@example.com").status_code == 302


def test_user_set_password_replaces_it_and_ends_the_sessions(app):
    run(app, "user", "create", "a@example.com", "--role", "staff", input=PASSWORD + "\n")
    client = app.test_client()
    assert sign_in(client, "a@example.com").status_code == 302
    assert run(app, "user", "set-password", "a@example.com", input="short\n").exit_code != 0
    result = run(app, "user", "set-password", "a@example.com", input="an entirely new password\n")
    assert result.exit_code == 0, result.output
    assert client.get("/console/").status_code == 302
    assert sign_in(app.test_client(), "a@example.com").status_code == 401
    assert sign_in(app.test_client(), "a@example.com", "an entirely new password").status_code == 302
    [entry] = db.session.execute(select(AuditEntry).where(AuditEntry.action == "operator.password")).scalars()
    assert "new password" not in json.dumps([entry.before, entry.after])


def test_user_reset_totp_lets_an_operator_who_lost_their_phone_sign_in_with_the_password(app):
    run(app, "user", "create", "a@example.com", "--role", "staff", input=PASSWORD + "\n")
    operator = db.session.execute(select(Operator)).scalar_one()
    operator.totp_enabled, operator.totp_secret_encrypted = True, "ciphertext"
    db.session.commit()
    assert sign_in(app.test_client(), "a@example.com").headers["Location"] == "/console/login/code"
    result = run(app, "user", "reset-totp", "a@example.com")
    assert result.exit_code == 0 and "two-step verification off" in result.output
    assert sign_in(app.test_client(), "a@example.com").headers["Location"] == "/console/"
