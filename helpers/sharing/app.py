"""The Flask application of the sharing end: security settings, the knowledge base, sign-in, roles.

:func:`create_app` wires the libraries (``docs/architecture.md`` says why these):

* **Flask** (templates by Jinja2 with auto-escaping; sessions in a signed cookie, HttpOnly, SameSite=Strict,
  Secure when served behind HTTPS) and **Flask-Login** (who is signed in; the account is re-read on every
  request, so a disabled user or a changed role takes effect at once);
* **Flask-WTF**'s ``CSRFProtect``: every POST needs the form's token;
* **Flask-Limiter**: failed sign-ins are limited per address and per user name, counted in a SQLite file beside
  the users file that every server process shares (:mod:`.ratelimit`);
* **argon2-cffi** for passwords (:mod:`.accounts`), the standard library's ``sqlite3`` for notes and audit
  (:class:`helpers.knowledge.SharingStore`), DuckDB read-only for the knowledge base.

Nothing here parses HTTP or does cryptography itself.
"""

from __future__ import annotations

from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, g, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from .. import i18n, paths, plotting, store
from ..knowledge import SharingStore, meta
from .accounts import Accounts
from .pages import register
from .ratelimit import storage_uri
from .state import CONTENT_SECURITY_POLICY, FigureCache, KnowledgeBase, LoginUser, accounts, secret_key


def create_app(dataset: str = "xiaomi_sim", users_file: str | Path | None = None, kb_path: str | Path | None = None,
               sharing_path: str | Path | None = None, secure_cookies: bool = False,
               config: dict[str, Any] | None = None) -> Flask:
    """The sharing end of ``dataset`` as a WSGI application.

    Parameters
    ----------
    dataset
        Whose knowledge base to serve (``data/processed/<dataset>/knowledge.duckdb``, built by notebook 07).
    users_file
        The accounts (default :func:`helpers.paths.users_file`).
    kb_path, sharing_path
        The knowledge base and the notes/audit file, when not the dataset's defaults.
    secure_cookies
        Send the session cookie over HTTPS only (set it when a TLS proxy serves the application).
    config
        Extra Flask settings (the tests use ``RATELIMIT_ENABLED``).
    """
    users_path = Path(users_file) if users_file is not None else paths.users_file()
    plotting.set_theme()  # the workbook's theme and CJK fonts for the figures (language: per request)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key(users_path),
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict", SESSION_COOKIE_SECURE=secure_cookies,
        SESSION_COOKIE_NAME="crm_session", REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8), WTF_CSRF_TIME_LIMIT=8 * 3600,
        MAX_CONTENT_LENGTH=64 * 1024, RATELIMIT_HEADERS_ENABLED=False,
        RATELIMIT_STORAGE_URI=storage_uri(users_path.with_name(users_path.name + ".limits")),
    )
    app.config.update(config or {})
    kb = KnowledgeBase(dataset, kb_path)
    with kb.cursor() as con:
        kb_meta = meta(con)
    app.extensions["crm"] = {
        "dataset": dataset, "accounts": Accounts(users_path), "kb": kb, "currency": kb_meta.get("currency", ""),
        "label": kb_meta.get("label", dataset),
        "sharing": SharingStore(sharing_path if sharing_path is not None else store.sharing_path(dataset)).create(),
        "figures": FigureCache(),
    }
    CSRFProtect(app)
    limiter = Limiter(get_remote_address, app=app, storage_uri=app.config["RATELIMIT_STORAGE_URI"])
    app.extensions["crm"]["limiter"] = limiter
    logins = LoginManager(app)
    logins.login_view = "sign_in"
    logins.session_protection = "strong"

    @logins.user_loader
    def _load(name: str) -> LoginUser | None:
        user = accounts().get(name)
        return LoginUser(user) if user else None

    @app.before_request
    def _language() -> None:
        stack = ExitStack()
        stack.enter_context(i18n.language(session.get("lang", "en")))
        g.crm_stack = stack

    @app.teardown_request
    def _end(_exc: BaseException | None) -> None:
        stack = g.pop("crm_stack", None)
        if stack is not None:
            stack.close()

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    register(app, limiter)
    return app


