#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""marlin-devinfo: JSON that parses, exit status 0 with or without devices,
classification of known ids, usage errors. Prints 'N passed, N failed'."""

import json
import subprocess
import sys

BIN = sys.argv[1]
passed = failed = 0


def run(*args):
    p = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


# This machine as it is (no NTB here: an empty list, still exit 0).
rc, out, err = run("--json")
check("scan --json exits 0", rc == 0, err)
try:
    doc = json.loads(out)
    check("scan --json parses", True)
    check("scan has ntb/dma lists", isinstance(doc.get("ntb"), list) and
          isinstance(doc.get("dma"), list))
    check("scan has host facts", isinstance(doc.get("host", {}).get("iommu"), bool))
    if not doc["ntb"] and not doc["dma"]:
        check("empty scan says so", doc["message"] == "no NTB ports or DMA engines found")
except ValueError as e:
    check("scan --json parses", False, str(e))

rc, out, err = run()
check("scan text exits 0", rc == 0, err)
check("scan text non-empty", len(out) > 0)

# Output path with made-up devices.
rc, out, err = run("--json", "--fake-device", "8086:201c", "--fake-device",
                   "8086:347e:04", "--fake-device", "1022:145b",
                   "--fake-device", "11f8:8536:00:068000",
                   "--fake-device", "8086:2021", "--fake-device", "8086:3c0e")
check("fake --json exits 0", rc == 0, err)
doc = json.loads(out)
ntb = {d["device"]: d for d in doc["ntb"]}
dma = {d["device"]: d for d in doc["dma"]}
check("fake: 5 NTB, 1 DMA", len(doc["ntb"]) == 5 and len(doc["dma"]) == 1,
      f'{len(doc["ntb"])} {len(doc["dma"])}')
check("SKX supported by ntb_intel", ntb["201c"]["support"] == "supported" and
      ntb["201c"]["marlin_driver"] == "ntb_intel")
check("SKX advice: bind vfio-pci", any("vfio-pci" in t for t in ntb["201c"]["todo"]))
check("SKX advice: disabled BAR4", any("BAR4" in t for t in ntb["201c"]["todo"]))
check("SKX BAR sizes", ntb["201c"]["bars"][2]["size"] == 1 << 30 and
      ntb["201c"]["bars"][2]["prefetchable"] is True)
check("ICX name", "Ice Lake" in ntb["347e"]["name"])
check("AMD not supported yet", ntb["145b"]["support"] == "not supported yet")
check("Switchtec by class", ntb["8536"]["support"] == "not supported yet")
check("SNB primary side: not B2B", ntb["3c0e"]["support"] == "not back-to-back" and
      any("NTB to NTB" in t for t in ntb["3c0e"]["todo"]))
check("CBDMA via dma/ioat", dma["2021"]["marlin_driver"] == "dma/ioat")

# Classification without scanning.
cases = {
    "8086:347e:20": ("ntb", "supported", "Sapphire Rapids"),
    "8086:0db4": ("ntb", "supported", "Granite Rapids"),
    "111d:808c": ("ntb", "not supported yet", "IDT"),
    "8086:0b25": ("dma", "supported", "DSA"),
    "8086:3c23": ("dma", "no DPDK driver", "Sandy Bridge"),
}
for spec, (kind, sup, name) in cases.items():
    rc, out, err = run("--classify", spec, "--json")
    d = json.loads(out)
    check(f"classify {spec}", rc == 0 and d["kind"] == kind and
          d["support"] == sup and name in d["name"], out)
rc, out, err = run("--classify", "10de:1234", "--json")
check("classify unknown id", rc == 0 and json.loads(out)["kind"] is None)

rc, out, err = run("--classify", "zz")
check("bad --classify is a usage error", rc == 2)
rc, out, err = run("--bogus")
check("unknown option is a usage error", rc == 2)
rc, out, err = run("--help")
check("--help exits 0", rc == 0 and "--json" in out)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
