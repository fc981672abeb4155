"""Reading a community export (the bundled SIMULATED one or a user's) into one canonical schema.

:func:`load_community` reads the bundled export (through :func:`helpers.acquire.read_table`:
GB18030 CSV with Chinese headers, Excel, Parquet) or a user's folder with the same
``manifest.yml`` layout; :func:`read_community_table` reads one user table with a column map
and known Chinese/English aliases (:data:`ALIASES`). Nicknames are replaced by keyed pseudonyms at
load (:func:`helpers.privacy.pseudonymise`); :func:`check_integrity` checks the references between
the tables. :data:`SCHEMA` and :data:`FILES` also say how :mod:`.export` writes the bundled export.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd
import yaml

from ..acquire import as_text, read_table
from ..clean import parse_timestamps
from ..errors import DataError
from ..paths import RAW, resolve_user_path
from ..privacy import pseudonymise
from ..store import Provenance
from .phrases import POST_TYPE_VALUES

COMMUNITY_DIR = RAW / "xiaomi_sim" / "community"
LABEL = "Xiaomi-like community export (SIMULATED · 模拟数据)"

# --------------------------------------------------------------------------- the canonical schema

#: Canonical tables: {kind: {column: Chinese header in the bundled export}}; the first column(s) are the key.
SCHEMA: dict[str, dict[str, str]] = {
    "members": {"member_id": "会员UID", "customer_id": "客户ID", "nickname": "昵称", "join_date": "注册时间",
                "city": "所在城市", "club": "同城会"},
    "posts": {"post_id": "帖子ID", "member_id": "会员UID", "board": "版块", "post_type": "帖子类型",
              "title": "标题", "text": "内容", "timestamp": "发帖时间", "replies": "回复数", "likes": "点赞数"},
    "replies": {"reply_id": "reply_id", "post_id": "tid", "member_id": "uid", "timestamp": "replied_at"},
    "releases": {"version": "版本号", "release_date": "发布日期", "build": "版本类型"},
    "adoptions": {"post_id": "帖子ID", "version": "版本号", "release_date": "发布日期", "feature": "采纳内容"},
    "meetups": {"meetup_id": "活动ID", "club": "同城会", "city": "城市", "date": "活动日期", "title": "活动主题"},
    "attendance": {"meetup_id": "活动ID", "member_id": "会员UID", "checkin_time": "签到时间"},
    "polls": {"poll_id": "投票ID", "feature": "功能", "question": "问题", "option_id": "选项ID", "option": "选项",
              "start": "开始日期", "end": "结束日期"},
    "votes": {"poll_id": "poll_id", "member_id": "uid", "option_id": "option_id", "timestamp": "voted_at"},
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "members": ("member_id", "join_date"), "posts": ("post_id", "member_id", "post_type", "text", "timestamp"),
    "replies": ("post_id", "member_id", "timestamp"), "releases": ("version", "release_date"),
    "adoptions": ("post_id", "release_date"), "meetups": ("meetup_id", "date"),
    "attendance": ("meetup_id", "member_id"), "polls": ("poll_id", "option_id"),
    "votes": ("poll_id", "member_id", "option_id"),
}
DATE_COLUMNS = {"join_date", "timestamp", "release_date", "date", "checkin_time", "start", "end"}
COUNT_COLUMNS = {"replies", "likes"}
#: Extra header names recognised without a column map (compared case- and space-insensitively).
ALIASES: dict[str, tuple[str, ...]] = {
    "member_id": ("member_id", "uid", "会员uid", "会员id", "用户id", "userid", "user_id", "authorid", "作者id"),
    "customer_id": ("customer_id", "客户id", "客户编号", "customerid"),
    "nickname": ("nickname", "昵称", "用户名", "username", "author", "作者"),
    "join_date": ("join_date", "注册时间", "注册日期", "regdate", "加入时间"),
    "city": ("city", "所在城市", "城市", "所在地"),
    "club": ("club", "同城会", "city_club"),
    "post_id": ("post_id", "tid", "帖子id", "主题id", "帖子编号", "thread_id"),
    "board": ("board", "版块", "板块", "forum", "fid"),
    "post_type": ("post_type", "帖子类型", "类型", "type", "主题分类"),
    "title": ("title", "标题", "subject"),
    "text": ("text", "内容", "正文", "message", "content", "帖子内容"),
    "timestamp": ("timestamp", "发帖时间", "时间", "dateline", "created_at", "replied_at", "回复时间",
                  "voted_at", "投票时间"),
    "replies": ("replies", "回复数", "回复", "reply_count"),
    "likes": ("likes", "点赞数", "点赞", "赞", "like_count", "recommend_add"),
    "reply_id": ("reply_id", "pid", "回复id"),
    "version": ("version", "版本号", "版本"),
    "release_date": ("release_date", "发布日期", "发布时间"),
    "build": ("build", "版本类型"),
    "feature": ("feature", "采纳内容", "功能", "功能点"),
    "meetup_id": ("meetup_id", "活动id", "活动编号"),
    "date": ("date", "活动日期", "日期"),
    "checkin_time": ("checkin_time", "签到时间"),
    "poll_id": ("poll_id", "投票id", "投票编号"),
    "question": ("question", "问题", "投票问题"),
    "option_id": ("option_id", "选项id", "选项编号"),
    "option": ("option", "选项", "选项内容"),
    "start": ("start", "开始日期", "开始时间"),
    "end": ("end", "结束日期", "结束时间"),
}
PERSONAL = {"nickname": "name"}
FILES: dict[str, dict[str, Any]] = {
    "members": {"file": "members.csv", "encoding": "gb18030"},
    "posts": {"file": "posts.csv", "encoding": "gb18030"},
    "replies": {"file": "replies.parquet"},
    "releases": {"file": "miui_releases.xlsx", "sheet": "开发版发布"},
    "adoptions": {"file": "miui_releases.xlsx", "sheet": "建议采纳"},
    "meetups": {"file": "meetups.xlsx", "sheet": "同城会活动"},
    "attendance": {"file": "meetups.xlsx", "sheet": "签到名单"},
    "polls": {"file": "polls.csv", "encoding": "utf-8-sig"},
    "votes": {"file": "poll_votes.parquet"},
}


@dataclass
class Community:
    """Community tables in the canonical schema (:data:`SCHEMA`), nicknames pseudonymised."""

    label: str
    simulated: bool
    tables: dict[str, pd.DataFrame]
    provenance: list[Provenance]
    manifest: dict[str, Any] | None = None

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)


def _norm(name: str) -> str:
    return "".join(str(name).split()).lower().replace("-", "_")


def resolve_community_columns(kind: str, available: list[str], columns: Mapping[str, str] | None = None,
                              *, file: str | Path | None = None) -> dict[str, str]:
    """Map canonical columns of one table kind to the file's columns: the user's map, then aliases.

    Raises :class:`DataError` naming the file and column when a mapped column is absent, a key is
    not a column of this kind, or a required column (:data:`REQUIRED`) cannot be found.
    """
    if kind not in SCHEMA:
        raise DataError(f"unknown community table {kind!r}", file=file, hint=f"use one of {list(SCHEMA)}")
    wanted = list(SCHEMA[kind])
    mapping: dict[str, str] = {}
    for canonical, column in (columns or {}).items():
        if canonical not in wanted:
            raise DataError(f"column map key {canonical!r} is not a column of the {kind} table", file=file,
                            hint=f"use keys from {wanted}")
        if column not in available:
            raise DataError(f"column {column!r} (mapped to {canonical!r}) is not in the file", file=file,
                            column=str(column), hint=f"columns present: {available}")
        mapping[canonical] = column
    normalised = {_norm(c): c for c in available}
    for canonical in wanted:
        if canonical in mapping:
            continue
        for alias in (SCHEMA[kind][canonical], *ALIASES.get(canonical, ()), canonical):
            col = normalised.get(_norm(alias))
            if col is not None and col not in mapping.values():
                mapping[canonical] = col
                break
    missing = [c for c in REQUIRED[kind] if c not in mapping]
    if missing:
        raise DataError(f"required column of the {kind} table is missing", file=file, column=missing[0],
                        hint=f"pass columns={{'{missing[0]}': '<your column>'}}; columns present: {available}")
    return mapping


def normalise_post_type(values: pd.Series, *, file: str | Path | None = None, column: str = "post_type") -> pd.Series:
    """``experience`` / ``question`` / ``suggestion`` from Chinese or English type names.

    Raises :class:`DataError` naming the first row with a type not in :data:`POST_TYPE_VALUES`.
    """
    lookup = {w: k for k, words in POST_TYPE_VALUES.items() for w in words}
    text = values.astype("string").str.normalize("NFKC").str.strip().str.lower()
    mapped = text.map(lookup)
    bad = mapped.isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
        raise DataError(f"post type {values.iloc[row - 1]!r} is not recognised", file=file, column=column,
                        row=row, hint="use 体验/提问/建议 (experience/question/suggestion) or map your types to them")
    return mapped.astype("string")


def read_community_table(
    path: str | Path,
    kind: str,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    *,
    sheet: str | int | None = None,
    key: bytes | None = None,
) -> tuple[pd.DataFrame, Provenance]:
    """Read one community table (CSV UTF-8/BOM/GB18030, Excel, Parquet) into the canonical schema.

    Parameters
    ----------
    path
        The file (relative paths from the current folder, then from the project root).
    kind
        One of :data:`SCHEMA` (``members, posts, replies, releases, adoptions, meetups,
        attendance, polls, votes``).
    columns
        ``{canonical: your column}``; unmapped columns are found by their Chinese/English names
        (:data:`ALIASES`).
    encoding, sheet
        CSV encoding (detected when ``None``) and Excel sheet.
    key
        Pseudonymisation key for nicknames (default: the project key).

    Returns
    -------
    (DataFrame, Provenance)
        Canonical columns present in the file: ids and text as ``string``, dates as
        ``datetime64[ns]``, counts as ``int64``; ``post_type`` normalised; ``nickname``
        replaced by a keyed pseudonym.

    Raises
    ------
    DataError
        Missing columns, a date or count that does not parse, an unknown post type, or a
        duplicated key — naming file, column and row.
    """
    raw, prov = read_table(path, encoding=encoding, sheet=sheet)
    mapping = resolve_community_columns(kind, list(raw.columns), columns, file=path)
    out = pd.DataFrame(index=pd.RangeIndex(len(raw)))
    for canonical in SCHEMA[kind]:
        if canonical not in mapping:
            continue
        values = raw[mapping[canonical]].reset_index(drop=True)
        if canonical in DATE_COLUMNS:
            parsed = parse_timestamps(values if values.dtype != object else values.astype(object))
            bad = parsed.isna() & values.notna()
            if canonical in REQUIRED[kind]:
                bad |= values.isna()
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
                raise DataError(f"date {values.iloc[row - 1]!r} could not be read", file=path,
                                column=mapping[canonical], row=row,
                                hint="use e.g. 2013-04-09 12:00:00, 2013/4/9 or 2013年4月9日")
            out[canonical] = parsed.to_numpy(dtype="datetime64[ns]")
        elif canonical in COUNT_COLUMNS:
            numbers = pd.to_numeric(values, errors="coerce")
            bad = numbers.isna() | (numbers < 0) | (numbers % 1 != 0)
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
                raise DataError(f"count {values.iloc[row - 1]!r} is not a whole number ≥ 0", file=path,
                                column=mapping[canonical], row=row, hint="fill missing counts with 0")
            out[canonical] = numbers.astype("int64").to_numpy()
        else:
            text = as_text(values).str.strip()
            out[canonical] = text.where(text != "", pd.NA).to_numpy()
            out[canonical] = out[canonical].astype("string")
    for id_col in REQUIRED[kind]:
        if id_col not in DATE_COLUMNS and out[id_col].isna().any():
            row = int(np.flatnonzero(out[id_col].isna().to_numpy())[0]) + 1
            raise DataError("required value is empty", file=path, column=mapping[id_col], row=row,
                            hint="every row needs it; remove or complete that row")
    if "post_type" in out:
        out["post_type"] = normalise_post_type(out["post_type"], file=path, column=mapping["post_type"])
    keys = {"members": ["member_id"], "posts": ["post_id"], "meetups": ["meetup_id"],
            "polls": ["poll_id", "option_id"], "votes": ["poll_id", "member_id"]}.get(kind)
    if keys:
        dup = out.duplicated(keys)
        if dup.any():
            row = int(np.flatnonzero(dup.to_numpy())[0]) + 1
            raise DataError(f"duplicated key {'/'.join(keys)} ({', '.join(str(out[k].iloc[row - 1]) for k in keys)})",
                            file=path, column=mapping[keys[-1]], row=row,
                            hint="each key must appear once; remove the duplicate rows")
    present = [k for k, kd in PERSONAL.items() if k in out.columns]
    if present:
        out = pseudonymise(out, {k: PERSONAL[k] for k in present}, key=key)
    prov.columns = dict(mapping)
    if present:
        prov.notes.append(f"personal columns pseudonymised: {present}")
    return out, prov


def read_community_manifest(folder: Path = COMMUNITY_DIR) -> dict[str, Any]:
    """A community export's ``manifest.yml`` (files, encodings, sheets, column maps)."""
    path = Path(folder) / "manifest.yml"
    if not path.exists():
        raise DataError("community export has no manifest.yml", file=path,
                        hint="write one listing each table's file, encoding, sheet and columns "
                             "(see data/raw/xiaomi_sim/community/manifest.yml), or pass the tables one by one")
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def load_community(
    source: str | Path | Mapping[str, Any] | None = None,
    dataset: str = "xiaomi_sim",
    key: bytes | None = None,
) -> Community | None:
    """Load a community export, or ``None`` when the dataset has none.

    Parameters
    ----------
    source
        ``None``: the bundled SIMULATED export for ``dataset="xiaomi_sim"``, nothing for other
        datasets. A folder: read with its ``manifest.yml`` (same layout as the bundled one). A
        mapping ``{kind: path or {"file", "columns", "encoding", "sheet"}}``: the user's tables
        (``members`` and ``posts`` required; the others optional).
    dataset
        The dataset name of notebooks 01–04.
    key
        Pseudonymisation key (default: the project key).

    Returns
    -------
    Community or None
        All nine tables (absent optional tables are empty with the canonical columns);
        referential integrity is checked by :func:`check_integrity`.
    """
    if source is None:
        if dataset != "xiaomi_sim":
            return None
        source = COMMUNITY_DIR
    label, simulated, manifest = "own community export", False, None
    if isinstance(source, Mapping):
        specs = {k: ({"file": v} if isinstance(v, (str, Path)) else dict(v)) for k, v in source.items()}
        folder = Path(".")
    else:
        folder = resolve_user_path(source)
        manifest = read_community_manifest(folder)
        specs = manifest["tables"]
        label = manifest.get("label", f"community export: {folder.name}")
        simulated = bool(manifest.get("simulated", False))
    unknown = [k for k in specs if k not in SCHEMA]
    if unknown:
        raise DataError(f"unknown community table(s) {unknown}", hint=f"use {list(SCHEMA)}")
    for needed in ("members", "posts"):
        if needed not in specs:
            raise DataError(f"the community export has no {needed} table", hint="members and posts are required")
    tables, provs = {}, []
    for kind in SCHEMA:
        if kind not in specs:
            tables[kind] = empty_table(kind)
            continue
        spec = specs[kind]
        path = Path(spec["file"])
        path = path if path.is_absolute() or isinstance(source, Mapping) else folder / path
        table, prov = read_community_table(path, kind, columns=spec.get("columns"), encoding=spec.get("encoding"),
                                           sheet=spec.get("sheet"), key=key)
        tables[kind] = table
        provs.append(prov)
    community = Community(label=label, simulated=simulated, tables=tables, provenance=provs, manifest=manifest)
    check_integrity(community)
    return community


def empty_table(kind: str) -> pd.DataFrame:
    """An empty table of one kind with canonical columns and dtypes."""
    cols = {}
    for c in SCHEMA[kind]:
        cols[c] = pd.Series([], dtype="datetime64[ns]" if c in DATE_COLUMNS else
                            ("int64" if c in COUNT_COLUMNS else "string"))
    return pd.DataFrame(cols)


def check_integrity(c: Community) -> None:
    """Referential checks across tables; raises :class:`DataError` naming the first broken row.

    Posts, replies, attendance and votes must name known members; replies and adoptions known
    posts; adoptions must be suggestions; attendance known meet-ups; votes known poll options.
    """
    t = c.tables
    checks = [("posts", "member_id", "members", "member_id"), ("replies", "member_id", "members", "member_id"),
              ("replies", "post_id", "posts", "post_id"), ("adoptions", "post_id", "posts", "post_id"),
              ("attendance", "member_id", "members", "member_id"), ("attendance", "meetup_id", "meetups", "meetup_id"),
              ("votes", "member_id", "members", "member_id")]
    for kind, col, ref, ref_col in checks:
        if kind not in t or t[kind].empty or col not in t[kind]:
            continue
        known = pd.Index(pd.unique(t[ref][ref_col].dropna().to_numpy(dtype=object)))
        unknown = pd.Series(known.get_indexer(t[kind][col].to_numpy(dtype=object)) < 0)
        if unknown.any():
            row = int(np.flatnonzero(unknown.to_numpy())[0]) + 1
            raise DataError(f"{col} {t[kind][col].iloc[row - 1]!r} of the {kind} table is not in the {ref} table",
                            file=kind, column=col, row=row, hint=f"export the matching {ref} rows too")
    if not t["adoptions"].empty:
        types = t["adoptions"]["post_id"].map(t["posts"].set_index("post_id")["post_type"])
        bad = types != "suggestion"
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
            raise DataError("an adopted post is not a suggestion", file="adoptions", column="post_id", row=row,
                            hint="only suggestions (建议) can be adopted into a release")
    if not t["votes"].empty:
        options = set(zip(t["polls"]["poll_id"], t["polls"]["option_id"]))
        bad = ~pd.Series([k in options for k in zip(t["votes"]["poll_id"], t["votes"]["option_id"])])
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
            raise DataError("vote for an option the polls table does not list", file="votes", column="option_id",
                            row=row, hint="export the poll options (polls table) too")


def summary_table(c: Community) -> pd.DataFrame:
    """Rows per table and source file (what was loaded)."""
    files = {Path(p.path).name: p for p in c.provenance}
    rows = []
    for kind, table in c.tables.items():
        spec = (c.manifest or {}).get("tables", {}).get(kind, {})
        rows.append({"table": kind, "file": spec.get("file", ""), "sheet": spec.get("sheet") or "",
                     "encoding": (files.get(spec.get("file", "")).encoding if spec.get("file") in files else "") or "",
                     "rows": len(table)})
    return pd.DataFrame(rows)
