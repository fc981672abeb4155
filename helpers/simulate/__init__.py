"""A seeded simulation of a Xiaomi-like CRM export (模拟数据 — SIMULATED data).

Nothing here is Xiaomi's data. The course papers (``docs/references.md#paper1``, ``#paper2``) publish no dataset,
so this package generates one that is consistent with what they describe, labels it
*simulated* in every file, and keeps the true parameters so later notebooks can check
that their models recover them. The same seed gives the same tables, and the same files byte
for byte.

Modules
-------
- :mod:`~helpers.simulate.groups`: customer groups and their true BG/NBD parameters (:data:`GROUPS`,
  :class:`CustomerGroup`), the product catalogue (:data:`PHONES`, :data:`ACCESSORIES`), peak days
  (:data:`EVENTS`), channels, cities, the observation window; :func:`event_markers`,
  :func:`group_parameters_table`;
- :mod:`~helpers.simulate.process`: the generating process — :func:`daily_intensity` (peak days in
  operational time), :func:`simulate_customers`, :func:`simulate_purchases` (BG/NBD, exact and vectorised);
- :mod:`~helpers.simulate.crm`: order lines at catalogue prices (:func:`simulate_order_lines`),
  :class:`SimulatedCRM`, :func:`simulate_crm`, :func:`simulate_transactions`;
- :mod:`~helpers.simulate.export`: the messy export as real exports arrive (:func:`messy_export`,
  :class:`MessRates`, the source systems' column maps, :func:`personal_data`), :func:`write_export`
  and :func:`write_simulated_workbook`;
- :mod:`~helpers.simulate.large`: :func:`write_large_log`, a large SIMULATED log for the scale runs;
- :mod:`~helpers.simulate.contracts`: carrier contract phones (运营商定制机), cohorts of one-year contracts that
  renew or lapse with known sBG parameters per plan (:data:`CARRIER_PLANS`, :func:`carrier_contract_cohorts`,
  :func:`carrier_contract_truth`); a function, not a file of the export;
- :mod:`~helpers.simulate.cli`: the command line, ``python -m helpers.simulate --out DIR`` (the committed
  export) and ``python -m helpers.simulate --large-log 50M --out DIR``.
"""

from .cli import main
from .contracts import (CARRIER_PLANS, CONTRACT_AS_OF, CONTRACT_LABEL, CONTRACT_PERIOD_DAYS, CarrierPlan,
                        carrier_contract_cohorts, carrier_contract_truth)
from .crm import SimulatedCRM, simulate_crm, simulate_order_lines, simulate_transactions
from .export import (CARRIER_COLUMNS, CUSTOMER_COLUMNS, FILES, GIVEN, MALL_COLUMNS, STATUS_TEXT, STORE_COLUMNS,
                     SURNAMES, MessRates, messy_export, personal_data, write_export, write_simulated_workbook)
from .groups import (ACCESSORIES, ACCESSORY_WEIGHTS, ACQUISITION_END, CHANNELS, CITIES, DEFAULT_SEED, EVENTS, GROUPS,
                     LABEL, OBSERVATION_END, OBSERVATION_START, PHONES, SIMULATED_NOTE, SPEND_SHAPE,
                     TUESDAY_FLASH_SALE, CustomerGroup, event_markers, group_parameters_table)
from .large import write_large_log
from .process import daily_intensity, simulate_customers, simulate_purchases

__all__ = [
    "ACCESSORIES", "ACCESSORY_WEIGHTS", "ACQUISITION_END", "CARRIER_COLUMNS", "CHANNELS", "CITIES",
    "CUSTOMER_COLUMNS", "DEFAULT_SEED", "EVENTS", "FILES", "GIVEN", "GROUPS", "LABEL", "MALL_COLUMNS",
    "OBSERVATION_END", "OBSERVATION_START", "PHONES", "SIMULATED_NOTE", "SPEND_SHAPE", "STATUS_TEXT",
    "STORE_COLUMNS", "SURNAMES", "TUESDAY_FLASH_SALE", "CustomerGroup", "MessRates", "SimulatedCRM",
    "daily_intensity", "event_markers", "group_parameters_table", "main", "messy_export", "personal_data",
    "simulate_crm", "simulate_customers", "simulate_order_lines", "simulate_purchases", "simulate_transactions",
    "write_export", "write_large_log", "write_simulated_workbook",
    # issue 19: carrier contract cohorts
    "CARRIER_PLANS", "CONTRACT_AS_OF", "CONTRACT_LABEL", "CONTRACT_PERIOD_DAYS", "CarrierPlan",
    "carrier_contract_cohorts", "carrier_contract_truth",
]
