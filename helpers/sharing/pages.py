"""The pages of the sharing end, by role (:data:`ROUTES`), and the sign-in with its rate limit.

``sales``: search, customer profiles (with the staff notes and a form to add one), segments, the PDF of a
profile. ``analyst``: also the coded knowledge entries and table downloads. ``admin``: also the users and the
audit trail. Every profile view, download and write is appended to the audit trail.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

import pandas as pd
from flask import Flask, Response, abort, redirect, render_template, request, send_file, session, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup

from .. import i18n, paths, tables
from ..errors import DataError
from ..knowledge import (AUDIT_ACTIONS, CODE_SCHEME, NOTE_MAX_CHARS, InvalidNote, customer_report, customer_sections,
                         filter_options, has_customer, knowledge_entries, page_number, report_title,
                         search_customers, segment_overview, segment_report, segment_sections)
from ..report import KNOWLEDGE_SUBDIR, LANG_SUBDIR, build_knowledge_reports, knowledge_jobs, knowledge_summary
from .accounts import ROLES, AccountError, check_password
from .render import figure_svg, link_table, markdown, pager, sections_html
from .state import SIGN_IN_LIMITS, LoginUser, accounts, crm, requires, sharing

PER_PAGE = 25
DOWNLOADS: dict[str, str] = {
    "customer_profile": "one row per customer: profile, value, segments, CLV, engagement",
    "segment_summary": "per segment: customers, value, P(alive), engagement",
    "feedback_summary": "per code: posts, customers, share",
    "posts_coded": "every coded post (the knowledge entries)",
    "topics": "the feedback topics and their categories",
    "code_scheme": "the code scheme",
    "staff_notes": "what staff shared on customers (this application)",
}
"""Tables an analyst may download as CSV (from the knowledge base; ``staff_notes`` from the sharing file)."""

_PDF_LOCK = threading.Lock()  # one PDF build at a time: each runs a kernel and Chromium


def _log(action: str, customer_id: str | None = None, detail: str = "") -> None:
    user = current_user if current_user.is_authenticated else None
    sharing().log(action, user.name if user else None, user.role if user else None, customer_id, detail)


def _page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, roles=ROLES, dataset=crm()["dataset"], **context), status


def _safe_next(target: str | None) -> str:
    """A redirect target on this site only (a path, never another host)."""
    if not target:
        return url_for("customers")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return url_for("customers")
    return parts.path + (f"?{parts.query}" if parts.query else "")


# ------------------------------------------------------------------ signing in and out, language

def sign_in():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("customers"))
    error = None
    if request.method == "POST":
        name = request.form.get("name", "").strip()
        user = accounts().verify(name, request.form.get("password", ""))
        if user is not None:
            session.clear()
            login_user(LoginUser(user))
            session.permanent = True
            _log("sign_in")
            return redirect(_safe_next(request.args.get("next")))
        sharing().log("sign_in_refused", name[:40] or None, None, None, f"from {get_remote_address()}")
        error = i18n.tr("Wrong user name or password.")
    return _page("sign_in.html", 401 if error else 200, error=error)


@requires("sales")
def sign_out():
    _log("sign_out")
    logout_user()
    session.clear()
    return redirect(url_for("sign_in"))


def set_language():
    lang = request.form.get("lang", "en")
    if lang in i18n.LANGUAGES:
        session["lang"] = lang
    return redirect(_safe_next(request.form.get("next")))


# ------------------------------------------------------------------ customers

@requires("sales")
def customers():
    args = {k: request.args.get(k, "").strip() for k in ("q", "segment", "stage", "abc", "clv_min", "clv_max", "topic")}
    page = request.args.get("page", "1")
    with crm()["kb"].cursor() as con:
        options = filter_options(con)
        try:
            rows, total = search_customers(con, **args, page=page, per_page=PER_PAGE)
        except DataError as exc:
            return _page("customers.html", 400, args=args, options=options, error=str(exc.args[0]), rows=None)
    result = link_table(rows, "customer_id", lambda cid: url_for("profile", customer_id=cid), crm()["currency"])
    return _page("customers.html", args=args, options=options, rows=rows, result=result,
                 where=pager(total, int(page), PER_PAGE))


def _customer(customer_id: str, con) -> dict[str, Any]:
    try:
        return customer_report(con, customer_id, sharing=sharing())
    except DataError:
        abort(404)


@requires("sales")
def profile(customer_id: str):
    with crm()["kb"].cursor() as con:
        rep = _customer(customer_id, con)
        sections = customer_sections(rep, draw=False)
        summary = knowledge_summary(rep, "customer")
    _log("view_profile", customer_id)
    return _page("profile.html", customer_id=customer_id, title=markdown(report_title(rep, "customer")),
                 summary=markdown(summary),
                 sections=sections_html(sections, lambda name: url_for("customer_figure", customer_id=customer_id,
                                                                       name=name)),
                 codes=CODE_SCHEME, max_chars=NOTE_MAX_CHARS, note_error=None, note_text="")


@requires("sales")
def add_note(customer_id: str):
    with crm()["kb"].cursor() as con:
        if not has_customer(con, customer_id):
            abort(404)
    text, code = request.form.get("text", ""), request.form.get("code", "")
    try:
        note_id = sharing().add_note(customer_id, current_user.name, current_user.role, text, code)
    except InvalidNote as exc:
        _log("note_refused", customer_id, str(exc))
        return _page("note_refused.html", 400, customer_id=customer_id, error=str(exc))
    _log("add_note", customer_id, f"note {note_id}" + (f", code {code}" if code else ""))
    return redirect(url_for("profile", customer_id=customer_id) + "#notes")


def _svg(key: tuple, draw: Callable[[], Any] | None = None) -> Response | None:
    """The figure under ``key`` as an SVG response, drawn by ``draw`` when not kept yet; without ``draw``,
    only a kept figure (else ``None``)."""
    svg = crm()["figures"].get(key, lambda: figure_svg(draw())) if draw is not None else crm()["figures"].cached(key)
    if svg is None:
        return None
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=600"
    return response


@requires("sales")
def customer_figure(customer_id: str, name: str):
    kb = crm()["kb"]
    kept = _svg(("customer", customer_id, name, i18n.get_language(), kb.stamp))  # drawn before for this build
    if kept is not None:
        return kept
    with kb.cursor() as con:
        rep = _customer(customer_id, con)
        figure = next((c for _, c in customer_sections(rep, draw=False) if getattr(c, "name", None) == name), None)
        if figure is None:
            abort(404)
        return _svg(("customer", customer_id, name, i18n.get_language(), kb.stamp), figure.draw)


@requires("sales")
def customer_pdf(customer_id: str):
    """The PDF knowledge report of this customer (the same sections), built when missing or older than the
    knowledge base or the customer's latest note."""
    kb, dataset, lang = crm()["kb"], crm()["dataset"], i18n.get_language()
    with kb.cursor() as con:
        rep = _customer(customer_id, con)
    out = paths.reports_dir() / LANG_SUBDIR[lang] / KNOWLEDGE_SUBDIR
    stem = knowledge_jobs(dataset, [customer_id], segment_report=False)[0][0]
    pdf = out / f"{stem}.pdf"
    notes = rep["notes"]["created_at"]
    newest = max(kb.stamp, pd.Timestamp(notes.max()).value if len(notes) else 0)  # ns since 1970, UTC
    with _PDF_LOCK:
        if not pdf.exists() or pdf.stat().st_mtime_ns < newest:
            result = build_knowledge_reports(paths.NOTEBOOKS, out, dataset, customers=[customer_id],
                                             segment_report=False, progress=False, lang=lang)[0]
            if not result.ok:
                return _page("error.html", 500, code=500, message=i18n.tr("The PDF could not be made: {error}",
                                                                           error=result.error))
    _log("download_pdf", customer_id)
    return send_file(pdf, mimetype="application/pdf", download_name=pdf.name)


# ------------------------------------------------------------------ segments

@requires("sales")
def segments():
    with crm()["kb"].cursor() as con:
        table = segment_overview(con)
    return _page("segments.html", table=Markup(tables.to_html(table, max_rows=None)), names=list(table["segment"]))


@requires("sales")
def segment(name: str):
    with crm()["kb"].cursor() as con:
        try:
            rep = segment_report(con, name, None, 20)
        except DataError:
            abort(404)
        sections = segment_sections(rep, con, draw=False)
        summary = knowledge_summary(rep, "segment")
    _log("view_segment", detail=name)
    return _page("segment.html", name=name, title=markdown(report_title(rep, "segment")), summary=markdown(summary),
                 sections=sections_html(sections, lambda fig: url_for("segment_figure", name=name, fig=fig)))


@requires("sales")
def segment_figure(name: str, fig: str):
    kb = crm()["kb"]
    with kb.cursor() as con:
        try:
            rep = segment_report(con, name, None, 20)
        except DataError:
            abort(404)
        figure = next((c for _, c in segment_sections(rep, con, draw=False) if getattr(c, "name", None) == fig), None)
        if figure is None:
            abort(404)
        return _svg(("segment", name, fig, i18n.get_language(), kb.stamp), figure.draw)


# ------------------------------------------------------------------ analysts

@requires("analyst")
def entries():
    args = {k: request.args.get(k, "").strip() for k in ("kind", "category", "code", "q")}
    page = request.args.get("page", "1")
    with crm()["kb"].cursor() as con:
        options = filter_options(con)
        try:
            rows, total = knowledge_entries(con, **args, page=page, per_page=PER_PAGE)
        except DataError as exc:
            return _page("entries.html", 400, args=args, options=options, error=str(exc.args[0]), table=None)
    _log("view_entries", detail=" ".join(f"{k}={v}" for k, v in args.items() if v)[:200])
    return _page("entries.html", args=args, options=options, where=pager(total, int(page), PER_PAGE),
                 table=Markup(tables.to_html(rows, max_rows=None)) if len(rows) else None)


@requires("analyst")
def downloads():
    return _page("tables.html", downloads=DOWNLOADS)


@requires("analyst")
def download_table(name: str):
    if name not in DOWNLOADS:
        abort(404)
    if name == "staff_notes":
        frame = sharing().notes()
    else:
        with crm()["kb"].cursor() as con:
            frame = con.execute(f'SELECT * FROM "{name}"').df()  # name is one of DOWNLOADS, never user text
    _log("download_table", detail=name)
    response = Response(frame.to_csv(index=False), mimetype="text/csv")
    response.headers["Content-Disposition"] = f"attachment; filename={crm()['dataset']}_{name}.csv"
    return response


# ------------------------------------------------------------------ admin

@requires("admin")
def users():
    message, status = None, 200
    if request.method == "POST":
        action, name = request.form.get("action", ""), request.form.get("name", "").strip()
        try:
            if action == "add":
                accounts().add(name, check_password(request.form.get("password", "")), request.form.get("role", ""))
                _log("add_user", detail=f"{name} as {request.form.get('role')}")
            elif action == "set_role":
                accounts().set_role(name, request.form.get("role", ""))
                _log("set_role", detail=f"{name} → {request.form.get('role')}")
            elif action == "disable":
                if name == current_user.name:
                    raise AccountError(i18n.tr("you cannot disable your own account"))
                accounts().set_active(name, False)
                _log("disable_user", detail=name)
            else:
                raise AccountError(i18n.tr("unknown action {action}", action=repr(action[:20])))
            message = i18n.tr("Done: {action} {name}.", action=action, name=name)
        except AccountError as exc:
            message, status = str(exc), 400
    return _page("users.html", status, users=accounts().table(), message=message)


@requires("admin")
def audit():
    try:
        page = page_number(request.args.get("page", "1"))
    except DataError as exc:
        return _error(400, str(exc.args[0]))
    user, action = request.args.get("user", "").strip(), request.args.get("action", "").strip()
    rows, total = sharing().audit(limit=50, offset=(page - 1) * 50, user=user or None, action=action or None)
    _log("view_audit")
    return _page("audit.html", table=Markup(tables.to_html(rows, max_rows=None)) if len(rows) else None,
                 where=pager(total, page, 50), args={"user": user, "action": action}, actions=AUDIT_ACTIONS)


def home():
    return redirect(url_for("customers"))


# ------------------------------------------------------------------ errors

def _error(code: int, message: str):
    return _page("error.html", code, code=code, message=message)


ERRORS: dict[Any, Callable[[Any], Any]] = {
    403: lambda e: _error(403, i18n.tr("Your role does not allow this page.")),
    404: lambda e: _error(404, i18n.tr("Not found.")),
    500: lambda e: _error(500, i18n.tr("Something went wrong on the server; the error is in its log.")),
    429: lambda e: _error(429, i18n.tr("Too many failed sign-ins: wait a minute and try again.")),
    CSRFError: lambda e: _error(400, i18n.tr("The form expired or did not come from this site: reload the page and "
                                             "send it again.")),
}

#: ``(rule, endpoint view, methods)`` of every page.
ROUTES: list[tuple[str, Callable[..., Any], tuple[str, ...]]] = [
    ("/", home, ("GET",)),
    ("/sign-in", sign_in, ("GET", "POST")),
    ("/sign-out", sign_out, ("POST",)),
    ("/language", set_language, ("POST",)),
    ("/customers", customers, ("GET",)),
    ("/customers/<customer_id>", profile, ("GET",)),
    ("/customers/<customer_id>/notes", add_note, ("POST",)),
    ("/customers/<customer_id>/figures/<name>.svg", customer_figure, ("GET",)),
    ("/customers/<customer_id>/report.pdf", customer_pdf, ("GET",)),
    ("/segments", segments, ("GET",)),
    ("/segments/<name>", segment, ("GET",)),
    ("/segments/<name>/figures/<fig>.svg", segment_figure, ("GET",)),
    ("/entries", entries, ("GET",)),
    ("/tables", downloads, ("GET",)),
    ("/tables/<name>.csv", download_table, ("GET",)),
    ("/admin/users", users, ("GET", "POST")),
    ("/admin/audit", audit, ("GET",)),
]


def register(app: Flask, limiter: Limiter) -> None:
    """Add :data:`ROUTES` and :data:`ERRORS` to ``app``; failed sign-ins limited per address and per name."""
    failed = dict(methods=["POST"], deduct_when=lambda response: response.status_code == 401)
    for rule, view, methods in ROUTES:
        if view is sign_in:
            view = limiter.limit(SIGN_IN_LIMITS, key_func=get_remote_address, **failed)(view)
            view = limiter.limit(SIGN_IN_LIMITS, key_func=lambda: "name:" + request.form.get("name", "").strip().lower(),
                                 **failed)(view)
        app.add_url_rule(rule, view.__name__, view, methods=list(methods))
    for code, handler in ERRORS.items():
        app.register_error_handler(code, handler)
    app.jinja_env.globals.update(_=i18n.tr, lang=i18n.get_language, tr_value=i18n.tr_value,
                                 query=lambda page: urlencode({**request.args.to_dict(), "page": page}))
