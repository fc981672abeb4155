"""Expected answers of the course exercises (helpers.exercises): what they say when a question does not apply."""

from __future__ import annotations

import pandas as pd

from helpers import exercises
from helpers.largelog import ParquetLog


def _lines() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "amount": [10.0, 30.0, 20.0, 40.0],
                         "timestamp": pd.date_range("2013-01-01", periods=4, freq="D"),
                         "channel": pd.array(["online_mall", "carrier", "online_mall", None], dtype="string")})


def test_channel_shares_are_zero_for_a_channel_without_lines_and_none_without_channels(tmp_path):
    lines = _lines()
    assert exercises.channel_line_share(lines, "online_mall") == 0.5
    assert exercises.channel_line_share(lines, "onlne_mall") == 0.0  # a typo is not "no channels"
    assert exercises.channel_revenue_share(lines, "online_mall") == 0.3
    assert exercises.channel_revenue_share(lines, "offline_store") == 0.0
    assert exercises.channel_line_share(lines.drop(columns="channel")) is None
    assert exercises.channel_revenue_share(lines.assign(channel=pd.NA)) is None
    lines.to_parquet(tmp_path / "lines.parquet", index=False)  # the large-log path gives the same answers
    log = ParquetLog.open(tmp_path / "lines.parquet")
    assert exercises.channel_line_share(log, "online_mall") == 0.5
    assert exercises.channel_line_share(log, "onlne_mall") == 0.0
    assert exercises.channel_revenue_share(log, "online_mall") == 0.3
    assert exercises.channel_revenue_share(log, "offline_store") == 0.0


def test_best_segment_keeps_the_size_rule_of_the_question():
    customers = pd.DataFrame({"rfm_segment": ["big"] * 30 + ["small"] * 3,
                              "clv": [10.0] * 30 + [500.0] * 3})
    assert exercises.best_segment_by_clv(customers, "rfm_segment", 30) == "big"  # not the small, richer one
    assert exercises.best_segment_by_clv(customers, "rfm_segment", 31) is None  # no segment qualifies: n/a
