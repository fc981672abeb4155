"""Staff survey on customer knowledge management (员工客户知识管理调查): read, reproduce, go beyond.

Paper 2 (``docs/references.md#paper2``) reports one table of numbers: the shares of 100 questionnaires
(offline interviews of store-counter sales staff, an online survey of employees) agreeing with six
statements — 56, 86, 73, 45, 86 and 76 %. This package

- **reads** a survey through its **codebook** (编码簿, YAML: items, scales, answer labels,
  dimensions) from the export of any tool staff surveys are run with — plain CSV/Excel with codes
  or labels, Qualtrics, Google Forms, 问卷星 Wenjuanxing (text or code export), SPSS ``.sav`` — into
  one tidy respondent table, never turning an unknown answer into a silent NaN
  (:func:`read_survey`, :func:`load_survey`);
- **simulates** a respondent-level dataset of 100 (:func:`simulate_responses`, seeded; SIMULATED)
  whose six shares equal the published ones *exactly* and whose other patterns follow the paper's
  narrative with noise;
- **reproduces** the paper's table with Wilson 95 % intervals (:func:`statement_table`);
- goes beyond it: diverging stacked bars of the Likert items (:func:`plot_likert`), subgroup
  comparisons with chi-square / Fisher exact tests, Cramér's V and Holm correction
  (:func:`compare_groups`), an ordinal logistic model of one attitude (:class:`AttitudeModel`),
  reliability (:func:`cronbach_alpha`, :func:`reliability_table`), factorability
  (:func:`factorability`) and an exploratory factor analysis (:func:`efa_loadings`);
- protects anonymity: :func:`suppress` blanks every reported group with fewer than ``min_size``
  respondents, plus a complementary group where the blanked one could be derived from totals; the
  group figures are drawn only from suppressed tables.

**What simulated data can and cannot show.** The simulation is built to match the six published
marginals; every subgroup difference, correlation and factor structure in it is an *assumption*
of the generator (documented in :data:`SIM_DESIGN`), not a finding about Xiaomi.

Modules
-------
Reading:

- :mod:`.codebook` — :class:`Level`, :class:`Scale`, :class:`Item`, :class:`Codebook`,
  :func:`load_codebook`, :func:`normalise`; where the survey's files are (:data:`SURVEY_DIR` …).
- :mod:`.formats` — the registry of export formats :data:`FORMATS` (one :class:`SurveyFormat` per
  format, one file per format family: ``plain``, ``qualtrics``, ``google_forms``, ``wjx``,
  ``spss``) and :func:`detect_format`.
- :mod:`.matching` — which item an export header means (:func:`match_header`, :class:`Target`).
- :mod:`.reader` — :func:`read_survey` and :class:`SurveyData`: columns mapped, answers decoded.
- :mod:`.screening` — rows that are no respondent and respondents submitted twice, left out with a
  reason (:data:`EXCLUSIONS`) and counted (:attr:`SurveyData.excluded`).
- :mod:`.export` — :func:`to_export_frame` (plain export, codes or labels), :func:`write_sav` (SPSS).
- :mod:`.simulate` — :func:`simulate_responses`, :func:`write_simulated`, :func:`load_survey`,
  the simulation's design and file (:data:`SIM_DESIGN`, :data:`SIM_PATH` …); ``python -m
  helpers.survey`` regenerates the file.

Analysis:

- :mod:`.shares` — :func:`wilson_ci`, :func:`margin_of_error`, :func:`statement_table`,
  :func:`compare_with_published`, :func:`likert_table`.
- :mod:`.suppression` — :func:`suppress`, :func:`groups_to_withhold`, :func:`shown`,
  :func:`anonymity_statement`, :func:`limitations`.
- :mod:`.groups` — :func:`respondent_profile`, :func:`group_shares`, :func:`compare_groups`,
  :func:`column_label`, :func:`describe_tests`.
- :mod:`.model` — :class:`AttitudeModel` (ordinal logistic regression).
- :mod:`.reliability` — :func:`reverse_coded`, :func:`cronbach_alpha`, :func:`reliability_table`,
  :func:`factorability`, :func:`efa_loadings`.
- :mod:`.plots` — :func:`plot_statements`, :func:`plot_likert`, :func:`plot_group_shares`,
  :func:`plot_loadings`.
"""

from ..schema import clean_cell
from .codebook import (
    CODEBOOK_PATH,
    KINDS,
    MULTI_SEP,
    SAMPLES_DIR,
    SCALE_TYPES,
    SURVEY_DIR,
    Codebook,
    Item,
    Level,
    Scale,
    load_codebook,
    normalise,
)
from .export import to_export_frame, write_sav
from .formats import (
    FORMATS,
    HEADER_ROWS,
    ID_COLUMNS,
    METADATA,
    MULTI_SEPARATORS,
    WJX_EMPTY,
    WJX_SKIPPED,
    SurveyFormat,
    detect_format,
)
from .groups import column_label, compare_groups, describe_tests, group_shares, respondent_profile
from .matching import Target, match_header
from .model import AttitudeModel
from .plots import LIKERT_COLORS, plot_group_shares, plot_likert, plot_loadings, plot_statements
from .reader import SurveyData, read_survey
from .screening import EXCLUSIONS, EXCLUSIONS_ZH
from .reliability import cronbach_alpha, efa_loadings, factorability, reliability_table, reverse_coded
from .shares import (
    AGREE_CODES,
    DISAGREE_CODES,
    STATEMENT_COLUMNS,
    compare_with_published,
    likert_table,
    margin_of_error,
    statement_table,
    wilson_ci,
)
from .simulate import (
    SIM_DESIGN,
    SIM_LABEL,
    SIM_NAME,
    SIM_NOTE,
    SIM_PATH,
    SIM_SEED,
    load_survey,
    simulate_responses,
    write_simulated,
)
from .simulate import main as main  # the command behind ``python -m helpers.survey``
from .suppression import anonymity_statement, groups_to_withhold, limitations, shown, suppress

__all__ = [
    # reading: codebook, formats, reader, export
    "CODEBOOK_PATH",
    "Codebook",
    "EXCLUSIONS",
    "EXCLUSIONS_ZH",
    "FORMATS",
    "HEADER_ROWS",
    "ID_COLUMNS",
    "Item",
    "KINDS",
    "Level",
    "METADATA",
    "MULTI_SEP",
    "MULTI_SEPARATORS",
    "SAMPLES_DIR",
    "SCALE_TYPES",
    "SURVEY_DIR",
    "Scale",
    "SurveyData",
    "SurveyFormat",
    "Target",
    "WJX_EMPTY",
    "WJX_SKIPPED",
    "clean_cell",
    "detect_format",
    "load_codebook",
    "match_header",
    "normalise",
    "read_survey",
    "to_export_frame",
    "write_sav",
    # the simulation and the survey to analyse
    "SIM_DESIGN",
    "SIM_LABEL",
    "SIM_NAME",
    "SIM_NOTE",
    "SIM_PATH",
    "SIM_SEED",
    "load_survey",
    "simulate_responses",
    "write_simulated",
    # analysis
    "AGREE_CODES",
    "AttitudeModel",
    "DISAGREE_CODES",
    "LIKERT_COLORS",
    "STATEMENT_COLUMNS",
    "anonymity_statement",
    "column_label",
    "compare_groups",
    "compare_with_published",
    "cronbach_alpha",
    "describe_tests",
    "efa_loadings",
    "factorability",
    "group_shares",
    "groups_to_withhold",
    "likert_table",
    "limitations",
    "margin_of_error",
    "plot_group_shares",
    "plot_likert",
    "plot_loadings",
    "plot_statements",
    "reliability_table",
    "respondent_profile",
    "reverse_coded",
    "shown",
    "statement_table",
    "suppress",
    "wilson_ci",
]
