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
  "Not yet 还不对" with a hint — never the expected value; **write-it-yourself** exercises
  (:func:`check_function`) run the student's own function (ABC classes, RFM scores, the BG/NBD
  likelihood …) on the run's data and compare it with the workbook's, naming the typical slip.
  The notebooks' check cells call :func:`helpers.exercises.check`, which holds the expected values;
* **editions**: ``python -m helpers.teaching editions --out editions/`` (``make editions``)
  writes a student and an instructor edition of every numbered notebook from cell tags
  (``exercise``, ``solution``, ``answer``, ``check``, ``teaching-note``; the layout is
  described in :mod:`helpers.teaching.editions`), in English and, in ``editions/zh/``, in Chinese
  (prose, questions, teaching notes, banner and glossary handout: :mod:`helpers.teaching.chinese`);
* **the course map and syllabus**: :data:`SESSIONS` (six sessions) and ``python -m helpers.teaching
  syllabus`` → ``course/syllabus.md`` and ``course/syllabus.zh.md`` (:mod:`helpers.teaching.course`);
  the course project on the student's own data is ``course/project.ipynb`` with its brief and rubric;
* **nbgrader**: the editions carry nbgrader cell metadata and the instructor folder an ``nbgrader_config.py``
  (:mod:`helpers.teaching.nbgrading`);
* **slides**: ``python -m helpers.teaching slides`` (``make slides``), reveal.js decks per session that open offline,
  and their PDF (:mod:`helpers.teaching.slides`).

Modules
-------
- :mod:`~helpers.teaching.glossary`  the glossary, key-terms tables, :func:`sync_terms`, the handout;
- :mod:`~helpers.teaching.checks`    :class:`CheckResult` and the ``check_*`` helpers (``CRM_CHECK_LOG``,
  ``CRM_AUTOGRADE``);
- :mod:`~helpers.teaching.tasks`     write-it-yourself exercises: :class:`Task`, :class:`Mistake`,
  :func:`check_function` (runs the student's function, compares with the workbook's result);
- :mod:`~helpers.teaching.editions`  :func:`exercises_of`, :func:`student_edition`, :func:`instructor_edition`,
  :func:`write_editions`;
- :mod:`~helpers.teaching.chinese`   the Chinese editions (``<out>/zh/<edition>/``): translated prose and
  teaching notes, Chinese banner and glossary handout, :func:`english_cells`;
- :mod:`~helpers.teaching.course`    the six-session course map :data:`SESSIONS`, :func:`objectives`, the syllabus
  (``python -m helpers.teaching syllabus``, :func:`write_syllabus`);
- :mod:`~helpers.teaching.nbgrading` nbgrader cell metadata, solution regions, the course's nbgrader config;
- :mod:`~helpers.teaching.slides`    reveal.js decks per session (offline) and their PDF print;
- :mod:`~helpers.teaching.cli`       ``python -m helpers.teaching {editions,sync-terms,glossary,syllabus,slides}``.

Which notebooks there are, their numbers and the course-cell tags are :mod:`helpers.notebooks`'s
one rule (:data:`COURSE_TAGS`, :func:`notebook_number`); the PDF reports drop every course cell
(see :mod:`helpers.report`).
"""

from ..notebooks import COURSE_TAGS, notebook_number
from .checks import (AUTOGRADE_ENV, CHECK_LOG_ENV, CheckResult, check_bool, check_choice, check_number, check_set,
                     combine, finish_check, graded)
from .cli import main
from .course import SESSIONS, Part, Session, objectives, session_exercises, syllabus_markdown, write_syllabus
from .chinese import ZH_MIN_SHARE, chinese_edition, english_cells, glossary_markdown_zh
from .editions import (EDITIONS, EXTRA_NOTEBOOKS, LANGS, assigned_names, defined_names, edition_folder,
                       exercise_title, exercises_of, instructor_edition, stub_names, student_edition,
                       write_editions)
from .tasks import Mistake, Task, check_function, same
from .glossary import (GLOSSARY_PATH, TERMS_HEADER, TERMS_RULE, glossary, glossary_markdown, notebook_terms, sync_terms,
                       table_rows, terms_table)

__all__ = [
    "AUTOGRADE_ENV",
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
    "Mistake",
    "Task",
    "assigned_names",
    "check_bool",
    "check_choice",
    "check_function",
    "check_number",
    "check_set",
    "chinese_edition",
    "edition_folder",
    "english_cells",
    "combine",
    "defined_names",
    "exercise_title",
    "exercises_of",
    "finish_check",
    "glossary",
    "glossary_markdown",
    "glossary_markdown_zh",
    "graded",
    "instructor_edition",
    "main",
    "notebook_number",
    "notebook_terms",
    "objectives",
    "session_exercises",
    "same",
    "stub_names",
    "student_edition",
    "sync_terms",
    "syllabus_markdown",
    "table_rows",
    "terms_table",
    "write_editions",
    "write_syllabus",
]
