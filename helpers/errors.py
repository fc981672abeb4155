"""The one exception the workbook raises for bad input.

:class:`DataError` is a :class:`ValueError` whose message always says *which file*,
*which column* and, where it applies, *which row*, followed by what to do about it,
so a researcher running a notebook on their own export never has to read a pandas
traceback to find the problem.
"""

from __future__ import annotations

from pathlib import Path


def clip(text: str, limit: int) -> str:
    """``text`` as a message shows it: at most ``limit`` characters, cut with "…" (a cell of a broken file can
    hold a whole line)."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


class DataError(ValueError):
    """Bad input data: names the file, column and row where it can, and the fix.

    Parameters
    ----------
    problem
        What is wrong, in one sentence.
    file
        The file being read (path or name), if any.
    column
        The column concerned, if any.
    row
        The 1-based data row (header excluded) or a row label, if any.
    hint
        What the user can do about it.

    Examples
    --------
    >>> raise DataError("required column is missing", file="orders.csv",
    ...                 column="timestamp", hint="pass columns={'timestamp': '下单时间'}")
    Traceback (most recent call last):
    ...
    helpers.errors.DataError: orders.csv, column 'timestamp': required column is missing. What to do: pass columns={'timestamp': '下单时间'}
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | Path | None = None,
        column: str | None = None,
        row: int | str | None = None,
        hint: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = str(file) if file is not None else None
        self.column = column
        self.row = row
        self.hint = hint
        super().__init__(self._message())

    def _message(self) -> str:
        where = []
        if self.file is not None:
            where.append(Path(self.file).name if len(self.file) > 80 else self.file)
        if self.column is not None:
            where.append(f"column {self.column!r}")
        if self.row is not None:
            where.append(f"row {self.row}")
        text = (", ".join(where) + ": " if where else "") + self.problem.rstrip(".") + "."
        if self.hint:
            text += f" What to do: {self.hint}"
        return text
