"""One entry per exercise: what its check cell compares, so no check cell shows an expected value.

A check cell is one call, ``exercises.check("04.1", class_a_ids, share_a, customers=customers)``:
the student's answers (values, or functions for the write-it-yourself exercises) by position,
the notebook's data by keyword. The expected value is computed here, inside the call, and never
returned, printed or logged; a check cell holds no expression a student could copy to get the
answer. A keyword given as ``None`` means the data are not there for this dataset (e.g. no
community for CDNOW): the check says the exercise does not apply.

Under ``CRM_AUTOGRADE=1`` (nbgrader's autograder, see :mod:`helpers.teaching.editions`) a check
that is not right raises ``AssertionError`` so the test cell scores 0.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..teaching import (CheckResult, check_bool, check_choice, check_function, check_number, check_set, combine,
                        graded)
from . import answers as ans
from . import tasks

__all__ = ["CHECKS", "check"]

Entry = Callable[..., list[CheckResult]]


def _c01_1(encoding, *, provenance):
    return [check_choice("01.1", encoding, ans.source_encoding(provenance, "online_mall"),
                         hint="Read the encoding column of the provenance table; Chinese Windows software often does "
                              "not write UTF-8.")]


def _c01_2(share, *, transactions):
    return [check_number("01.2", share, ans.channel_line_share(transactions, "online_mall"), tol=0.005,
                         hint="Count the lines whose channel is online_mall and divide by all lines; "
                              "value_counts(normalize=True) does both.")]


def _c02_1(n, *, quarantine):
    return [check_number("02.1", n, ans.quarantined_rows(quarantine, "cancelled"), tol=0,
                         hint="The row-accounting table (行数核对) lists rows per reason; count rows, not orders.")]


def _c02_2(share, majority, *, clean):
    return [check_number("02.2", share, ans.channel_revenue_share(clean), tol=0.005,
                         hint="Use the revenue-by-channel table of section 5, or sum amount by channel in "
                              "result.clean."),
            check_bool("02.2", majority, ans.channel_majority(clean, "online_mall"),
                       hint="Compare the online mall's share of net revenue with one half.")]


def _c02_3(func, *, clean):
    return [check_function("02.3", func, tasks.weekly_revenue_task(clean))]


def _c03_1(p, *, scores):
    return [check_number("03.1", p, ans.p_alive_of_top_clv(scores), tol=0.005,
                         hint="Sort scores by clv, highest first, and read p_alive of the first row.")]


def _c03_2(n, *, scores):
    return [check_number("03.2", n, ans.n_below(scores, "p_alive", 0.5), tol=0,
                         hint="Count the rows of scores whose p_alive is strictly below 0.5.")]


def _c03_3(direction, *, track):
    return [check_choice("03.3", direction, ans.holdout_direction(track), choices=["more", "fewer"],
                         hint="Compare the actual and the model's total repeat purchases in the holdout (the tracking "
                              "section).")]


def _c03_4(func, *, transactions, period_days):
    return [check_function("03.4", func, tasks.summary_task(tasks.checked_lines(transactions), period_days))]


def _c03_5(loglik, fit, *, split, model):
    on = tasks.checked_rows(split)
    model = model if on is split else type(model)().fit(on)  # the fit to match: on the same customers
    return [check_function("03.5", loglik, tasks.bgnbd_loglik_task(on, model)),
            check_function("03.5", fit, tasks.bgnbd_fit_task(on, model))]


def _c04_1(ids, share, *, customers):
    return [check_set("04.1", ids, ans.abc_class_ids(customers, "A"),
                      hint="Filter the customer table on abc_class == 'A' and take customer_id."),
            check_number("04.1", share, ans.abc_revenue_share(customers, "A"), tol=0.005,
                         hint="Class A's revenue divided by all customers' revenue (value_share in the ABC table).")]


def _c04_2(name, *, customers):
    return [check_choice("04.2", name, ans.best_segment_by_clv(customers, "rfm_segment", 30),
                         hint="Group customers by rfm_segment and compare the mean clv of segments with at least 30 "
                              "customers (not the largest segment, not total revenue).")]


def _c04_3(n, *, customers):
    return [check_number("04.3", n, ans.quadrant_size(customers, "potential customers"), tol=0,
                         hint="The quadrant table of section 2, or value_need_quadrant in the customer table.")]


def _c04_4(func, *, customers, need_col):
    return [check_function("04.4", func, tasks.value_need_task(tasks.checked_rows(customers), need_col))]


def _c04_5(func, *, customers, cutoffs):
    return [check_function("04.5", func, tasks.abc_task(tasks.checked_rows(customers), cutoffs))]


def _c04_6(func, *, rfm, q):
    return [check_function("04.6", func, tasks.rfm_task(tasks.checked_rows(rfm), q))]


def _c05_1(low, majority, *, statements):
    bound = ans.statement_bound(statements, "s6_no_incentive_hurts")
    return [check_number("05.1", low, bound, tol=0.005, hint="The statements table of section 2 has ci_low per item."),
            check_bool("05.1", majority, bound > 0.5,
                       hint="A majority is supported when even the lower end of the interval is above one half.")]


def _c05_2(share, *, responses):
    return [check_number("05.2", share, ans.group_choice_share(responses, "incentive_pref", "material", "role",
                                                               "counter_sales"), tol=0.005,
                         hint="Keep the counter_sales rows, then the share whose incentive_pref is 'material'.")]


def _c05_3(significant, *, tests):
    return [check_bool("05.3", significant, ans.group_difference_significant(tests, "incentive_pref", "role"),
                       hint="Find the row grouping == 'role', item == 'incentive_pref' and compare p_holm (not "
                            "p_value) with 0.05.")]


def _c05_4(func, *, statements):
    return [check_function("05.4", func, tasks.wilson_task(statements))]


def _c06_1(topic, *, posts, assigned):
    return [check_choice("06.1", topic, ans.largest_topic_on_board(posts, assigned, "建议反馈"),
                         hint="Keep the posts of the 建议反馈 board, join their topics from assigned on post_id, count "
                              "posts per topic.")]


def _c06_2(share, *, engagement):
    return [check_number("06.2", share, ans.step_share(engagement, "suggestions", "posts"), tol=0.005,
                         hint="The funnel's share_of_previous is in percent; or count customers with suggestions > 0 "
                              "among those with posts > 0.")]


def _c06_3(shown, *, effects):
    return [check_bool("06.3", shown, ans.did_excludes_zero(effects),
                       hint="Read the 'difference in differences' row of the effects table: does its interval "
                            "contain 0?")]


def _c06_4(func, *, model, posts):
    return [check_function("06.4", func, tasks.tfidf_task(model, posts))]


def _c07_1(share, *, posts_coded):
    return [check_number("07.1", share, ans.kind_share(posts_coded, "C"), tol=0.005,
                         hint="Count the posts whose kind is C and divide by all coded posts.")]


def _c07_2(category, *, con, segment_by):
    return [check_choice("07.2", category, ans.segment_top_complaint(con, "champions", segment_by),
                         hint="Join customer_feedback (kind = 'C') with customer_profile on customer_id, keep "
                              "champions, sum posts per category_zh.")]


def _c07_3(func, *, con, segment_by):
    return [check_function("07.3", func, tasks.complaint_task(con, segment_by))]


CHECKS: dict[str, Entry] = {
    "01.1": _c01_1, "01.2": _c01_2, "02.1": _c02_1, "02.2": _c02_2, "02.3": _c02_3,
    "03.1": _c03_1, "03.2": _c03_2, "03.3": _c03_3, "03.4": _c03_4, "03.5": _c03_5,
    "04.1": _c04_1, "04.2": _c04_2, "04.3": _c04_3, "04.4": _c04_4, "04.5": _c04_5, "04.6": _c04_6,
    "05.1": _c05_1, "05.2": _c05_2, "05.3": _c05_3, "05.4": _c05_4,
    "06.1": _c06_1, "06.2": _c06_2, "06.3": _c06_3, "06.4": _c06_4,
    "07.1": _c07_1, "07.2": _c07_2, "07.3": _c07_3,
}
"""Exercise id → its check (the student's answers by position, the notebook's data by keyword)."""


def check(exercise: str, *answers: Any, **data: Any) -> CheckResult:
    """Check the answers of one exercise against the run's data; the result never shows the expected value.

    A keyword given as ``None`` marks data this dataset does not have: the exercise does not apply.
    """
    if exercise not in CHECKS:
        raise KeyError(f"no check for exercise {exercise!r}: add it to helpers.exercises.CHECKS")
    if any(value is None for value in data.values()):
        result = check_number(exercise, None, None)  # "does not apply", in the checks' own words
    else:
        result = combine(CHECKS[exercise](*answers, **data))
    return graded(result)
