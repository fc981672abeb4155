"""Simulating the 小米社区 community of the simulated customers (模拟数据 — SIMULATED).

The generating process (all seeded; see :func:`simulate_community`)
-------------------------------------------------------------------
* **Members.** The customers of :func:`helpers.simulate.simulate_customers` whose
  ``forum_member`` flag is set (论坛会员 = 是 in ``customers.csv``) are forum members linked to
  their customer id; forum-only members without purchases are added (``forum_only_ratio``
  of the linked ones). A member posts at a Gamma-distributed weekly rate whose mean depends on
  the customer group (enthusiasts 发烧友 post most), for an exponential active span.
* **Posts** are of type experience (体验), question (提问) or suggestion (建议). Each post has
  one planted feedback topic drawn with the shares of :data:`~.phrases.TOPICS` (battery, camera,
  heat, signal, system updates, price, screen, after-sales), independent of its type; its Chinese
  text is assembled from phrase banks of that topic (two sentences of the topic, with
  probability ``secondary_share`` one sentence of another topic, plus neutral openers and
  closers). Experience posts are complaints or praise (50/50, recorded). Replies and likes
  are overdispersed counts; replies are written by other members.
* **Adoption.** A suggestion is adopted with a logistic probability rising with its likes,
  after a Gamma-distributed lag (:data:`~.phrases.ADOPTION`); it ships in the first Friday
  developer build (MIUI 开发版, version ``Y.M.D``) on or after post date + lag; builds after the
  end of the observation window are not observed (right-censoring).
* **Meet-ups** of the five city clubs, with check-in lists of members of that city; attendance
  leans towards active members. **No effect of attending on later purchases is planted**
  (purchases come from :mod:`helpers.simulate` and do not depend on the community): any
  difference between attendees and others is selection, which notebook 06 has to show honestly.
* **Polls** (:data:`~.phrases.POLLS`): design alternatives of one feature with planted vote
  shares; one vote per member.

Truth (planted topic of every post, polarity, shares, poll shares, lag parameters) is kept in
``truth/`` and ``manifest.yml`` (written by :mod:`.export`) so tests can check that the analysis
recovers it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..simulate import CITIES, DEFAULT_SEED, OBSERVATION_END, OBSERVATION_START, PHONES
from .phrases import (ADOPTION, CLOSERS, CLUBS, FORUM_ONLY_FACTOR, FORUM_ONLY_GROUPS, MEETUP_TITLES, NICK_BODY,
                      NICK_PREFIX, OPENERS, POLLS, POST_RATE, POST_TYPES, TOPICS)

_STREAM = 506  # SeedSequence stream id of this module (helpers.simulate uses seed + 0…4)


def _rng(seed: int, part: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, _STREAM, part]))


def _hours(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds after midnight, evening-heavy (forum traffic peaks after work)."""
    w = np.array([3, 2, 1, 1, 1, 1, 1, 2, 4, 6, 7, 7, 8, 7, 6, 6, 6, 7, 8, 10, 12, 13, 11, 6], dtype=float)
    return rng.choice(24, size=n, p=w / w.sum()) * 3600 + rng.integers(0, 3600, n)


def _fridays(start: pd.Timestamp = OBSERVATION_START, end: pd.Timestamp = OBSERVATION_END) -> pd.DatetimeIndex:
    return pd.date_range(start, end - pd.Timedelta(days=1), freq="W-FRI")


def dev_build_version(day: pd.Timestamp) -> str:
    """MIUI developer-build version of a Friday build: ``Y.M.D`` with Y the last digit of the year.

    E.g. 2013-05-17 → ``3.5.17``, 2014-06-13 → ``4.6.13`` (MIUI's weekly builds were named so).
    """
    day = pd.Timestamp(day)
    return f"{day.year % 10}.{day.month}.{day.day}"


def _phone_names(when: pd.Series) -> np.ndarray:
    """A phone on sale at each time, named as users write it (小米手机2S 16GB → 小米2S)."""
    names = np.array([p[0].split(" ")[0].replace("手机", "") or p[0] for p in PHONES])
    launch = pd.to_datetime([p[1] for p in PHONES]).to_numpy()
    idx = (launch[None, :] <= when.to_numpy()[:, None]).sum(axis=1) - 1
    back = np.maximum(idx - (np.arange(len(idx)) % 3), 0)  # the newest or one of the two before it
    return names[back]


@dataclass
class SimulatedCommunity:
    """Clean simulated community tables (canonical columns) and their truth."""

    tables: dict[str, pd.DataFrame]
    truth_posts: pd.DataFrame
    seed: int
    parameters: dict[str, Any] = field(default_factory=dict)


def simulate_community(
    customers: pd.DataFrame,
    seed: int = DEFAULT_SEED,
    forum_only_ratio: float = 0.6,
    secondary_share: float = 0.2,
    activity: float = 1.0,
    end: pd.Timestamp = OBSERVATION_END,
) -> SimulatedCommunity:
    """Simulate the 小米社区 community of a simulated customer base (see the module docstring).

    Parameters
    ----------
    customers
        :func:`helpers.simulate.simulate_customers` output (``customer_id, group, signup_date,
        city, forum_member``).
    seed
        Seed; each part (members, posts, replies, adoption, meet-ups, polls) has its own stream.
    forum_only_ratio
        Forum-only members (no purchases) per linked member.
    secondary_share
        Probability that a post adds one sentence of a second topic (noise for the topic model).
    activity
        Multiplier of the posting rates (:data:`POST_RATE`), e.g. 0.2 for a small test world.
    end
        End of observation (exclusive); releases after it are not observed.

    Returns
    -------
    SimulatedCommunity
        ``tables`` with the canonical columns of :data:`SCHEMA` (``nickname`` raw), and
        ``truth_posts``: ``post_id, topic, secondary_topic, polarity`` per post.
    """
    linked = customers.loc[customers["forum_member"].astype(bool)].reset_index(drop=True)
    members = _simulate_members(linked, seed, forum_only_ratio, end)
    posts, truth = _simulate_posts(members, seed, secondary_share, activity, end)
    replies = _simulate_replies(posts, members, seed, end)
    posts["replies"] = posts["post_id"].map(replies["post_id"].value_counts()).fillna(0).astype("int64")
    releases, adoptions = _simulate_adoptions(posts, truth, seed, end)
    meetups, attendance = _simulate_meetups(members, seed, end)
    polls, votes = _simulate_polls(members, seed)
    tables = {"members": members.drop(columns=["_group", "_rate", "_active_end"]), "posts": posts,
              "replies": replies, "releases": releases, "adoptions": adoptions, "meetups": meetups,
              "attendance": attendance, "polls": polls, "votes": votes}
    params = {"seed": int(seed), "forum_only_ratio": forum_only_ratio, "secondary_share": secondary_share,
              "activity": activity, "post_rate_per_week": dict(POST_RATE), "forum_only_factor": FORUM_ONLY_FACTOR,
              "post_types": {k: {"zh": v[0], "share": v[1]} for k, v in POST_TYPES.items()},
              "topics": {k: {"zh": t.label_zh, "en": t.label_en, "share": t.share, "keywords": list(t.keywords)}
                         for k, t in TOPICS.items()},
              "experience_polarity": {"complaint": 0.5, "praise": 0.5},
              "adoption": ADOPTION,
              "clubs": {k: {"club": v[0], "mean_weeks_between": v[1], "mean_attendance": v[2]} for k, v in CLUBS.items()},
              "meetup_effect_on_purchases": "none planted (purchases do not depend on the community)",
              "polls": [{"poll_id": p["poll_id"], "feature": p["feature"],
                         "shares": {k: v[1] for k, v in p["options"].items()}} for p in POLLS]}
    return SimulatedCommunity(tables=tables, truth_posts=truth, seed=seed, parameters=params)


def _simulate_members(linked: pd.DataFrame, seed: int, forum_only_ratio: float, end: pd.Timestamp) -> pd.DataFrame:
    rng = _rng(seed, 1)
    n_l = len(linked)
    signup = pd.to_datetime(linked["signup_date"]).dt.normalize()
    before = rng.random(n_l) < 0.3
    shift = np.where(before, -rng.integers(1, 121, n_l), np.floor(rng.exponential(20.0, n_l)))
    join_l = signup + pd.to_timedelta(shift, unit="D")
    join_l = join_l.where(join_l >= OBSERVATION_START, signup)  # no joins before the window opens
    n_f = int(round(forum_only_ratio * n_l))
    days = pd.date_range(OBSERVATION_START, end - pd.Timedelta(days=1), freq="D")
    growth = np.linspace(0.5, 2.0, len(days))
    join_f = pd.Series(days[rng.choice(len(days), n_f, p=growth / growth.sum())])
    f_groups = list(FORUM_ONLY_GROUPS)
    groups = np.concatenate([linked["group"].astype(str).to_numpy(),
                             rng.choice(f_groups, n_f, p=list(FORUM_ONLY_GROUPS.values()))])
    cities, w = zip(*CITIES)
    w = np.array(w, dtype=float)
    city = np.concatenate([linked["city"].astype(str).to_numpy(), np.array(cities)[rng.choice(len(cities), n_f,
                                                                                               p=w / w.sum())]])
    join = pd.concat([join_l, join_f], ignore_index=True)
    join = join.clip(lower=OBSERVATION_START, upper=end - pd.Timedelta(days=1))
    join = join + pd.to_timedelta(_hours(rng, len(join)), unit="s")
    n = n_l + n_f
    uid = 100_000 + rng.choice(4_900_000, size=n, replace=False)
    nick = np.char.add(np.char.add(np.array(NICK_PREFIX)[rng.integers(0, len(NICK_PREFIX), n)],
                                   np.array(NICK_BODY)[rng.integers(0, len(NICK_BODY), n)]),
                       rng.integers(1, 9999, n).astype(str))
    mean_rate = np.array([POST_RATE[g] for g in groups]) * np.where(np.arange(n) < n_l, 1.0, FORUM_ONLY_FACTOR)
    rate = rng.gamma(shape=0.5, scale=mean_rate / 0.5)
    span_weeks = rng.exponential(80.0, n)
    members = pd.DataFrame({
        "member_id": pd.array(uid.astype(str), dtype="string"),
        "customer_id": pd.array(list(linked["customer_id"].astype(str)) + [pd.NA] * n_f, dtype="string"),
        "nickname": pd.array(nick, dtype="string"),
        "join_date": join.to_numpy(dtype="datetime64[ns]"),
        "city": pd.array(city, dtype="string"),
        "club": pd.array([CLUBS[c][0] if c in CLUBS else pd.NA for c in city], dtype="string"),
        "_group": groups, "_rate": rate,
        "_active_end": np.minimum((join + pd.to_timedelta(span_weeks * 7, unit="D")).to_numpy(dtype="datetime64[ns]"),
                                  np.datetime64(end, "ns")),
    })
    return members.sort_values("join_date", kind="stable").reset_index(drop=True)


def _sentence(bank: tuple[str, ...], rng: np.random.Generator, exclude: str | None = None) -> str:
    choices = [s for s in bank if s != exclude]
    return choices[int(rng.integers(0, len(choices)))]


def compose_post(topic: str, post_type: str, polarity: str | None, rng: np.random.Generator, phone: str,
                 secondary: str | None = None) -> tuple[str, str, str]:
    """Title, text and main sentence of one post of a planted topic and type, in Chinese (SIMULATED).

    One or two sentences of the topic's bank for the type (``complaint``/``praise`` for
    experience posts by ``polarity``), optionally one sentence of ``secondary`` topic, between a
    neutral opener and closer of the type. The main sentence is the first of the topic (for a
    suggestion, what a release note would list when it is adopted).
    """
    t = TOPICS[topic]
    bank_name = polarity if post_type == "experience" else post_type
    bank = getattr(t, bank_name)
    first = _sentence(bank, rng)
    second = _sentence(bank, rng, exclude=first) if rng.random() < 0.75 else ""
    parts = [first, second]
    if secondary is not None:
        parts.insert(int(rng.integers(1, 3)), _sentence(getattr(TOPICS[secondary], bank_name), rng))
    opener = _sentence(OPENERS[post_type], rng).format(phone=phone, n=int(rng.integers(1, 12)))
    closer = _sentence(CLOSERS, rng)
    body = "。".join(p.rstrip("？。") if not p.endswith("？") else p for p in parts if p)
    body = body.replace("？。", "？")
    text = opener + body + ("" if body.endswith("？") else "。") + closer
    if post_type == "suggestion":
        title = f"【建议】{t.title}" + ("相关" if rng.random() < 0.5 else "")
    elif post_type == "question":
        title = f"【求助】{phone}{t.title}" + ("问题" if not t.title.endswith("问题") else "")
    else:
        title = (f"{phone}{t.title}体验" if rng.random() < 0.5 else f"说说{phone}的{t.title}")
    return title, text, first


def _simulate_posts(members: pd.DataFrame, seed: int, secondary_share: float, activity: float,
                    end: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = _rng(seed, 2)
    start = members["join_date"].to_numpy(dtype="datetime64[ns]")
    stop = members["_active_end"].to_numpy(dtype="datetime64[ns]")
    weeks = np.clip((stop - start) / np.timedelta64(7, "D"), 0, None)
    n_posts = rng.poisson(members["_rate"].to_numpy() * activity * weeks)
    owner = np.repeat(np.arange(len(members)), n_posts)
    frac = rng.random(owner.size)
    when = start[owner] + ((stop[owner] - start[owner]).astype("int64") * frac).astype("timedelta64[ns]")
    when = pd.Series(when).dt.floor("D") + pd.to_timedelta(_hours(rng, owner.size), unit="s")
    when = when.where(when < end, pd.Series(start[owner]) + pd.Timedelta(minutes=5))
    n = owner.size
    topic_codes = list(TOPICS)
    shares = np.array([TOPICS[t].share for t in topic_codes])
    topic = np.array(topic_codes)[rng.choice(len(topic_codes), n, p=shares / shares.sum())]
    type_codes = list(POST_TYPES)
    tshare = np.array([POST_TYPES[t][1] for t in type_codes])
    ptype = np.array(type_codes)[rng.choice(len(type_codes), n, p=tshare / tshare.sum())]
    polarity = np.where(ptype == "experience", np.where(rng.random(n) < 0.5, "complaint", "praise"), "")
    has_second = rng.random(n) < secondary_share
    offset = rng.integers(1, len(topic_codes), n)
    second = np.array(topic_codes)[(np.array([topic_codes.index(t) for t in topic]) + offset) % len(topic_codes)]
    phones = _phone_names(when)
    titles, texts, mains = [], [], []
    for i in range(n):
        title, text, main = compose_post(topic[i], ptype[i], polarity[i] or None, rng, phones[i],
                                         second[i] if has_second[i] else None)
        titles.append(title)
        texts.append(text)
        mains.append(main)
    board = _boards(rng, topic, ptype, members["club"].to_numpy()[owner])
    mu = np.select([ptype == "experience", ptype == "question"], [1.3, 0.5], 1.6)
    likes = rng.poisson(np.exp(rng.normal(mu, 0.9)))
    posts = pd.DataFrame({
        "member_id": members["member_id"].to_numpy()[owner], "board": board,
        "post_type": ptype, "title": titles, "text": texts, "timestamp": when.to_numpy(dtype="datetime64[ns]"),
        "replies": 0, "likes": likes.astype("int64"),
        "_topic": topic, "_second": np.where(has_second, second, ""), "_polarity": polarity, "_main": mains})
    posts = posts.sort_values("timestamp", kind="stable").reset_index(drop=True)
    tid = 1_000_000 + np.cumsum(rng.integers(1, 60, len(posts)))
    posts.insert(0, "post_id", pd.array(tid.astype(str), dtype="string"))
    for col in ("member_id", "board", "post_type", "title", "text"):
        posts[col] = posts[col].astype("string")
    truth = pd.DataFrame({"post_id": posts["post_id"], "topic": posts["_topic"],
                          "secondary_topic": posts["_second"], "polarity": posts["_polarity"],
                          "main_sentence": posts["_main"]})
    return posts.drop(columns=["_topic", "_second", "_polarity", "_main"]), truth


def _boards(rng: np.random.Generator, topic: np.ndarray, ptype: np.ndarray, club: np.ndarray) -> np.ndarray:
    n = len(topic)
    u = rng.random(n)
    in_club = pd.notna(club)
    board = np.where(u < 0.6, "小米手机", np.where(u < 0.8, "酷玩帮", "小米学院"))
    board = np.where((ptype == "experience") & (topic == "camera") & (u < 0.55), "随手拍", board)
    board = np.where((ptype == "experience") & in_club & (u > 0.85), "同城会", board)
    board = np.where((topic == "system") & (u < 0.7), "MIUI", board)
    board = np.where((topic == "aftersales") & (ptype == "question") & (u < 0.75), "客服中心", board)
    board = np.where(ptype == "suggestion", np.where(u < 0.75, "建议反馈", np.where(topic == "system", "MIUI",
                                                                                  "小米手机")), board)
    return board


def _simulate_replies(posts: pd.DataFrame, members: pd.DataFrame, seed: int, end: pd.Timestamp) -> pd.DataFrame:
    rng = _rng(seed, 3)
    mu = np.select([posts["post_type"] == "question", posts["post_type"] == "experience"], [1.2, 0.9], 0.8)
    k = rng.poisson(np.exp(rng.normal(mu, 0.7)))
    owner = np.repeat(np.arange(len(posts)), k)
    t0 = posts["timestamp"].to_numpy(dtype="datetime64[ns]")[owner]
    delay = pd.to_timedelta(np.ceil(rng.exponential(18.0, owner.size) * 3600), unit="s").to_numpy()
    t = t0 + delay
    keep = t < np.datetime64(end, "ns")
    owner, t = owner[keep], t[keep]
    # authors: members already joined by then, weighted by activity (+ a base so lurkers reply too)
    join = members["join_date"].to_numpy(dtype="datetime64[ns]")
    weight = members["_rate"].to_numpy() + 0.002
    cum = np.cumsum(weight)
    upto = np.searchsorted(join, t, side="right")
    upto = np.maximum(upto, 1)
    pick = np.searchsorted(cum, rng.random(owner.size) * cum[upto - 1], side="right")
    pick = np.minimum(pick, upto - 1)
    replies = pd.DataFrame({"post_id": posts["post_id"].to_numpy()[owner],
                            "member_id": members["member_id"].to_numpy()[pick], "timestamp": t})
    replies = replies.sort_values(["timestamp", "post_id"], kind="stable").reset_index(drop=True)
    replies.insert(0, "reply_id", pd.array([f"R{i:07d}" for i in range(1, len(replies) + 1)], dtype="string"))
    for col in ("post_id", "member_id"):
        replies[col] = replies[col].astype("string")
    return replies


def _simulate_adoptions(posts: pd.DataFrame, truth: pd.DataFrame, seed: int,
                        end: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = _rng(seed, 4)
    fridays = _fridays(OBSERVATION_START, end)
    releases = pd.DataFrame({"version": pd.array([dev_build_version(d) for d in fridays], dtype="string"),
                             "release_date": fridays.to_numpy(dtype="datetime64[ns]"),
                             "build": pd.array(["开发版"] * len(fridays), dtype="string")})
    sug = posts.loc[posts["post_type"] == "suggestion"].copy()
    sug_topic = truth.set_index("post_id").loc[sug["post_id"], "topic"].to_numpy()
    logit = ADOPTION["logit_intercept"] + ADOPTION["logit_per_log1p_likes"] * np.log1p(sug["likes"].to_numpy())
    p = 1.0 / (1.0 + np.exp(-logit)) * np.array([ADOPTION["topic_factor"][t] for t in sug_topic])
    adopted = rng.random(len(sug)) < np.clip(p, 0, 0.95)
    lag = rng.gamma(ADOPTION["lag_gamma_shape"], ADOPTION["lag_gamma_scale_days"], len(sug))
    ready = sug["timestamp"].dt.normalize() + pd.to_timedelta(np.ceil(lag), unit="D")
    idx = np.searchsorted(fridays.to_numpy(), ready.to_numpy(dtype="datetime64[ns]"), side="left")
    observed = adopted & (idx < len(fridays))
    chosen = sug.loc[observed]
    rel = fridays[idx[observed]]
    main = truth.set_index("post_id")["main_sentence"]
    feature = [_suggestion_feature(main[pid]) for pid in chosen["post_id"]]
    adoptions = pd.DataFrame({"post_id": chosen["post_id"].to_numpy(),
                              "version": pd.array([dev_build_version(d) for d in rel], dtype="string"),
                              "release_date": rel.to_numpy(dtype="datetime64[ns]"),
                              "feature": pd.array(feature, dtype="string")})
    adoptions["post_id"] = adoptions["post_id"].astype("string")
    return releases, adoptions.sort_values(["release_date", "post_id"], kind="stable").reset_index(drop=True)


def _suggestion_feature(sentence: str) -> str:
    """A suggestion sentence as a release note lists it: without the leading 建议/希望."""
    for lead in ("建议", "希望"):
        if sentence.startswith(lead):
            return sentence[len(lead):]
    return sentence


def _simulate_meetups(members: pd.DataFrame, seed: int, end: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = _rng(seed, 5)
    rows, attend = [], []
    join = members["join_date"].to_numpy(dtype="datetime64[ns]")
    for city, (club, every_weeks, mean_n) in CLUBS.items():
        day = pd.Timestamp("2012-03-03") + pd.Timedelta(weeks=float(rng.uniform(0, every_weeks)))
        while day < end - pd.Timedelta(days=1):
            saturday = (day + pd.Timedelta(days=(5 - day.day_of_week) % 7)).normalize()
            if saturday >= end:
                break
            meetup_id = f"M{city_code(city)}{saturday:%y%m%d}"
            rows.append({"meetup_id": meetup_id, "club": club, "city": city, "date": saturday,
                         "title": MEETUP_TITLES[int(rng.integers(0, len(MEETUP_TITLES)))]})
            eligible = np.flatnonzero((members["city"].to_numpy() == city) & (join < np.datetime64(saturday, "ns")))
            if eligible.size:
                n = min(eligible.size, int(rng.poisson(mean_n)))
                w = members["_rate"].to_numpy()[eligible] + 0.005
                chosen = rng.choice(eligible, size=n, replace=False, p=w / w.sum())
                check = saturday + pd.Timedelta(hours=13, minutes=30) + pd.to_timedelta(rng.integers(0, 3600, n), unit="s")
                attend.append(pd.DataFrame({"meetup_id": meetup_id,
                                            "member_id": members["member_id"].to_numpy()[chosen],
                                            "checkin_time": check}))
            day = saturday + pd.Timedelta(weeks=float(rng.gamma(4.0, every_weeks / 4.0)))
    meetups = pd.DataFrame(rows).sort_values(["date", "meetup_id"], kind="stable").reset_index(drop=True)
    attendance = pd.concat(attend, ignore_index=True).sort_values(["checkin_time", "member_id"], kind="stable")
    for frame in (meetups, attendance):
        for col in frame.columns:
            if frame[col].dtype == object:
                frame[col] = frame[col].astype("string")
    meetups["date"] = meetups["date"].astype("datetime64[ns]")
    attendance["checkin_time"] = attendance["checkin_time"].astype("datetime64[ns]")
    return meetups, attendance.reset_index(drop=True)


def city_code(city: str) -> str:
    """Two-letter code of a club city (for meet-up ids)."""
    return {"济宁": "JN", "通辽": "TL", "北京": "BJ", "惠州": "HZ", "淄博": "ZB"}.get(city, "XX")


def _simulate_polls(members: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = _rng(seed, 6)
    option_rows, vote_frames = [], []
    join = members["join_date"].to_numpy(dtype="datetime64[ns]")
    for poll in POLLS:
        start, stop = pd.Timestamp(poll["start"]), pd.Timestamp(poll["end"])
        for oid, (text, _) in poll["options"].items():
            option_rows.append({"poll_id": poll["poll_id"], "feature": poll["feature"], "question": poll["question"],
                                "option_id": oid, "option": text, "start": start, "end": stop})
        eligible = np.flatnonzero(join < np.datetime64(stop, "ns"))
        n = min(eligible.size, int(rng.poisson(poll["votes"])))
        w = members["_rate"].to_numpy()[eligible] + 0.01
        voters = rng.choice(eligible, size=n, replace=False, p=w / w.sum())
        ids = list(poll["options"])
        p = np.array([poll["options"][k][1] for k in ids])
        choice = np.array(ids)[rng.choice(len(ids), n, p=p / p.sum())]
        span = (stop + pd.Timedelta(days=1) - start).total_seconds()
        t = start + pd.to_timedelta(rng.random(n) * span, unit="s")
        t = np.maximum(t.to_numpy(dtype="datetime64[ns]"), join[voters] + np.timedelta64(60, "s"))
        vote_frames.append(pd.DataFrame({"poll_id": poll["poll_id"], "member_id": members["member_id"].to_numpy()[voters],
                                         "option_id": choice, "timestamp": t}))
    polls = pd.DataFrame(option_rows)
    votes = pd.concat(vote_frames, ignore_index=True).sort_values(["timestamp", "member_id"], kind="stable")
    for frame in (polls, votes):
        for col in frame.columns:
            if frame[col].dtype == object:
                frame[col] = frame[col].astype("string")
    polls[["start", "end"]] = polls[["start", "end"]].astype("datetime64[ns]")
    votes["timestamp"] = votes["timestamp"].astype("datetime64[ns]").dt.floor("s")
    return polls, votes.reset_index(drop=True)
