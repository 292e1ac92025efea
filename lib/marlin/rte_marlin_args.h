/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef RTE_MARLIN_ARGS_H
#define RTE_MARLIN_ARGS_H

/**
 * @file
 * One vocabulary for options: sizes, ranged integers and devargs.
 *
 * Every Marlin driver and tool reads its options through these calls, so
 * that the same value means the same thing everywhere:
 *
 * - a size is decimal digits with an optional suffix K, M, G or T (powers of
 *   1024, either case; "64K" is 65536); nothing else (no sign, no hex, no
 *   spaces);
 * - an integer is decimal digits, checked against a range that the error
 *   message states;
 * - a devargs string is key=value pairs separated by commas; an unknown key
 *   is refused with the list of valid keys, a key given twice is refused,
 *   and a deprecated name is accepted with one log line naming its
 *   replacement.
 *
 * rte_marlin_size_parse() and rte_marlin_size_format() are for
 * applications; rte_marlin_devargs_parse() is for drivers (internal).
 * Any thread; no state.
 */

#include <rte_compat.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Parse a size: "4096", "64K", "2M", "1G" (suffixes are powers of 1024).
 *
 * @param s   Text.
 * @param out Value (written only on success).
 * @return 0; -EINVAL (NULL, empty, not digits with an optional K/M/G/T
 *         suffix); -ERANGE (does not fit 64 bits).
 */
__rte_experimental
int rte_marlin_size_parse(const char *s, uint64_t *out);

/**
 * Format a size the way rte_marlin_size_parse() reads it: the largest
 * suffix that divides it exactly ("64K", "1G", "1000").
 *
 * @param v   Bytes.
 * @param buf Output.
 * @param len Size of @p buf (24 bytes hold any value).
 * @return @p buf.
 */
__rte_experimental
char *rte_marlin_size_format(uint64_t v, char *buf, size_t len);

/** Kinds of devarg values (rte_marlin_devargs_parse()). */
enum rte_marlin_arg_type {
	RTE_MARLIN_ARG_INT,    /**< decimal in [min, max]; dst is an int */
	RTE_MARLIN_ARG_SIZE,   /**< size in [min, max]; dst is a uint64_t */
	RTE_MARLIN_ARG_BOOL,   /**< 0/1, yes/no, on/off, true/false; int */
	RTE_MARLIN_ARG_STRING, /**< non-empty text < dst_len; char[dst_len] */
	RTE_MARLIN_ARG_FUNC,   /**< parse(dev, key, value, dst) decides */
	/** "auto" (-1) or a BOOL value (1/0); int */
	RTE_MARLIN_ARG_AUTO_BOOL,
};

/** One devarg a driver accepts. */
struct rte_marlin_arg {
	const char *key;                 /**< its name */
	enum rte_marlin_arg_type type;   /**< its kind */
	int64_t min;                     /**< INT, SIZE: smallest value */
	int64_t max;                     /**< INT, SIZE: largest value */
	void *dst;                       /**< where the value goes */
	size_t dst_len;                  /**< STRING: size of dst */
	/** FUNC: parse @p value into @p dst; 0 or a negative errno, after
	 *  logging what is wrong in the user's words. */
	int (*parse)(const char *dev, const char *key, const char *value,
		     void *dst);
	const char *deprecated;          /**< an old name still accepted */
	const char *hint;                /**< added to error lines, e.g. what
					      the value means */
};

/**
 * Parse a driver's devargs against its table. Every error is logged once,
 * prefixed with @p dev, in the user's words (key, value, allowed range,
 * valid keys), and nothing is written for a key that failed.
 *
 * @param dev   Device name, for log lines.
 * @param args  Devargs string (NULL or "" is no devargs).
 * @param table Accepted keys.
 * @param n     Entries in @p table (at most 64).
 * @param given If not NULL: bit i set when table[i] was given.
 * @return 0; -EINVAL (unparsable, unknown or repeated key, a value that
 *         is not of its kind or out of its range), or a FUNC's error.
 */
__rte_internal
int rte_marlin_devargs_parse(const char *dev, const char *args,
		const struct rte_marlin_arg *table, unsigned int n,
		uint64_t *given);

#ifdef __cplusplus
}
#endif

#endif /* RTE_MARLIN_ARGS_H */
