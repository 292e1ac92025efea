/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

/*
 * marlin-devinfo: list the NTB ports and DMA engines of this machine and
 * say what to do to use each with Marlin. Reads PCI through libpciaccess
 * and sysfs only; it does not start DPDK's EAL, so it runs while another
 * Marlin process owns the devices.
 */

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pciaccess.h>

#define SYSFS_PCI "/sys/bus/pci/devices"

enum kind { KIND_NTB, KIND_DMA };

enum support {
	SUP_YES,          /* drive it with Marlin */
	SUP_NOT_B2B,      /* Intel NTB id of a non back-to-back mode */
	SUP_NOT_YET,      /* NTB silicon Marlin has no driver for yet */
	SUP_NO_DPDK,      /* DMA engine without a DPDK 22.11 driver */
};

struct known {
	uint16_t vendor;
	uint16_t device;     /* 0xffff: any, matched by class */
	uint32_t class_code; /* 0: any */
	uint8_t rev_min;
	uint8_t rev_max;
	enum kind kind;
	enum support support;
	const char *name;
	const char *driver;  /* what Marlin/DPDK uses */
};

#define ANY_DEV 0xffff

/* Ids: Intel NTB per the public Linux driver; DMA engines per the PCI
 * tables of DPDK 22.11's dma/ioat and dma/idxd and Linux's ioatdma/idxd. */
static const struct known known_ids[] = {
	{ 0x8086, 0x3725, 0, 0, 0xff, KIND_NTB, SUP_YES, "Intel Jaketown NTB (gen1, B2B)", "ntb_intel" },
	{ 0x8086, 0x3c0d, 0, 0, 0xff, KIND_NTB, SUP_YES, "Intel Sandy Bridge-EP NTB (gen1, B2B)", "ntb_intel" },
	{ 0x8086, 0x0e0d, 0, 0, 0xff, KIND_NTB, SUP_YES, "Intel Ivy Town NTB (gen1, B2B)", "ntb_intel" },
	{ 0x8086, 0x2f0d, 0, 0, 0xff, KIND_NTB, SUP_YES, "Intel Haswell-EP NTB (gen1, B2B)", "ntb_intel" },
	{ 0x8086, 0x6f0d, 0, 0, 0xff, KIND_NTB, SUP_YES, "Intel Broadwell-EP NTB (gen1, B2B)", "ntb_intel" },
	{ 0x8086, 0x3726, 0, 0, 0xff, KIND_NTB, SUP_NOT_B2B, "Intel Jaketown NTB (primary side)", "ntb_intel" },
	{ 0x8086, 0x3727, 0, 0, 0xff, KIND_NTB, SUP_NOT_B2B, "Intel Jaketown NTB (secondary side)", "ntb_intel" },
	{ 0x8086, 0x3c0e, 0, 0, 0xff, KIND_NTB, SUP_NOT_B2B, "Intel Sandy Bridge-EP NTB (primary side)", "ntb_intel" },
	{ 0x8086, 0x3c0f, 0, 0, 0xff, KIND_NTB, SUP_NOT_B2B, "Intel Sandy Bridge-EP NTB (secondary side)", "ntb_intel" },
	{ 0x8086, 0x0e0e, 0, 0, 0xff, KIND_NTB, SUP_NOT_B2B, "Intel Ivy Town NTB (primary side)", "ntb_intel" },
	{ 0x8086, 0x0e0f, 0, 0, 0xff, KIND_NTB, SUP_NOT_B2B, "Intel Ivy Town NTB (secondary side)", "ntb_intel" },
	{ 0x8086, 0x2f0e, 0, 0, 0xff, KIND_NTB, SUP_NOT_B2B, "Intel Haswell-EP NTB (primary side)", "ntb_intel" },
	{ 0x8086, 0x2f0f, 0, 0, 0xff, KIND_NTB, SUP_NOT_B2B, "Intel Haswell-EP NTB (secondary side)", "ntb_intel" },
	{ 0x8086, 0x6f0e, 0, 0, 0xff, KIND_NTB, SUP_NOT_B2B, "Intel Broadwell-EP NTB (primary side)", "ntb_intel" },
	{ 0x8086, 0x6f0f, 0, 0, 0xff, KIND_NTB, SUP_NOT_B2B, "Intel Broadwell-EP NTB (secondary side)", "ntb_intel" },
	{ 0x8086, 0x201c, 0, 0, 0xff, KIND_NTB, SUP_YES, "Intel Skylake-SP NTB (gen3)", "ntb_intel" },
	{ 0x8086, 0x347e, 0, 0x02, 0x0f, KIND_NTB, SUP_YES, "Intel Ice Lake-SP NTB (gen4)", "ntb_intel" },
	{ 0x8086, 0x347e, 0, 0x10, 0xff, KIND_NTB, SUP_YES, "Intel Sapphire Rapids NTB (gen4)", "ntb_intel" },
	{ 0x8086, 0x347e, 0, 0x00, 0x01, KIND_NTB, SUP_NOT_YET, "Intel Ice Lake NTB (pre-production revision)", NULL },
	{ 0x8086, 0x0db4, 0, 0, 0xff, KIND_NTB, SUP_YES, "Intel Granite Rapids NTB (gen4 ops)", "ntb_intel" },
	{ 0x1022, 0x145b, 0, 0, 0xff, KIND_NTB, SUP_NOT_YET, "AMD Zeppelin NTB", NULL },
	{ 0x1022, 0x148b, 0, 0, 0xff, KIND_NTB, SUP_NOT_YET, "AMD NTB", NULL },
	{ 0x1022, 0x14c0, 0, 0, 0xff, KIND_NTB, SUP_NOT_YET, "AMD NTB (primary)", NULL },
	{ 0x1022, 0x14c3, 0, 0, 0xff, KIND_NTB, SUP_NOT_YET, "AMD NTB (secondary)", NULL },
	{ 0x1022, 0x155a, 0, 0, 0xff, KIND_NTB, SUP_NOT_YET, "AMD NTB", NULL },
	{ 0x1d94, 0x145b, 0, 0, 0xff, KIND_NTB, SUP_NOT_YET, "Hygon NTB", NULL },
	{ 0x111d, 0x8091, 0, 0, 0xff, KIND_NTB, SUP_NOT_YET, "IDT 89HPES24NT6AG2 NTB switch", NULL },
	{ 0x111d, 0x808f, 0, 0, 0xff, KIND_NTB, SUP_NOT_YET, "IDT 89HPES32NT8AG2 NTB switch", NULL },
	{ 0x111d, 0x8088, 0, 0, 0xff, KIND_NTB, SUP_NOT_YET, "IDT 89HPES32NT8BG2 NTB switch", NULL },
	{ 0x111d, 0x8092, 0, 0, 0xff, KIND_NTB, SUP_NOT_YET, "IDT 89HPES12NT12G2 NTB switch", NULL },
	{ 0x111d, 0x8090, 0, 0, 0xff, KIND_NTB, SUP_NOT_YET, "IDT 89HPES16NT16G2 NTB switch", NULL },
	{ 0x111d, 0x808e, 0, 0, 0xff, KIND_NTB, SUP_NOT_YET, "IDT 89HPES24NT24G2 NTB switch", NULL },
	{ 0x111d, 0x808c, 0, 0, 0xff, KIND_NTB, SUP_NOT_YET, "IDT 89HPES32NT24AG2 NTB switch", NULL },
	{ 0x111d, 0x808a, 0, 0, 0xff, KIND_NTB, SUP_NOT_YET, "IDT 89HPES32NT24BG2 NTB switch", NULL },
	/* Switchtec NT functions are "other bridge" class functions. */
	{ 0x11f8, ANY_DEV, 0x068000, 0, 0xff, KIND_NTB, SUP_NOT_YET, "Microchip Switchtec NTB", NULL },
	/* Intel CBDMA / I/OAT with a DPDK 22.11 driver (dma/ioat). */
	{ 0x8086, 0x2021, 0, 0, 0xff, KIND_DMA, SUP_YES, "Intel Skylake-SP CBDMA (I/OAT)", "dma/ioat" },
	{ 0x8086, 0x0b00, 0, 0, 0xff, KIND_DMA, SUP_YES, "Intel Ice Lake-SP CBDMA (I/OAT)", "dma/ioat" },
	{ 0x8086, 0x6f20, 0, 0, 0xff, KIND_DMA, SUP_YES, "Intel Broadwell-EP CBDMA (I/OAT)", "dma/ioat" },
	{ 0x8086, 0x6f21, 0, 0, 0xff, KIND_DMA, SUP_YES, "Intel Broadwell-EP CBDMA (I/OAT)", "dma/ioat" },
	{ 0x8086, 0x6f22, 0, 0, 0xff, KIND_DMA, SUP_YES, "Intel Broadwell-EP CBDMA (I/OAT)", "dma/ioat" },
	{ 0x8086, 0x6f23, 0, 0, 0xff, KIND_DMA, SUP_YES, "Intel Broadwell-EP CBDMA (I/OAT)", "dma/ioat" },
	{ 0x8086, 0x6f24, 0, 0, 0xff, KIND_DMA, SUP_YES, "Intel Broadwell-EP CBDMA (I/OAT)", "dma/ioat" },
	{ 0x8086, 0x6f25, 0, 0, 0xff, KIND_DMA, SUP_YES, "Intel Broadwell-EP CBDMA (I/OAT)", "dma/ioat" },
	{ 0x8086, 0x6f26, 0, 0, 0xff, KIND_DMA, SUP_YES, "Intel Broadwell-EP CBDMA (I/OAT)", "dma/ioat" },
	{ 0x8086, 0x6f27, 0, 0, 0xff, KIND_DMA, SUP_YES, "Intel Broadwell-EP CBDMA (I/OAT)", "dma/ioat" },
	{ 0x8086, 0x6f2e, 0, 0, 0xff, KIND_DMA, SUP_YES, "Intel Broadwell-EP CBDMA (I/OAT)", "dma/ioat" },
	{ 0x8086, 0x6f2f, 0, 0, 0xff, KIND_DMA, SUP_YES, "Intel Broadwell-EP CBDMA (I/OAT)", "dma/ioat" },
	/* Intel DSA with a DPDK 22.11 driver (dma/idxd). */
	{ 0x8086, 0x0b25, 0, 0, 0xff, KIND_DMA, SUP_YES, "Intel Sapphire Rapids DSA", "dma/idxd" },
	/* Engines the kernel drives but DPDK 22.11 does not. */
	{ 0x8086, 0x11fb, 0, 0, 0xff, KIND_DMA, SUP_NO_DPDK, "Intel Granite Rapids DSA", NULL },
	{ 0x8086, 0x3c20, 0, 0, 0xff, KIND_DMA, SUP_NO_DPDK, "Intel Sandy Bridge-EP CBDMA (I/OAT)", NULL },
	{ 0x8086, 0x0e20, 0, 0, 0xff, KIND_DMA, SUP_NO_DPDK, "Intel Ivy Town CBDMA (I/OAT)", NULL },
	{ 0x8086, 0x2f20, 0, 0, 0xff, KIND_DMA, SUP_NO_DPDK, "Intel Haswell-EP CBDMA (I/OAT)", NULL },
	{ 0x8086, 0x6f50, 0, 0, 0xff, KIND_DMA, SUP_NO_DPDK, "Intel Broadwell-DE CBDMA (I/OAT)", NULL },
};

/* Device-id ranges of the older CBDMA generations (8 channels each). */
static const struct known *
lookup(uint16_t vendor, uint16_t device, uint8_t rev, uint32_t class_code)
{
	unsigned int i;
	uint16_t base = device;

	if (vendor == 0x8086 && ((device >= 0x3c20 && device <= 0x3c27) ||
			(device >= 0x0e20 && device <= 0x0e27) ||
			(device >= 0x2f20 && device <= 0x2f27)))
		base = device & 0xfff0;
	if (vendor == 0x8086 && device >= 0x6f50 && device <= 0x6f53)
		base = 0x6f50;
	for (i = 0; i < sizeof(known_ids) / sizeof(known_ids[0]); i++) {
		const struct known *k = &known_ids[i];

		if (k->vendor != vendor || rev < k->rev_min || rev > k->rev_max)
			continue;
		if (k->device == ANY_DEV) {
			if ((class_code & 0xffff00) == k->class_code)
				return k;
			continue;
		}
		if (k->device == base)
			return k;
	}
	return NULL;
}

/* ---- sysfs ---- */

static int
read_attr(const char *addr, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), SYSFS_PCI "/%s/%s", addr, attr);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	return 0;
}

static void
link_base(const char *addr, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *slash, *base;
	ssize_t n;
	size_t l;

	snprintf(path, sizeof(path), SYSFS_PCI "/%s/%s", addr, attr);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0) {
		buf[0] = '\0';
		return;
	}
	target[n] = '\0';
	slash = strrchr(target, '/');
	base = slash ? slash + 1 : target;
	l = strlen(base);
	if (l >= len)
		l = len - 1;
	memcpy(buf, base, l);
	buf[l] = '\0';
}

static int
path_exists(const char *p)
{
	return access(p, F_OK) == 0;
}

static long
read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* A kernel bool parameter: "Y"/"N" (or 1/0). */
static int
read_flag(const char *path)
{
	FILE *f = fopen(path, "r");
	int c;

	if (f == NULL)
		return 0;
	c = fgetc(f);
	fclose(f);
	return c == 'Y' || c == 'y' || c == '1';
}

static int
iommu_enabled(void)
{
	DIR *d = opendir("/sys/kernel/iommu_groups");
	struct dirent *e;
	int any = 0;

	/* The directory has entries when an IOMMU is active. */
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.') {
			any = 1;
			break;
		}
	}
	closedir(d);
	return any;
}

/* ---- output ---- */

struct bar {
	uint64_t size;
	int is_64;
	int prefetch;
	int io;
};

struct found {
	char addr[16];
	uint16_t vendor, device;
	uint8_t rev;
	uint32_t class_code;
	const struct known *k;
	const char *pci_name;
	char kdrv[64];
	char iommu_group[16];
	char speed[64], width[16], max_speed[64], max_width[16];
	long numa;
	struct bar bar[6];
	char advice[8][320];
	int nb_advice;
};

static void
advise(struct found *f, const char *fmt, ...)
{
	va_list ap;

	if (f->nb_advice >= 8)
		return;
	va_start(ap, fmt);
	vsnprintf(f->advice[f->nb_advice++], sizeof(f->advice[0]), fmt, ap);
	va_end(ap);
}

static const char *
size_str(uint64_t b, char *buf, size_t len)
{
	if (b == 0)
		snprintf(buf, len, "disabled");
	else if (b >= (1ull << 30) && !(b & ((1ull << 30) - 1)))
		snprintf(buf, len, "%" PRIu64 " GiB", b >> 30);
	else if (b >= (1ull << 20) && !(b & ((1ull << 20) - 1)))
		snprintf(buf, len, "%" PRIu64 " MiB", b >> 20);
	else if (b >= 1024 && !(b & 1023))
		snprintf(buf, len, "%" PRIu64 " KiB", b >> 10);
	else
		snprintf(buf, len, "%" PRIu64 " B", b);
	return buf;
}

static void
make_advice(struct found *f, int iommu, int noiommu)
{
	const struct known *k = f->k;
	char sz[32];
	int w;

	switch (k->support) {
	case SUP_NOT_YET:
		advise(f, "not supported yet: Marlin has no driver for this silicon (use ntb_shm to develop meanwhile)");
		return;
	case SUP_NO_DPDK:
		advise(f, "no DPDK 22.11 driver for this engine: Marlin copies with dma_cpu instead");
		return;
	case SUP_NOT_B2B:
		advise(f, "the port is in primary/secondary (transparent or root-port) mode: set it to \"NTB to NTB\" (back-to-back) in BIOS on both hosts; the id then becomes the B2B one");
		return;
	default:
		break;
	}
	if (strcmp(f->kdrv, "vfio-pci") != 0) {
		if (k->kind == KIND_DMA && strcmp(k->driver, "dma/idxd") == 0 &&
				strcmp(f->kdrv, "idxd") == 0)
			advise(f, "bound to idxd: DPDK can use a user-space work queue configured with accel-config, or bind to vfio-pci: dpdk-devbind.py -b vfio-pci %s",
				f->addr);
		else
			advise(f, "bind to vfio-pci: dpdk-devbind.py -b vfio-pci %s (now %s)",
				f->addr, f->kdrv[0] ? f->kdrv : "no driver");
	}
	if (!iommu && !noiommu)
		advise(f, "no IOMMU is active: enable VT-d in BIOS and boot with intel_iommu=on iommu=pt (or, without an IOMMU, load vfio with enable_unsafe_noiommu_mode=1)");
	if (k->kind == KIND_DMA) {
		advise(f, "Marlin uses it through DPDK's %s and the dma_dmadev driver", k->driver);
		return;
	}
	advise(f, "BIOS: NTB to NTB mode, crosslink USD on one host and DSD on the other, NTB BARs enabled with equal sizes on both hosts, split BAR off");
	for (w = 0; w < 2; w++) {
		const struct bar *b = &f->bar[2 + 2 * w];

		if (b->size == 0)
			advise(f, "BAR%d (window %d) is disabled: give it a size in BIOS", 2 + 2 * w, w);
		else if (!b->prefetch)
			advise(f, "BAR%d is not prefetchable: outbound window %d cannot be mapped write-combining (slow stores)", 2 + 2 * w, w);
	}
	if (f->bar[2].size > 0)
		advise(f, "hugepages: each inbound window needs %s of IOVA-contiguous memory aligned to its size; reserve enough (1 GiB pages for large BARs)",
			size_str(f->bar[2].size, sz, sizeof(sz)));
}

static void
json_str(const char *s)
{
	putchar('"');
	for (; s != NULL && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static const char *
support_str(enum support s)
{
	switch (s) {
	case SUP_YES:
		return "supported";
	case SUP_NOT_B2B:
		return "not back-to-back";
	case SUP_NOT_YET:
		return "not supported yet";
	default:
		return "no DPDK driver";
	}
}

static void
print_json_dev(const struct found *f, int last)
{
	int i;

	printf("    {\"address\": ");
	json_str(f->addr);
	printf(", \"vendor\": \"%04x\", \"device\": \"%04x\", \"revision\": \"%02x\", \"class\": \"%06x\",\n",
		f->vendor, f->device, f->rev, f->class_code);
	printf("     \"name\": ");
	json_str(f->k->name);
	printf(", \"pci_name\": ");
	json_str(f->pci_name ? f->pci_name : "");
	printf(", \"support\": ");
	json_str(support_str(f->k->support));
	printf(", \"marlin_driver\": ");
	if (f->k->driver != NULL)
		json_str(f->k->driver);
	else
		printf("null");
	printf(",\n     \"kernel_driver\": ");
	if (f->kdrv[0])
		json_str(f->kdrv);
	else
		printf("null");
	printf(", \"iommu_group\": ");
	if (f->iommu_group[0])
		json_str(f->iommu_group);
	else
		printf("null");
	printf(", \"numa_node\": %ld,\n     \"link\": {\"speed\": ", f->numa);
	json_str(f->speed);
	printf(", \"width\": ");
	json_str(f->width);
	printf(", \"max_speed\": ");
	json_str(f->max_speed);
	printf(", \"max_width\": ");
	json_str(f->max_width);
	printf("},\n     \"bars\": [");
	for (i = 0; i < 6; i++)
		printf("%s{\"bar\": %d, \"size\": %" PRIu64 ", \"64bit\": %s, \"prefetchable\": %s}",
			i ? ", " : "", i, f->bar[i].size, f->bar[i].is_64 ? "true" : "false",
			f->bar[i].prefetch ? "true" : "false");
	printf("],\n     \"todo\": [");
	for (i = 0; i < f->nb_advice; i++) {
		if (i)
			printf(", ");
		json_str(f->advice[i]);
	}
	printf("]}%s\n", last ? "" : ",");
}

static void
print_text_dev(const struct found *f)
{
	char sz[32];
	int i;

	printf("%s  %04x:%04x rev %02x  %s  [%s]\n", f->addr, f->vendor,
		f->device, f->rev, f->k->name, support_str(f->k->support));
	printf("    kernel driver: %s   IOMMU group: %s   NUMA node: %ld\n",
		f->kdrv[0] ? f->kdrv : "none",
		f->iommu_group[0] ? f->iommu_group : "none", f->numa);
	printf("    link: %s x%s (max %s x%s)\n",
		f->speed[0] ? f->speed : "?", f->width[0] ? f->width : "?",
		f->max_speed[0] ? f->max_speed : "?",
		f->max_width[0] ? f->max_width : "?");
	printf("    BARs:");
	for (i = 0; i < 6; i++)
		if (f->bar[i].size)
			printf(" %d=%s%s", i, size_str(f->bar[i].size, sz, sizeof(sz)),
				f->bar[i].prefetch ? "(pf)" : "");
	printf("\n");
	for (i = 0; i < f->nb_advice; i++)
		printf("    - %s\n", f->advice[i]);
}

/* A made-up device (tests of the output without NTB hardware). */
static int
add_fake(struct found **found, int *n, int *cap, const char *spec, int idx)
{
	unsigned int v = 0, d = 0, r = 0, c = 0;
	const struct known *k;
	struct found *f;

	if (sscanf(spec, "%x:%x:%x:%x", &v, &d, &r, &c) < 2 ||
			v > 0xffff || d > 0xffff || r > 0xff || c > 0xffffff) {
		fprintf(stderr, "--fake-device wants VENDOR:DEVICE[:REV[:CLASS]] in hex, got \"%s\"\n",
			spec);
		return -1;
	}
	k = lookup((uint16_t)v, (uint16_t)d, (uint8_t)r, c);
	if (k == NULL) {
		fprintf(stderr, "--fake-device %s: not an id marlin-devinfo lists\n", spec);
		return -1;
	}
	if (*n == *cap) {
		struct found *nf;

		*cap = *cap ? *cap * 2 : 8;
		nf = realloc(*found, sizeof(**found) * (size_t)*cap);
		if (nf == NULL)
			return -1;
		*found = nf;
	}
	f = &(*found)[(*n)++];
	memset(f, 0, sizeof(*f));
	snprintf(f->addr, sizeof(f->addr), "ffff:ff:1f.%x", idx & 7);
	f->vendor = (uint16_t)v;
	f->device = (uint16_t)d;
	f->rev = (uint8_t)r;
	f->class_code = c;
	f->k = k;
	f->numa = -1;
	f->bar[0].size = 64 * 1024;
	f->bar[0].is_64 = 1;
	f->bar[2].size = 1ull << 30;
	f->bar[2].is_64 = 1;
	f->bar[2].prefetch = 1;
	f->bar[4].size = 0;
	return 0;
}

static void
usage(const char *prog)
{
	printf("Usage: %s [--json] [--classify VENDOR:DEVICE[:REV[:CLASS]]]\n"
	       "List the NTB ports (Intel Xeon; AMD, IDT and Switchtec shown as not supported\n"
	       "yet) and DMA engines (Intel CBDMA/I/OAT, DSA) of this machine: PCI address,\n"
	       "ids, name, kernel driver, IOMMU group, PCIe link, BAR sizes, and what to do\n"
	       "to use each with Marlin. Does not start DPDK.\n"
	       "  --json        machine-readable output\n"
	       "  --classify ID say what Marlin makes of a PCI id (hex), without scanning\n"
	       "  --fake-device ID  (testing) add a made-up device with this id to the list\n"
	       "  -h, --help    this text\n"
	       "Exit status: 0 (also when nothing is found), 1 when PCI cannot be read,\n"
	       "2 on a usage error.\n", prog);
}

static int
classify(const char *spec, int json)
{
	unsigned int v = 0, d = 0, r = 0, c = 0;
	const struct known *k;
	int n = sscanf(spec, "%x:%x:%x:%x", &v, &d, &r, &c);

	if (n < 2 || v > 0xffff || d > 0xffff || r > 0xff || c > 0xffffff) {
		fprintf(stderr, "--classify wants VENDOR:DEVICE[:REV[:CLASS]] in hex, got \"%s\"\n",
			spec);
		return 2;
	}
	k = lookup((uint16_t)v, (uint16_t)d, (uint8_t)r, c);
	if (json) {
		printf("{\"vendor\": \"%04x\", \"device\": \"%04x\", \"kind\": ", v, d);
		if (k == NULL) {
			printf("null, \"name\": null, \"support\": null, \"marlin_driver\": null}\n");
			return 0;
		}
		json_str(k->kind == KIND_NTB ? "ntb" : "dma");
		printf(", \"name\": ");
		json_str(k->name);
		printf(", \"support\": ");
		json_str(support_str(k->support));
		printf(", \"marlin_driver\": ");
		if (k->driver)
			json_str(k->driver);
		else
			printf("null");
		printf("}\n");
		return 0;
	}
	if (k == NULL)
		printf("%04x:%04x: not an NTB port or DMA engine Marlin knows\n", v, d);
	else
		printf("%04x:%04x: %s %s: %s%s%s\n", v, d,
			k->kind == KIND_NTB ? "NTB" : "DMA", k->name,
			support_str(k->support), k->driver ? ", driver " : "",
			k->driver ? k->driver : "");
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "classify", required_argument, NULL, 'c' },
		{ "fake-device", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pci_device_iterator *it;
	struct pci_device *pd;
	struct found *found = NULL;
	const char *classify_spec = NULL;
	const char *fakes[8];
	int nb_fakes = 0;
	int json = 0, opt, n = 0, cap = 0, i, kind, first, rc;
	int iommu, noiommu, vfio_loaded;
	long hp2m, hp1g;

	while ((opt = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = 1;
			break;
		case 'c':
			classify_spec = optarg;
			break;
		case 'f':
			if (nb_fakes < 8)
				fakes[nb_fakes++] = optarg;
			break;
		case 'h':
			usage(argv[0]);
			return 0;
		default:
			usage(argv[0]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "unexpected argument \"%s\"\n", argv[optind]);
		usage(argv[0]);
		return 2;
	}
	if (classify_spec != NULL)
		return classify(classify_spec, json);

	rc = pci_system_init();
	if (rc != 0) {
		fprintf(stderr, "marlin-devinfo: cannot read the PCI bus: %s\n",
			strerror(rc));
		return 1;
	}
	it = pci_slot_match_iterator_create(NULL);
	while (it != NULL && (pd = pci_device_next(it)) != NULL) {
		const struct known *k = lookup(pd->vendor_id, pd->device_id,
				pd->revision, pd->device_class);
		struct found *f;

		if (k == NULL)
			continue;
		if (n == cap) {
			struct found *nf;

			cap = cap ? cap * 2 : 8;
			nf = realloc(found, sizeof(*found) * (size_t)cap);
			if (nf == NULL) {
				fprintf(stderr, "marlin-devinfo: out of memory\n");
				free(found);
				pci_iterator_destroy(it);
				pci_system_cleanup();
				return 1;
			}
			found = nf;
		}
		f = &found[n++];
		memset(f, 0, sizeof(*f));
		snprintf(f->addr, sizeof(f->addr), "%04x:%02x:%02x.%x",
			pd->domain, pd->bus, pd->dev, pd->func);
		f->vendor = pd->vendor_id;
		f->device = pd->device_id;
		f->rev = pd->revision;
		f->class_code = pd->device_class;
		f->k = k;
		f->pci_name = pci_device_get_device_name(pd);
		if (pci_device_probe(pd) == 0) {
			for (i = 0; i < 6; i++) {
				f->bar[i].size = pd->regions[i].size;
				f->bar[i].is_64 = pd->regions[i].is_64;
				f->bar[i].prefetch = pd->regions[i].is_prefetchable;
				f->bar[i].io = pd->regions[i].is_IO;
			}
		}
		link_base(f->addr, "driver", f->kdrv, sizeof(f->kdrv));
		link_base(f->addr, "iommu_group", f->iommu_group,
			sizeof(f->iommu_group));
		read_attr(f->addr, "current_link_speed", f->speed, sizeof(f->speed));
		read_attr(f->addr, "current_link_width", f->width, sizeof(f->width));
		read_attr(f->addr, "max_link_speed", f->max_speed, sizeof(f->max_speed));
		read_attr(f->addr, "max_link_width", f->max_width, sizeof(f->max_width));
		{
			char path[PATH_MAX];

			snprintf(path, sizeof(path), SYSFS_PCI "/%s/numa_node", f->addr);
			f->numa = read_long(path);
		}
	}
	if (it != NULL)
		pci_iterator_destroy(it);
	for (i = 0; i < nb_fakes; i++) {
		if (add_fake(&found, &n, &cap, fakes[i], i) != 0) {
			free(found);
			pci_system_cleanup();
			return 2;
		}
	}

	iommu = iommu_enabled();
	noiommu = read_flag("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode");
	vfio_loaded = path_exists("/sys/bus/pci/drivers/vfio-pci");
	hp2m = read_long("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages");
	hp1g = read_long("/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages");
	for (i = 0; i < n; i++)
		make_advice(&found[i], iommu, noiommu);

	if (json) {
		printf("{\n  \"host\": {\"iommu\": %s, \"vfio_noiommu\": %s, \"vfio_pci_loaded\": %s, \"hugepages_2M\": %ld, \"hugepages_1G\": %ld},\n",
			iommu ? "true" : "false", noiommu ? "true" : "false",
			vfio_loaded ? "true" : "false", hp2m, hp1g);
		for (kind = KIND_NTB; kind <= KIND_DMA; kind++) {
			int count = 0, seen = 0;

			for (i = 0; i < n; i++)
				count += found[i].k->kind == (enum kind)kind;
			printf("  \"%s\": [%s", kind == KIND_NTB ? "ntb" : "dma",
				count ? "\n" : "");
			for (i = 0; i < n; i++) {
				if (found[i].k->kind != (enum kind)kind)
					continue;
				print_json_dev(&found[i], ++seen == count);
			}
			printf("%s],\n", count ? "  " : "");
		}
		printf("  \"message\": ");
		json_str(n == 0 ? "no NTB ports or DMA engines found" : "");
		printf("\n}\n");
	} else if (n == 0) {
		printf("no NTB ports or DMA engines found\n");
		printf("(Marlin still runs here on the software NTB, ntb_shm, with the CPU copy engine.)\n");
	} else {
		printf("host: IOMMU %s, vfio-pci %s, hugepages 2M=%ld 1G=%ld\n\n",
			iommu ? "active" : (noiommu ? "off (vfio no-IOMMU mode)" : "off"),
			vfio_loaded ? "loaded" : "not loaded (modprobe vfio-pci)",
			hp2m, hp1g);
		for (kind = KIND_NTB; kind <= KIND_DMA; kind++) {
			first = 1;
			for (i = 0; i < n; i++) {
				if (found[i].k->kind != (enum kind)kind)
					continue;
				if (first)
					printf("%s:\n", kind == KIND_NTB ? "NTB ports" : "DMA engines");
				first = 0;
				print_text_dev(&found[i]);
			}
			if (!first)
				printf("\n");
		}
	}
	free(found);
	pci_system_cleanup();
	return 0;
}
