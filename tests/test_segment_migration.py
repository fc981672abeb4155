"""Segment migration (issue 19): RFM segments and lifecycle stages at the calibration end against the holdout end,
and the share of each segment who came back, on the CDNOW sample (real data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import clv, i18n, segment
from helpers.errors import DataError

CAL_END, HOLDOUT_END = "1997-09-30", "1998-06-30"


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    from helpers.acquire import load_cdnow
    from helpers.clean import clean_transactions

    return clean_transactions(load_cdnow("sample").transactions).clean


def _summary(tx: pd.DataFrame, end: str, **kw) -> pd.DataFrame:
    return clv.rfm_summary(tx, monetary_value_col="amount", observation_period_end=end,
                           include_first_transaction=True, **{"time_unit": "D", "time_scaler": 7, **kw})


@pytest.fixture(scope="module")
def summaries(tx):
    return _summary(tx, CAL_END), _summary(tx, HOLDOUT_END)


@pytest.mark.parametrize("scheme", list(segment.RFM_SCHEMES))
def test_migration_counts_every_customer_once_and_came_back_is_the_holdout(tx, summaries, scheme):
    cal, later = summaries
    migration = segment.segment_migration(cal, later, scheme=scheme)
    assert migration.transitions.to_numpy().sum() == len(cal) == 2357
    np.testing.assert_allclose(migration.shares.sum(axis=1).dropna(), 1.0)
    # came back = made a purchase after the calibration end: the holdout count of rfm_train_test_split
    split = clv.rfm_train_test_split(tx, train_period_end=CAL_END, test_period_end=HOLDOUT_END, time_unit="D",
                                     time_scaler=7).set_index("customer_id")
    customers = migration.customers.set_index("customer_id")
    np.testing.assert_array_equal(customers["later_purchases"], split["test_frequency"].reindex(customers.index))
    by_hand = customers.groupby("segment")["came_back"].mean()
    table = migration.came_back.set_index("segment")
    np.testing.assert_allclose(table["share_came_back"], by_hand.reindex(table.index))
    assert table["customers"].sum() == 2357
    # the calibration segment is the one segment_migration's scheme gives on the calibration summary
    direct = segment.assign_rfm_segments(segment.rfm_table(cal), scheme)["segment"].to_numpy()
    np.testing.assert_array_equal(customers["segment"].to_numpy(), direct)
    order = [s for s in segment.RFM_SCHEMES[scheme].segments if s in set(table.index)]
    assert list(table.index) == order


def test_the_rfm10_names_against_what_customers_did(summaries):
    """On CDNOW, champions come back more often than hibernating customers: the check the table is for."""
    migration = segment.segment_migration(*summaries)
    share = migration.came_back.set_index("segment")["share_came_back"]
    assert share["champions"] > share["hibernating"]


def test_lifecycle_stages_with_and_without_p_alive(summaries):
    cal, later = summaries
    model = clv.BetaGeo().fit(_summary_for_model(cal))
    p_cal = pd.Series(model.probability_alive(cal).to_numpy(), index=cal["customer_id"].to_numpy())
    p_later = pd.Series(model.probability_alive(later).to_numpy(), index=later["customer_id"].to_numpy())
    with_p = segment.segment_migration(cal, later, p_alive=p_cal, p_alive_later=p_later)
    without = segment.segment_migration(cal, later)
    for m in (with_p, without):
        assert m.stage_transitions.to_numpy().sum() == 2357
        assert m.stages["customers"].sum() == 2357
    # P(alive) only adds reasons for "at risk" / "lapsed": never fewer customers there
    risky = ["at risk", "lapsed"]
    assert with_p.customers["stage"].isin(risky).sum() >= without.customers["stage"].isin(risky).sum()
    with pytest.raises(DataError, match="P\\(alive\\) is missing"):
        segment.segment_migration(cal, later, p_alive=p_cal.iloc[:10])


def _summary_for_model(cal: pd.DataFrame) -> pd.DataFrame:
    return cal.drop(columns="monetary_value")


def test_migration_refuses_summaries_that_do_not_fit_together(tx, summaries):
    cal, later = summaries
    with pytest.raises(DataError, match="not days"):
        segment.segment_migration(_summary(tx, CAL_END, time_unit="W", time_scaler=1), later)
    with pytest.raises(DataError, match="not in the later summary"):
        segment.segment_migration(cal, later.iloc[5:])
    with pytest.raises(DataError, match="not a later summary"):
        segment.segment_migration(later, cal)
    with pytest.raises(ValueError, match="scheme"):
        segment.segment_migration(cal, later, scheme="nope")


def test_plot_migration_draws_the_matrix_and_the_shares(summaries):
    import matplotlib

    matplotlib.use("Agg")
    from helpers import plotting

    plotting.set_theme(lang="en")  # the CJK font for the Chinese part of the title
    migration = segment.segment_migration(*summaries)
    fig = segment.plot_migration(migration, label="CDNOW sample")
    left, right = fig.axes[:2]
    assert len(left.get_yticklabels()) == len(migration.shares)
    assert len(right.patches) == len(migration.shares)


# ---- issue 19 (evalnb): do the names hold? migration_claim


def test_every_scheme_says_which_of_its_names_mean_buying_now_and_slipping_away():
    for key, scheme in segment.RFM_SCHEMES.items():
        active, slipping = segment.NAMED_ACTIVE_SLIPPING[key]
        assert active and slipping and not set(active) & set(slipping)
        assert set(active) | set(slipping) <= set(scheme.segments)


def _with_shares(migration, shares: dict, stages: dict | None = None):
    """The migration with some came-back shares replaced (the sentence must follow them)."""
    came_back = migration.came_back.copy()
    came_back["share_came_back"] = [shares.get(s, v) for s, v in zip(came_back["segment"], came_back["share_came_back"])]
    staged = migration.stages.copy()
    if stages:
        staged["share_came_back"] = [stages.get(s, v) for s, v in zip(staged["stage"], staged["share_came_back"])]
    return segment.Migration(migration.customers, migration.transitions, migration.shares, came_back, staged,
                             migration.stage_transitions, migration.scheme)


@pytest.mark.parametrize("scheme", list(segment.RFM_SCHEMES))
def test_migration_claim_follows_the_came_back_shares(summaries, scheme):
    cal, later = summaries
    model = clv.BetaGeo().fit(_summary_for_model(cal))
    p_cal = pd.Series(model.probability_alive(cal).to_numpy(), index=cal["customer_id"].to_numpy())
    migration = segment.segment_migration(cal, later, scheme=scheme, p_alive=p_cal, p_alive_later=p_cal.reindex(
        later["customer_id"]).fillna(1.0))
    text, numbers = segment.migration_claim(migration)
    share = migration.came_back.set_index("segment")["share_came_back"]
    assert numbers["top"] == share.idxmax() and numbers["bottom"] == share.idxmin()
    assert text.startswith(f"{share.idxmax()[0].upper()}{share.idxmax()[1:]} came back most often ({share.max():.0%}")
    active, slipping = segment.NAMED_ACTIVE_SLIPPING[scheme]
    wrong = {(a, s) for a in active for s in slipping if a in share and s in share and round(share[a], 2) < round(
        share[s], 2)}
    assert set(numbers["against"]) == wrong
    assert ("here the names hold" in text) == (not wrong and numbers["pairs"] > 0)
    if wrong:
        a, s = numbers["against"][0]
        assert f"{a} ({share[a]:.0%} of" in text and f"{len(wrong)} of {numbers['pairs']} such pairs" in text
        gap = {(x, y): round(share[x], 2) - round(share[y], 2) for x, y in wrong}
        assert gap[(a, s)] == min(gap.values())  # the pair that contradicts the names most


def test_migration_claim_flips_with_the_numbers(summaries):
    cal, later = summaries
    migration = segment.segment_migration(cal, later)
    holding = _with_shares(migration, {"champions": 0.9, "loyal customers": 0.8, "potential loyalists": 0.7,
                                       "new customers": 0.6, "promising": 0.5, "need attention": 0.45,
                                       "about to sleep": 0.4, "at risk": 0.3, "can't lose": 0.2, "hibernating": 0.1},
                           {"active": 0.6, "at risk": 0.3, "lapsed": 0.1})
    text, numbers = segment.migration_claim(holding)
    assert numbers["names_hold"] and "here the names hold" in text and numbers["stage_order_holds"] is not False
    broken = _with_shares(holding, {"promising": 0.45, "can't lose": 0.5}, {"active": 0.2, "at risk": 0.5})
    text, numbers = segment.migration_claim(broken)
    assert not numbers["names_hold"] and numbers["against"] == [("promising", "can't lose")]
    assert "promising (45% of" in text and "came back less often than can't lose (50% of" in text
    present = set(broken.came_back["segment"])
    active, slipping = segment.NAMED_ACTIVE_SLIPPING["rfm10"]
    assert numbers["pairs"] == len(present & set(active)) * len(present & set(slipping))
    assert f"(1 of {numbers['pairs']} such pairs are the wrong way round)" in text
    assert numbers["stage_order_holds"] is False and "not in the order the names say" in text
    i18n.set_language("zh", strict=True)
    try:
        zh = segment.migration_claim(broken)[0]
    finally:
        i18n.set_language("en")
    assert "有潜力的新客" in zh and "名称并非处处成立" in zh and "不一致" in zh


def test_migration_finds_each_customer_by_id_in_the_later_summary_whatever_its_order(summaries):
    cal, later = summaries
    shuffled = later.sample(frac=1.0, random_state=3)  # rows in another order, attrs kept
    shuffled.attrs = later.attrs
    a, b = segment.segment_migration(cal, later), segment.segment_migration(cal, shuffled)
    pd.testing.assert_frame_equal(a.customers, b.customers)
    pd.testing.assert_frame_equal(a.transitions, b.transitions)
    pd.testing.assert_frame_equal(a.came_back, b.came_back)
