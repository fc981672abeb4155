"""The sharing end's speed-ups keep its answers: the schema facts a request reuses (:func:`helpers.knowledge.use_memo`)
belong to one build of the knowledge base and change when notebook 07 rebuilds it; a note on an unknown customer is
still refused; a figure drawn once is served again as drawn. ``benchmarks/bench_sharing.py`` measures the speed."""

from __future__ import annotations

import os
import re

import pandas as pd
import pytest

from kbworld import DATASET, build_world
from webserver import sharing_app

from helpers import knowledge as kn
from helpers.sharing.state import FigureCache, KnowledgeBase


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return build_world(tmp_path_factory.mktemp("kbmemo"), customers_n=300)


def _plain_rebuild(world, path):
    """Rebuild the knowledge base at ``path`` from the same orders without the community (another schema)."""
    before = path.stat().st_mtime_ns
    plain = kn.KnowledgeInputs(DATASET, "plain rebuild (real)", False, "USD",
                               pd.DataFrame({"customer_id": world["tx"]["customer_id"].drop_duplicates()}),
                               world["tx"], world["seg"], world["clv"])
    kn.build_knowledge_base(plain, path)
    if path.stat().st_mtime_ns == before:  # a coarse clock: the sharing end compares modification times
        os.utime(path, ns=(before + 1000, before + 1000))


def test_memo_answers_as_duckdb_and_starts_afresh_after_a_rebuild(world, tmp_path):
    path = tmp_path / DATASET / "knowledge.duckdb"
    path.parent.mkdir()
    path.write_bytes(world["path"].read_bytes())
    plain = kn.open_knowledge_base(DATASET, path)
    try:
        expected = (kn.meta(plain), kn.has_table(plain, "posts_coded"), kn.profile_columns(plain))
        assert kn.remembered(plain, "meta", lambda: "computed") == "computed"  # no memo: always computed
    finally:
        plain.close()
    kb = KnowledgeBase(DATASET, path)
    with kb.cursor() as con:
        assert (kn.meta(con), kn.has_table(con, "posts_coded"), kn.profile_columns(con)) == expected
        assert expected[1] and "level" in expected[2]
        kn.meta(con)["label"] = "changed by a caller"  # callers get copies
        kn.profile_columns(con).append("x")
        assert kn.remembered(con, "meta", lambda: pytest.fail("asked DuckDB again")) == expected[0]
        assert kn.profile_columns(con) == expected[2]
    with kb.cursor() as con:  # the next request of the same build shares the memo
        kn.remembered(con, "profile_columns", lambda: pytest.fail("asked DuckDB again"))
    _plain_rebuild(world, path)
    with kb.cursor() as con:
        assert not kn.has_table(con, "posts_coded")
        assert kn.meta(con)["label"] == "plain rebuild (real)"
        assert "level" not in kn.profile_columns(con)
        assert kn.remembered(con, "data_end", lambda: "fresh") == "fresh"  # nothing kept from the first build


def test_has_customer(world):
    con = kn.open_knowledge_base(DATASET, world["path"])
    try:
        known = str(world["seg"]["customer_id"].iloc[0])
        assert kn.has_customer(con, known) and not kn.has_customer(con, "no-such-customer")
    finally:
        con.close()


def test_figure_cache_keeps_what_it_drew():
    cache = FigureCache(size=1)
    assert cache.cached(("a",)) is None
    assert cache.get(("a",), lambda: b"<svg/>") == b"<svg/>"
    assert cache.cached(("a",)) == b"<svg/>"
    cache.get(("b",), lambda: b"<svg>b</svg>")
    assert cache.cached(("a",)) is None  # the least recently used went


def test_notes_and_figures_through_the_pages(world, tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_SECRET_KEY", "memo-test-secret")
    app = sharing_app(DATASET, tmp_path / "users.sqlite", kb_path=world["path"], sharing_path=tmp_path / "s.sqlite")
    client = app.test_client()
    page = client.get("/sign-in").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/sign-in", data={"name": "sales", "password": "sales-pass-0001",
                                         "csrf_token": token}).status_code == 302
    known = str(world["seg"]["customer_id"].iloc[0])
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(f"/customers/{known}").text).group(1)
    form = {"text": "asked about the battery", "code": "", "csrf_token": token}
    assert client.post("/customers/no-such-customer/notes", data=form).status_code == 404
    assert client.post(f"/customers/{known}/notes", data=form).status_code == 302
    assert list(app.extensions["crm"]["sharing"].notes()["customer_id"]) == [known]
    first = client.get(f"/customers/{known}/figures/history.svg")
    again = client.get(f"/customers/{known}/figures/history.svg")
    assert first.status_code == again.status_code == 200 and first.data == again.data
    assert first.data.lstrip().startswith((b"<?xml", b"<svg"))
    assert client.get(f"/customers/{known}/figures/nothing.svg").status_code == 404
    assert client.get("/customers/no-such-customer/figures/history.svg").status_code == 404
