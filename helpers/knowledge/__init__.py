"""Customer knowledge management (客户知识管理): integrate, share and apply customer knowledge.

The second course paper (``docs/references.md#paper2``) describes customer knowledge management (CKM; Wayland &
Cole 1997) as four stages: **acquire** (获取) explicit data (profile, purchases) and tacit
knowledge (suggestions, opinions from the forum and meet-ups); **integrate** (整合) by
classifying and coding (分类、编码) it into a customer knowledge database; **share** (共享) it so
that staff — e.g. counter sales staff reading a customer's profile in a browser — can learn from
it, ending in a per-customer knowledge report (客户个人知识报告); and **apply** (运用) it to solve
customers' problems. This package implements the last three on top of notebooks 01–06, whose
hand-overs it reads through :mod:`helpers.store`:

* :mod:`.coding` — :data:`CODE_SCHEME`, the documented code scheme: a *kind* letter (``N`` needs
  需求 = questions, ``C`` complaints 投诉 = negative experience reports, ``S`` suggestions 建议,
  ``P`` praise 好评 = positive experience reports) and a two-digit *category* (01 battery …
  08 after-sales, 99 other), e.g. ``C-03`` = a complaint about heat (发热). Topics found by NMF
  (:mod:`helpers.topics`) are mapped to categories by the category keywords
  (:func:`topic_categories`); experience posts are split into complaints and praise by a small
  polarity lexicon (:func:`polarity`); :func:`code_posts` codes every post.
* :mod:`.inputs` — :func:`gather_inputs` collects the hand-overs into :class:`KnowledgeInputs`;
  :func:`knowledge_tables` makes the tables of the knowledge base from them.
* :mod:`.base` — :func:`build_knowledge_base`: one embedded DuckDB file ``data/processed/<dataset>/
  knowledge.duckdb`` joining profile, orders, segments (notebook 04), CLV (notebook 03),
  community interactions and coded feedback, with views (:data:`KB_TABLES`, :data:`KB_VIEWS`);
  :func:`open_knowledge_base`, :func:`schema_table`, :func:`join_checks` and friends (:func:`use_memo`: a
  long-lived reader keeps the schema facts per build of the file).
* :mod:`.actions` — :func:`segment_actions` / :func:`customer_actions`: recommended actions (rule R0: the
  segment's treatment in the scheme registry, :func:`registry_action`; :func:`actions_claim`), each
  traced to the rule and the numbers (with their table and column) that triggered it.
* :mod:`.reports` — :func:`customer_report` / :func:`segment_report`: the data of one customer's
  or one segment's knowledge report (pseudonymised: customer id and pseudonymous name only), and
  their sections, rendered by ``notebooks/knowledge_report.ipynb`` and by the sharing end's pages
  (:mod:`helpers.sharing`); :mod:`.plots` — the figures.
* :mod:`.notes` — :class:`SharingStore`: what staff share back (notes and codes on a customer, with
  author, role and time) and the audit trail, in ``sharing.sqlite`` beside the knowledge base (kept
  across rebuilds); the knowledge report shows the notes.
* :mod:`.search` — :func:`search_customers`, :func:`knowledge_entries`, :func:`segment_overview`:
  the sharing end's paged, parameterised queries over the knowledge base.

References
----------
Wayland, R. E. & Cole, P. M. (1997). *Customer Connections*. Harvard Business School Press.
Gibbert, M., Leibold, M. & Probst, G. (2002). Five styles of customer knowledge management.
*European Management Journal* 20(5), 459–469.
"""

from ..i18n import add_values
from .actions import (REGISTRY_RULE, SEGMENT_RULES, actions_claim, customer_actions, registry_action, segment_actions,
                      segment_metrics)
from .base import (KB_VIEWS, build_knowledge_base, ensure_knowledge_base, has_customer, has_table, join_checks, meta, one_row,
                   open_knowledge_base, profile_columns, remembered, schema_table, use_memo)
from .coding import (CATEGORIES, CODE_PATTERN, CODE_SCHEME, KINDS, NEGATIVE_CUES, NEGATORS, PLANTED_CATEGORY,
                     POSITIVE_CUES, POST_TYPE_KIND, categories_table, code_matrix, code_posts, code_scheme_table,
                     coding_accuracy, kinds_table, polarity, polarity_scores, topic_categories)
from .inputs import KB_TABLES, KnowledgeInputs, gather_inputs, knowledge_tables, sources_table
from .plots import plot_code_matrix, plot_customer_history, plot_segment_distribution
from .notes import AUDIT_ACTIONS, NOTE_MAX_CHARS, READ_ACTIONS, InvalidNote, SharingStore, customer_notes, validate_note
from .reports import (PREDICTION_FIELDS, PROFILE_FIELDS, VALUE_FIELDS, Deferred, customer_report, customer_sections,
                      customers_by_clv, example_customer, flagged_text, notes_table, report_title, segment_report,
                      segment_sections, show)
from .search import (ENTRY_FILTERS, SEARCH_FILTERS, filter_options, knowledge_entries, page_number, search_customers,
                     segment_overview)

__all__ = [
    # classify and code (分类、编码)
    "KINDS", "CATEGORIES", "POST_TYPE_KIND", "CODE_SCHEME", "CODE_PATTERN", "NEGATIVE_CUES", "POSITIVE_CUES",
    "NEGATORS", "PLANTED_CATEGORY", "code_scheme_table", "kinds_table", "categories_table", "topic_categories",
    "polarity_scores", "polarity", "code_posts", "coding_accuracy", "code_matrix",
    # integrate: inputs and the knowledge base
    "KnowledgeInputs", "gather_inputs", "knowledge_tables", "sources_table",
    "KB_TABLES", "KB_VIEWS", "build_knowledge_base", "ensure_knowledge_base", "open_knowledge_base", "schema_table",
    "meta", "has_table", "profile_columns", "join_checks", "has_customer", "one_row", "use_memo", "remembered",
    # apply: recommended actions
    "SEGMENT_RULES", "REGISTRY_RULE", "segment_metrics", "segment_actions", "customer_actions", "registry_action",
    "actions_claim", "flagged_text",
    # share: knowledge reports
    "PROFILE_FIELDS", "VALUE_FIELDS", "PREDICTION_FIELDS", "customers_by_clv", "customer_report", "segment_report",
    "example_customer", "show", "report_title", "customer_sections", "segment_sections", "Deferred", "notes_table",
    # share back (共享/运用): staff notes and codes, the audit trail; search for the sharing end
    "SharingStore", "InvalidNote", "NOTE_MAX_CHARS", "AUDIT_ACTIONS", "READ_ACTIONS", "validate_note", "customer_notes",
    "SEARCH_FILTERS", "ENTRY_FILTERS", "search_customers", "knowledge_entries", "page_number", "filter_options", "segment_overview",
    # figures
    "plot_code_matrix", "plot_customer_history", "plot_segment_distribution",
]

# What the Chinese set shows for the kinds and categories of customer knowledge in tables (helpers.tables.show).
add_values({en: zh for en, zh, *_ in (*KINDS.values(), *CATEGORIES.values())})
