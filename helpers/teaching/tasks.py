"""Write-it-yourself exercises: run a student's function on the run's data and compare it with the workbook's.

A :class:`Task` holds the inputs the student's function is called with, the workbook's own result
for them (``expected``) and the results of the typical wrong versions (:class:`Mistake`: ties split
by row order, frequency off by one, days instead of weeks …), each with the hint it deserves.
:func:`check_function` calls the student's function on fresh copies of the inputs and says
"✅ Right 正确" or "✏️ Not yet 还不对" with a hint — never the expected value, nor any value derived
from it (no counts of differing rows, no numbers at all besides what the student wrote).

A blank answer — a stub whose body is ``...``/``pass`` (it returns ``None``) or that raises
``NotImplementedError`` — is "blank": the check says "not yet" and the notebook runs on. An
exception from the student's code is reported by its type and the first line of its message.

Comparison (:func:`same`): numbers within ``atol + rtol·|expected|``; Series and DataFrames aligned
on their index (order of rows does not matter), compared column by column (the expected columns
only: extra columns are allowed), numbers with the tolerance, anything else as text; sets and
lists as sets of text (``ordered=True``: as sequences); tuples element by element.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..i18n import tr
from .checks import CheckResult, finish_check

__all__ = ["Mistake", "Task", "check_function", "same"]


@dataclass(frozen=True)
class Mistake:
    """A typical wrong result (computed from the same inputs) and the hint it gets."""

    value: Any
    hint: str


@dataclass(frozen=True)
class Task:
    """What :func:`check_function` needs to judge a student's function.

    Attributes
    ----------
    args, kwargs
        The inputs the function is called with (copied for each call).
    expected
        The workbook's own result for those inputs.
    mistakes
        Known wrong results, tried in order after ``expected``.
    rtol, atol
        Tolerance for numbers (relative, absolute).
    ordered
        Lists are compared in order (e.g. a ranking), not as sets.
    hint
        Shown when the answer is wrong in no known way.
    applies
        ``False``: the exercise does not apply to this dataset (the check says so).
    """

    args: tuple = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    expected: Any = None
    mistakes: Sequence[Mistake] = ()
    rtol: float = 1e-6
    atol: float = 1e-9
    ordered: bool = False
    hint: str = ""
    applies: bool = True


def _numbers(a: Any, b: Any, rtol: float, atol: float) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


def _column(a: pd.Series, b: pd.Series, rtol: float, atol: float) -> bool:
    if pd.api.types.is_numeric_dtype(b) and not pd.api.types.is_bool_dtype(b):
        got = pd.to_numeric(a, errors="coerce")
        return bool(got.notna().eq(b.notna()).all()) and _numbers(got.to_numpy(float), b.to_numpy(float), rtol, atol)
    return bool((a.astype(str).str.strip() == b.astype(str).str.strip()).all())


def _frame(answer: Any, expected: pd.DataFrame) -> pd.DataFrame | None:
    if isinstance(answer, pd.Series) and expected.shape[1] == 1:
        answer = answer.to_frame(expected.columns[0])
    if not isinstance(answer, pd.DataFrame) or not set(expected.columns) <= set(answer.columns):
        return None
    if len(answer) != len(expected) or not answer.index.is_unique:
        return None
    if set(map(str, answer.index)) != set(map(str, expected.index)):
        return None
    out = answer.copy()
    out.index = out.index.map(str)
    return out.loc[list(map(str, expected.index)), list(expected.columns)]


def same(answer: Any, expected: Any, *, rtol: float = 1e-6, atol: float = 1e-9, ordered: bool = False) -> bool:
    """Whether ``answer`` equals ``expected`` in the sense of the module docstring."""
    if isinstance(expected, pd.Series):
        expected = expected.to_frame(expected.name if expected.name is not None else 0)
    if isinstance(expected, pd.DataFrame):
        got = _frame(answer, expected)
        return got is not None and all(_column(got[c].reset_index(drop=True), expected[c].reset_index(drop=True),
                                                rtol, atol) for c in expected.columns)
    if isinstance(expected, tuple):
        return (isinstance(answer, (tuple, list, np.ndarray, pd.Series)) and len(answer) == len(expected)
                and all(same(a, e, rtol=rtol, atol=atol) for a, e in zip(list(answer), expected)))
    if isinstance(expected, (set, frozenset, list)):
        if isinstance(answer, (str, bytes, dict)) or not hasattr(answer, "__iter__"):
            return False
        got, want = [str(v).strip() for v in answer], [str(v).strip() for v in expected]
        return got == want if ordered else set(got) == set(want) and len(got) == len(set(got))
    if isinstance(expected, (int, float, np.number)) and not isinstance(expected, bool):
        if isinstance(answer, (bool, str, bytes)) or np.ndim(answer) != 0:
            return False
        try:
            return _numbers(float(answer), float(expected), rtol, atol)
        except (TypeError, ValueError):
            return False
    if isinstance(expected, np.ndarray):
        try:
            return _numbers(answer, expected, rtol, atol)
        except (TypeError, ValueError):
            return False
    return str(answer).strip() == str(expected).strip()


def _shape_problem(answer: Any, expected: Any) -> str:
    """What kind of object is wrong, without any value of ``expected``."""
    if isinstance(expected, (pd.Series, pd.DataFrame)):
        columns = [expected.name] if isinstance(expected, pd.Series) else list(expected.columns)
        if not isinstance(answer, (pd.Series, pd.DataFrame)):
            return tr("return a pandas table (a DataFrame or Series), not a {kind}.", kind=type(answer).__name__)
        if isinstance(answer, pd.DataFrame) and not set(columns) <= set(answer.columns) and len(columns) > 1:
            return tr("your table needs the columns {columns}.", columns=", ".join(map(str, columns)))
        if _frame(answer, expected if isinstance(expected, pd.DataFrame) else expected.to_frame()) is None:
            return tr("your table should have one row per customer (or item) of the input, indexed by its id, "
                      "each once.")
        return tr("some values differ from what the method gives.")
    if isinstance(expected, tuple) and not (isinstance(answer, (tuple, list, np.ndarray))
                                            and len(answer) == len(expected)):
        return tr("return {n} values, as the stub's docstring says.", n=len(expected))
    return tr("that is not what the method gives for these inputs.")


def check_function(exercise: str, func: Callable[..., Any] | None, task: Task) -> CheckResult:
    """Run a student's ``func`` on ``task``'s inputs and compare with ``task.expected``.

    Returns "right", "blank" (``func`` is ``None``, returns ``None`` or raises
    ``NotImplementedError``), "not_yet" with the hint of the first :class:`Mistake` the result
    matches (else a generic one) or "n/a". The message never contains the expected value.
    """
    if not task.applies:
        return finish_check(exercise, "n/a", tr("there is nothing to check for this dataset."), "")
    if func is None or not callable(func):
        return finish_check(exercise, "blank", tr("write your function in the cell above and run it."), task.hint)
    try:
        answer = func(*copy.deepcopy(task.args), **copy.deepcopy(task.kwargs))
    except NotImplementedError:
        return finish_check(exercise, "blank", tr("your function is not written yet (it raises NotImplementedError)."),
                            task.hint)
    except Exception as exc:  # the student's code: report it, never crash the notebook
        first = (str(exc).splitlines() or [""])[0][:160]
        return finish_check(exercise, "not_yet", tr("your function raised {error}: {message}",
                                                    error=type(exc).__name__, message=first), task.hint)
    if answer is None:
        return finish_check(exercise, "blank", tr("your function returns nothing yet (None)."), task.hint)
    kw = {"rtol": task.rtol, "atol": task.atol, "ordered": task.ordered}
    if same(answer, task.expected, **kw):
        return finish_check(exercise, "right", "", "")
    for mistake in task.mistakes:
        if same(answer, mistake.value, **kw):
            return finish_check(exercise, "not_yet", tr("a typical slip:"), mistake.hint)
    return finish_check(exercise, "not_yet", _shape_problem(answer, task.expected), task.hint)
