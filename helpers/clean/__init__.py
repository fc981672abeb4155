"""Cleaning (数据清洗): validate transactions, quarantine bad rows with a reason, account for every row.

:func:`clean_transactions` takes the canonical table that :mod:`helpers.acquire` produced
(raw values, text as read) and returns ``(clean, quarantine)``: parsed, typed lines, and every
row not kept with its raw values, a ``reason`` code (:data:`REASONS`) and a ``detail``. The
rules apply in order, a row gets the first reason that applies (duplicates, test accounts,
missing customers, dates, amounts, unknown status, cancellations, returns netted into their
sale lines); extreme orders are flagged, not dropped. Each input row ends in exactly one of the
two tables, and the row account proves it. A large log (a :class:`~helpers.largelog.ParquetLog`)
is cleaned in DuckDB, without loading it, by the same statements a DataFrame is cleaned by (in DuckDB too:
the value rules and the netting of returns are pandas functions, the row rules SQL; proved equal by
``tests/test_clean_parity.py``).

Modules
-------
- :mod:`~helpers.clean.parse`: :func:`parse_timestamps`, :func:`parse_amounts` (:func:`amount_parts`: value,
  currency marks, ambiguity), :func:`normalise_status`, and
  the value checks both paths use (:func:`value_checks`: :func:`check_timestamps`, :func:`check_amounts`,
  :func:`check_statuses`, each a :class:`Checked` of value, reason and detail);
- :mod:`~helpers.clean.textforms`: NFKC and white space as the value checks compare text, in Arrow;
- :mod:`~helpers.clean.timeshapes`: order times of a plain numeric shape read from their bytes (for
  :func:`parse_timestamps`; what it does not read goes on to pandas);
- :mod:`~helpers.clean.returns`: :func:`net_returns` (returns netted into their sale lines);
- :mod:`~helpers.clean.rules`: :func:`clean_transactions` (the rules, in order, in its docstring),
  :func:`flag_extreme_orders`, :class:`Cleaned`;
- :mod:`~helpers.clean.accounting`: :func:`row_accounting`, :func:`check_accounting`,
  :func:`quarantine_summary`, :func:`quarantine_examples`, :func:`compare_with_planted`,
  :func:`plot_row_accounting`;
- :mod:`~helpers.clean.statements`: the rules as SQL statements both paths run
  (:func:`~helpers.clean.statements.clean_views`, :func:`~helpers.clean.statements.kept_sql`,
  :func:`~helpers.clean.statements.quarantine_sql`); :mod:`~helpers.clean.frame`: a DataFrame cleaned by them in
  DuckDB (:func:`~helpers.clean.frame.clean_frame`, what :func:`clean_transactions` runs);
- :mod:`~helpers.clean.large`: :func:`clean_log` and :func:`check_log_accounting` (the large path),
  :class:`CleanedLog`; with ``spark=`` a SparkSession, ``clean_log`` runs its same statements on Spark
  (:mod:`~helpers.clean.spark`: the view of the log they read, :func:`spark_log`);
- :mod:`~helpers.clean.tables`: :func:`extreme_orders`, :func:`revenue_by`, :func:`returned_lines`,
  :func:`breakdown_column`, :func:`rules_table`.

The vocabularies (:data:`REASONS`, :data:`REASONS_ZH`, :data:`STATUS_VALUES`, :data:`DATE_FORMATS`,
:data:`DEFAULT_TEST_ID_PATTERN`) are :mod:`helpers.schema`'s. The clean lines, quarantine and row account are
written and read by :func:`helpers.store.save_processed` and :func:`helpers.store.load_processed`.
"""

from ..schema import (CANONICAL, DATE_FORMATS, DEFAULT_TEST_ID_PATTERN, LINEAGE, REASONS, REASONS_ZH, STATUS_LOOKUP,
                      STATUS_VALUES)
from .arrowmemory import system_arrow_memory
from .accounting import (check_accounting, compare_with_planted, plot_row_accounting, quarantine_examples,
                         quarantine_summary, row_accounting)
from .large import CleanedLog, check_log_accounting, clean_log
from .parse import (Checked, MixedCurrencies, amount_parts, check_amounts, check_statuses, check_timestamps, normalise_status, parse_amounts,
                    parse_timestamps, value_checks)
from .returns import net_returns
from .textforms import ascii_only, edge_bytes, missing_text, used_bytes
from .spark import spark_log
from .rules import Cleaned, clean_transactions, flag_extreme_orders
from .tables import breakdown_column, extreme_orders, returned_lines, revenue_by, rules_table

__all__ = [
    "CANONICAL", "DATE_FORMATS", "DEFAULT_TEST_ID_PATTERN", "LINEAGE", "REASONS", "REASONS_ZH", "STATUS_LOOKUP",
    "STATUS_VALUES", "Checked", "MixedCurrencies", "amount_parts", "Cleaned", "CleanedLog", "breakdown_column", "check_accounting", "check_amounts",
    "check_log_accounting", "check_statuses", "check_timestamps", "edge_bytes", "missing_text", "net_returns", "value_checks",
    "clean_log", "clean_transactions", "compare_with_planted", "extreme_orders", "flag_extreme_orders",
    "normalise_status", "parse_amounts", "parse_timestamps", "plot_row_accounting",
    "quarantine_examples", "quarantine_summary", "returned_lines", "revenue_by", "row_accounting", "rules_table",
    "spark_log", "system_arrow_memory", "ascii_only", "used_bytes",
]
