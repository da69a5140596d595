"""Configuration from the environment, named as Shopify CLI names it.

Every setting is read and checked once, at start-up, so that a missing or
malformed value stops the process with a message that says what to fix.
"""
from __future__ import annotations

import base64
import binascii
import logging
import os
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
APP_TOML = PROJECT_ROOT / "shopify.app.toml"


@lru_cache(maxsize=1)
def app_toml() -> dict:
    with APP_TOML.open("rb") as fh:
        return tomllib.load(fh)


def toml_api_version() -> str:
    """The Admin API version the app is written for, in one place: shopify.app.toml's
    `[webhooks] api_version`, which devstore and the tests read too."""
    return app_toml()["webhooks"]["api_version"]


DEFAULT_API_VERSION = toml_api_version()
DEFAULT_SHOP_ORIGIN = "https://{shop}"
DEFAULT_APP_BRIDGE_URL = "https://cdn.shopify.com/shopifycloud/app-bridge.js"
APP_ENVIRONMENTS = ("development", "production")


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Settings:
    api_key: str
    api_secret: str
    app_url: str
    scopes: tuple[str, ...]
    database_url: str
    secret_key: str
    token_encryption_key: str
    api_version: str = DEFAULT_API_VERSION
    shop_origin: str = DEFAULT_SHOP_ORIGIN
    app_bridge_url: str = DEFAULT_APP_BRIDGE_URL
    http_timeout: float = 30.0
    data_retention_days: int = 30
    reconcile_days: int = 7  # how many days back the daily order reconciliation compares
    # Where the sign-in throttle counts (Flask-Limiter): per process by default, shared with redis://...
    ratelimit_storage_uri: str = "memory://"
    # How many proxies (load balancers) in front of the app append to X-Forwarded-For and
    # X-Forwarded-Proto; 0 ignores those headers (a client could write them).
    trusted_proxy_count: int = 0
    # The webhook door's connections kept per web process on PostgreSQL (sync/upsert.py door_engine):
    # at least the process's threads, or connections are opened and closed at every burst.
    door_pool_size: int = 16
    app_env: str = "development"
    # Observability (README, "Watching it run").
    log_format: str = "text"
    metrics_token: str | None = None
    metrics_port: int | None = None  # a worker's (the scheduler's) own /metrics
    sentry_dsn: str | None = None
    # The task queue's broker (amqp://... or redis://...); empty: the work runs in-process.
    celery_broker_url: str = ""
    # The broker queue the tasks go through (several deployments may share one broker).
    celery_queue: str = "shopify_app"
    console_idle_minutes: int = 30  # an operator's console session ends after this long without a request
    console_require_totp_for_super_users: bool = False
    extra: dict = field(default_factory=dict)

    def as_flask_config(self) -> dict:
        return {
            "SHOPIFY_API_KEY": self.api_key,
            "SHOPIFY_API_SECRET": self.api_secret,
            "SHOPIFY_APP_URL": self.app_url,
            "SCOPES": self.scopes,
            "SHOPIFY_API_VERSION": self.api_version,
            "SHOPIFY_SHOP_ORIGIN": self.shop_origin,
            "APP_BRIDGE_URL": self.app_bridge_url,
            "TOKEN_ENCRYPTION_KEY": self.token_encryption_key,
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SHOPIFY_HTTP_TIMEOUT": self.http_timeout,
            "DATA_RETENTION_DAYS": self.data_retention_days,
            "RECONCILE_DAYS": self.reconcile_days,
            "RATELIMIT_STORAGE_URI": self.ratelimit_storage_uri,
            "TRUSTED_PROXY_COUNT": self.trusted_proxy_count,
            "DOOR_POOL_SIZE": self.door_pool_size,
            "APP_ENV": self.app_env,
            "LOG_FORMAT": self.log_format,
            "METRICS_TOKEN": self.metrics_token,
            "METRICS_PORT": self.metrics_port,
            "SENTRY_DSN": self.sentry_dsn,
            "CELERY_BROKER_URL": self.celery_broker_url,
            "CELERY_QUEUE": self.celery_queue,
            "CONSOLE_IDLE_MINUTES": self.console_idle_minutes,
            "CONSOLE_REQUIRE_TOTP_FOR_SUPER_USERS": self.console_require_totp_for_super_users,
            **self.extra,
        }


def _required(env: dict, name: str) -> str:
    value = (env.get(name) or "").strip()
    if not value:
        raise ConfigError(f"{name} is not set. See README.md, 'Configuration'.")
    return value


def _check_url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{name} must be an http(s) URL, got {value!r}.")
    return value.rstrip("/")


def _check_fernet_keys(value: str) -> str:
    """One Fernet key, or several comma-separated (the first encrypts, all decrypt)."""
    keys = [key.strip() for key in value.split(",")]
    for position, key in enumerate(keys, start=1):
        try:
            raw = base64.urlsafe_b64decode(key.encode())
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 32:
            raise ConfigError(
                f"TOKEN_ENCRYPTION_KEY: key {position} of {len(keys)} is not a Fernet key (32 url-safe "
                "base64-encoded bytes; several keys are separated by commas); make one with: "
                "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
            )
    return ",".join(keys)


def _derive(secret: str, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        secret.encode()
    )


def _scopes_from_toml() -> tuple[str, ...]:
    scopes = app_toml()["access_scopes"]["scopes"]
    return tuple(s.strip() for s in scopes.split(",") if s.strip())


def _default_database_url() -> str:
    instance = PROJECT_ROOT / "instance"
    instance.mkdir(exist_ok=True)
    return f"sqlite:///{instance / 'shopify_app.sqlite3'}"


LOG_FORMATS = ("json", "text")
MAX_TRUSTED_PROXIES = 10  # more is a typo, not a deployment
MAX_DOOR_POOL_SIZE = 200  # connections per web process: beyond that, a PgBouncer


def log_format_of(env) -> str:
    """LOG_FORMAT, or by default json in production (a log pipeline reads it) and text in
    development (a person reads it)."""
    default = "json" if (env.get("APP_ENV") or "").strip().lower() == "production" else "text"
    value = (env.get("LOG_FORMAT") or default).strip().lower()
    if value not in LOG_FORMATS:
        raise ConfigError(f"LOG_FORMAT must be json or text, got {value!r}.")
    return value


def load_settings(env: dict | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    api_key = _required(env, "SHOPIFY_API_KEY")
    api_secret = _required(env, "SHOPIFY_API_SECRET")
    app_url = _check_url("SHOPIFY_APP_URL", _required(env, "SHOPIFY_APP_URL"))

    raw_scopes = (env.get("SCOPES") or "").strip()
    scopes = (
        tuple(s.strip() for s in raw_scopes.split(",") if s.strip())
        if raw_scopes
        else _scopes_from_toml()
    )

    shop_origin = (env.get("SHOPIFY_SHOP_ORIGIN") or DEFAULT_SHOP_ORIGIN).strip().rstrip("/")
    if "{shop}" not in shop_origin:
        raise ConfigError("SHOPIFY_SHOP_ORIGIN must contain '{shop}', e.g. https://{shop}")
    _check_url("SHOPIFY_SHOP_ORIGIN", shop_origin.replace("{shop}", "example.myshopify.com"))

    api_version = (env.get("SHOPIFY_API_VERSION") or DEFAULT_API_VERSION).strip()
    digits = api_version.replace("-", "")
    if len(api_version) != 7 or api_version[4] != "-" or not (digits.isascii() and digits.isdecimal()):
        raise ConfigError(f"SHOPIFY_API_VERSION must look like {DEFAULT_API_VERSION}, got {api_version!r}.")

    app_env = (env.get("APP_ENV") or "development").strip().lower()
    if app_env not in APP_ENVIRONMENTS:
        raise ConfigError(f"APP_ENV must be one of {', '.join(APP_ENVIRONMENTS)}, got {app_env!r}.")
    production = app_env == "production"

    # Missing keys are derived from the API secret so that a development set-up
    # works out of the box and every process agrees. In production a derived key
    # would tie the tokens and sessions to the API secret (rotating it would lose
    # them, leaking it would expose them): there both must be set.
    secret_key = (env.get("SECRET_KEY") or "").strip()
    if not secret_key and production:
        raise ConfigError("SECRET_KEY is not set; APP_ENV=production requires it. See README.md, 'Configuration'.")
    if not secret_key:
        log.warning("SECRET_KEY is not set; deriving one from SHOPIFY_API_SECRET (set it in production).")
        secret_key = _derive(api_secret, "flask-secret-key").hex()
    token_key = (env.get("TOKEN_ENCRYPTION_KEY") or "").strip()
    if token_key:
        token_key = _check_fernet_keys(token_key)
    elif production:
        raise ConfigError(
            "TOKEN_ENCRYPTION_KEY is not set; APP_ENV=production requires it. See README.md, 'Configuration'."
        )
    else:
        log.warning(
            "TOKEN_ENCRYPTION_KEY is not set; deriving one from SHOPIFY_API_SECRET (set it in production)."
        )
        token_key = base64.urlsafe_b64encode(_derive(api_secret, "token-encryption")).decode()

    database_url = (env.get("DATABASE_URL") or "").strip() or _default_database_url()
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url[len("postgres://"):]
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    if not database_url.startswith(("sqlite:", "postgresql+psycopg:")):
        raise ConfigError(
            f"DATABASE_URL must be a sqlite:/// or postgresql:// URL, got {database_url.split(':')[0]!r}."
        )

    timeout_raw = env.get("SHOPIFY_HTTP_TIMEOUT") or "30"
    try:
        http_timeout = float(timeout_raw)
    except ValueError:
        raise ConfigError(f"SHOPIFY_HTTP_TIMEOUT must be a number of seconds, got {timeout_raw!r}.")

    retention_raw = (env.get("DATA_RETENTION_DAYS") or "30").strip()
    if not retention_raw.isdecimal() or int(retention_raw) < 1:
        raise ConfigError(f"DATA_RETENTION_DAYS must be a whole number of days (1 or more), got {retention_raw!r}.")

    reconcile_raw = (env.get("RECONCILE_DAYS") or "7").strip()
    if not reconcile_raw.isdecimal() or not 1 <= int(reconcile_raw) <= 60:
        raise ConfigError(f"RECONCILE_DAYS must be a whole number of days from 1 to 60, got {reconcile_raw!r}.")

    proxies_raw = (env.get("TRUSTED_PROXY_COUNT") or "0").strip()
    if not proxies_raw.isdecimal() or int(proxies_raw) > MAX_TRUSTED_PROXIES:
        raise ConfigError(f"TRUSTED_PROXY_COUNT must be a whole number of proxies from 0 to {MAX_TRUSTED_PROXIES}, "
                          f"got {proxies_raw!r}.")

    door_pool_raw = (env.get("DOOR_POOL_SIZE") or "16").strip()
    if not door_pool_raw.isdecimal() or not 1 <= int(door_pool_raw) <= MAX_DOOR_POOL_SIZE:
        raise ConfigError(f"DOOR_POOL_SIZE must be a whole number of connections from 1 to {MAX_DOOR_POOL_SIZE}, "
                          f"got {door_pool_raw!r}.")

    metrics_port_raw = (env.get("METRICS_PORT") or "").strip()
    if metrics_port_raw and not (metrics_port_raw.isdecimal() and 0 < int(metrics_port_raw) < 65536):
        raise ConfigError(f"METRICS_PORT must be a TCP port number, got {metrics_port_raw!r}.")
    idle_raw = (env.get("CONSOLE_IDLE_MINUTES") or "30").strip()
    if not idle_raw.isdecimal() or not 1 <= int(idle_raw) <= 24 * 60:
        raise ConfigError(f"CONSOLE_IDLE_MINUTES must be a whole number of minutes from 1 to 1440, got {idle_raw!r}.")
    require_totp_raw = (env.get("CONSOLE_REQUIRE_TOTP_FOR_SUPER_USERS") or "false").strip().lower()
    if require_totp_raw not in ("true", "false", "1", "0", "yes", "no"):
        raise ConfigError("CONSOLE_REQUIRE_TOTP_FOR_SUPER_USERS must be true or false, "
                          f"got {require_totp_raw!r}.")

    return Settings(
        api_key=api_key,
        api_secret=api_secret,
        app_url=app_url,
        scopes=scopes,
        database_url=database_url,
        secret_key=secret_key,
        token_encryption_key=token_key,
        api_version=api_version,
        shop_origin=shop_origin,
        app_bridge_url=(env.get("APP_BRIDGE_URL") or DEFAULT_APP_BRIDGE_URL).strip(),
        http_timeout=http_timeout,
        data_retention_days=int(retention_raw),
        reconcile_days=int(reconcile_raw),
        ratelimit_storage_uri=(env.get("RATELIMIT_STORAGE_URI") or "memory://").strip(),
        trusted_proxy_count=int(proxies_raw),
        door_pool_size=int(door_pool_raw),
        app_env=app_env,
        log_format=log_format_of(env),
        metrics_token=(env.get("METRICS_TOKEN") or "").strip() or None,
        metrics_port=int(metrics_port_raw) if metrics_port_raw else None,
        sentry_dsn=(env.get("SENTRY_DSN") or "").strip() or None,
        celery_broker_url=(env.get("CELERY_BROKER_URL") or "").strip(),
        celery_queue=(env.get("CELERY_QUEUE") or "shopify_app").strip(),
        console_idle_minutes=int(idle_raw),
        console_require_totp_for_super_users=require_totp_raw in ("true", "1", "yes"),
    )
