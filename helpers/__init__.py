"""Helpers for the CRM research workbook: the analysis the numbered notebooks call, tested in ``tests/``.

Two layers (``docs/architecture.md``; the rules that keep them apart are tests):

**Bottom layer** — used by every module, imports no analysis:
:mod:`~helpers.paths` (folders, user paths, file formats, hashes), :mod:`~helpers.schema` (canonical
columns, aliases, status words, quarantine reasons, personal-data patterns), :mod:`~helpers.errors`
(:class:`~helpers.errors.DataError`), :mod:`~helpers.i18n` (English / Chinese), :mod:`~helpers.plotting`
(one theme with CJK fonts), :mod:`~helpers.outputs` (tables and figures under ``reports/``),
:mod:`~helpers.engines` (DuckDB, Spark), :mod:`~helpers.largelog` (logs scanned on disk),
:mod:`~helpers.privacy` (keyed pseudonyms), :mod:`~helpers.store` (every hand-over between notebooks,
with label and provenance) and :mod:`~helpers.notebooks` (numbering, course tags).

**Concept packages**, one per step of the CRM cycle, each with its public names in ``__init__``:
:mod:`~helpers.acquire` (01), :mod:`~helpers.clean` (02), :mod:`~helpers.clv` (03, customer value, fitted
once), :mod:`~helpers.segment` (04, identification and differentiation), :mod:`~helpers.survey` (05),
:mod:`~helpers.community` and :mod:`~helpers.topics` (06), :mod:`~helpers.knowledge` (07); the SIMULATED
data (:mod:`~helpers.simulate`), the course kit (:mod:`~helpers.teaching`, :mod:`~helpers.exercises`) and the
report command (:mod:`~helpers.report`).
"""

__version__ = "0.1.0"
