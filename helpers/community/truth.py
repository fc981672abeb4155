"""The simulation's planted truth, read back for checking the analyses (SIMULATED data only):
the planted topic and polarity of every post, the planted topics and adoption lag, and the true
customer group of every buyer. Real exports have none of this.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from ..paths import RAW
from .io import COMMUNITY_DIR
from .phrases import ADOPTION, TOPICS


def read_posts_truth(folder: Path = COMMUNITY_DIR) -> pd.DataFrame:
    """The planted topic and polarity of every simulated post (``truth/posts_truth.csv``)."""
    return pd.read_csv(Path(folder) / "truth" / "posts_truth.csv", dtype=str, keep_default_na=False)


def planted_topics(manifest: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Planted topics: ``topic, 主题, topic_en, share, keywords`` (from a manifest or :data:`TOPICS`)."""
    topics = (manifest or {}).get("parameters", {}).get("topics")
    if topics is None:
        topics = {k: {"zh": t.label_zh, "en": t.label_en, "share": t.share, "keywords": list(t.keywords)}
                  for k, t in TOPICS.items()}
    return pd.DataFrame([{"topic": k, "主题": v["zh"], "topic_en": v["en"], "share": v["share"],
                          "keywords": " ".join(v["keywords"])} for k, v in topics.items()])


def true_groups(raw_dir: Path = RAW / "xiaomi_sim") -> pd.DataFrame:
    """The simulation's true customer group of every buyer (``customer_id, group``): SIMULATED truth only."""
    truth = pd.read_csv(Path(raw_dir) / "truth" / "customers_truth.csv", dtype={"customer_id": str},
                        usecols=["customer_id", "group"])
    truth["customer_id"] = truth["customer_id"].astype("string")
    return truth


def planted_lag_summary(manifest: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Planted lag from suggestion to 'ready' (Gamma, days) and its mean; the build then waits for Friday."""
    adoption = (manifest or {}).get("parameters", {}).get("adoption", ADOPTION)
    k, theta = adoption["lag_gamma_shape"], adoption["lag_gamma_scale_days"]
    return pd.DataFrame([{"distribution": f"Gamma(shape={k}, scale={theta} days)", "mean lag (days)": k * theta,
                          "expected lead time incl. wait for Friday (days)": round(k * theta + 3.5, 1)}])
