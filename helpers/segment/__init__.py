"""Customer identification and differentiation (客户识别、客户区分): ABC, RFM, clusters, value × need, lifecycle.

The first course paper (``docs/references.md#paper1``) describes two CRM steps this package makes runnable:

- **identification** (客户识别): find the most valuable and the potential customers on two
  axes, the customer's *value to the firm* (价值) and the customer's *needs* (需求) —
  :func:`value_need_matrix`;
- **differentiation** (客户区分): "ABC analysis, RFM analysis and CLV analysis" of value,
  potential, lifecycle and needs, then different service, marketing and channels per group —
  :func:`abc_classes`, :func:`rfm_scores` with three named-segment schemes,
  :class:`CustomerClusters`, :func:`lifecycle_stage` and :func:`segment_profile` (with
  :data:`TREATMENTS`);
- an ipywidgets explorer for JupyterLab (:func:`segment_explorer`) with a static fallback for
  papermill / PDF (:func:`show_explorer`, :func:`explorer_static`).

Everything is a plain function over pandas objects (one row per customer, a ``customer_id``
column), deterministic (ties and seeds are documented), and raises
:class:`helpers.errors.DataError` on bad input instead of producing silent NaN. Plot functions
return a :class:`matplotlib.figure.Figure` in the workbook's theme (:mod:`helpers.plotting`).

Inputs come from :mod:`helpers.clv`: :func:`rfm_table` turns a ``clv.rfm_summary`` (model
meaning: repeat purchases, first → last purchase) into the RFM-segmentation meaning
(purchase periods, time *since* the last purchase), exactly as PyMC-Marketing's
``rfm_summary(include_first_transaction=True)`` does; :func:`customer_table` joins that with
revenue, product-category breadth, the last channel used and notebook 03's CLV scores
(:func:`helpers.store.load_clv`). The segments table is written by :func:`helpers.store.save_segments`.

Modules
-------
=====================  ===========================================================================
:mod:`.customers`      :func:`customer_table` (pandas, or DuckDB aggregates of a large ParquetLog),
                       :func:`flagged_orders` (cleaning's extreme orders per customer)
:mod:`.abc`            :func:`abc_classes`, :func:`abc_summary`, :func:`pareto_curve`, :func:`gini`,
                       :func:`plot_pareto`, :data:`ABC_ZH`
:mod:`.rfm`            :func:`rfm_table`, :func:`quantile_scores` (tie rule), :func:`rfm_scores`,
                       :func:`plot_score_distribution`, :func:`value_scores`
:mod:`.spark`          the same scores on Apache Spark: :func:`rfm_table_spark`, :func:`rfm_scores_spark`,
                       :func:`abc_spark`, :func:`lifecycle_spark` (shared pandas definitions)
:mod:`.schemes`        the registry of named RFM segment schemes :data:`RFM_SCHEMES` (one file each:
                       ``rf_grid`` — R×F map and :func:`plot_rf_heatmap`, ``pymc`` — PyMC-Marketing
                       quartiles, ``cn8`` — Chinese 8-class), its views :data:`SCHEMES`,
                       :data:`SEGMENT_COLUMNS`, :data:`SEGMENT_ZH`, and :func:`assign_rfm_segments`
:mod:`.clusters`       :class:`CustomerClusters`, :func:`plot_cluster_selection`, :func:`plot_cluster_centres`
:mod:`.value_need`     :data:`QUADRANTS`, :func:`need_measure`, :func:`value_need_matrix`,
                       :func:`quadrant_summary`, :func:`plot_value_need`
:mod:`.lifecycle`      :data:`LIFECYCLE_STAGES`, :data:`LIFECYCLE_THRESHOLDS`, :func:`lifecycle_stage`,
                       :func:`plot_lifecycle`
:mod:`.migration`      :func:`segment_migration` (RFM segment and lifecycle stage at the calibration end vs the
                       holdout end, share who came back), :class:`Migration`, :func:`plot_migration`;
                       :func:`migration_claim` (do the names hold?), :data:`NAMED_ACTIVE_SLIPPING`
:mod:`.profiles`       :data:`TREATMENTS`, :func:`segment_profile`, :func:`style_table`, :func:`plot_segment_sizes`
:mod:`.claims`        sentences from the numbers: :func:`share_word`, :func:`abc_claim`, :func:`cluster_claim`,
                       :func:`treatment` (the registry's advice), :func:`advice_claim`, :func:`flagged_claim`,
                       :func:`quadrant_claim`, :func:`value_claims`
:mod:`.explorer`       :class:`SegmentExplorer`, :func:`segment_explorer`, :func:`explorer_static`,
                       :func:`show_explorer`
:mod:`.arrays`         input checks and fast per-customer label arrays shared by the modules
:mod:`.population`     :func:`population_segments` (segments of every customer of a log analysed on a sample, in
                       chunks, with the same definitions), :func:`log_facts` (the whole log's counts and revenue)
=====================  ===========================================================================

References
----------
- Pareto / ABC analysis of customers: e.g. Kotler & Keller, *Marketing Management*; the 80/15/5
  convention (A up to 80% of cumulative value, B up to 95%, C the rest).
- Gini coefficient: Gini (1912); the sorted-values formula in e.g. Damgaard & Weiner (2000).
- RFM scoring: Hughes (1994), *Strategic Database Marketing*; PyMC-Marketing
  ``pymc_marketing.clv.utils.rfm_segments`` (quartile scores, segment lists reproduced in
  :data:`PYMC_SEGMENTS`).
- The 10-segment R×F map (:data:`RF_SEGMENT_MAP`): the ``seg_map`` used in many public RFM
  notebooks and courses (champions … hibernating over 5×5 recency × frequency scores).
- The Chinese 8-class RFM model (重要价值客户 … 一般挽留客户): high/low on each of R, F, M
  against the mean, as taught in Chinese CRM / e-commerce analytics courses.
- Clustering: MacQueen (1967) k-means; Rousseeuw (1987) silhouettes; scikit-learn.
- BG/NBD P(alive): Fader, Hardie & Lee (2005), used by :func:`lifecycle_stage` through ``clv``.
"""

from ..i18n import add_values, catalog
from .abc import ABC_ZH, abc_classes, abc_summary, gini, pareto_curve, plot_pareto
from .clusters import CustomerClusters, plot_cluster_centres, plot_cluster_selection
from .claims import (abc_claim, advice_claim, cluster_claim, data_claim, flagged_claim, quadrant_claim, share_word, treatment,
                     value_claims)
from .customers import customer_table, flagged_orders
from .explorer import SegmentExplorer, explorer_static, segment_explorer, show_explorer
from .lifecycle import LIFECYCLE_STAGES, LIFECYCLE_THRESHOLDS, lifecycle_of_customers, lifecycle_stage, plot_lifecycle
from .migration import Migration, plot_migration, segment_migration  # issue 19 (evaluate)
from .migration import NAMED_ACTIVE_SLIPPING, migration_claim  # issue 19 (evalnb)
from .profiles import TREATMENTS, plot_segment_sizes, segment_profile, style_table
from .population import log_facts, population_segments
from .rfm import plot_score_distribution, quantile_scores, rfm_scores, rfm_table, value_scores
from .spark import abc_spark, lifecycle_spark, rfm_scores_spark, rfm_table_spark
from .schemes import (
    CN8_SEGMENTS, PYMC_SEGMENTS, RF_GRID, RF_SEGMENT_MAP, RFM_SCHEMES, SCHEMES, SEGMENT_COLUMNS, SEGMENT_ZH, Scheme,
    assign_rfm_segments, plot_rf_heatmap, pymc_quartile_scores, pymc_segments, rf_segments, rfm8_segments,
)
from .value_need import QUADRANTS, need_measure, plot_value_need, quadrant_summary, value_need_matrix

__all__ = [
    "quadrant_claim",
    "ABC_ZH", "LIFECYCLE_STAGES", "LIFECYCLE_THRESHOLDS", "PYMC_SEGMENTS", "QUADRANTS", "RF_GRID",
    "RF_SEGMENT_MAP", "CN8_SEGMENTS", "RFM_SCHEMES", "SCHEMES", "SEGMENT_COLUMNS", "SEGMENT_ZH", "TREATMENTS",
    "CustomerClusters", "Scheme", "SegmentExplorer",
    "abc_claim", "advice_claim", "cluster_claim", "data_claim", "flagged_claim", "flagged_orders", "share_word", "treatment",
    "value_claims", "abc_classes", "abc_summary", "assign_rfm_segments", "customer_table", "explorer_static",
    "gini", "lifecycle_stage", "need_measure", "pareto_curve", "plot_cluster_centres",
    "plot_cluster_selection", "plot_lifecycle", "plot_pareto", "plot_rf_heatmap", "plot_score_distribution",
    "plot_segment_sizes", "plot_value_need", "quadrant_summary", "quantile_scores", "rf_segments",
    "rfm8_segments", "rfm_scores", "rfm_table", "pymc_quartile_scores", "pymc_segments",
    "segment_explorer", "segment_profile", "show_explorer", "style_table", "value_need_matrix",
    "Migration", "plot_migration", "segment_migration",  # issue 19 (evaluate)
    "NAMED_ACTIVE_SLIPPING", "migration_claim",  # issue 19 (evalnb)
    "lifecycle_of_customers", "value_scores", "abc_spark", "lifecycle_spark", "rfm_scores_spark",
    "rfm_table_spark",  # issue 20 (the chain on Spark)
    "log_facts", "population_segments",  # issue 20 (notebook 04 on a sample, segments of every customer)
]

# What the Chinese set shows for segment, lifecycle-stage and quadrant names and the treatments (their Chinese in
# the catalog) in tables (helpers.tables.show).
add_values(LIFECYCLE_STAGES | {name: zh for name, zh, _ in QUADRANTS.values()} | SEGMENT_ZH  # "at risk": the segment
           | {text: catalog()[text] for scheme in RFM_SCHEMES.values() for advice in scheme.treatments.values()
              for text in advice if text in catalog()}
           | {focus: catalog()[focus] for *_, focus in QUADRANTS.values() if focus in catalog()})
