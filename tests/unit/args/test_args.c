/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/* The option vocabulary shared by every driver and tool (rte_marlin_args.h). */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_common.h>

#include "rte_marlin_args.h"

static void
test_size_parse(void **state)
{
	static const struct { const char *s; uint64_t v; } ok[] = {
		{ "0", 0 }, { "4096", 4096 }, { "64K", 65536 }, { "64k", 65536 },
		{ "2M", 2u << 20 }, { "1G", 1u << 30 }, { "3T", UINT64_C(3) << 40 },
		{ "18446744073709551615", UINT64_MAX },
		{ "16777215T", UINT64_C(16777215) << 40 },
	};
	static const char *const bad[] = {
		"", "K", "-1", "+1", " 1", "1 ", "0x10", "1KB", "1.5M", "1P", "1KK",
	};
	uint64_t v;
	unsigned int i;

	RTE_SET_USED(state);
	for (i = 0; i < RTE_DIM(ok); i++) {
		v = 7;
		assert_int_equal(rte_marlin_size_parse(ok[i].s, &v), 0);
		assert_true(v == ok[i].v);
	}
	for (i = 0; i < RTE_DIM(bad); i++) {
		v = 7;
		assert_int_equal(rte_marlin_size_parse(bad[i], &v), -EINVAL);
		assert_true(v == 7);
	}
	assert_int_equal(rte_marlin_size_parse("18446744073709551616", &v), -ERANGE);
	assert_int_equal(rte_marlin_size_parse("16777216T", &v), -ERANGE);
	assert_int_equal(rte_marlin_size_parse(NULL, &v), -EINVAL);
	assert_int_equal(rte_marlin_size_parse("1", NULL), -EINVAL);
}

static void
test_size_format(void **state)
{
	char b[24];
	uint64_t v;

	RTE_SET_USED(state);
	assert_string_equal(rte_marlin_size_format(0, b, sizeof(b)), "0");
	assert_string_equal(rte_marlin_size_format(1000, b, sizeof(b)), "1000");
	assert_string_equal(rte_marlin_size_format(65536, b, sizeof(b)), "64K");
	assert_string_equal(rte_marlin_size_format(3u << 20, b, sizeof(b)), "3M");
	assert_string_equal(rte_marlin_size_format(1u << 30, b, sizeof(b)), "1G");
	assert_string_equal(rte_marlin_size_format(UINT64_C(1) << 50, b, sizeof(b)),
			    "1024T");
	/* round trip */
	assert_int_equal(rte_marlin_size_parse(rte_marlin_size_format(
		UINT64_C(5) << 40, b, sizeof(b)), &v), 0);
	assert_true(v == UINT64_C(5) << 40);
}

struct opts {
	int host;
	uint64_t size;
	int flag;
	char name[8];
	int func;
	int wc;
};

static int
parse_even(const char *dev, const char *key, const char *value, void *dst)
{
	RTE_SET_USED(dev);
	RTE_SET_USED(key);
	if (strcmp(value, "2") != 0)
		return -EDOM;
	*(int *)dst = 2;
	return 0;
}

static int
parse(const char *args, struct opts *o, uint64_t *given)
{
	const struct rte_marlin_arg t[] = {
		{ .key = "host", .type = RTE_MARLIN_ARG_INT, .min = 0, .max = 63,
		  .dst = &o->host },
		{ .key = "mw_size", .type = RTE_MARLIN_ARG_SIZE, .min = 4096,
		  .max = 1u << 30, .dst = &o->size, .deprecated = "winsize" },
		{ .key = "flag", .type = RTE_MARLIN_ARG_BOOL, .dst = &o->flag },
		{ .key = "name", .type = RTE_MARLIN_ARG_STRING, .dst = o->name,
		  .dst_len = sizeof(o->name) },
		{ .key = "even", .type = RTE_MARLIN_ARG_FUNC, .parse = parse_even,
		  .dst = &o->func },
		{ .key = "wc", .type = RTE_MARLIN_ARG_AUTO_BOOL, .dst = &o->wc },
	};

	memset(o, 0, sizeof(*o));
	return rte_marlin_devargs_parse("dev0", args, t, RTE_DIM(t), given);
}

static void
test_devargs(void **state)
{
	struct opts o;
	uint64_t given;

	RTE_SET_USED(state);
	assert_int_equal(parse(NULL, &o, &given), 0);
	assert_true(given == 0);
	assert_int_equal(parse("", &o, &given), 0);
	assert_int_equal(parse("host=5,mw_size=1M,flag=yes,name=abc,even=2", &o,
			       &given), 0);
	assert_int_equal(o.host, 5);
	assert_true(o.size == 1u << 20);
	assert_int_equal(o.flag, 1);
	assert_string_equal(o.name, "abc");
	assert_int_equal(o.func, 2);
	assert_true(given == 0x1f);

	/* a deprecated name sets the new key */
	assert_int_equal(parse("winsize=64K", &o, &given), 0);
	assert_true(o.size == 65536 && given == 0x2);
	/* ... and counts as the same key */
	assert_int_equal(parse("winsize=64K,mw_size=64K", &o, &given), -EINVAL);

	/* refused: unknown, repeated, no value, bad values, ranges */
	assert_int_equal(parse("hots=1", &o, &given), -EINVAL);
	assert_true(given == 0);
	assert_int_equal(parse("host=1,host=2", &o, NULL), -EINVAL);
	assert_int_equal(parse("host", &o, NULL), -EINVAL);
	assert_int_equal(parse("host=", &o, NULL), -EINVAL);
	assert_int_equal(parse("host=x", &o, NULL), -EINVAL);
	assert_int_equal(parse("host=1x", &o, NULL), -EINVAL);
	assert_int_equal(parse("host=+1", &o, NULL), -EINVAL);
	assert_int_equal(parse("host=64", &o, NULL), -EINVAL);
	assert_int_equal(parse("host=-1", &o, NULL), -EINVAL);
	assert_int_equal(parse("host=99999999999999999999", &o, NULL), -EINVAL);
	assert_int_equal(parse("mw_size=1K", &o, NULL), -EINVAL);
	assert_int_equal(parse("mw_size=2G", &o, NULL), -EINVAL);
	assert_int_equal(parse("mw_size=1Q", &o, NULL), -EINVAL);
	assert_int_equal(parse("flag=maybe", &o, NULL), -EINVAL);
	assert_int_equal(parse("name=", &o, NULL), -EINVAL);
	assert_int_equal(parse("name=12345678", &o, NULL), -EINVAL);
	assert_int_equal(parse("name=1234567", &o, NULL), 0);
	assert_int_equal(parse("even=3", &o, NULL), -EDOM);
	/* auto or a yes/no value */
	assert_int_equal(parse("wc=auto", &o, &given), 0);
	assert_true(o.wc == -1 && given == 0x20);
	assert_int_equal(parse("wc=on", &o, NULL), 0);
	assert_int_equal(o.wc, 1);
	assert_int_equal(parse("wc=0", &o, NULL), 0);
	assert_int_equal(o.wc, 0);
	assert_int_equal(parse("wc=sometimes", &o, NULL), -EINVAL);
	assert_int_equal(parse("flag=auto", &o, NULL), -EINVAL);
	/* a failed key writes nothing */
	assert_int_equal(parse("host=70", &o, NULL), -EINVAL);
	assert_int_equal(o.host, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_parse),
		cmocka_unit_test(test_size_format),
		cmocka_unit_test(test_devargs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
