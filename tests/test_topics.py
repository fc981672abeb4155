"""Tests for :mod:`helpers.topics`: Chinese segmentation, stop words, and recovery of planted topics by NMF.

The central test fits TF-IDF + NMF with k = the number of planted topics on the committed simulated
posts and checks that every planted topic maps to its own NMF component, that the component's top
terms are the planted keywords, and that the estimated share of posts per topic is close to the
planted share. A second, smaller simulated world with another seed checks that this is not luck.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import community as cm
from helpers import paths, store, topics
from helpers.errors import DataError
from helpers.simulate import simulate_customers

SHARE_TOLERANCE = 0.03  # absolute difference between estimated and planted share of posts


@pytest.fixture(scope="module")
def fitted():
    com = cm.load_community(key=b"test")
    model, assigned = topics.fit_post_topics(com.posts, n_topics=len(cm.TOPICS), seed=2014)
    truth = cm.read_posts_truth().set_index("post_id").loc[assigned["post_id"], "topic"].to_numpy()
    return com, model, assigned, truth


def _keywords() -> dict[str, tuple[str, ...]]:
    return {k: t.keywords for k, t in cm.TOPICS.items()}


def _shares() -> dict[str, float]:
    return {k: t.share for k, t in cm.TOPICS.items()}


# --------------------------------------------------------------------------- stop words and segmentation


def test_stopword_list_loads_and_states_its_basis():
    stop = topics.load_stopwords()
    assert {"的", "了", "是", "我们", "，", "。", "小米", "请问", "建议"} <= stop
    assert not {"电池", "续航", "发热", "信号", "屏幕", "售后", "价格", "相机"} & stop, "topic words must survive"
    header = topics.STOPWORDS_PATH.read_text(encoding="utf-8")[:1500]
    assert "哈工大" in header and "goto456/stopwords" in header


def test_tokenize_the_example_from_the_notes():
    tokens = topics.tokenize("小米手机的电池续航太差了，希望下个版本MIUI优化发热问题")
    assert {"电池", "续航", "发热", "miui"} <= set(tokens)
    assert not {"的", "了", "，", "小米", "手机", "希望", "问题"} & set(tokens)


def test_domain_words_are_kept_whole():
    tokens = topics.tokenize("升级开发版以后通知栏很卡")
    assert "开发版" in tokens and "通知栏" in tokens


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["电池", "续航", "，", "。", "的", "MIUI", "开发版", "通知栏", "很", "好", "2S",
                                 "发热", "！", "信号", "小米", "手机", " ", "  ", "烫手", "abc", "é", "ｶ", "\n"]),
                min_size=0, max_size=25))
def test_memoised_cut_equals_jieba_on_the_whole_text(parts):
    """Cutting memoised runs between punctuation gives exactly jieba's own cut of the whole text."""
    text = "".join(parts)
    assert topics.cut_text(text, topics.DOMAIN_WORDS) == topics.tokenizer(topics.DOMAIN_WORDS).lcut(text)


def test_too_few_texts_is_a_data_error():
    with pytest.raises(DataError, match="too few texts"):
        topics.TopicModel(n_topics=8).fit(["的了", "是"])


# --------------------------------------------------------------------------- topic recovery


def test_every_planted_topic_maps_to_a_distinct_nmf_component(fitted):
    _, model, _, _ = fitted
    matched = topics.match_topics(model, _keywords())
    assert matched["topic"].is_unique and len(matched) == len(cm.TOPICS)
    # the match is not forced by the assignment: each keyword set weighs most on its own component
    assert (matched["score"] > 2 * matched["best_other"]).all(), matched
    for _, row in matched.iterrows():
        top3 = row["label"].split("/")
        assert any(term in cm.TOPICS[row["name"]].keywords for term in top3), row


def test_estimated_topic_shares_match_the_planted_shares(fitted):
    _, model, assigned, truth = fitted
    table = topics.recovery_table(model, assigned, truth, _keywords(), _shares())
    assert (table["difference"].abs() <= SHARE_TOLERANCE).all(), table
    assert (table["precision"] >= 0.9).all() and (table["recall"] >= 0.9).all(), table
    assert abs(table["estimated_share"].sum() - 1) < 0.01


def test_recovery_holds_on_another_simulated_world():
    customers = simulate_customers(4000, seed=99)
    sim = cm.simulate_community(customers, seed=99, activity=1.5)
    posts = sim.tables["posts"]
    assert len(posts) > 1000
    model, assigned = topics.fit_post_topics(posts, n_topics=len(cm.TOPICS), seed=1)
    truth = sim.truth_posts.set_index("post_id").loc[assigned["post_id"], "topic"].to_numpy()
    table = topics.recovery_table(model, assigned, truth, _keywords(), _shares())
    n = len(posts)
    se = np.sqrt(table["planted_share"] * (1 - table["planted_share"]) / n)
    assert (table["difference"].abs() <= 4 * se + 0.02).all(), table
    assert (table["recall"] >= 0.85).all(), table


def test_assignments_and_topic_table(fitted):
    _, model, assigned, _ = fitted
    assert assigned["confidence"].between(0, 1).all()
    assert (assigned["topic"] >= 0).all()
    table = model.topic_table(assigned)
    assert table["posts"].sum() == len(assigned)
    assert abs(table["share"].sum() - 1) < 1e-3
    assert list(table["label"]) == model.labels_


def test_transform_of_new_text_finds_its_topic(fitted):
    _, model, _, _ = fitted
    matched = topics.match_topics(model, _keywords()).set_index("name")["topic"]
    new = model.assign(["手机发烫太严重了，散热不行，温度很高", "快递太慢了，客服也不回复，申请换货被拒绝"])
    assert list(new["topic"]) == [matched["heat"], matched["aftersales"]]


def test_load_or_fit_reuses_matching_results_and_refits_otherwise(tmp_path, monkeypatch, fitted):
    com, model, assigned, _ = fitted
    monkeypatch.setattr(paths, "PROCESSED", tmp_path)
    topics.save_post_topics("demo", model, assigned)
    terms, again = topics.load_or_fit("demo", com.posts, n_topics=model.n_topics, seed=model.seed)
    pd.testing.assert_frame_equal(again.reset_index(drop=True), assigned.reset_index(drop=True), check_dtype=False)
    subset = com.posts.iloc[:400]
    terms2, refit = topics.load_or_fit("demo", subset, n_topics=4, seed=model.seed)
    assert len(refit) == 400 and terms2["topic"].nunique() == 4
    assert pd.read_parquet(store.topic_paths("demo")[1])["n_topics"].iloc[0] == 4


def test_reconstruction_error_falls_with_more_topics(fitted):
    com, _, _, _ = fitted
    curve = topics.reconstruction_curve(topics.post_texts(com.posts.iloc[:1500]), ks=[2, 4, 8])
    assert curve["reconstruction_error"].is_monotonic_decreasing
