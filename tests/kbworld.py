"""A small SIMULATED world integrated into a knowledge base, for the tests of the knowledge base, its reports and
the sharing end (``tests/test_knowledge.py``, ``tests/test_sharing*.py``), and the sharing benchmark."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers import community as cm
from helpers import knowledge as kn
from helpers import topics
from helpers.privacy import pseudonymise
from helpers.simulate import personal_data, simulate_crm

TEST_KEY = b"unit-test-key-not-the-project-key"
DATASET = "kbtest"


def contract_tables(tx: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Segments and CLV tables with notebooks 03–04's contract columns (simple stand-in values)."""
    t = tx.assign(customer_id=tx["customer_id"].astype("string"))
    g = t.groupby("customer_id").agg(n=("order_id", "nunique"), rev=("amount", "sum"), first=("timestamp", "min"),
                                      last=("timestamp", "max"))
    end = t["timestamp"].max()
    weeks = lambda d: d.dt.days / 7  # noqa: E731
    clv = pd.DataFrame({"customer_id": g.index.astype("string"), "frequency": (g["n"] - 1).astype(float),
                        "recency": weeks(g["last"] - g["first"]), "T": weeks(end - g["first"]),
                        "monetary_value": g["rev"] / g["n"]}).reset_index(drop=True)
    clv["p_alive"] = np.clip(1 - weeks(end - g["last"]).to_numpy() / 130, 0.01, 1.0)
    clv["expected_purchases"] = clv["p_alive"] * (clv["frequency"] + 1) / 4
    clv["expected_spend"] = clv["monetary_value"]
    clv["clv"] = clv["expected_purchases"] * clv["expected_spend"]
    r = clv["p_alive"].rank(pct=True)
    f = clv["frequency"].rank(pct=True)
    seg = pd.DataFrame({"customer_id": clv["customer_id"],
                        "abc_class": np.select([clv["clv"].rank(pct=True) > 0.8, clv["clv"].rank(pct=True) > 0.5],
                                               ["A", "B"], "C"),
                        "r_score": np.ceil(5 * r).astype(int), "f_score": np.ceil(5 * f).astype(int), "m_score": 3,
                        "rfm_segment": np.select([(r > 0.6) & (f > 0.6), r <= 0.4], ["champions", "hibernating"],
                                                 "need attention"),
                        "cluster": 0, "value_need_quadrant": "core customers", "lifecycle_stage": "active",
                        "clv": clv["clv"]})
    return seg, clv


def build_world(tmp: Path, dataset: str = DATASET, customers_n: int = 900, seed: int = 21) -> dict[str, Any]:
    """A small SIMULATED world integrated into a knowledge base under ``tmp`` (a processed folder):
    ``tmp/<dataset>/knowledge.duckdb``. ``raw`` holds the customers with their raw personal data (name, phone,
    e-mail), which must never reach a table, report or page."""
    sim = simulate_crm(customers_n, seed=seed)
    raw_people = personal_data(sim.customers["customer_id"], seed=seed)
    customers = sim.customers.merge(raw_people, on="customer_id")
    customers = customers.assign(forum_member=np.where(customers["forum_member"], "是", "否"),
                                 miui_user=np.where(customers["miui_user"], "是", "否"))
    pseudo = pseudonymise(customers, {"name": "name", "phone": "phone", "email": "email"}, key=TEST_KEY)
    # orders of a customer missing from the customer table must not be lost
    orphan = sim.orders.iloc[:2].assign(customer_id="99999999", order_id="ORPHAN-1")
    tx = pd.concat([sim.orders, orphan], ignore_index=True)
    seg, clv = contract_tables(tx)
    sc = cm.simulate_community(sim.customers, seed=seed, activity=4.0)
    members = pseudonymise(sc.tables["members"], {"nickname": "name"}, key=TEST_KEY)
    com = cm.Community("SIMULATED test community", True, {**sc.tables, "members": members}, [])
    model, assigned = topics.fit_post_topics(com.posts, n_topics=8, seed=3)
    inputs = kn.KnowledgeInputs(dataset, "test world (SIMULATED · 模拟数据)", True, "CNY", pseudo, tx, seg, clv, com,
                                model.top_terms_, assigned)
    path = kn.build_knowledge_base(inputs, tmp / dataset / "knowledge.duckdb")
    return {"tmp": tmp, "path": path, "inputs": inputs, "raw": customers, "sim": sc, "tx": tx, "seg": seg,
            "clv": clv, "assigned": assigned}
