"""Named-segment schemes over RFM (RFM 客户分群方案): one registry, one file per scheme.

:data:`RFM_SCHEMES` maps a key to its :class:`Scheme` (display name, column of the segments
table, assign function, Chinese names and treatments of its segments):

==========  =====================  ============================================================
key         file                   scheme
==========  =====================  ============================================================
``rfm10``   :mod:`.rf_grid`        R×F map, 10 segments over 5-point scores (champions … hibernating)
``pymc5``   :mod:`.pymc`           PyMC-Marketing ``rfm_segments``: 5 segments + Other (quartiles)
``cn8``     :mod:`.cn8`            Chinese 8-class model (重要价值客户 …): R, F, M high/low vs the mean
==========  =====================  ============================================================

Adding a scheme = one file defining its ``SCHEME`` + one entry in :data:`RFM_SCHEMES`
(``tests/test_segment.py`` checks every entry). The tables the notebooks use are views of the
registry: :data:`SCHEMES` (key → display name), :data:`SEGMENT_COLUMNS` (key → column),
:data:`SEGMENT_ZH` (segment → 中文) and :data:`SCHEME_TREATMENTS` (segment → treatment).
:func:`assign_rfm_segments` runs one scheme.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..arrays import ID, translate
from ..rfm import TieMethod
from .base import Assigned, Scheme
from .cn8 import CN8_SEGMENTS, rfm8_segments
from .cn8 import SCHEME as CN8
from .pymc import PYMC_SEGMENTS, pymc_quartile_scores, pymc_segments
from .pymc import SCHEME as PYMC5
from .rf_grid import RF_GRID, RF_SEGMENT_MAP, plot_rf_heatmap, rf_segments
from .rf_grid import SCHEME as RFM10

__all__ = [
    "CN8_SEGMENTS", "PYMC_SEGMENTS", "RFM_SCHEMES", "RF_GRID", "RF_SEGMENT_MAP", "SCHEMES", "SCHEME_TREATMENTS",
    "SEGMENT_COLUMNS", "SEGMENT_ZH", "Assigned", "Scheme", "assign_rfm_segments", "plot_rf_heatmap",
    "pymc_quartile_scores", "pymc_segments", "rf_segments", "rfm8_segments",
]

#: The registry: scheme key → :class:`Scheme`, in display order.
RFM_SCHEMES: dict[str, Scheme] = {scheme.key: scheme for scheme in (RFM10, PYMC5, CN8)}

#: Segment schemes by key: their display names (figure titles, the explorer's dropdown).
SCHEMES: dict[str, str] = {key: scheme.name for key, scheme in RFM_SCHEMES.items()}

#: Column of the segments table holding each scheme's segment.
SEGMENT_COLUMNS: dict[str, str] = {key: scheme.column for key, scheme in RFM_SCHEMES.items()}

#: Chinese names of every segment of the schemes.
SEGMENT_ZH: dict[str, str] = {name: zh for scheme in RFM_SCHEMES.values() for name, zh in scheme.names_zh.items()}

#: Recommended (service, marketing, channel) of every segment of the schemes.
SCHEME_TREATMENTS: dict[str, tuple[str, str, str]] = {
    name: treatment for scheme in RFM_SCHEMES.values() for name, treatment in scheme.treatments.items()}


def assign_rfm_segments(rfm: pd.DataFrame, scheme: str = "rfm10", *, ties: TieMethod = "min",
                        segment_map: Mapping[Any, str] | None = None) -> pd.DataFrame:
    """Named segments of one scheme: ``"rfm10"`` (R×F map on 5-point scores, ``ties``),
    ``"pymc5"`` (PyMC-Marketing's quartile rules) or ``"cn8"`` (Chinese 8-class, vs the mean);
    any key of :data:`RFM_SCHEMES`.

    ``segment_map`` overrides :data:`RF_SEGMENT_MAP` (rfm10) or :data:`PYMC_SEGMENTS` (pymc5).

    Returns
    -------
    DataFrame
        ``customer_id, code, segment, 中文`` (中文 a categorical); ``code`` is the score string the scheme used
        ("RF" for rfm10, "RFM" quartiles for pymc5, "RFM" high/low as 1/0 for cn8);
        ``attrs["compressed"]`` as in :func:`pymc_quartile_scores` (pymc5 only, else empty).
    """
    spec = RFM_SCHEMES.get(scheme) if isinstance(scheme, str) else None
    if spec is None:
        raise ValueError(f"scheme must be one of {list(SCHEMES)}, not {scheme!r}")
    code, seg, compressed = spec.assign(rfm, ties=ties, segment_map=segment_map)
    out = pd.DataFrame({ID: rfm[ID].array, "code": pd.Series(code).array, "segment": pd.Series(seg).array})
    out["中文"] = translate(out["segment"], SEGMENT_ZH)
    out.attrs.update({"scheme": scheme, "compressed": compressed})
    return out
