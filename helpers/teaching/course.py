"""The course map (six sessions) and the syllabus it writes, in English and Chinese.

:data:`SESSIONS` is the README's course map as data: which notebooks (and sections) each session
teaches, which learning objectives and exercises it takes, its readings (anchors of
``docs/references.md``) and the minutes planned for lecture, notebook walk-through and discussion.
Everything else is read from the notebooks, so the syllabus follows them:

* **learning objectives** from each notebook's intro cell (the numbered list under "Learning
  objectives"; Chinese from its translation in ``notebooks/locale/zh/``), with ids ``LO03.2``
  (:func:`objectives`);
* **exercises** from the exercise cells (:func:`helpers.teaching.exercises_of`), each named by its
  title and the section it follows, and its minutes from its teaching note ("(10 min)");
* the exercise time of a session is the sum of its exercises' minutes.

``python -m helpers.teaching syllabus --out course`` writes ``course/syllabus.md`` and
``course/syllabus.zh.md`` (:func:`write_syllabus`; ``--check`` only reports drift).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from ..notebooks import EXERCISE_TAG, NOTE_TAG, find_notebooks, intro_cell
from ..paths import NOTEBOOKS, PROJECT_ROOT
from ..report.translations import load_store, source_sha, store_path
from .editions import exercises_of

__all__ = ["Part", "Session", "SESSIONS", "objectives", "session_exercises", "syllabus_markdown", "write_syllabus"]

REFERENCES = "docs/references.md"


@dataclass(frozen=True)
class Part:
    """A notebook (or some of its sections) taught in a session.

    ``sections``/``sections_zh``: which sections, as the syllabus says it; ``numbers``: the same sections by their
    heading numbers (``## 3 · …``; 0 is before the first heading; ``None``: all), which the slides use;
    ``objectives``: the numbers of the notebook's learning objectives this part teaches (``None``: all);
    ``exercises``: the exercise ids it takes (``None``: every exercise of the notebook no other part claims).
    """

    notebook: str
    sections: str = ""
    sections_zh: str = ""
    objectives: tuple[int, ...] | None = None
    exercises: tuple[str, ...] | None = None
    numbers: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Session:
    """One session of the course: title, CRM-cycle stage, parts, readings and planned minutes."""

    number: int
    title: str
    title_zh: str
    stage: str
    stage_zh: str
    parts: tuple[Part, ...]
    readings: tuple[str, ...]
    minutes: dict[str, int] = field(default_factory=dict)  # lecture, notebook, discussion (exercise: computed)

    @property
    def name(self) -> str:
        """File stem of the session's deck: ``session-2``."""
        return f"session-{self.number}"


SESSIONS: tuple[Session, ...] = (
    Session(0, "Customer data (lab)", "客户数据（上机课）", "before the cycle: acquisition, integration",
            "循环之前：获取、整合", (Part("01"), Part("02")),
            ("paper2", "wayland-cole-1997", "chen-sain-guo-2012", "cdnow", "privacy-law"),
            {"lecture": 20, "notebook": 30, "discussion": 10}),
    Session(1, "Identification", "客户识别", "value × needs", "价值 × 需求",
            (Part("04", "§1–2 (after 03 has run: value = its CLV)", "第 1–2 节（先运行 03：价值即其 CLV）",
                  objectives=(1,), exercises=("04.3",), numbers=(0, 1, 2)),),
            ("paper1", "kotler-keller", "chen-sain-guo-2012"),
            {"lecture": 25, "notebook": 20, "discussion": 15}),
    Session(2, "Differentiation", "客户区分", "CLV; ABC, RFM, clusters, lifecycle", "客户终身价值；ABC、RFM、聚类、生命周期",
            (Part("03"), Part("04", "§3–9", "第 3–9 节", objectives=(2, 3, 4, 5), numbers=(3, 4, 5, 6, 7, 8, 9))),
            ("paper1", "fader-hardie-lee-2005a", "fader-hardie-lee-2005b", "schmittlein-1987", "fader-hardie-2013",
             "hughes-1994", "batislam-2007", "fader-hardie-shang-2010", "fader-hardie-2007a", "wubben-wangenheim-2008"),
            {"lecture": 45, "notebook": 40, "discussion": 15}),
    Session(3, "Interaction", "客户互动", "community, suggestions, polls, meet-ups", "社区、建议、投票、同城会",
            (Part("06"),), ("paper1", "manning-2008", "lee-seung-1999", "goodman-1965", "newcombe-1998"),
            {"lecture": 25, "notebook": 25, "discussion": 15}),
    Session(4, "Knowledge management", "客户知识管理", "acquire → integrate (code) → share → apply",
            "获取 → 整合（编码）→ 共享 → 运用", (Part("07", "(+ knowledge_report)", "（及 knowledge_report）"),),
            ("paper2", "wayland-cole-1997", "gibbert-2002"),
            {"lecture": 25, "notebook": 25, "discussion": 15}),
    Session(5, "Staff survey", "员工调查", "the paper's survey on CKM", "论文关于客户知识管理的问卷",
            (Part("05"),), ("paper2", "wilson-1927", "sin-tse-yim-2005", "gold-2001", "holm-1979", "cronbach-1951",
                            "heiberger-robbins-2014"),
            {"lecture": 25, "notebook": 25, "discussion": 15}),
)
"""The six sessions of the README's course map (lecture 0 is a lab before the CRM cycle)."""

_OBJ_HEAD = {"en": "Learning objectives", "zh": "学习目标"}
_ITEM = re.compile(r"^(\d+)\.\s+(.*)$")
_MINUTES = re.compile(r"[（(]\s*(\d+)\s*(?:min|分钟)")
_SECTION = re.compile(r"^##\s+(\d+|Part \d+)\s*·\s*(.+?)\s*$", re.MULTILINE)


@lru_cache(maxsize=32)
def _store(stem: str, lang: str, mtime: float) -> dict[str, dict[str, str]]:
    return load_store(stem, lang)


def _source(cell: Any, stem: str, lang: str) -> str:
    """A markdown cell's text in ``lang`` (its up-to-date translation, else the English)."""
    if lang == "en":
        return cell.source
    path = store_path(stem, lang)
    entry = _store(stem, lang, path.stat().st_mtime if path.exists() else 0.0).get(cell.get("id", ""))
    return entry[lang] if entry and entry["source_sha"] == source_sha(cell.source) else cell.source


def _notebook(number: str, notebooks_dir: Path) -> tuple[str, Any]:
    path = find_notebooks(notebooks_dir, [number])[0]
    return path.stem, nbformat.read(path, as_version=4)


def objectives(number: str, lang: str = "en", notebooks_dir: Path = NOTEBOOKS) -> pd.DataFrame:
    """The learning objectives of notebook ``number``: columns ``id`` (``LO03.2``), ``number``, ``text``.

    Read from the numbered list under "Learning objectives" (学习目标) in the notebook's intro cell;
    continuation lines are joined.
    """
    stem, nb = _notebook(number, notebooks_dir)
    lines = _source(intro_cell(nb), stem, lang).splitlines()
    start = next(i for i, line in enumerate(lines) if _OBJ_HEAD[lang] in line)
    rows: list[dict[str, Any]] = []
    for line in lines[start + 1:]:
        item = _ITEM.match(line.strip())
        if item:
            rows.append({"id": f"LO{number}.{item.group(1)}", "number": int(item.group(1)), "text": item.group(2)})
        elif rows and line.startswith(" ") and line.strip():
            rows[-1]["text"] += " " + line.strip()
        elif rows:
            break
    return pd.DataFrame(rows, columns=["id", "number", "text"])


def _exercise_rows(number: str, lang: str, notebooks_dir: Path) -> pd.DataFrame:
    """Exercises of a notebook: id, title (in ``lang``), the section they follow, minutes from their note."""
    stem, nb = _notebook(number, notebooks_dir)
    table = exercises_of(nb, stem)
    section, after, minutes, titles = "", {}, {}, {}
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        tags = set(cell.get("metadata", {}).get("tags", []))
        ex = str(cell.get("metadata", {}).get("teaching", {}).get("exercise", ""))
        if not tags & {EXERCISE_TAG, NOTE_TAG}:
            found = _SECTION.findall(_source(cell, stem, lang))
            section = f"§{found[-1][0]} {found[-1][1]}" if found else section
        elif EXERCISE_TAG in tags and ex:
            after[ex] = section
            text = _source(cell, stem, lang)
            titles[ex] = next((x for x in text.splitlines() if ex in x), text.splitlines()[0]).lstrip("#").strip()
        if NOTE_TAG in tags and ex:
            found_min = _MINUTES.search(cell.source)
            minutes[ex] = minutes.get(ex, 0) + (int(found_min.group(1)) if found_min else 0)
    return pd.DataFrame({"exercise": table["exercise"], "title": [titles[e] for e in table["exercise"]],
                         "after": [after.get(e, "") for e in table["exercise"]],
                         "minutes": [minutes.get(e, 0) for e in table["exercise"]]})


def session_exercises(session: Session, lang: str = "en", notebooks_dir: Path = NOTEBOOKS) -> pd.DataFrame:
    """The exercises a session takes (the parts' claims; unclaimed exercises go to a part with ``None``)."""
    claimed = {e for s in SESSIONS for p in s.parts for e in (p.exercises or ())}
    frames = []
    for part in session.parts:
        rows = _exercise_rows(part.notebook, lang, notebooks_dir)
        keep = rows["exercise"].isin(part.exercises) if part.exercises is not None else ~rows["exercise"].isin(claimed)
        frames.append(rows.loc[keep].assign(notebook=part.notebook))
    return pd.concat(frames, ignore_index=True)


_TEXT = {
    "en": {"title": "# Syllabus: customer relationship and knowledge management, the Xiaomi case",
           "intro": ("Six sessions on the CRM cycle of the two Xiaomi course papers ([paper 1]({ref}#paper1), "
                     "[paper 2]({ref}#paper2)), each on the workbook's notebooks. Times are minutes: lecture, "
                     "notebook walk-through, exercises (the sum of the teaching notes' estimates) and discussion. "
                     "Run the notebooks in number order (each reads what the previous ones wrote; 05 stands alone), "
                     "even when the sessions take them in another order. Chinese: [syllabus.zh.md](syllabus.zh.md)."),
           "session": "## Session {n} · {title} ({stage})", "notebooks": "**Notebooks:** ",
           "time": "**Time (min):** lecture {lecture} · notebook {notebook} · exercises {exercise} · "
                   "discussion {discussion} · **total {total}**",
           "objectives": "**Objectives**", "readings": "**Readings**", "exercises": "**Exercises** (in the notebook)",
           "after": "after {after}", "minutes": "{m} min", "none": "none yet",
           "assessment": ("## Assessment\n\nThe course project on the student's own data: the brief "
                          "[project.md](project.md), the rubric [rubric.md](rubric.md) and the parameterised "
                          "notebook [project.ipynb](project.ipynb). The self-checking exercises are formative "
                          "(they say \"right\" or \"not yet\", never the answer) and are not graded."),
           "refs": "All works cited: [docs/references.md]({ref})."},
    "zh": {"title": "# 教学大纲：客户关系与客户知识管理——小米案例",
           "intro": ("六次课，按两篇小米课程论文（[论文 1]({ref}#paper1)、[论文 2]({ref}#paper2)）的 CRM 循环展开，"
                     "每次课使用工作簿中的笔记本。时间以分钟计：讲授、笔记本演示、练习（教学提示中估计时间之和）和讨论。"
                     "请按编号顺序运行笔记本（每个笔记本读取前面笔记本写下的结果；05 独立），即使课程的顺序不同。"
                     "English: [syllabus.md](syllabus.md)。"),
           "session": "## 第 {n} 次课 · {title}（{stage}）", "notebooks": "**笔记本：** ",
           "time": "**时间（分钟）：** 讲授 {lecture} · 笔记本 {notebook} · 练习 {exercise} · 讨论 {discussion} · "
                   "**合计 {total}**",
           "objectives": "**学习目标**", "readings": "**阅读材料**", "exercises": "**练习**（在笔记本中）",
           "after": "位于 {after} 之后", "minutes": "{m} 分钟", "none": "暂无",
           "assessment": ("## 考核\n\n以学生自己的数据完成的课程项目：任务说明 [project.zh.md](project.zh.md)、"
                          "评分标准 [rubric.zh.md](rubric.zh.md) 和参数化笔记本 [project.ipynb](project.ipynb)。"
                          "自检练习用于形成性评价（只显示“正确”或“还不对”，从不显示答案），不计分。"),
           "refs": "全部引用文献：[docs/references.md]({ref})。"},
}


def _reference_titles(root: Path) -> dict[str, str]:
    """Anchor → the entry's text (first line, without markup) in ``docs/references.md``."""
    text = (root / REFERENCES).read_text(encoding="utf-8")
    out = {}
    for anchor, rest in re.findall(r'<a id="([^"]+)"></a>(.*(?:\n  .*)*)', text):
        entry = re.split(r" Content:| \(see ", re.sub(r"\s+", " ", rest).strip())[0]
        out[anchor] = re.sub(r"\s\([^()]*\)\.?$", "", entry).rstrip(",;")
    return out


def syllabus_markdown(lang: str = "en", notebooks_dir: Path = NOTEBOOKS, root: Path = PROJECT_ROOT) -> str:
    """The syllabus in ``lang`` ("en" or "zh") as markdown, with links relative to ``course/``."""
    t = _TEXT[lang]
    ref = f"../{REFERENCES}"
    refs = _reference_titles(root)
    out = [t["title"], "", t["intro"].format(ref=ref), ""]
    for s in SESSIONS:
        exercises = session_exercises(s, lang, notebooks_dir)
        minutes = {**s.minutes, "exercise": int(exercises["minutes"].sum())}
        out += [t["session"].format(n=s.number, title=s.title_zh if lang == "zh" else f"{s.title} {s.title_zh}",
                                    stage=s.stage_zh if lang == "zh" else s.stage), ""]
        names = [f"`{find_notebooks(notebooks_dir, [p.notebook])[0].name}`"
                 + (f" {p.sections_zh if lang == 'zh' else p.sections}" if p.sections else "") for p in s.parts]
        out += [t["notebooks"] + ", ".join(names), "",
                t["time"].format(total=sum(minutes.values()), **minutes), "", t["objectives"], ""]
        for p in s.parts:
            objs = objectives(p.notebook, lang, notebooks_dir)
            if p.objectives is not None:
                objs = objs.loc[objs["number"].isin(p.objectives)]
            out += [f"- **{o.id}** {o.text}" for o in objs.itertuples()]
        out += ["", t["readings"], ""] + [f"- {refs[a]} [↗]({ref}#{a})" for a in s.readings]
        out += ["", t["exercises"], ""]
        out += [f"- {e.title} — `{e.notebook}` {t['after'].format(after=e.after)} ({t['minutes'].format(m=e.minutes)})"
                for e in exercises.itertuples()] or [f"- {t['none']}"]
        out.append("")
    out += [t["assessment"], "", t["refs"].format(ref=ref), ""]
    return "\n".join(out)


def write_syllabus(out_dir: str | Path = PROJECT_ROOT / "course", check: bool = False,
                   notebooks_dir: Path = NOTEBOOKS) -> list[Path]:
    """Write ``syllabus.md`` and ``syllabus.zh.md`` (or, with ``check``, only compare); returns the files that differed."""
    changed = []
    for lang, name in (("en", "syllabus.md"), ("zh", "syllabus.zh.md")):
        path = Path(out_dir) / name
        text = syllabus_markdown(lang, notebooks_dir)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            changed.append(path)
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    return changed
