/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * Statistics and output: a perftest-style table or one JSON object.
 * Units: bytes, GB/s = 1e9 B/s, Mpps = 1e6 operations/s, latencies in ns
 * one-way (half a measured round trip).
 */

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <rte_marlin_stats.h>

#include "perf.h"

static const char *const test_names[PERF_NB_TESTS] = {
	[PERF_WRITE_BW] = "write_bw",
	[PERF_READ_BW] = "read_bw",
	[PERF_SEND_BW] = "send_bw",
	[PERF_WRITE_LAT] = "write_lat",
	[PERF_SEND_LAT] = "send_lat",
};

static const char *const test_titles[PERF_NB_TESTS] = {
	[PERF_WRITE_BW] = "HRDMA WRITE bandwidth",
	[PERF_READ_BW] = "HRDMA READ bandwidth",
	[PERF_SEND_BW] = "HRDMA SEND bandwidth",
	[PERF_WRITE_LAT] = "HRDMA WRITE_NOTIFY latency",
	[PERF_SEND_LAT] = "HRDMA SEND latency",
};

const char *
perf_test_name(enum perf_test t)
{
	return (unsigned int)t < PERF_NB_TESTS ? test_names[t] : "?";
}

int
perf_test_by_name(const char *name)
{
	int i;

	for (i = 0; i < PERF_NB_TESTS; i++)
		if (strcmp(name, test_names[i]) == 0)
			return i;
	return -EINVAL;
}

bool
perf_test_is_lat(enum perf_test t)
{
	return t == PERF_WRITE_LAT || t == PERF_SEND_LAT;
}

/*
 * Fill the latency fields of @r from @n round-trip times in ns (sorted in
 * place), by the rule of rte_marlin_stats.h (nearest-rank percentiles,
 * median of the middle two). One-way = round trip / 2.
 */
int
perf_stats_lat(uint64_t *rtt, uint64_t n, struct perf_result *r)
{
	struct rte_marlin_stats_u64 s;

	if (rte_marlin_stats_summarize_u64(rtt, n, &s) != 0)
		return -EINVAL;
	r->t_min = s.min / 2.0;
	r->t_max = s.max / 2.0;
	r->t_median = s.median / 2.0;
	r->t_avg = s.mean / 2.0;
	r->t_p99 = s.p99 / 2.0;
	r->t_p999 = s.p999 / 2.0;
	return 0;
}

#define RULE "------------------------------------------------------------" \
	"---------------------------------"

static void
print_probe_line(FILE *f, const char *when, const struct perf_probe *p)
{
	if (p->ns >= 0 && p->spread > PERF_STEADY_SPREAD)
		fprintf(f, " Probe %-10s: %.1f ns one-way (cores %d,%d) -> %s, "
			"unsteady (slowest batch %.1f x the fastest)\n", when,
			p->ns, p->cores[0], p->cores[1], perf_placement(p->ns),
			p->spread);
	else if (p->ns >= 0)
		fprintf(f, " Probe %-10s: %.1f ns one-way (cores %d,%d) -> %s\n",
			when, p->ns, p->cores[0], p->cores[1],
			perf_placement(p->ns));
	else
		fprintf(f, " Probe %-10s: not measured (%s)\n", when,
			p->why != NULL ? p->why : "-");
}

static void
print_header(FILE *f, const struct perf_header *h, enum perf_test t)
{
	char cores[128];
	int i, off = 0;

	cores[0] = '\0';
	for (i = 0; i < h->nb_cores && off < (int)sizeof(cores) - 8; i++)
		off += snprintf(cores + off, sizeof(cores) - off, "%s%d",
				i ? "," : "", h->cores[i]);
	if (h->peer_core >= 0)
		snprintf(cores + off, sizeof(cores) - off, " (peer %d)",
			 h->peer_core);

	fprintf(f, "%s\n", RULE);
	fprintf(f, "                    %s test (%s)\n",
		(unsigned int)t < PERF_NB_TESTS ? test_titles[t] : "?", h->role);
	fprintf(f, " Device          : %-20s Engine         : %s\n",
		h->device, h->engine);
	fprintf(f, " Sizes           : %s[B]\n", h->sizes);
	fprintf(f, " Number of qps   : %-20d Memory         : %s\n",
		h->nb_qp, h->memory);
	fprintf(f, " TX depth        : %-20u CQ moderation  : %u\n",
		h->tx_depth, h->cq_mod);
	fprintf(f, " Ring depth      : %-20u Message size   : %u[B]\n",
		h->ring_depth, h->msg_size);
	fprintf(f, " Cores           : %-20s Peer region    : %llu[B]\n",
		cores, (unsigned long long)h->region_len);
	if (h->consume && t == PERF_SEND_BW)
		fprintf(f, " Consume         : on (the server reads every message)\n");
	else if (h->consume)
		fprintf(f, " Consume         : on, %u slots, notify every %u op(s)\n",
			h->slots, h->notify_every);
	if (h->nt_threshold != 0)
		fprintf(f, " Data check      : %-20s NT stores from : %u[B]\n",
			h->check ? "on" : "off", h->nt_threshold);
	else
		fprintf(f, " Data check      : %-20s NT stores      : off\n",
			h->check ? "on" : "off");
	print_probe_line(f, "before", &h->probe_before);
	print_probe_line(f, "after", &h->probe_after);
	fprintf(f, " Placement       : %s (near < %.0f ns <= far)\n",
		perf_placement_pair(&h->probe_before, &h->probe_after),
		PERF_NEAR_NS);
	if (h->reconnect)
		fprintf(f, " Link flaps      : %u ridden out (--reconnect), "
			"%.2f s without a link\n", h->flaps, h->down_s);
	if (perf_test_is_lat(t))
		fprintf(f, " Units           : ns, one-way = round trip / 2\n");
	else
		fprintf(f, " Units           : GB/s = 1e9 B/s, Mpps = 1e6 ops/s\n");
	fprintf(f, "%s\n", RULE);
}

void
perf_print_table(FILE *f, const struct perf_header *h,
		const struct perf_result *r, int n)
{
	enum perf_test t = (enum perf_test)perf_test_by_name(h->test);
	int i;

	print_header(f, h, t);
	if (perf_test_is_lat(t)) {
		fprintf(f, " %-9s %-12s %-11s %-11s %-11s %-11s %-11s %s\n",
			"#bytes", "#iterations", "t_min[ns]", "t_median",
			"t_avg", "t_p99", "t_p99.9", "t_max");
		for (i = 0; i < n; i++) {
			if (r[i].skipped)
				continue;
			fprintf(f, " %-9llu %-12llu %-11.1f %-11.1f %-11.1f "
				"%-11.1f %-11.1f %.1f%s\n",
				(unsigned long long)r[i].size,
				(unsigned long long)r[i].iters, r[i].t_min,
				r[i].t_median, r[i].t_avg, r[i].t_p99,
				r[i].t_p999, r[i].t_max,
				r[i].partial ? "  partial" : "");
		}
	} else {
		fprintf(f, " %-9s %-14s %-16s %-19s %s\n", "#bytes",
			"#iterations", "BW peak[GB/s]", "BW average[GB/s]",
			"MsgRate[Mpps]");
		for (i = 0; i < n; i++) {
			if (r[i].skipped)
				continue;
			fprintf(f, " %-9llu %-14llu %-16.2f %-19.2f %.6f%s\n",
				(unsigned long long)r[i].size,
				(unsigned long long)r[i].iters, r[i].bw_peak,
				r[i].bw_avg, r[i].mpps,
				r[i].partial ? "  partial" : "");
		}
	}
	for (i = 0; i < n; i++) {
		if (r[i].skipped)
			fprintf(f, " (%llu B skipped: larger than a message "
				"slot)\n", (unsigned long long)r[i].size);
		if (r[i].check_errors)
			fprintf(f, " %llu B: %llu data check errors\n",
				(unsigned long long)r[i].size,
				(unsigned long long)r[i].check_errors);
		if (r[i].partial)
			fprintf(f, " %llu B: partial, the link was lost %.2f s "
				"into the run (%s)\n",
				(unsigned long long)r[i].size, h->lost_into_s,
				h->lost_why != NULL ? h->lost_why : "-");
	}
	fprintf(f, "%s\n", RULE);
}

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s != NULL && *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void
json_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.3f", v);
	else
		fputs("null", f);
}

void
perf_print_probe_json(FILE *f, const struct perf_probe *p)
{
	int i;

	fprintf(f, "{\"cores\": [%d, %d], \"ns\": ", p->cores[0], p->cores[1]);
	if (p->ns >= 0)
		json_num(f, p->ns);
	else
		fputs("null", f);
	fputs(", \"placement\": ", f);
	json_str(f, perf_placement(p->ns));
	fputs(", \"spread\": ", f);
	json_num(f, p->spread);
	fprintf(f, ", \"steady\": %s", p->ns >= 0 &&
		p->spread <= PERF_STEADY_SPREAD ? "true" : "false");
	fputs(", \"batches_ns\": [", f);
	for (i = 0; i < p->nb_batches; i++) {
		if (i)
			fputs(", ", f);
		json_num(f, p->batch_ns[i]);
	}
	fputs("]", f);
	if (p->why != NULL) {
		fputs(", \"error\": ", f);
		json_str(f, p->why);
	}
	fputs("}", f);
}

void
perf_print_json(FILE *f, const struct perf_header *h,
		const struct perf_result *r, int n)
{
	enum perf_test t = (enum perf_test)perf_test_by_name(h->test);
	int i;

	fputs("{\"tool\": \"marlin-perf\", \"test\": ", f);
	json_str(f, h->test);
	fputs(", \"role\": ", f);
	json_str(f, h->role);
	fputs(", \"device\": ", f);
	json_str(f, h->device);
	fputs(", \"engine\": ", f);
	json_str(f, h->engine);
	fputs(", \"memory\": ", f);
	json_str(f, h->memory);
	fputs(", \"sizes\": ", f);
	json_str(f, h->sizes);
	fprintf(f, ", \"qps\": %d, \"tx_depth\": %u, \"cq_mod\": %u, "
		"\"ring_depth\": %u, \"msg_size\": %u, \"consume\": %s, "
		"\"slots\": %u, \"notify_every\": %u, \"nt_threshold\": %u, "
		"\"check\": %s, "
		"\"region_len\": %llu, \"cores\": [",
		h->nb_qp, h->tx_depth, h->cq_mod, h->ring_depth, h->msg_size,
		h->consume ? "true" : "false", h->slots, h->notify_every,
		h->nt_threshold, h->check ? "true" : "false",
		(unsigned long long)h->region_len);
	for (i = 0; i < h->nb_cores; i++)
		fprintf(f, "%s%d", i ? ", " : "", h->cores[i]);
	fprintf(f, "], \"peer_core\": %d, \"probe_before\": ", h->peer_core);
	perf_print_probe_json(f, &h->probe_before);
	fputs(", \"probe_after\": ", f);
	perf_print_probe_json(f, &h->probe_after);
	fputs(", \"placement\": ", f);
	json_str(f, perf_placement_pair(&h->probe_before, &h->probe_after));
	fprintf(f, ", \"reconnect\": %s, \"link_flaps\": %u, "
		"\"link_down_s\": ", h->reconnect ? "true" : "false",
		h->flaps);
	json_num(f, h->down_s);
	fputs(", \"link_lost\": ", f);
	if (h->lost) {
		fputs("{\"at_s\": ", f);
		json_num(f, h->lost_at_s);
		fputs(", \"into_run_s\": ", f);
		json_num(f, h->lost_into_s);
		fprintf(f, ", \"bytes\": %llu, \"operations\": %llu, "
			"\"why\": ", (unsigned long long)h->lost_size,
			(unsigned long long)h->lost_ops);
		json_str(f, h->lost_why);
		fputs("}", f);
	} else {
		fputs("null", f);
	}
	fputs(", \"units\": ", f);
	json_str(f, perf_test_is_lat(t) ? "ns one-way" :
		 "GB/s = 1e9 B/s; Mpps = 1e6 ops/s");
	fputs(", \"results\": [", f);
	for (i = 0; i < n; i++) {
		fprintf(f, "%s\n  {\"bytes\": %llu, \"iterations\": %llu, "
			"\"seconds\": ", i ? "," : "",
			(unsigned long long)r[i].size,
			(unsigned long long)r[i].iters);
		fprintf(f, "%.6f", r[i].seconds);
		if (r[i].skipped) {
			fputs(", \"skipped\": true}", f);
			continue;
		}
		if (perf_test_is_lat(t)) {
			fputs(", \"t_min_ns\": ", f);
			json_num(f, r[i].t_min);
			fputs(", \"t_median_ns\": ", f);
			json_num(f, r[i].t_median);
			fputs(", \"t_avg_ns\": ", f);
			json_num(f, r[i].t_avg);
			fputs(", \"t_p99_ns\": ", f);
			json_num(f, r[i].t_p99);
			fputs(", \"t_p999_ns\": ", f);
			json_num(f, r[i].t_p999);
			fputs(", \"t_max_ns\": ", f);
			json_num(f, r[i].t_max);
		} else {
			fputs(", \"bw_peak_gbs\": ", f);
			json_num(f, r[i].bw_peak);
			fputs(", \"bw_avg_gbs\": ", f);
			json_num(f, r[i].bw_avg);
			fputs(", \"mpps\": ", f);
			fprintf(f, "%.6f", r[i].mpps);
		}
		fprintf(f, ", \"rx_bytes\": %llu, \"check_errors\": %llu, "
			"\"partial\": %s}", (unsigned long long)r[i].rx_bytes,
			(unsigned long long)r[i].check_errors,
			r[i].partial ? "true" : "false");
	}
	fputs("\n]}\n", f);
}
