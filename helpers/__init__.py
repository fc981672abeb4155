"""Helpers for the CRM research workbook.

Small modules named for what they do, each a set of plain functions over pandas
objects, imported by the numbered notebooks in ``notebooks/`` and tested in ``tests/``:

- :mod:`helpers.paths`     where raw, interim and processed data and reports live
- :mod:`helpers.errors`    :class:`DataError`, the one exception bad input raises
- :mod:`helpers.acquire`   reading CDNOW, the simulated Xiaomi export and the user's own files
- :mod:`helpers.privacy`   keyed pseudonyms for names, phone numbers and e-mails
- :mod:`helpers.simulate`  the seeded simulation of a Xiaomi-like CRM export (SIMULATED data)
- :mod:`helpers.clean`     validation, quarantine with reasons, exact row accounting
- :mod:`helpers.clv`       per-customer RFM summary on DuckDB; BG/NBD, Pareto/NBD, Gamma-Gamma; CLV
- :mod:`helpers.segment`   ABC, RFM scores and segments, clusters, value × need, lifecycle, treatments
- :mod:`helpers.survey`    the staff survey: shares with Wilson intervals, tests, reliability, suppression
- :mod:`helpers.survey_io` reading survey exports (CSV/Excel, Qualtrics, Google Forms, 问卷星, SPSS)
- :mod:`helpers.community` the simulated community (forum, suggestions, meet-ups, polls) and its analysis
- :mod:`helpers.topics`    Chinese feedback topics: jieba, stop words, TF-IDF, NMF
- :mod:`helpers.knowledge` the coded customer knowledge base and per-customer / per-segment reports
- :mod:`helpers.plotting`  one seaborn theme with CJK-capable fonts
- :mod:`helpers.report`    papermill runs of every notebook and their PDF reports
"""

__version__ = "0.1.0"
