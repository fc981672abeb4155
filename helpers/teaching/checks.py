"""Self-checking exercises: compare a student's answer with the value the run's data give.

:func:`check_number`, :func:`check_choice`, :func:`check_set` and :func:`check_bool` compare a
student's answer with an expected value computed from the run's own data (:mod:`helpers.exercises`)
and return a :class:`CheckResult` that shows "✅ Right 正确" or "Not yet 还不对" with a hint —
never the expected value.

Checks also append ``{"exercise", "status"}`` as a JSON line to the file named by the
environment variable ``CRM_CHECK_LOG`` (:data:`CHECK_LOG_ENV`) when it is set (the test suite
uses it to see that student checks say "not yet" and instructor checks "right"; the expected
value is never logged).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..i18n import tr
from ..largelog import step_bar

CHECK_LOG_ENV = "CRM_CHECK_LOG"
"""Environment variable naming a file each check appends ``{"exercise", "status"}`` to."""
AUTOGRADE_ENV = "CRM_AUTOGRADE"
"""Environment variable: when set (``1``), :func:`graded` raises on every answer that is not right, so
``nbgrader autograde`` scores the check cell 0 (its ``nbgrader_config.py`` in the editions sets it)."""


@dataclass(frozen=True)
class CheckResult:
    """What a check says to the student.

    Attributes
    ----------
    exercise
        Exercise id, e.g. ``"03.1"``.
    status
        ``"right"``, ``"not_yet"`` (a wrong answer), ``"blank"`` (nothing written yet) or
        ``"n/a"`` (the exercise does not apply to this dataset).
    message
        The text shown; it never contains the expected value.
    """

    exercise: str
    status: str
    message: str

    @property
    def right(self) -> bool:
        return self.status == "right"

    def __bool__(self) -> bool:
        return self.right

    def __repr__(self) -> str:
        return self.message

    def _repr_markdown_(self) -> str:
        return self.message


_BLANK = "write your answer in the cell above 请在上方单元格作答"


def finish_check(exercise: str, status: str, detail: str, hint: str) -> CheckResult:
    """The :class:`CheckResult` of a check (and its line in ``CRM_CHECK_LOG``); ``detail`` and ``hint``
    must not contain the expected value."""
    prefix = f"**Exercise {exercise}** · " if exercise else ""
    if status == "right":
        message = f"{prefix}✅ Right 正确"
    elif status == "n/a":
        message = (prefix + "ℹ️ " + tr("This exercise is written for the simulated Xiaomi data (dataset = \"xiaomi_sim\");")
                   + " " + detail)
    else:
        message = f"{prefix}✏️ Not yet 还不对 — {detail}" + (f" Hint 提示: {tr(hint)}" if hint else "")
    result = CheckResult(exercise, status, message)
    log = os.environ.get(CHECK_LOG_ENV)
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(json.dumps({"exercise": exercise, "status": status}) + "\n")
    return result


def combine(results: Sequence[CheckResult]) -> CheckResult:
    """One result of several parts (e.g. a set of ids and a share): right when every part that applies is."""
    results = list(results)
    order = ("blank", "not_yet", "right")
    judged = [r.status for r in results if r.status != "n/a"]
    status = min(judged, key=order.index) if judged else "n/a"
    return CheckResult(results[0].exercise if results else "", status, "\n\n".join(r.message for r in results))


def graded(result: CheckResult) -> CheckResult:
    """``result`` itself; under ``CRM_AUTOGRADE=1`` an ``AssertionError`` (its message, never the
    expected value) when it is not right, which is how nbgrader's autograder scores a test cell."""
    if os.environ.get(AUTOGRADE_ENV, "").strip() in ("1", "true", "yes") and result.status not in ("right", "n/a"):
        raise AssertionError(result.message)
    return result


def _is_blank(answer: Any) -> bool:
    return answer is None or answer is Ellipsis


def _not_applicable(exercise: str) -> CheckResult:
    return finish_check(exercise, "n/a", tr("there is nothing to check for this dataset."), "")


def _as_float(value: Any) -> float | None:
    if isinstance(value, (bool, str, bytes)) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def check_number(exercise: str, answer: Any, expected: float | None, *, tol: float = 0.01,
                 hint: str = "") -> CheckResult:
    """Check a numeric answer: right when ``|answer − expected| ≤ tol``.

    Parameters
    ----------
    exercise
        Exercise id shown with the result.
    answer
        The student's value (``None`` = not answered yet).
    expected
        The value computed from the run's data; ``None`` when the exercise does not apply to the
        dataset.
    tol
        Absolute tolerance, in the answer's unit (e.g. 0.01 = one percentage point for a share).
    hint
        Shown with "Not yet"; must not contain the answer.

    Returns
    -------
    CheckResult
        Never contains ``expected``. An answer 100 times the expected share gets the note that
        a share is asked for, not a percentage.
    """
    if expected is None:
        return _not_applicable(exercise)
    if _is_blank(answer):
        return finish_check(exercise, "blank", tr(_BLANK + "."), hint)
    value = _as_float(answer)
    if value is None:
        return finish_check(exercise, "not_yet",
                            tr("the answer should be a number, not a {kind}.", kind=type(answer).__name__), hint)
    if math.isnan(value):
        return finish_check(exercise, "not_yet", tr("your answer is NaN (not a number): check the calculation."), hint)
    if abs(value - float(expected)) <= tol:
        return finish_check(exercise, "right", "", hint)
    if 0 < abs(float(expected)) <= 1 and abs(value / 100 - float(expected)) <= tol:
        return finish_check(exercise, "not_yet", tr("give a share between 0 and 1, not a percentage."), hint)
    return finish_check(exercise, "not_yet", tr("that is not the value the data give."), hint)


def _norm_text(value: Any) -> str:
    return re.sub(r"\s+", " ", str(value)).strip().casefold()


def check_choice(exercise: str, answer: Any, expected: Any, *, hint: str = "",
                 choices: Sequence[Any] | None = None) -> CheckResult:
    """Check a one-of-several answer (a segment name, a channel, a topic number …).

    Text is compared without regard to case or repeated spaces; numbers by their text
    (``3`` equals ``"3"``). ``choices``, when given, are the options the question lists: an
    answer outside them is told so.
    """
    if expected is None:
        return _not_applicable(exercise)
    if _is_blank(answer) or (isinstance(answer, str) and not answer.strip()):
        return finish_check(exercise, "blank", tr(_BLANK + "."), hint)
    if isinstance(answer, float) and answer.is_integer():
        answer = int(answer)
    given = _norm_text(answer)
    if choices is not None and given not in {_norm_text(c) for c in choices}:
        return finish_check(exercise, "not_yet", tr("that is not one of the options the question lists."), hint)
    if given == _norm_text(expected):
        return finish_check(exercise, "right", "", hint)
    return finish_check(exercise, "not_yet", tr("that is not the one the data point to."), hint)


def check_set(exercise: str, answer: Any, expected: Iterable[Any] | None, *, hint: str = "") -> CheckResult:
    """Check a set of ids (customer ids, poll ids …); order and repeats do not matter.

    Ids are compared as text. The message says whether ids are missing or do not belong, never
    which ones.
    """
    if expected is None:
        return _not_applicable(exercise)
    if _is_blank(answer):
        return finish_check(exercise, "blank", tr(_BLANK + "."), hint)
    if isinstance(answer, (str, bytes)) or not isinstance(answer, Iterable):
        return finish_check(exercise, "not_yet",
                            tr("the answer should be a collection of ids (a set, list or Series)."), hint)
    expected = list(expected)
    bar = step_bar(len(expected), f"checking {exercise}", 3)  # sets of millions of ids (a 50M-line log)
    given = {str(v).strip() for v in answer}
    bar.update()
    target = {str(v).strip() for v in expected}
    bar.update()
    same = given == target
    bar.update()
    bar.close()
    if same:
        return finish_check(exercise, "right", "", hint)
    parts = []
    if target - given:
        parts.append("some ids are missing")
    if given - target:
        parts.append("some of your ids do not belong")
    return finish_check(exercise, "not_yet", tr(" and ".join(parts) + "."), hint)


def check_bool(exercise: str, answer: Any, expected: bool | None, *, hint: str = "") -> CheckResult:
    """Check a yes/no answer given as ``True`` or ``False``."""
    if expected is None:
        return _not_applicable(exercise)
    if _is_blank(answer):
        return finish_check(exercise, "blank", tr(_BLANK + "."), hint)
    if not isinstance(answer, bool) and type(answer).__name__ != "bool_":
        return finish_check(exercise, "not_yet", tr("answer True or False."), hint)
    if bool(answer) == bool(expected):
        return finish_check(exercise, "right", "", hint)
    return finish_check(exercise, "not_yet", tr("the data say otherwise."), hint)
