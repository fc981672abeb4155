"""Notebook 04 on a sample (issue 20): ``segments.parquet`` of every customer equals what the notebook's cells
compute on the whole log, and ``store.load_clv(customers=...)`` reads exactly those customers' rows.

One small clean log (400 customers, written as the store holds it) is scored once by ``clv.score_customers``; the
reference is notebook 04's cells run on the whole log without sampling; :func:`helpers.segment.population_segments`
runs on a 150-customer sample's fitted objects, in chunks of 90 customers, from the log in memory and on disk.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import clv, paths, segment, store
from helpers.errors import DataError
from helpers.largelog import ParquetLog

DATASET = "popseg"
KEEP = ["customer_id", "abc_class", "abc_class_clv", "r_score", "f_score", "m_score", "rfm_score", "rfm_segment",
        "rfm_segment_zh", *segment.SEGMENT_COLUMNS.values(), "cluster", "cluster_name", "value_need_quadrant",
        "lifecycle_stage", "revenue", "flagged_orders", "flagged_amount"]
SETTINGS = {"q": 5, "scheme": "cn8", "abc_cutoffs": (0.8, 0.95)}


def clean_log(n_customers: int = 400, seed: int = 7) -> pd.DataFrame:
    """A clean log as notebook 02 writes it: lineage, categories, channels, tied prices, flagged orders."""
    rng = np.random.default_rng(seed)
    ids = rng.permutation(n_customers)  # file order is not id order
    rows = []
    for c in range(n_customers):
        first = pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(rng.integers(0, 700)))
        for k in range(int(rng.geometric(0.45))):
            day = first + pd.Timedelta(days=int(rng.integers(0, 130)) * k, hours=int(rng.integers(8, 22)))
            rows.append({"customer_id": f"C{ids[c]:05d}", "order_id": f"O{c}-{k}", "timestamp": day,
                         "amount": float(rng.choice([49.9, 99.0, 199.0, 1999.0, 2299.0, 12.35])),
                         "category": rng.choice(["phone", "accessory", "tv", "wearable"]),
                         "channel": rng.choice(["mall", "tmall", "store"]), "flag_extreme": bool(rng.random() < 0.03)})
    log = pd.DataFrame(rows)
    log = log.loc[log["timestamp"] <= pd.Timestamp("2024-12-31 23:00")].reset_index(drop=True)
    log["source_file"] = "orders.csv"
    log["source_row"] = np.arange(2, len(log) + 2)
    return log


def notebook_04(tx, dataset: str, max_customers: int | None):
    """Notebook 04's cells, as they run (parameters ``SETTINGS``, k_range (2, 4), seed 0)."""
    tx = clv.analysis_sample(tx, max_customers, seed=0)
    rfm = segment.rfm_table(clv.rfm_summary(tx, monetary_value_col="amount", include_first_transaction=True))
    scores = store.load_clv(dataset, customers=rfm["customer_id"] if clv.is_sample(tx) else None)
    customers = segment.customer_table(tx, rfm, scores, summary=scores)
    matrix = segment.value_need_matrix(customers, value_col="clv")
    customers["value_need_quadrant"] = matrix["quadrant"].to_numpy()
    customers["abc_class"] = segment.abc_classes(customers, "revenue", SETTINGS["abc_cutoffs"])["abc_class"]
    customers["abc_class_clv"] = segment.abc_classes(customers, "clv", SETTINGS["abc_cutoffs"])["abc_class"]
    rfm_s = segment.rfm_scores(rfm, SETTINGS["q"])
    for column in ("r_score", "f_score", "m_score", "rfm_score"):
        customers[column] = rfm_s[column].to_numpy()
    for scheme, column in segment.SEGMENT_COLUMNS.items():
        customers[column] = segment.assign_rfm_segments(rfm, scheme)["segment"].to_numpy()
    customers["rfm_segment"] = customers[segment.SEGMENT_COLUMNS[SETTINGS["scheme"]]]
    customers["rfm_segment_zh"] = customers["rfm_segment"].map(segment.SEGMENT_ZH)
    clusters = segment.CustomerClusters(k_range=(2, 4), seed=0, order_by="clv").fit(customers)
    profile = clusters.profile(customers, value_col="revenue")
    customers["cluster"] = clusters.labels_.to_numpy()
    customers["cluster_name"] = customers["cluster"].map(profile.set_index("cluster")["name"])
    customers["lifecycle_stage"] = segment.lifecycle_stage(customers).to_numpy()
    return tx, rfm, scores, customers, matrix, clusters, profile


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The store (clean log, notebook 03's scores), notebook 04 on the whole log, and the sample's fitted objects."""
    root = tmp_path_factory.mktemp("popseg")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(paths, "PROCESSED", root / "processed")
        mp.setattr(paths, "INTERIM", root / "interim")
        log = clean_log()
        folder = store.save_processed(DATASET, log, log.iloc[:0], pd.DataFrame({"step": ["kept"], "rows": [len(log)]}),
                                      {"label": "SIMULATED test log", "currency": "CNY"})
        summary = clv.rfm_summary(log, monetary_value_col="amount", time_unit="D", time_scaler=7)
        clv.write_scores(DATASET, summary, clv.score_customers(summary, horizon=52, time_unit="W"))
        disk = ParquetLog.open(folder / "transactions.parquet")  # the log as notebook 02 leaves a large one
        whole = {"log": notebook_04(store.load_processed(DATASET)[0], DATASET, None),
                 "disk": notebook_04(disk, DATASET, None)}
        sample = notebook_04(log, DATASET, 150)
        yield {"log": log, "disk": disk, "whole": whole, "sample": sample}


def population(world, source: str) -> pd.DataFrame:
    tx, rfm, scores, customers, matrix, clusters, profile = world["sample"]
    summarise = lambda log: clv.rfm_summary(log, monetary_value_col="amount", include_first_transaction=True,  # noqa: E731
                                            observation_period_end=rfm.attrs["observation_period_end"])
    path, n = segment.population_segments(DATASET, world[source], summarise, KEEP, scores=scores, clusters=clusters,
                                          cluster_profile=profile, need_col=matrix.attrs["need_col"],
                                          chunk_customers=90, **SETTINGS)
    table = store.load_segments(DATASET)
    assert n == len(table) and path.name == "segments.parquet"
    return table


@pytest.mark.parametrize("source", ["log", "disk"])
def test_population_segments_equal_the_notebooks_cells_on_the_whole_log(world, source):
    table = population(world, source)
    customers = world["whole"][source][3]  # notebook 04 on the whole log, in memory or on disk (DuckDB's aggregates)
    assert world["sample"][0].attrs["population_customers"] == len(customers) > 150  # the sample is a sample
    assert list(table.columns) == KEEP
    assert table["customer_id"].tolist() == sorted(customers["customer_id"].astype(str))  # every customer, sorted
    expected = customers.assign(customer_id=customers["customer_id"].astype(str)).set_index("customer_id")
    got = table.set_index("customer_id")
    for column in KEEP[1:]:
        if column in ("cluster", "cluster_name"):
            continue
        pd.testing.assert_series_equal(got[column], expected.loc[got.index, column], check_dtype=False,
                                       check_categorical=False, check_exact=True, check_index_type=False,
                                       obj=column)
    # the clusters: the k-means fitted on the sample predicts every customer, named by the sample's profile
    clusters, profile = world["sample"][5], world["sample"][6]
    predicted = clusters.predict(customers).to_numpy()
    assert (got["cluster"].to_numpy() == predicted[np.argsort(customers["customer_id"].astype(str).to_numpy())]).all()
    assert got["cluster_name"].equals(got["cluster"].map(profile.set_index("cluster")["name"]))
    assert 0 < (got["abc_class"] == "A").sum() < len(got)  # not a degenerate log


def test_predict_gives_the_fitted_labels(world):
    customers, clusters = world["whole"]["log"][3], world["whole"]["log"][5]
    assert (clusters.predict(customers).to_numpy() == clusters.labels_.to_numpy()).all()


def test_load_clv_with_customers_reads_exactly_their_rows_with_the_same_attrs(world):
    full = store.load_clv(DATASET)
    ids = full["customer_id"].iloc[::7].tolist()
    part = store.load_clv(DATASET, customers=list(reversed(ids)) + ids[:3] + [None])  # order, repeats, gaps ignored
    pd.testing.assert_frame_equal(part, full.iloc[::7].reset_index(drop=True), check_exact=True)
    assert part.attrs == full.attrs and part.attrs["sha256"] == full.attrs["sha256"]
    with pytest.raises(DataError, match="no row for customer 'nobody'"):
        store.load_clv(DATASET, customers=ids[:2] + ["nobody"])


def test_the_data_sentence_counts_the_whole_log_not_the_sample(world):
    log = world["log"]
    tx, customers = world["sample"][0], world["sample"][3]
    facts = segment.log_facts(log, tx, customers)
    assert facts == {"customers": log["customer_id"].nunique(), "lines": len(log),
                     "revenue": pytest.approx(log["amount"].sum(), rel=1e-12)}
    assert facts["customers"] > len(customers)
    disk = segment.log_facts(world["disk"], tx, customers)
    assert disk["revenue"] == pytest.approx(log["amount"].sum(), rel=1e-12)
    whole = world["whole"]["log"]
    assert segment.log_facts(whole[0], whole[0], whole[3]) == {"customers": len(whole[3]), "lines": len(whole[0]),
                                                             "revenue": whole[3]["revenue"].sum()}


def test_a_failure_leaves_no_partial_segments_behind(world):
    tx, rfm, scores, customers, matrix, clusters, profile = world["sample"]
    before = sorted(p.name for p in paths.processed_dir(DATASET).iterdir())

    def broken(log):
        raise DataError("the summary failed")

    (paths.processed_dir(DATASET) / "segments.parquet").unlink(missing_ok=True)
    with pytest.raises(DataError, match="the summary failed"):
        segment.population_segments(DATASET, world["log"], broken, KEEP, scores=scores, clusters=clusters,
                                    cluster_profile=profile, need_col=matrix.attrs["need_col"], chunk_customers=90,
                                    **SETTINGS)
    after = sorted(p.name for p in paths.processed_dir(DATASET).iterdir())
    assert "segments.parquet" not in after and not [p for p in after if "partial" in p]
    assert set(after) <= set(before)


def test_the_count_claim_counts_every_scored_customer_when_given_a_samples_scores(world):
    scores = world["sample"][2]
    assert len(scores) == 150 < scores.attrs["rows"]
    assert clv.dataset_count_claim(DATASET, scores) == clv.dataset_count_claim(DATASET)
    assert clv.dataset_count_claim(DATASET, scores)[1]["modelled"] == scores.attrs["rows"]


def test_the_count_claim_is_counted_once_and_recounted_when_an_input_changes(world, monkeypatch):
    from helpers import i18n
    from helpers.clv import counts

    (paths.processed_dir(DATASET) / "counts.json").unlink(missing_ok=True)
    scores = world["sample"][2]
    text, numbers = clv.dataset_count_claim(DATASET, scores)  # counted, and kept with its inputs
    saved = store.load_counts(DATASET, store.count_inputs(DATASET))
    assert saved == numbers and numbers["modelled"] == scores.attrs["rows"]

    def refused(*args, **kwargs):
        raise AssertionError("counted again")

    with monkeypatch.context() as mp:  # the same inputs: read back, the sentence written anew in the language asked
        mp.setattr(counts, "count_numbers", refused)
        assert clv.dataset_count_claim(DATASET, scores) == (text, numbers)
        i18n.set_language("zh", strict=True)
        try:
            zh_text, zh_numbers = clv.dataset_count_claim(DATASET)
        finally:
            i18n.set_language("en")
        assert zh_numbers == numbers and zh_text != text and f"{numbers['modelled']:,}" in zh_text
        other = scores.copy()
        other.attrs = {}  # scores not read from the store (no fingerprint): counted
        with pytest.raises(AssertionError, match="counted again"):
            clv.dataset_count_claim(DATASET, other)
    meta_path = paths.processed_dir(DATASET) / "metadata.json"
    meta = meta_path.read_text(encoding="utf-8")
    calls = []
    monkeypatch.setattr(counts, "count_numbers", lambda *a, **k: calls.append(1) or dict(numbers, modelled=-1))
    try:  # another clean log (its fingerprint differs): counted again, and that count kept
        meta_path.write_text(meta.replace('"transactions_sha256": "', '"transactions_sha256": "0'), encoding="utf-8")
        with pytest.raises(DataError):  # the scores rest on the former cleaning: the store refuses them first
            store.load_clv(DATASET)
        assert store.load_counts(DATASET, store.count_inputs(DATASET)) is None
    finally:
        meta_path.write_text(meta, encoding="utf-8")
    (paths.processed_dir(DATASET) / "counts.json").write_text(
        (paths.processed_dir(DATASET) / "counts.json").read_text(encoding="utf-8").replace(
            '"clv_sha256": "', '"clv_sha256": "0'), encoding="utf-8")  # counted from other scores
    assert clv.dataset_count_claim(DATASET)[1]["modelled"] == -1 and calls == [1]
    assert store.load_counts(DATASET, store.count_inputs(DATASET))["modelled"] == -1
    (paths.processed_dir(DATASET) / "counts.json").unlink()


def _ends_on_the_last_day(log: pd.DataFrame, n: int, seed: int) -> bool:
    try:
        clv.analysis_sample(log, n, seed=seed)
    except DataError:  # a draw without a customer of the last day is refused
        return False
    return True


def test_the_sample_of_the_stores_log_is_drawn_once_and_again_when_the_log_or_the_draw_changes(world, monkeypatch):
    from helpers.clv import sampling

    folder = paths.processed_dir(DATASET)
    drawn = clv.analysis_sample(world["disk"], 150, seed=0, dataset=DATASET)  # 03: drawn, kept in the store
    assert (folder / "sample.parquet").exists() and drawn.attrs["sampled_customers"] == 150
    again = clv.analysis_sample(world["disk"], 150, seed=0)  # without the dataset: drawn, not read back
    pd.testing.assert_frame_equal(again, drawn, check_exact=True)
    assert again.attrs == drawn.attrs
    seed = next(s for s in range(1, 50) if _ends_on_the_last_day(world["log"], 150, s))
    calls, draw = [], sampling.sample_log
    monkeypatch.setattr(sampling, "sample_log", lambda *a, **k: calls.append(k["seed"]) or draw(*a, **k))
    read = clv.analysis_sample(world["disk"], 150, seed=0, dataset=DATASET)  # 04: read back, not drawn
    pd.testing.assert_frame_equal(read, drawn, check_exact=True)
    assert read.attrs == drawn.attrs and calls == []
    other = clv.analysis_sample(world["disk"], 150, seed=seed, dataset=DATASET)  # another draw: drawn, and kept
    assert calls == [seed] and not other["customer_id"].equals(drawn["customer_id"])
    clv.analysis_sample(world["disk"], 300, seed=seed, dataset=DATASET)
    assert calls == [seed, seed]
    meta_path = folder / "metadata.json"
    meta = meta_path.read_text(encoding="utf-8")
    try:  # another clean log (its fingerprint): drawn again
        meta_path.write_text(meta.replace('"transactions_sha256": "', '"transactions_sha256": "0'), encoding="utf-8")
        clv.analysis_sample(world["disk"], 300, seed=seed, dataset=DATASET)
    finally:
        meta_path.write_text(meta, encoding="utf-8")
    assert calls == [seed] * 3
    in_memory = clv.analysis_sample(world["log"], 150, seed=0, dataset=DATASET)  # a log in memory: drawn (its
    assert calls == [seed] * 3 + [0] and in_memory.attrs == drawn.attrs  # fingerprint is unknown), never read back
    (folder / "sample.parquet").unlink()
    (folder / "sample.json").unlink()


@pytest.mark.parametrize("step", [1, 7, 90, 10_000])
def test_ranges_from_the_scores_ids_are_the_logs_own(world, step):
    ids = store.load_clv(DATASET, columns=["customer_id"])["customer_id"]
    assert store.customer_id_steps(DATASET, "clv", step) == ids.iloc[::step].tolist()
    assert (segment.population.customer_ranges(world["disk"], step, DATASET)  # the store's ids
            == segment.population.customer_ranges(world["disk"], step))  # the log's, numbered by DuckDB


def test_columns_and_schemes_it_cannot_compute_are_refused_before_anything_is_read(world):
    tx, rfm, scores, customers, matrix, clusters, profile = world["sample"]
    args = dict(scores=scores, clusters=clusters, cluster_profile=profile, need_col="n_categories")
    with pytest.raises(ValueError, match="last_channel"):
        segment.population_segments(DATASET, world["log"], None, KEEP + ["last_channel"], **args)
    with pytest.raises(ValueError, match="rfm99"):
        segment.population_segments(DATASET, world["log"], None, KEEP, scheme="rfm99", **args)


def test_abc_codes_refuse_what_abc_classes_refuses():
    from helpers.segment.abc import abc_class_codes

    assert abc_class_codes(np.array([1.0, 3.0, 0.0])).tolist() == [0, 0, 2]  # 3 → 75%, 1 crosses 80%: A; 0: C
    for values, cutoffs, error in ((np.zeros(3), (0.8, 0.95), DataError), (np.array([1.0, -1.0]), (0.8, 0.95), DataError),
                                   (np.array([1.0, np.nan]), (0.8, 0.95), DataError),
                                   (np.array([1.0, 2.0]), (0.95, 0.8), ValueError)):
        with pytest.raises(error):
            abc_class_codes(values, cutoffs)
