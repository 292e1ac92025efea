# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""Percentiles, medians and the number formats of reports and pages."""

import statistics

MIB = 1 << 20
KIB = 1 << 10


def median(values):
    """Median of @values (the mean of the middle two for an even count,
    as rte_marlin_stats_median_u64()), None when there are none."""
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def percentile(values, p):
    """The @p-th percentile (0..100) of @values by the nearest-rank rule:
    the value at 1-based rank ceil(n * p / 100) of the sorted list (rank 1
    for p = 0), always one of the values. The same rule as
    rte_marlin_stats_percentile_u64() in lib/marlin/rte_marlin_stats.h,
    which marlin-perf, the examples and the C benchmark hosts print with;
    median() is the mean of the middle two as there. p50 of 1..10 is 5.
    None when there are no values."""
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    n = len(values)
    # integer basis points as in C, so 99.9 % of 1000 is rank 999, not 1000
    bp = min(max(int(round(p * 100)), 0), 10000)
    rank = max(-(-n * bp // 10000), 1)
    return values[min(rank, n) - 1]


def fmt(v, nd=2):
    """A figure with @nd decimals, '-' when missing."""
    return "-" if v is None else ("%.*f" % (nd, v))


def human(n):
    """A byte count the way the pages write it: 4K, 1M, 100."""
    if n >= MIB and n % MIB == 0:
        return "%dM" % (n // MIB)
    if n >= KIB and n % KIB == 0:
        return "%dK" % (n // KIB)
    return str(n)


def verdict(ok, missed="**MISSED**"):
    """'met', @missed, or '-' when @ok is None (nothing measured)."""
    return "-" if ok is None else ("met" if ok else missed)


def ratio(a, b):
    """a / b, None when either is missing or b is zero."""
    return a / b if a is not None and b else None
