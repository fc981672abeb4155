"""Customer interaction (客户互动): the 小米社区 community — simulation, loading and analysis.

The course papers (``docs/references.md#paper1``) put Xiaomi's edge in customer interaction: the 小米社区
forum (boards, photo posts, the academy, city clubs 同城会, customer service), a board that
collects suggestions which feed the weekly MIUI developer builds (every Friday), offline fan
meet-ups in city clubs (济宁, 通辽, 北京, 惠州, 淄博) and product-design polls in which users vote
between alternative designs of one feature. The papers publish no community data, so this
package *simulates* it (模拟数据 — SIMULATED): forum members, posts, replies, likes, suggestions
adopted into MIUI builds, city-club meet-ups and feature polls; writes it the way real exports
arrive, reads it (or a user's own export of the same tables) back into one canonical schema,
and analyses it.

Modules
-------
* :mod:`.phrases` — the planted world: topics and their Chinese phrase banks (:data:`TOPICS`),
  post types, boards, the adoption model, city clubs, polls, posting rates.
* :mod:`.simulation` — :func:`simulate_community` and its parts, :func:`compose_post`.
* :mod:`.export` — :func:`write_community_export` (the committed export, its manifest and
  README) and :func:`main`, the command line ``python -m helpers.community``.
* :mod:`.io` — the canonical schema (:data:`SCHEMA`, :data:`REQUIRED`, :data:`ALIASES`),
  :func:`read_community_table`, :func:`load_community`, :func:`check_integrity`,
  :class:`Community`, :func:`summary_table`.
* :mod:`.activity` — per-customer :func:`engagement`, :func:`funnel`, activity and value by
  engagement, :func:`trend_claim` (directions of posts and new members, computed), :func:`funnel_claim`, :func:`value_gap_claim`; :mod:`.adoption` — suggestions adopted into builds; :mod:`.polls` — feature polls;
  :mod:`.meetups` — meet-ups and purchases; :mod:`.plots` — their figures.
* :mod:`.truth` — the planted truth of the simulation, for checking the analyses.

References
----------
Wayland, R. E. & Cole, P. M. (1997). *Customer Connections: New Strategies for Growth*.
Harvard Business School Press (customer knowledge management).
Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion.
*Statistics in Medicine* 17, 857–872 (Wilson intervals).
Goodman, L. A. (1965). On simultaneous confidence intervals for multinomial proportions.
*Technometrics* 7(2), 247–254.
"""

from .activity import (ENGAGEMENT_LEVELS, activity_by_month, direction_word, engagement, funnel, funnel_claim,
                       member_overview,
                       segment_engagement, trend_claim, value_by_engagement, value_gap_claim)
from .adoption import adoption_by_likes, adoption_lead_times, adoption_summary
from .export import export_tables, main, write_community_export
from .io import (ALIASES, COMMUNITY_DIR, COUNT_COLUMNS, DATE_COLUMNS, FILES, LABEL, PERSONAL, REQUIRED, SCHEMA,
                 Community, check_integrity, empty_table, load_community, normalise_post_type,
                 read_community_manifest, read_community_table, resolve_community_columns, summary_table)
from .meetups import meetup_effects, meetup_groups, meetup_panel
from .phrases import (ADOPTION, BOARDS, CLOSERS, CLUBS, FORUM_ONLY_FACTOR, FORUM_ONLY_GROUPS, MEETUP_TITLES,
                      NICK_BODY, NICK_PREFIX, OPENERS, POLLS, POST_RATE, POST_TYPE_VALUES, POST_TYPES, TOPICS, Topic)
from .plots import plot_activity, plot_funnel, plot_lead_times, plot_meetups, plot_polls, plot_value_by_engagement
from .polls import poll_results, poll_winners
from .simulation import SimulatedCommunity, city_code, compose_post, dev_build_version, simulate_community
from .truth import planted_lag_summary, planted_topics, read_posts_truth, true_groups

__all__ = [
    # the planted world
    "ADOPTION", "BOARDS", "CLOSERS", "CLUBS", "FORUM_ONLY_FACTOR", "FORUM_ONLY_GROUPS", "MEETUP_TITLES", "NICK_BODY",
    "NICK_PREFIX", "OPENERS", "POLLS", "POST_RATE", "POST_TYPE_VALUES", "POST_TYPES", "TOPICS", "Topic",
    # simulation and the export
    "SimulatedCommunity", "simulate_community", "compose_post", "dev_build_version", "city_code",
    "export_tables", "write_community_export", "main",
    # reading an export
    "ALIASES", "COMMUNITY_DIR", "COUNT_COLUMNS", "DATE_COLUMNS", "FILES", "LABEL", "PERSONAL", "REQUIRED", "SCHEMA",
    "Community", "check_integrity", "empty_table", "load_community", "normalise_post_type", "read_community_manifest",
    "read_community_table", "resolve_community_columns", "summary_table",
    # analysis
    "ENGAGEMENT_LEVELS", "engagement", "funnel", "member_overview", "activity_by_month", "direction_word",
    "trend_claim", "funnel_claim", "value_gap_claim", "value_by_engagement",
    "segment_engagement", "adoption_lead_times", "adoption_summary", "adoption_by_likes", "poll_results",
    "poll_winners", "meetup_panel", "meetup_groups", "meetup_effects",
    # figures
    "plot_activity", "plot_funnel", "plot_lead_times", "plot_meetups", "plot_polls", "plot_value_by_engagement",
    # planted truth (SIMULATED data only)
    "read_posts_truth", "planted_topics", "true_groups", "planted_lag_summary",
]
