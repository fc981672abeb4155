"""The course kit: one glossary, self-checking exercises, and student / instructor editions.

Course instructors are one of the workbook's three user groups. This package gives them

* **one glossary** (``helpers/glossary.yml``): every key term in Chinese and English with a
  one-sentence definition in each language, its source and the notebooks that use it.
  :func:`glossary` loads it; :func:`terms_table` renders a notebook's "| 中文 | English |"
  table; ``python -m helpers.teaching sync-terms`` rewrites those tables in the notebooks
  (``--check`` only reports drift), so the glossary is the single source;
* **self-checking exercises**: :func:`check_number`, :func:`check_choice`, :func:`check_set`
  and :func:`check_bool` compare a student's answer with an expected value computed from the
  run's own data and return a :class:`CheckResult` that shows "✅ Right 正确" or
  "Not yet 还不对" with a hint — never the expected value;
* **editions**: ``python -m helpers.teaching editions --out editions/`` (``make editions``)
  writes a student and an instructor edition of every numbered notebook from cell tags
  (``exercise``, ``solution``, ``answer``, ``check``, ``teaching-note``; the layout is
  described in :mod:`helpers.teaching.editions`), in English and, in ``editions/zh/``, in Chinese
  (prose, questions, teaching notes, banner and glossary handout: :mod:`helpers.teaching.chinese`);
* **the course map and syllabus**: :data:`SESSIONS` (six sessions) and ``python -m helpers.teaching
  syllabus`` → ``course/syllabus.md`` and ``course/syllabus.zh.md`` (:mod:`helpers.teaching.course`);
  the course project on the student's own data is ``course/project.ipynb`` with its brief and rubric.

Modules
-------
- :mod:`~helpers.teaching.glossary`  the glossary, key-terms tables, :func:`sync_terms`, the handout;
- :mod:`~helpers.teaching.checks`    :class:`CheckResult` and the ``check_*`` helpers (``CRM_CHECK_LOG``);
- :mod:`~helpers.teaching.editions`  :func:`exercises_of`, :func:`student_edition`, :func:`instructor_edition`,
  :func:`write_editions`;
- :mod:`~helpers.teaching.chinese`   the Chinese editions (``<out>/zh/<edition>/``): translated prose and
  teaching notes, Chinese banner and glossary handout, :func:`english_cells`;
- :mod:`~helpers.teaching.course`    the six-session course map :data:`SESSIONS`, :func:`objectives`, the syllabus
  (``python -m helpers.teaching syllabus``, :func:`write_syllabus`);
- :mod:`~helpers.teaching.cli`       ``python -m helpers.teaching {editions,sync-terms,glossary,syllabus}``.

Which notebooks there are, their numbers and the course-cell tags are :mod:`helpers.notebooks`'s
one rule (:data:`COURSE_TAGS`, :func:`notebook_number`); the PDF reports drop every course cell
(see :mod:`helpers.report`).
"""

from ..notebooks import COURSE_TAGS, notebook_number
from .checks import CHECK_LOG_ENV, CheckResult, check_bool, check_choice, check_number, check_set
from .cli import main
from .course import SESSIONS, Part, Session, objectives, session_exercises, syllabus_markdown, write_syllabus
from .chinese import ZH_MIN_SHARE, chinese_edition, english_cells, glossary_markdown_zh
from .editions import (EDITIONS, EXTRA_NOTEBOOKS, LANGS, assigned_names, edition_folder, exercises_of, instructor_edition,
                       student_edition, write_editions)
from .glossary import (GLOSSARY_PATH, TERMS_HEADER, TERMS_RULE, glossary, glossary_markdown, notebook_terms, sync_terms,
                       table_rows, terms_table)

__all__ = [
    "CHECK_LOG_ENV",
    "COURSE_TAGS",
    "EDITIONS",
    "EXTRA_NOTEBOOKS",
    "GLOSSARY_PATH",
    "LANGS",
    "Part",
    "SESSIONS",
    "Session",
    "TERMS_HEADER",
    "TERMS_RULE",
    "ZH_MIN_SHARE",
    "CheckResult",
    "assigned_names",
    "check_bool",
    "check_choice",
    "check_number",
    "check_set",
    "chinese_edition",
    "edition_folder",
    "english_cells",
    "exercises_of",
    "glossary",
    "glossary_markdown",
    "glossary_markdown_zh",
    "instructor_edition",
    "main",
    "notebook_number",
    "notebook_terms",
    "objectives",
    "session_exercises",
    "student_edition",
    "sync_terms",
    "syllabus_markdown",
    "table_rows",
    "terms_table",
    "write_editions",
    "write_syllabus",
]
