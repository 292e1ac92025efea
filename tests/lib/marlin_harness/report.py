# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""The markdown pieces of the benchmark result pages (doc/benchmarks/*.md),
so that every page lays out placements, tables, the copy limit and its
targets the same way. bench.py writes the page header and the "how the
runs were made" section; figures come formatted by stats.fmt."""

from .stats import fmt, human, verdict


def table_head(add, *cols):
    """A markdown table header of @cols through @add (lines.append)."""
    add("| " + " | ".join(cols) + " |")
    add("|" + "---|" * len(cols))


def row(add, *cells):
    """One table row; cells are strings or numbers."""
    add("| " + " | ".join(str(c) for c in cells) + " |")


def section(add, title, level=3):
    """A heading and the blank line after it."""
    add("%s %s" % ("#" * level, title))
    add("")


def placement(add, pl, first):
    """'## Placement: @pl', then its first sub-section @first (if any)."""
    section(add, "Placement: %s" % pl, 2)
    if first:
        section(add, first)


def copy_limit(cp):
    """The copy-limit cell of a bandwidth row: best (memcpy / NT), from
    bench.copy_summary()."""
    return "%s (%s / %s)" % (fmt(cp["best"]), fmt(cp["memcpy"]),
                             fmt(cp["nt"]))


def median_p99(med, p99):
    """A latency cell: median (p99), one decimal."""
    return "%s (%s)" % (fmt(med, 1), fmt(p99, 1))


def counts(*ns):
    """The 'n (...)' cell: how many runs or pairs each figure rests on."""
    return ", ".join("%d" % n for n in ns)


def targets(add):
    """The '### Targets' section header and its table head."""
    section(add, "Targets")
    table_head(add, "target", "measured", "verdict")


def target(add, what, q, ok_if, nd=2):
    """A target row: @what, the measured ratio @q ('-' when missing) and
    'met' or '**MISSED**' as ok_if(q) says."""
    row(add, what, "%s x" % fmt(q, nd),
        verdict(None if q is None else ok_if(q)))


def placements(add, res, sizes, bw_cols, bw_cells, rest):
    """The body of a benchmark page. For each placement (near, far): its
    section, the bandwidth table (GB/s: bytes, the copy limit, then
    @bw_cols) with one row per size whose further cells are
    bw_cells(r, size, b, cp) (r = res[placement], b = r["bw"][size],
    cp = r["copy"][size]), then rest(add, r) for the sections that
    follow (latency, targets)."""
    for pl in ("near", "far"):
        r = res[pl]
        placement(add, pl, "Bandwidth (GB/s)" if sizes else None)
        if sizes:       # a latency-only run has no bandwidth table
            table_head(add, "bytes", "copy limit (memcpy / NT)", *bw_cols)
            for size in sizes:
                cp = r["copy"][size]
                row(add, human(size), copy_limit(cp),
                    *bw_cells(r, size, r["bw"][size], cp))
            add("")
        rest(add, r)
