"""What one named-segment scheme over RFM is: :class:`Scheme` (an entry of ``schemes.RFM_SCHEMES``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple


class Assigned(NamedTuple):
    """What a scheme's ``assign`` returns: one code and one segment per customer, in the table's order."""

    code: Any  #: the score string the scheme used, e.g. "54" (R×F) or "444" (quartiles)
    segment: Any  #: the segment name per customer
    compressed: dict[str, int]  #: score column → highest score when ties left fewer bins (else empty)


@dataclass(frozen=True)
class Scheme:
    """One named-segment scheme: how it assigns, what it is called, what each of its segments gets.

    Attributes
    ----------
    key
        Short key (``"rfm10"``), the ``scheme`` argument of ``assign_rfm_segments``.
    name
        Display name, used in figure titles and the explorer's dropdown.
    column
        Column of the segments table holding this scheme's segment (``"rfm10_segment"``).
    assign
        ``assign(rfm, *, ties, segment_map) -> Assigned`` over an ``rfm_table`` (arguments the scheme
        does not use are ignored).
    names_zh
        Every segment name the scheme can produce (with its default configuration), in display
        order → its Chinese name.
    treatments
        Segment name → recommended (service 服务, marketing 营销, channel 渠道).
    """

    key: str
    name: str
    column: str
    assign: Callable[..., Assigned]
    names_zh: Mapping[str, str]
    treatments: Mapping[str, tuple[str, str, str]]

    @property
    def segments(self) -> tuple[str, ...]:
        """The segment names the scheme can produce, in display order."""
        return tuple(self.names_zh)
