# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""Percentiles, medians and the number formats of reports and pages."""

import statistics

MIB = 1 << 20
KIB = 1 << 10


def median(values):
    """Median of @values, None when there are none."""
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def percentile(values, p):
    """The @p-th percentile (0..100) of @values by the nearest-rank rule
    (the value at index floor(n * p / 100) of the sorted list, as
    marlin-perf reports it); None when there are no values."""
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    i = min(int(len(values) * p / 100.0), len(values) - 1)
    return values[max(i, 0)]


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
