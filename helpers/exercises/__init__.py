"""The course exercises: expected answers, write-it-yourself tasks, and one check per exercise.

Check cells call :func:`check` (``exercises.check("04.1", class_a_ids, share_a, customers=customers)``):
the expected value is computed inside from the run's own data and never shown (see
:mod:`helpers.teaching` for what a check says). Nothing is typed in: change the data or a
parameter and the expected answer moves with it.

Modules
-------
- :mod:`~helpers.exercises.answers`   expected values of the number, choice, set and yes/no exercises
  (``abc_revenue_share``, ``p_alive_of_top_clv`` …); ``None`` when an exercise does not apply to the dataset;
- :mod:`~helpers.exercises.tasks`     the write-it-yourself exercises: the inputs, the workbook's own result
  and the typical wrong results (:func:`abc_task`, :func:`summary_task`, :func:`bgnbd_loglik_task` …);
- :mod:`~helpers.exercises.registry`  :data:`CHECKS` (exercise id → its check) and :func:`check`.

The expected answers deliberately take a different route from the worked solutions in the
instructor edition (e.g. the class-A revenue share from customer rows here, from
``abc_summary`` in the solution), so a check that says "Right" also cross-checks two helpers.
"""

from .answers import (abc_class_ids, abc_revenue_share, best_segment_by_clv, channel_line_share, channel_majority,
                      channel_revenue_share, did_excludes_zero, group_choice_share, group_difference_significant,
                      holdout_direction, kind_share, largest_topic_on_board, n_below, p_alive_of_top_clv,
                      quadrant_size, quarantined_rows, segment_top_complaint, source_encoding, statement_bound,
                      step_share)
from .registry import CHECKS, check
from .tasks import (abc_task, bgnbd_fit_task, bgnbd_log_likelihood, bgnbd_loglik_task, complaint_task, rfm_task,
                    summary_task, tfidf_task, value_need_task, weekly_revenue_task, wilson_task)

__all__ = [
    "CHECKS",
    "abc_class_ids",
    "abc_revenue_share",
    "abc_task",
    "best_segment_by_clv",
    "bgnbd_fit_task",
    "bgnbd_log_likelihood",
    "bgnbd_loglik_task",
    "channel_line_share",
    "channel_majority",
    "channel_revenue_share",
    "check",
    "complaint_task",
    "did_excludes_zero",
    "group_choice_share",
    "group_difference_significant",
    "holdout_direction",
    "kind_share",
    "largest_topic_on_board",
    "n_below",
    "p_alive_of_top_clv",
    "quadrant_size",
    "quarantined_rows",
    "rfm_task",
    "segment_top_complaint",
    "source_encoding",
    "statement_bound",
    "step_share",
    "summary_task",
    "tfidf_task",
    "value_need_task",
    "weekly_revenue_task",
    "wilson_task",
]
