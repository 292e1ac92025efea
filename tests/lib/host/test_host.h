/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * The small library every C test host and benchmark host program links
 * (tests/lib/host): the line protocol a harness (tests/lib/marlin_harness)
 * drives, monotonic time and errno names (percentiles: rte_marlin_stats.h).
 *
 * Protocol: the host prints "READY key=value..." once it can take commands,
 * then exactly one answer line per command, "OK key=value..." or
 * "ERR ...", and "BYE" before it exits; "FATAL ..." when it cannot go on.
 * th_reply() writes one such line and flushes it.
 */

#ifndef MARLIN_TEST_HOST_H
#define MARLIN_TEST_HOST_H

#include <stddef.h>
#include <stdint.h>

/** Longest command line th_command_loop() takes (with its newline). */
#define TH_LINE_MAX 1024

/** CLOCK_MONOTONIC in nanoseconds: comparable across processes. */
uint64_t th_now_ns(void);

/** Sleep @us microseconds. */
void th_sleep_us(unsigned int us);

/** Print one protocol line (printf format, newline added) and flush. */
void th_reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Most words of a command line handed to a handler (more are dropped). */
#define TH_ARGS_MAX 16

/**
 * Read commands on stdin, one per line, split each into words (blanks
 * separate them) and hand the words of a non-empty line to @handle
 * (argv[0] is the command); call @idle (may be NULL) at least every
 * millisecond while stdin is quiet. @handle returns non-zero to end the
 * loop. A line longer than TH_LINE_MAX - 1 bytes is answered
 * "ERR line too long" and dropped.
 *
 * @return 0 when @handle asked to stop or stdin closed (the harness went
 *   away); a negative errno when reading stdin failed.
 */
int th_command_loop(void (*idle)(void *arg),
		int (*handle)(int argc, char **argv, void *arg), void *arg);

/**
 * The non-blocking step of th_command_loop(), for a host that runs its own
 * polling loop: read what stdin has now (never waits) and hand each
 * complete line's words to @handle.
 *
 * @return 1 when @handle asked to stop or stdin closed (the harness went
 *   away); 0 otherwise; a negative errno when reading stdin failed.
 */
int th_command_poll(int (*handle)(int argc, char **argv, void *arg),
		void *arg);

/**
 * Parse all of @s as an unsigned integer (decimal, 0x hex or 0 octal).
 * @return 0, or -EINVAL when @s is NULL, empty, not a number or too big.
 */
int th_parse_u64(const char *s, uint64_t *v);

/** The splitmix64 finalizer: a cheap, well-mixed word from @z (test data
 * patterns derived from a seed and an index). */
uint64_t th_mix64(uint64_t z);

/** Symbolic name of negative errno @rc ("ENOLINK"), or "E<n>". */
const char *th_errname(int rc);

/**
 * Store @val at @addr in a forked child (a hostile store that may fault),
 * and wait for it. Answers the command with one line: "OK exit=N" if the
 * child lived, "OK signal=N" if it died of a signal (SIGSEGV: the page is
 * not mapped writable), "ERR ..." if it could not be forked.
 */
void th_store_probe(volatile uint64_t *addr, uint64_t val);

#endif /* MARLIN_TEST_HOST_H */
