"""Feedback topics from Chinese text (客户反馈主题): jieba, stop words, TF-IDF and NMF.

The route, standard for short Chinese texts:

1. **Segmentation** with jieba (精确模式, its default dictionary shipped in the wheel, works
   offline) plus a small domain dictionary (:data:`DOMAIN_WORDS`: product and forum words such
   as 开发版, 通知栏, 红米 that jieba would otherwise split). A private ``jieba.Tokenizer`` is
   used, so adding words never changes jieba's global state for other code.
2. **Filtering**: stop words from ``data/raw/stopwords_zh.txt`` (see its header for its
   basis), tokens shorter than two characters, numbers and short Latin fragments (``2S``).
3. **TF-IDF** (scikit-learn ``TfidfVectorizer`` over the space-joined tokens; sublinear tf,
   ``min_df``/``max_df`` cut rare and ubiquitous words, rows L2-normalised).
4. **NMF** (scikit-learn, ``init="nndsvda"``, seeded): ``X ≈ W H`` with ``W ≥ 0`` the
   document–topic weights and ``H ≥ 0`` the topic–term weights (Lee & Seung 1999; the
   Frobenius loss). Each topic is labelled by its top terms; each post is assigned to its
   largest normalised weight, and the weight share is kept as a confidence.

:func:`match_topics` and :func:`recovery_table` compare fitted topics with known (planted)
keyword sets by an optimal one-to-one assignment (Hungarian algorithm, ``scipy``), which is how
the tests show that NMF recovers the simulated topics and their shares.

References
----------
Lee, D. D. & Seung, H. S. (1999). Learning the parts of objects by non-negative matrix
factorization. *Nature* 401, 788–791.
Sun, J. (2012–). jieba 结巴中文分词. https://github.com/fxsjy/jieba
Pedregosa, F. et al. (2011). Scikit-learn: machine learning in Python. *JMLR* 12, 2825–2830.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from . import store
from .errors import DataError
from .i18n import tr
from .plotting import FIGURE_WIDTH, set_title
from .paths import RAW

STOPWORDS_PATH = RAW / "stopwords_zh.txt"

#: Product and forum words added to jieba's dictionary (it splits e.g. 开发版 into 开发 / 版).
DOMAIN_WORDS: tuple[str, ...] = ("开发版", "稳定版", "通知栏", "状态栏", "同城会", "米粉", "红米", "小米社区",
                                 "米聊", "刷机", "掉电", "断网", "烫手", "发烫", "偏色", "漏光", "触屏", "寄修",
                                 "补差价", "优惠券", "性价比", "小米之家", "米粉节", "闪光灯", "摄像头")
_LATIN_FRAGMENT = re.compile(r"^[0-9A-Za-z.%+\-]{1,2}$|^[0-9.%+\-]+$")
_HAS_WORD = re.compile(r"[\w\u4e00-\u9fff]")


def load_stopwords(path: str | Path = STOPWORDS_PATH) -> frozenset[str]:
    """Stop words from a UTF-8 text file, one per line; ``#`` comments and blank lines skipped."""
    path = Path(path)
    if not path.exists():
        raise DataError("stop-word list not found", file=path,
                        hint="restore data/raw/stopwords_zh.txt or pass stopwords=... explicitly")
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        word = line.strip()
        if word and not word.startswith("#"):
            words.append(word)
    return frozenset(words)


@functools.lru_cache(maxsize=4)
def tokenizer(user_words: tuple[str, ...] = DOMAIN_WORDS):
    """A private, initialised ``jieba.Tokenizer`` with ``user_words`` added (cached per word list).

    The first call builds jieba's prefix dictionary (≈1 s, cached on disk by jieba afterwards).
    """
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    for word in user_words:
        tk.add_word(word)
    return tk


@functools.lru_cache(maxsize=200_000)
def _cut_block(block: str, user_words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(tokenizer(user_words).lcut(block))


def cut_text(text: str, user_words: tuple[str, ...] = DOMAIN_WORDS) -> list[str]:
    """jieba's cut of ``text`` (精确模式 with HMM), with each run of Han characters/letters/digits memoised.

    jieba itself splits text into such runs and cuts each on its own; other characters come out one
    by one (whitespace runs whole), exactly as here.
    """
    import jieba

    out: list[str] = []
    for block in jieba.re_han_default.split(text):
        if not block:
            continue
        if jieba.re_han_default.fullmatch(block):
            out.extend(_cut_block(block, user_words))
        else:
            for piece in jieba.re_skip_default.split(block):
                if jieba.re_skip_default.fullmatch(piece):
                    out.append(piece)
                else:
                    out.extend(piece)
    return out


def tokenize(text: str, stopwords: frozenset[str] | None = None, user_words: tuple[str, ...] = DOMAIN_WORDS,
             min_len: int = 2) -> list[str]:
    """jieba tokens of one text without stop words, punctuation, numbers and short Latin fragments.

    Latin tokens are lower-cased (``MIUI`` → ``miui``). Tokens shorter than ``min_len``
    characters are dropped (most one-character Chinese words are function words). jieba cuts
    each run of Han characters/letters/digits between punctuation on its own, so runs are
    memoised: forum posts repeat short clauses (谢谢大家, 求助) and the result is identical.
    """
    stop = load_stopwords() if stopwords is None else stopwords
    words = tuple(user_words)
    out = []
    for token in cut_text(str(text), words):
        token = token.strip().lower()
        if (len(token) < min_len or token in stop or not _HAS_WORD.search(token)
                or _LATIN_FRAGMENT.match(token)):
            continue
        out.append(token)
    return out


def segment(texts: Iterable[str], stopwords: frozenset[str] | None = None,
            user_words: tuple[str, ...] = DOMAIN_WORDS) -> list[str]:
    """Each text as its filtered jieba tokens joined by single spaces (the input of TF-IDF)."""
    stop = load_stopwords() if stopwords is None else stopwords
    return [" ".join(tokenize(t, stop, user_words)) for t in texts]


class TopicModel:
    """TF-IDF + NMF topic model for short Chinese texts (scikit-learn shaped).

    Parameters
    ----------
    n_topics
        Number of NMF components ``k``.
    min_df, max_df
        Terms in fewer than ``min_df`` documents or more than ``max_df`` (share) are dropped.
    n_top_terms
        Terms kept per topic in :attr:`top_terms_` and labels.
    seed
        ``random_state`` of NMF (``nndsvda`` initialisation is deterministic; the seed matters
        only for ties).
    stopwords, user_words
        Stop words (default: ``data/raw/stopwords_zh.txt``) and extra jieba words.

    Attributes
    ----------
    vectorizer_, nmf_
        The fitted scikit-learn objects.
    terms_
        Vocabulary (array of str).
    components_
        ``H``, shape ``(n_topics, n_terms)``.
    top_terms_
        DataFrame ``topic, rank, term, weight``.
    labels_
        Per topic, its three top terms joined by ``/`` (e.g. ``电池/续航/耗电``).
    reconstruction_err_
        Frobenius norm of ``X − WH``.
    """

    def __init__(self, n_topics: int = 8, min_df: int | float = 3, max_df: float = 0.5, n_top_terms: int = 10,
                 seed: int = 0, stopwords: frozenset[str] | None = None,
                 user_words: tuple[str, ...] = DOMAIN_WORDS) -> None:
        self.n_topics = n_topics
        self.min_df = min_df
        self.max_df = max_df
        self.n_top_terms = n_top_terms
        self.seed = seed
        self.stopwords = stopwords
        self.user_words = tuple(user_words)

    def _segment(self, texts: Iterable[str]) -> list[str]:
        stop = load_stopwords() if self.stopwords is None else self.stopwords
        return segment(texts, stop, self.user_words)

    def fit(self, texts: Sequence[str] | pd.Series) -> "TopicModel":
        """Segment, vectorise and factorise ``texts``; returns ``self``."""
        from sklearn.decomposition import NMF
        from sklearn.feature_extraction.text import TfidfVectorizer

        docs = self._segment(list(texts))
        if sum(bool(d) for d in docs) < max(self.n_topics, 2):
            raise DataError(f"too few texts with words left after stop-word removal to fit {self.n_topics} topics",
                            column="text", hint="use more posts or fewer topics")
        self.vectorizer_ = TfidfVectorizer(token_pattern=r"(?u)[^ ]+", lowercase=False, min_df=self.min_df,
                                           max_df=self.max_df, sublinear_tf=True)
        X = self.vectorizer_.fit_transform(docs)
        self.nmf_ = NMF(n_components=self.n_topics, init="nndsvda", random_state=self.seed, max_iter=500)
        self.doc_topic_ = self.nmf_.fit_transform(X)
        self.components_ = self.nmf_.components_
        self.terms_ = self.vectorizer_.get_feature_names_out()
        self.reconstruction_err_ = float(self.nmf_.reconstruction_err_)
        rows = []
        for k, row in enumerate(self.components_):
            for rank, j in enumerate(np.argsort(row)[::-1][: self.n_top_terms], start=1):
                rows.append({"topic": k, "rank": rank, "term": self.terms_[j], "weight": float(row[j])})
        self.top_terms_ = pd.DataFrame(rows)
        self.labels_ = ["/".join(self.top_terms_.loc[self.top_terms_["topic"] == k, "term"].head(3))
                        for k in range(self.n_topics)]
        return self

    def transform(self, texts: Sequence[str] | pd.Series) -> np.ndarray:
        """Document–topic weights ``W`` of new texts, shape ``(n_texts, n_topics)``."""
        X = self.vectorizer_.transform(self._segment(list(texts)))
        return self.nmf_.transform(X)

    def assign(self, texts: Sequence[str] | pd.Series | None = None) -> pd.DataFrame:
        """Topic of each text: ``topic`` (argmax of W), ``topic_label``, ``topic_weight``, ``confidence``.

        ``confidence`` is the winning weight's share of the row sum (1 = only that topic);
        texts with no known word get ``topic = -1`` and confidence 0. ``texts=None`` assigns
        the training texts.
        """
        W = self.doc_topic_ if texts is None else self.transform(texts)
        total = W.sum(axis=1)
        best = W.argmax(axis=1)
        empty = total <= 0
        conf = np.where(empty, 0.0, W.max(axis=1) / np.where(empty, 1.0, total))
        labels = np.array(self.labels_, dtype=object)[best]
        return pd.DataFrame({"topic": np.where(empty, -1, best), "topic_label": np.where(empty, "", labels),
                             "topic_weight": W.max(axis=1), "confidence": conf})

    def topic_table(self, assignments: pd.DataFrame | None = None) -> pd.DataFrame:
        """One row per topic: ``topic, label, top_terms, posts, share`` (share of assigned texts)."""
        a = self.assign() if assignments is None else assignments
        counts = a.loc[a["topic"] >= 0, "topic"].value_counts()
        n = int((a["topic"] >= 0).sum())
        terms = self.top_terms_.groupby("topic")["term"].apply(lambda s: " ".join(s.head(8)))
        return pd.DataFrame({"topic": range(self.n_topics), "label": self.labels_,
                             "top_terms": [terms[k] for k in range(self.n_topics)],
                             "posts": [int(counts.get(k, 0)) for k in range(self.n_topics)],
                             "share": [round(counts.get(k, 0) / n, 4) if n else 0.0 for k in range(self.n_topics)]})


def keyword_scores(model: TopicModel, keywords: Mapping[str, Iterable[str]]) -> pd.DataFrame:
    """How much of each fitted topic's weight falls on each keyword set.

    ``score[name, k] = Σ_{w ∈ keywords[name]} H[k, w] / Σ_w H[k, w]`` (keywords absent from the
    vocabulary count 0). Rows: keyword-set names; columns: topic numbers.
    """
    H = model.components_
    index = {t: j for j, t in enumerate(model.terms_)}
    totals = H.sum(axis=1)
    rows = {}
    for name, words in keywords.items():
        cols = [index[w] for w in words if w in index]
        rows[name] = H[:, cols].sum(axis=1) / np.where(totals > 0, totals, 1.0) if cols else np.zeros(len(H))
    return pd.DataFrame(rows, index=range(len(H))).T


def match_topics(model: TopicModel, keywords: Mapping[str, Iterable[str]]) -> pd.DataFrame:
    """One-to-one match of keyword sets to fitted topics maximising keyword weight (Hungarian).

    Returns ``name, topic, label, score, best_other`` where ``score`` is the matched topic's
    keyword share (:func:`keyword_scores`) and ``best_other`` the highest share of the same
    keyword set on any other topic. Needs at most as many keyword sets as topics.
    """
    from scipy.optimize import linear_sum_assignment

    scores = keyword_scores(model, keywords)
    if len(scores) > model.n_topics:
        raise ValueError(f"{len(scores)} keyword sets but only {model.n_topics} topics")
    rows_idx, cols_idx = linear_sum_assignment(-scores.to_numpy())
    out = []
    for r, c in zip(rows_idx, cols_idx):
        others = np.delete(scores.to_numpy()[r], c)
        out.append({"name": scores.index[r], "topic": int(c), "label": model.labels_[c],
                    "score": float(scores.iat[r, c]), "best_other": float(others.max()) if others.size else 0.0})
    return pd.DataFrame(out)


def recovery_table(model: TopicModel, assignments: pd.DataFrame, truth: pd.Series,
                   keywords: Mapping[str, Iterable[str]], planted_shares: Mapping[str, float]) -> pd.DataFrame:
    """Planted vs recovered topics (simulated data only).

    Parameters
    ----------
    model, assignments
        A fitted :class:`TopicModel` and its :meth:`TopicModel.assign` output for the texts.
    truth
        Planted topic name per text (aligned with ``assignments``).
    keywords, planted_shares
        Planted keyword set and share of posts per topic name.

    Returns
    -------
    DataFrame
        Per planted topic: matched ``topic`` and its ``label``, ``keyword_share`` (matched
        topic's weight on the planted keywords), ``planted_share``, ``estimated_share`` (share of
        posts assigned to the matched topic), ``difference``, ``precision`` and ``recall`` of the
        post assignments against the planted topics.
    """
    matched = match_topics(model, keywords).set_index("name")
    truth = pd.Series(np.asarray(truth), index=assignments.index)
    n = len(assignments)
    rows = []
    for name, share in planted_shares.items():
        k = int(matched.loc[name, "topic"])
        assigned = assignments["topic"] == k
        planted = truth == name
        tp = int((assigned & planted).sum())
        rows.append({"planted_topic": name, "topic": k, "label": matched.loc[name, "label"],
                     "keyword_share": round(float(matched.loc[name, "score"]), 3),
                     "planted_share": float(share), "estimated_share": round(assigned.sum() / n, 4),
                     "observed_share": round(planted.sum() / n, 4),
                     "difference": round(assigned.sum() / n - float(share), 4),
                     "precision": round(tp / max(int(assigned.sum()), 1), 3),
                     "recall": round(tp / max(int(planted.sum()), 1), 3)})
    return pd.DataFrame(rows)


def reconstruction_curve(texts: Sequence[str], ks: Iterable[int] = range(4, 13), seed: int = 0,
                         **kwargs) -> pd.DataFrame:
    """NMF reconstruction error for several ``k`` (an elbow plot to choose the number of topics).

    The texts are segmented and vectorised once; returns ``k, reconstruction_error``.
    """
    from sklearn.decomposition import NMF

    base = TopicModel(n_topics=2, seed=seed, **kwargs).fit(texts)
    X = base.vectorizer_.transform(base._segment(list(texts)))
    rows = []
    for k in ks:
        nmf = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=500).fit(X)
        rows.append({"k": k, "reconstruction_error": float(nmf.reconstruction_err_)})
    return pd.DataFrame(rows)


def post_texts(posts: pd.DataFrame) -> pd.Series:
    """Title and body of each post as one text (titles carry much of a short post's topic)."""
    title = posts["title"].fillna("") if "title" in posts else pd.Series("", index=posts.index)
    return (title.astype(str) + "。" + posts["text"].fillna("").astype(str)).rename("text")


def fit_post_topics(posts: pd.DataFrame, n_topics: int = 8, seed: int = 0, **kwargs) -> tuple[TopicModel,
                                                                                             pd.DataFrame]:
    """Fit a :class:`TopicModel` on posts and return it with ``post_id`` + its assignments."""
    texts = post_texts(posts)
    model = TopicModel(n_topics=n_topics, seed=seed, **kwargs).fit(texts)
    assigned = model.assign()
    assigned.insert(0, "post_id", posts["post_id"].to_numpy())
    return model, assigned


def plot_topics(model: TopicModel, n_terms: int = 6, label: str | None = None):
    """Top terms of each topic as one grid: rows are topics, cells their terms by rank, shaded by weight.

    Shading is the term's NMF weight relative to the topic's top term (one axes: quick to draw).
    """
    import matplotlib.pyplot as plt

    tt = model.top_terms_.loc[model.top_terms_["rank"] <= n_terms]
    weights = tt.pivot(index="topic", columns="rank", values="weight").to_numpy()
    terms = tt.pivot(index="topic", columns="rank", values="term").to_numpy()
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 0.6 + 0.42 * model.n_topics))
    ax.imshow(weights / weights.max(axis=1, keepdims=True), cmap="Blues", aspect="auto", vmin=0, vmax=1.4)
    for i in range(weights.shape[0]):
        for j in range(weights.shape[1]):
            ax.text(j, i, terms[i, j], ha="center", va="center", fontsize=9)
    ax.set_yticks(range(weights.shape[0]), [tr("topic {k}", k=k) for k in range(weights.shape[0])], fontsize=8)
    ax.set_xticks(range(weights.shape[1]), [f"#{r}" for r in range(1, weights.shape[1] + 1)], fontsize=8)
    ax.set_xlabel(tr("rank of the term in the topic (shade: weight relative to the top term)"))
    ax.grid(False)
    title = tr("Feedback topics: top terms (NMF) 反馈主题的高权重词")
    set_title(ax, title, label)
    fig.tight_layout()
    return fig


def save_post_topics(dataset: str, model: TopicModel, assigned: pd.DataFrame) -> Path:
    """Write the post assignments and the topics' top terms (with ``n_topics`` and ``seed``) to the store
    (:func:`helpers.store.save_topics`); returns the assignments' path."""
    return store.save_topics(dataset, assigned, model.top_terms_.assign(n_topics=model.n_topics, seed=model.seed))


def load_or_fit(dataset: str, posts: pd.DataFrame, n_topics: int = 8, seed: int = 0) -> tuple[pd.DataFrame,
                                                                                            pd.DataFrame]:
    """``(top_terms, assignments)`` saved by notebook 06 when they fit these posts, else fitted now.

    Saved results (:func:`helpers.store.load_topics`) are used only when they cover exactly the same
    post ids with the same ``n_topics`` and ``seed``; otherwise the model is fitted (and saved) again.
    """
    saved = store.load_topics(dataset)
    if saved is not None:
        terms, assigned = saved
        same = (len(assigned) == len(posts) and list(assigned["post_id"].astype(str)) == list(posts["post_id"].astype(str))
                and len(terms) and int(terms["n_topics"].iloc[0]) == n_topics and int(terms["seed"].iloc[0]) == seed)
        if same:
            assigned["post_id"] = assigned["post_id"].astype("string")
            return terms.drop(columns=["n_topics", "seed"]), assigned
    model, assigned = fit_post_topics(posts, n_topics=n_topics, seed=seed)
    save_post_topics(dataset, model, assigned)
    return model.top_terms_, assigned
