/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/* Sizes, ranged integers and devargs: one set of rules for every driver
 * and tool (rte_marlin_args.h). */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_kvargs.h>
#include <rte_log.h>

#include "rte_marlin_args.h"

RTE_LOG_REGISTER_SUFFIX(marlin_args_logtype, args, NOTICE);

/* Lines name the device or tool first, so no prefix of our own. */
#define MARLIN_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, marlin_args_logtype, fmt "\n", ##__VA_ARGS__)

static const char suffixes[] = "KMGT";

int
rte_marlin_size_parse(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	unsigned int shift = 0;
	const char *p;

	if (s == NULL || out == NULL || s[0] < '0' || s[0] > '9')
		return -EINVAL;
	for (p = s; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p != '\0') {
		const char *x = strchr(suffixes, *p & ~0x20);

		if (x == NULL || *x == '\0' || p[1] != '\0')
			return -EINVAL;
		shift = 10u * (unsigned int)(x - suffixes + 1);
	}
	if (shift != 0 && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

char *
rte_marlin_size_format(uint64_t v, char *buf, size_t len)
{
	unsigned int i = 0;

	if (buf == NULL || len == 0)
		return buf;
	while (v != 0 && i < sizeof(suffixes) - 1 && (v & 1023) == 0) {
		v >>= 10;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%" PRIu64, v);
	else
		snprintf(buf, len, "%" PRIu64 "%c", v, suffixes[i - 1]);
	return buf;
}

/* "a, b, c" of the table's keys, for the unknown-key line. */
static void
keys_text(const struct rte_marlin_arg *t, unsigned int n, char *buf,
	  size_t len)
{
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < n && off < len; i++) {
		int w = snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
				 t[i].key);

		if (w < 0)
			break;
		off += (size_t)w;
	}
}

static int
parse_int(const char *dev, const struct rte_marlin_arg *a, const char *key,
	  const char *val, int64_t *out)
{
	const char *hint = a->hint != NULL ? a->hint : "";
	char *end;
	long long v;

	if (val[0] == '\0' || val[0] == '+' || val[0] == ' ') {
		MARLIN_LOG(ERR, "%s: %s has no number: write %s=N with N in %" PRId64 "..%" PRId64 "%s",
			   dev, key, key, a->min, a->max, hint);
		return -EINVAL;
	}
	errno = 0;
	v = strtoll(val, &end, 10);
	if (errno != 0 || *end != '\0') {
		MARLIN_LOG(ERR, "%s: %s=%s is not a number: use %" PRId64 "..%" PRId64 "%s",
			   dev, key, val, a->min, a->max, hint);
		return -EINVAL;
	}
	if (v < a->min || v > a->max) {
		MARLIN_LOG(ERR, "%s: %s=%s is out of range: use %" PRId64 "..%" PRId64 "%s",
			   dev, key, val, a->min, a->max, hint);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int
parse_size(const char *dev, const struct rte_marlin_arg *a, const char *key,
	   const char *val, uint64_t *out)
{
	const char *hint = a->hint != NULL ? a->hint : "";
	char lo[24], hi[24];
	uint64_t v;
	int rc;

	rte_marlin_size_format((uint64_t)a->min, lo, sizeof(lo));
	rte_marlin_size_format((uint64_t)a->max, hi, sizeof(hi));
	rc = rte_marlin_size_parse(val, &v);
	if (rc == -EINVAL) {
		MARLIN_LOG(ERR, "%s: %s=%s is not a size: write digits with an optional K, M or G (powers of 1024), %s..%s%s",
			   dev, key, val, lo, hi, hint);
		return rc;
	}
	if (rc != 0 || v < (uint64_t)a->min || v > (uint64_t)a->max) {
		MARLIN_LOG(ERR, "%s: %s=%s is out of range: use %s..%s%s",
			   dev, key, val, lo, hi, hint);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int
parse_bool(const char *dev, const char *key, const char *val, int *out,
	   int auto_ok)
{
	static const char *const yes[] = { "1", "yes", "on", "true" };
	static const char *const no[] = { "0", "no", "off", "false" };
	unsigned int i;

	for (i = 0; i < RTE_DIM(yes); i++) {
		if (strcmp(val, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcmp(val, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	MARLIN_LOG(ERR, "%s: %s=%s is not a yes/no value: use 1 or 0 (yes/no, on/off, true/false)%s",
		   dev, key, val, auto_ok ? " or auto" : "");
	return -EINVAL;
}

static int
parse_one(const char *dev, const struct rte_marlin_arg *a, const char *key,
	  const char *val)
{
	int64_t i;
	uint64_t u;
	int rc;

	switch (a->type) {
	case RTE_MARLIN_ARG_INT:
		rc = parse_int(dev, a, key, val, &i);
		if (rc == 0)
			*(int *)a->dst = (int)i;
		return rc;
	case RTE_MARLIN_ARG_SIZE:
		rc = parse_size(dev, a, key, val, &u);
		if (rc == 0)
			*(uint64_t *)a->dst = u;
		return rc;
	case RTE_MARLIN_ARG_BOOL:
		return parse_bool(dev, key, val, a->dst, 0);
	case RTE_MARLIN_ARG_AUTO_BOOL:
		if (strcmp(val, "auto") == 0) {
			*(int *)a->dst = -1;
			return 0;
		}
		return parse_bool(dev, key, val, a->dst, 1);
	case RTE_MARLIN_ARG_STRING:
		if (val[0] == '\0' || strlen(val) >= a->dst_len) {
			MARLIN_LOG(ERR, "%s: %s= needs 1..%zu characters%s",
				   dev, key, a->dst_len - 1,
				   a->hint != NULL ? a->hint : "");
			return -EINVAL;
		}
		memcpy(a->dst, val, strlen(val) + 1);
		return 0;
	case RTE_MARLIN_ARG_FUNC:
		return a->parse(dev, key, val, a->dst);
	}
	return -EINVAL;
}

/* Index of @key in the table (by name or deprecated name), or -1. */
static int
find_key(const struct rte_marlin_arg *t, unsigned int n, const char *key,
	 int *old)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		*old = t[i].deprecated != NULL && strcmp(key, t[i].deprecated) == 0;
		if (strcmp(key, t[i].key) == 0 || *old)
			return (int)i;
	}
	return -1;
}

int
rte_marlin_devargs_parse(const char *dev, const char *args,
		const struct rte_marlin_arg *table, unsigned int n,
		uint64_t *given)
{
	struct rte_kvargs *kv;
	uint64_t seen = 0;
	char valid[512];
	unsigned int i;
	int rc = 0;

	if (dev == NULL || table == NULL || n > 64)
		return -EINVAL;
	if (given != NULL)
		*given = 0;
	if (args == NULL || args[0] == '\0')
		return 0;
	keys_text(table, n, valid, sizeof(valid));
	kv = rte_kvargs_parse(args, NULL);
	if (kv == NULL) {
		MARLIN_LOG(ERR, "%s: cannot parse devargs \"%s\": write key=value pairs separated by commas (keys: %s)",
			   dev, args, valid);
		return -EINVAL;
	}
	for (i = 0; i < kv->count && rc == 0; i++) {
		const char *key = kv->pairs[i].key;
		const char *val = kv->pairs[i].value;
		int old, k = find_key(table, n, key, &old);

		if (k < 0) {
			MARLIN_LOG(ERR, "%s: unknown devarg \"%s\": valid keys are %s",
				   dev, key, valid);
			rc = -EINVAL;
			break;
		}
		if (seen & (UINT64_C(1) << k)) {
			MARLIN_LOG(ERR, "%s: devarg %s is given more than once: give it once",
				   dev, table[k].key);
			rc = -EINVAL;
			break;
		}
		seen |= UINT64_C(1) << k;
		if (old)
			MARLIN_LOG(NOTICE, "%s: devarg %s is deprecated: write %s=%s",
				   dev, key, table[k].key, val != NULL ? val : "");
		if (val == NULL) {
			MARLIN_LOG(ERR, "%s: devarg %s has no value: write %s=VALUE",
				   dev, key, table[k].key);
			rc = -EINVAL;
			break;
		}
		rc = parse_one(dev, &table[k], table[k].key, val);
	}
	rte_kvargs_free(kv);
	if (rc == 0 && given != NULL)
		*given = seen;
	return rc;
}
