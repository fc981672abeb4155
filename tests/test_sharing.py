"""The sharing end (:mod:`helpers.sharing`) over HTTP: a real waitress server on a free local port, real sessions.

A small SIMULATED world (``tests/kbworld.py``) is integrated into a knowledge base; the application serves it with
one account per role. The tests check signing in (cookies, no user enumeration, rate limit), every page for every
role (allowed or 403), CSRF refusal, the audit trail, notes round-trip (page, sharing file, knowledge report), input
validation, injection strings stored and shown inert, no raw personal data on any page or download, concurrent
writers, the language switch, and the command line (no default account, password from standard input, argon2).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
import requests
from kbworld import DATASET, build_world
from webserver import PASSWORDS, LiveServer, csrf_token, free_port, process_tree, sharing_app, start_serve

from helpers import i18n, knowledge, paths
from helpers.sharing import ROUTES, Accounts, cli

SALES_PAGES = ["/customers", "/segments", "/segments/champions"]
ANALYST_PAGES = ["/entries", "/tables", "/tables/customer_profile.csv", "/tables/staff_notes.csv"]
ADMIN_PAGES = ["/admin/users", "/admin/audit"]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sharing")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(paths, "PROCESSED", tmp)
        mp.setenv("CRM_PROCESSED_DIR", str(tmp))
        w = build_world(tmp)
        yield w


@pytest.fixture(scope="module")
def server(world):
    srv = LiveServer(sharing_app(DATASET, world["tmp"] / "users.sqlite")).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def sessions(server):
    return {role: server.sign_in(role) for role in PASSWORDS}


@pytest.fixture(scope="module")
def customer(world):
    con = knowledge.open_knowledge_base(DATASET, world["path"])
    try:
        return knowledge.example_customer(con)
    finally:
        con.close()


def _store(world) -> knowledge.SharingStore:
    return knowledge.SharingStore.of(DATASET)


def _post(session: requests.Session, url: str, page: str, **data) -> requests.Response:
    token = csrf_token(session.get(page, timeout=30).text)
    return session.post(url, data={"csrf_token": token, **data}, timeout=60, allow_redirects=False)


# ------------------------------------------------------------------ signing in

def test_sign_in_page_sets_a_hardened_session_cookie_and_security_headers(server):
    r = requests.get(f"{server.url}/sign-in", timeout=30)
    assert r.status_code == 200
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY" and r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Cache-Control"] == "no-store"


def test_wrong_password_and_unknown_user_get_the_same_answer(server, world):
    answers = []
    for name, password in (("sales", "wrong-password-1"), ("nobody-here", "wrong-password-1")):
        s = requests.Session()
        token = csrf_token(s.get(f"{server.url}/sign-in", timeout=30).text)
        r = s.post(f"{server.url}/sign-in", data={"name": name, "password": password, "csrf_token": token}, timeout=30)
        answers.append((r.status_code, re.sub(r'value="[^"]+"', "", r.text)))
    assert answers[0] == answers[1]
    assert answers[0][0] == 401 and "Wrong user name or password." in answers[0][1]
    refused, _ = _store(world).audit(action="sign_in_refused")
    assert {"sales", "nobody-here"} <= set(refused["user"])


def test_failed_sign_ins_are_rate_limited_per_address(world):
    srv = LiveServer(sharing_app(DATASET, world["tmp"] / "users.sqlite")).start()  # its own limiter
    try:
        s = requests.Session()
        codes = []
        for _ in range(6):
            token = csrf_token(s.get(f"{srv.url}/sign-in", timeout=30).text)
            codes.append(s.post(f"{srv.url}/sign-in", data={"name": "sales", "password": "not-the-password",
                                                            "csrf_token": token}, timeout=30).status_code)
        assert codes == [401] * 5 + [429]
        token = csrf_token(s.get(f"{srv.url}/sign-in", timeout=30).text)
        right = s.post(f"{srv.url}/sign-in", data={"name": "sales", "password": PASSWORDS["sales"],
                                                   "csrf_token": token}, timeout=30)
        assert right.status_code == 429  # even the right password waits: no oracle for a guesser
    finally:
        srv.stop()


def test_processes_serving_one_users_file_share_the_sign_in_limit(world, tmp_path):
    """Two applications (as two worker processes would be) on one users file count failed sign-ins together."""
    users = tmp_path / "users.sqlite"
    clients = [sharing_app(DATASET, users, own_limits=False).test_client() for _ in range(2)]
    codes = []
    for i in range(6):
        client = clients[i % 2]
        token = csrf_token(client.get("/sign-in").get_data(as_text=True))
        codes.append(client.post("/sign-in", data={"name": "sales", "password": "not-the-password",
                                                   "csrf_token": token}).status_code)
    assert codes == [401] * 5 + [429]
    assert (tmp_path / "users.sqlite.limits").exists()


def test_a_successful_sign_in_is_not_counted_against_the_limit(world):
    srv = LiveServer(sharing_app(DATASET, world["tmp"] / "users.sqlite")).start()
    try:
        for _ in range(7):
            srv.sign_in("analyst")
    finally:
        srv.stop()


def test_sign_in_never_redirects_off_site(server):
    s = requests.Session()
    token = csrf_token(s.get(f"{server.url}/sign-in", timeout=30).text)
    r = s.post(f"{server.url}/sign-in?next=https://evil.example/x", data={
        "name": "sales", "password": PASSWORDS["sales"], "csrf_token": token}, timeout=30, allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"] == "/customers"


def test_anonymous_visitors_are_sent_to_sign_in(server):
    for page in SALES_PAGES + ANALYST_PAGES + ADMIN_PAGES:
        r = requests.get(server.url + page, timeout=30, allow_redirects=False)
        assert r.status_code == 302 and "/sign-in" in r.headers["Location"], page


# ------------------------------------------------------------------ roles

@pytest.mark.parametrize("role", list(PASSWORDS))
def test_each_role_sees_its_pages_and_is_refused_the_others(sessions, server, customer, role):
    allowed = {"sales": SALES_PAGES, "analyst": SALES_PAGES + ANALYST_PAGES,
               "admin": SALES_PAGES + ANALYST_PAGES + ADMIN_PAGES}[role]
    s = sessions[role]
    for page in SALES_PAGES + ANALYST_PAGES + ADMIN_PAGES + [f"/customers/{customer}"]:
        r = s.get(server.url + page, timeout=60)
        expected = 200 if page in allowed or page.startswith("/customers/") else 403
        assert r.status_code == expected, (role, page, r.status_code)
        if expected == 403:
            assert "Your role does not allow this page." in r.text


def test_every_route_is_covered_by_a_role_test():
    rules = {rule for rule, _, _ in ROUTES}
    covered = {"/", "/sign-in", "/sign-out", "/language", "/customers", "/customers/<customer_id>",
               "/customers/<customer_id>/notes", "/customers/<customer_id>/figures/<name>.svg",
               "/customers/<customer_id>/report.pdf", "/segments", "/segments/<name>",
               "/segments/<name>/figures/<fig>.svg", "/entries", "/tables", "/tables/<name>.csv", "/admin/users",
               "/admin/audit"}
    assert rules == covered, rules ^ covered


def test_a_role_change_or_disabled_account_takes_effect_at_once(server, world):
    users = Accounts(world["tmp"] / "users.sqlite")
    users.add("temp-staff", "temp-pass-0001", "analyst")
    s = server.sign_in("temp-staff", "temp-pass-0001")
    assert s.get(f"{server.url}/entries", timeout=30).status_code == 200
    users.set_role("temp-staff", "sales")
    assert s.get(f"{server.url}/entries", timeout=30).status_code == 403
    users.set_active("temp-staff", False)
    assert s.get(f"{server.url}/customers", timeout=30, allow_redirects=False).status_code == 302


# ------------------------------------------------------------------ CSRF

def test_posts_without_a_valid_csrf_token_are_refused(sessions, server, world, customer):
    before = len(_store(world).notes())
    s = sessions["sales"]
    url = f"{server.url}/customers/{customer}/notes"
    no_token = s.post(url, data={"text": "no token"}, timeout=30, allow_redirects=False)
    other = server.sign_in("analyst")
    foreign = csrf_token(other.get(f"{server.url}/customers", timeout=30).text)
    wrong_session = s.post(url, data={"text": "token of another session", "csrf_token": foreign}, timeout=30,
                           allow_redirects=False)
    anonymous = requests.post(f"{server.url}/sign-in", data={"name": "sales", "password": PASSWORDS["sales"]},
                              timeout=30, allow_redirects=False)
    for r in (no_token, wrong_session, anonymous):
        assert r.status_code == 400 and "did not come from this site" in r.text
    assert len(_store(world).notes()) == before


# ------------------------------------------------------------------ notes, audit

def test_a_note_round_trips_to_the_page_the_sharing_file_and_the_report(sessions, server, world, customer):
    s = sessions["sales"]
    page = f"{server.url}/customers/{customer}"
    r = _post(s, f"{page}/notes", page, text="Asked about the battery; offer the care guide.", code="N-01")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/customers/{customer}#notes")
    notes = _store(world).notes(customer)
    mine = notes.loc[notes["text"] == "Asked about the battery; offer the care guide."]
    assert len(mine) == 1
    assert mine.iloc[0][["author", "role", "code"]].tolist() == ["sales", "sales", "N-01"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", mine.iloc[0]["created_at"])
    shown = s.get(page, timeout=30).text
    notes_part = shown[shown.index("Staff notes"):]
    assert "Asked about the battery; offer the care guide." in notes_part and "N-01" in notes_part
    con = knowledge.open_knowledge_base(DATASET, world["path"])
    try:  # the knowledge report reads the same notes (its PDF: tests/test_knowledge.py)
        rep = knowledge.customer_report(con, customer)
        heads = [h for h, _ in knowledge.customer_sections(rep, draw=False)]
    finally:
        con.close()
    assert "Asked about the battery; offer the care guide." in set(rep["notes"]["text"])
    assert any("Staff notes" in h for h in heads)


def test_profile_views_and_writes_are_audited(sessions, server, world, customer):
    store = _store(world)
    s = sessions["analyst"]
    s.get(f"{server.url}/customers/{customer}", timeout=30)
    _post(s, f"{server.url}/customers/{customer}/notes", f"{server.url}/customers/{customer}", text="audit me")
    s.get(f"{server.url}/tables/segment_summary.csv", timeout=30)
    events, total = store.audit(limit=10, user="analyst")
    assert total >= 3
    actions = events[["action", "role", "customer_id"]].head(3).fillna("—").values.tolist()
    assert actions == [["download_table", "analyst", "—"], ["add_note", "analyst", customer],
                       ["view_profile", "analyst", customer]]
    assert events["at"].is_monotonic_decreasing
    with sqlite3.connect(store.path) as con, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM audit")


@pytest.mark.parametrize("text, code, reason", [
    ("x" * 1001, "", "at most 1,000 characters"),
    ("fine", "Z-99", "not in the code scheme"),
    ("", "", "write a note or choose a code"),
    ("call her on 13812345678", "", "phone number or e-mail"),
    ("write to someone@example.com", "", "phone number or e-mail"),
    ("bell\x07", "", "control characters"),
])
def test_invalid_notes_are_refused_with_the_reason_and_not_stored(sessions, server, world, customer, text, code, reason):
    before = len(_store(world).notes())
    page = f"{server.url}/customers/{customer}"
    r = _post(sessions["sales"], f"{page}/notes", page, text=text, code=code)
    assert r.status_code == 400 and reason in r.text
    assert len(_store(world).notes()) == before


def test_unknown_customers_are_404(sessions, server):
    s = sessions["sales"]
    assert s.get(f"{server.url}/customers/no-such-id", timeout=30).status_code == 404
    r = _post(s, f"{server.url}/customers/no-such-id/notes", f"{server.url}/customers", text="lost?")
    assert r.status_code == 404


def test_twenty_concurrent_writers_lose_no_note(server, world, customer):
    store = _store(world)
    before = len(store.notes(customer))
    writers = [server.sign_in("sales") for _ in range(20)]
    page = f"{server.url}/customers/{customer}"
    tokens = [csrf_token(w.get(page, timeout=60).text) for w in writers]
    codes: list[int] = []

    def write(i: int) -> None:
        for k in range(5):
            r = writers[i].post(f"{page}/notes", data={"csrf_token": tokens[i], "text": f"writer {i} note {k}"},
                                timeout=120, allow_redirects=False)
            codes.append(r.status_code)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [302] * 100
    stored = store.notes(customer)
    assert len(stored) - before == 100
    assert {f"writer {i} note {k}" for i in range(20) for k in range(5)} <= set(stored["text"])


# ------------------------------------------------------------------ injection, privacy

INJECTIONS = ["' OR '1'='1", "1; DROP TABLE customers; --", "\" OR 1=1 --", "%' OR '%'='", "_%",
              "<script>alert('x')</script>", "\"><img src=x onerror=alert(1)>"]


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_strings_in_search_match_nothing_and_come_back_inert(sessions, server, world, text):
    s = sessions["analyst"]
    for field in ("q", "segment", "stage", "abc", "topic"):
        r = s.get(f"{server.url}/customers", params={field: text}, timeout=30)
        assert r.status_code == 200 and "No customer matches these filters." in r.text, (field, text)
        assert "<script>alert" not in r.text and "<img src=x" not in r.text
    r = s.get(f"{server.url}/customers", params={"clv_min": text}, timeout=30)
    assert r.status_code == 400 and "lowest CLV must be a number" in r.text
    r = s.get(f"{server.url}/entries", params={"q": text, "code": text}, timeout=30)
    assert r.status_code == 200 and "No entry matches these filters." in r.text
    con = knowledge.open_knowledge_base(DATASET, world["path"])
    try:
        assert con.execute("SELECT count(*) FROM customers").fetchone()[0] == len(world["inputs"].customers) + 1
    finally:
        con.close()


def test_injection_strings_in_notes_are_stored_as_typed_and_shown_as_text(sessions, server, world, customer):
    s = sessions["sales"]
    page = f"{server.url}/customers/{customer}"
    typed = "<script>document.title='pwned'</script> '); DROP TABLE staff_notes; -- <b>bold?</b>"
    assert _post(s, f"{page}/notes", page, text=typed).status_code == 302
    assert typed in set(_store(world).notes(customer)["text"])
    html = s.get(page, timeout=30).text
    assert "<script>document.title" not in html and "<b>bold?</b>" not in html
    shown = html.replace("<wbr>", "").replace("&#39;", "'")
    assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;" in shown and "&lt;b&gt;bold?&lt;/b&gt;" in shown
    csv = sessions["analyst"].get(f"{server.url}/tables/staff_notes.csv", timeout=30).text
    assert "DROP TABLE staff_notes" in csv  # the table is still there, holding the text


def _personal_data_in(text: str, world) -> list[str]:
    raw = world["raw"]
    found = sorted(set(raw["phone"]) & set(re.findall(r"\d{11}", text)))
    found += re.findall(r"[\w.+-]+@example\.com", text)
    windows = {run[i:i + k] for run in re.findall(r"[\u4e00-\u9fff]{3,}", text) for k in (3, 4)
               for i in range(len(run) - k + 1)}
    found += sorted({n for n in raw["name"] if len(n) >= 3} & windows)
    nicks = set(world["sim"].tables["members"]["nickname"])
    found += sorted(n for n in nicks if len(n) >= 4 and n in text)
    return found


@pytest.mark.parametrize("role", list(PASSWORDS))
def test_no_page_or_download_shows_raw_personal_data(sessions, server, world, role):
    s = sessions[role]
    listing = s.get(f"{server.url}/customers", timeout=30).text
    ids = re.findall(r'href="/customers/([^"/#]+)"', listing)[:8]
    pages = [listing, s.get(f"{server.url}/customers", params={"page": 2}, timeout=30).text]
    pages += [s.get(f"{server.url}/customers/{i}", timeout=60).text for i in ids]
    allowed = {"sales": SALES_PAGES, "analyst": SALES_PAGES + ANALYST_PAGES,
               "admin": SALES_PAGES + ANALYST_PAGES + ADMIN_PAGES}[role]
    pages += [s.get(server.url + p, timeout=60).text for p in allowed]
    for name in ("posts_coded", "topics", "feedback_summary") if role != "sales" else ():
        pages.append(s.get(f"{server.url}/tables/{name}.csv", timeout=60).text)
    assert len(ids) == 8
    found = [hit for text in pages for hit in _personal_data_in(text, world)]
    assert not found, found[:5]


# ------------------------------------------------------------------ language, figures, PDF

def test_the_language_switch_serves_every_page_in_chinese_with_no_missing_entry(server, world, customer, monkeypatch):
    monkeypatch.setenv(i18n.STRICT_ENV_VAR, "1")  # a missing catalog entry raises: the page answers 500
    s = server.sign_in("admin")
    r = _post(s, f"{server.url}/language", f"{server.url}/customers", lang="zh", next="/segments")
    assert r.status_code == 302 and r.headers["Location"] == "/segments"
    for page in SALES_PAGES + ANALYST_PAGES[:2] + ADMIN_PAGES + [f"/customers/{customer}"]:
        r = s.get(server.url + page, timeout=60)
        assert r.status_code == 200, (page, r.status_code)
    profile = s.get(f"{server.url}/customers/{customer}", timeout=60).text
    assert "客户概况" in profile and "员工笔记" in profile and "退出" in profile
    assert "Profile" not in re.sub(r"<[^>]+>", " ", profile).split("员工笔记")[0].split("客户概况")[1][:40]


def test_figures_are_svg_drawn_once_per_customer_and_language(sessions, server, customer):
    s = sessions["sales"]
    page = s.get(f"{server.url}/customers/{customer}", timeout=30).text
    src = re.search(r'<img class="figure" src="([^"]+)"', page).group(1)
    first = s.get(server.url + src, timeout=60)
    assert first.status_code == 200 and first.headers["Content-Type"].startswith("image/svg+xml")
    assert first.content.lstrip().startswith(b"<?xml") and b"<svg" in first.content
    assert s.get(server.url + src, timeout=60).content == first.content
    assert s.get(f"{server.url}/customers/{customer}/figures/nothing.svg", timeout=30).status_code == 404


# ------------------------------------------------------------------ admin pages

def test_admin_adds_a_user_changes_the_role_and_disables_it(sessions, server, world):
    s = sessions["admin"]
    page = f"{server.url}/admin/users"
    assert _post(s, page, page, action="add", name="new-seller", role="sales", password="short").status_code == 400
    assert _post(s, page, page, action="add", name="new-seller", role="sales",
                 password="long-enough-pass").status_code == 200
    server.sign_in("new-seller", "long-enough-pass")
    assert _post(s, page, page, action="set_role", name="new-seller", role="analyst").status_code == 200
    assert Accounts(world["tmp"] / "users.sqlite").get("new-seller").role == "analyst"
    assert _post(s, page, page, action="disable", name="admin").status_code == 400  # not oneself
    assert _post(s, page, page, action="disable", name="new-seller").status_code == 200
    assert Accounts(world["tmp"] / "users.sqlite").get("new-seller") is None
    events, _ = _store(world).audit(user="admin")
    assert {"add_user", "set_role", "disable_user"} <= set(events["action"])


# ------------------------------------------------------------------ accounts and the command line

def test_accounts_hash_with_argon2_and_refuse_weak_input(tmp_path):
    users = Accounts(tmp_path / "u.sqlite")
    users.add("ann", "a-long-password", "analyst")
    raw = (tmp_path / "u.sqlite").read_bytes()
    assert b"a-long-password" not in raw and b"$argon2id$" in raw
    assert users.verify("ann", "a-long-password").role == "analyst"
    assert users.verify("ann", "A-long-password") is None and users.verify("bob", "a-long-password") is None
    for name, password, role, message in (("ann", "another-password", "sales", "exists already"),
                                          ("x", "another-password", "sales", "2–32 characters"),
                                          ("Robert'); --", "another-password", "sales", "2–32 characters"),
                                          ("bob", "short", "sales", "at least 10"),
                                          ("bob", "another-password", "root", "role must be one of")):
        with pytest.raises(ValueError, match=message):
            users.add(name, password, role)


def test_serve_refuses_to_start_without_an_account(tmp_path, capsys):
    assert cli.main(["--users-file", str(tmp_path / "none.sqlite"), "serve"]) == 2
    err = capsys.readouterr().err
    assert "no account can sign in yet" in err and "crm-knowledge add-user NAME --role admin" in err


def test_add_user_reads_the_password_from_standard_input(tmp_path, monkeypatch, capsys):
    users_file = tmp_path / "users.sqlite"
    monkeypatch.setattr("sys.stdin", io.StringIO("typed-on-stdin-1\n"))
    assert cli.main(["--users-file", str(users_file), "add-user", "carla", "--role", "sales"]) == 0
    assert Accounts(users_file).verify("carla", "typed-on-stdin-1").role == "sales"
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli.main(["--users-file", str(users_file), "add-user", "dan", "--role", "sales"]) == 2
    assert "at least 10" in capsys.readouterr().err


@pytest.mark.skipif(sys.platform != "linux", reason="reads the process tree from /proc")
def test_serve_runs_one_worker_process_per_requested_worker(world):
    """`crm-knowledge serve --workers 2`: gunicorn's master and two workers, serving; SIGTERM stops them. Each
    response closes its connection, so the next request goes to whichever worker is free (helpers.sharing.server)."""
    port = free_port()
    sharing_app(DATASET, world["tmp"] / "users.sqlite")  # the accounts
    proc = start_serve(world["tmp"] / "users.sqlite", world["tmp"], DATASET, port, workers=2, threads=2)
    try:
        line = proc.stdout.readline()  # printed once gunicorn listens
        assert f"on http://127.0.0.1:{port}/ with 2 process(es)" in line, line + proc.stdout.read()
        with requests.Session() as s:  # a client that would keep the connection open
            responses = [s.get(f"http://127.0.0.1:{port}/sign-in", timeout=60) for _ in range(4)]
        assert [r.status_code for r in responses] == [200] * 4
        assert all(r.headers.get("Connection", "").lower() == "close" for r in responses)
        deadline = time.monotonic() + 60  # gunicorn forks its workers once the master listens
        while len(process_tree(proc.pid)) - 1 < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(process_tree(proc.pid)) - 1 == 2
    finally:
        proc.terminate()
        assert proc.wait(timeout=60) == 0


def test_the_default_host_is_this_machine_only():
    args = cli.build_parser().parse_args(["serve"])
    assert args.host == "127.0.0.1" and args.port == 8866 and args.dataset == "xiaomi_sim"


NEEDS_CHROMIUM = pytest.mark.skipif(
    os.environ.get("CI") != "true" and not (shutil.which("chromium") or os.environ.get("CRM_CHROMIUM")),
    reason="Chromium not installed (make test installs it as root); in CI this never skips",
)


@NEEDS_CHROMIUM
def test_the_pdf_link_serves_the_same_profile_with_the_latest_notes(sessions, server, world, customer, tmp_path,
                                                                    monkeypatch):
    monkeypatch.setenv("CRM_REPORTS_DIR", str(tmp_path))
    s = sessions["sales"]
    page = f"{server.url}/customers/{customer}"
    assert 'href="/customers/%s/report.pdf"' % customer in s.get(page, timeout=30).text
    _post(s, f"{page}/notes", page, text="Prefers pick-up in the Beijing store.", code="S-08")
    r = s.get(f"{page}/report.pdf", timeout=300)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/pdf" and r.content[:5] == b"%PDF-"
    pdf = tmp_path / "knowledge" / f"knowledge_{DATASET}_customer_{customer}.pdf"
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                                             text=True, check=True).stdout)
    for part in ("客户个人知识报告", "Profile", "Recommendedaction", "Staffnotes", "Prefers", "S-08", customer):
        assert part in text, part
    built = pdf.stat().st_mtime_ns
    assert s.get(f"{page}/report.pdf", timeout=60).content == r.content  # fresh: served, not rebuilt
    assert pdf.stat().st_mtime_ns == built
    events, _ = _store(world).audit(limit=1, user="sales")
    assert events.iloc[0]["action"] == "download_pdf" and events.iloc[0]["customer_id"] == customer
