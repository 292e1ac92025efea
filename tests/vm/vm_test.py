#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Marlin between two QEMU guests over ntb_ivshmem (a real PCI function
under vfio-pci).

Builds a tiny guest from Debian's archive only (the distribution kernel
package, busybox-static, the kernel's own vfio modules) plus DPDK's and
Marlin's shared libraries from this build, starts marlin-ivshmem-server,
boots two guests joined by ivshmem-doorbell devices (q35 + emulated
intel-iommu; KVM where /dev/kvm works, TCG otherwise) and runs in them:
NTB ping-pong in memory and doorbell (MSI-X) mode, a doorbell ping-pong
whose both ends sleep on MSI-X (rte_pmd_ntb_ivshmem_intr_wait), marlin-perf
write_bw and
write_lat, testpmd over EOP (txonly -> rxonly, counts compared), and a
guest that dies (QEMU killed) and is replaced by a new one that gets its
id from the server and links with the guest that stayed.

The kernel and modules are cached in $MARLIN_VM_CACHE (default
~/.cache/marlin/vm); the initramfs is rebuilt when a binary changed.
Guests and the server run as processes of the shared harness
(tests/lib/marlin_harness): always killed, also when this script is
killed (PR_SET_PDEATHSIG); a failing guest's console is printed. Exit 77
(skip) only where QEMU cannot run.

    vm_test.py BUILD_DIR SERVER [--keep] [--steps a,b,...] [--iters N]
"""
import argparse
import glob
import gzip
import hashlib
import lzma
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from marlin_harness.proc import Fail, Skip  # noqa: E402
from marlin_harness.session import Session, run as run_test  # noqa: E402

DEFAULT_STEPS = "pp_mem,pp_db,pp_irq,write_bw,write_lat,testpmd,restart"
SHM_SIZE = "32M"
VECTORS = 4
MODULES = ["kernel/virt/lib/irqbypass.ko", "kernel/drivers/vfio/vfio.ko",
           "kernel/drivers/vfio/vfio_iommu_type1.ko",
           "kernel/drivers/vfio/vfio_virqfd.ko",
           "kernel/drivers/vfio/pci/vfio-pci-core.ko",
           "kernel/drivers/vfio/pci/vfio-pci.ko"]


def log(msg):
    print("[vm] " + msg, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, **kw).stdout


# ---- guest kernel (cached) ------------------------------------------------

def kernel(cache):
    """(vmlinux ELF path, modules dir) from Debian's linux-image package."""
    kdir = os.path.join(cache, "kernel")
    vmlinux = os.path.join(kdir, "vmlinux")
    mods = os.path.join(kdir, "modules")
    if os.path.exists(vmlinux) and all(
            os.path.exists(os.path.join(mods, os.path.basename(m)))
            for m in MODULES):
        return vmlinux, mods
    debs = os.path.join(cache, "deb")
    os.makedirs(debs, exist_ok=True)
    found = glob.glob(os.path.join(debs, "linux-image-*-amd64_*.deb"))
    if not found:
        dep = run(["apt-cache", "depends", "linux-image-amd64"])
        m = re.search(r"Depends: (linux-image-[\w.-]+-amd64)\b", dep)
        if not m:
            raise Skip("cannot tell which kernel package linux-image-amd64 "
                       "depends on:\n" + dep)
        log("downloading %s from the Debian archive" % m.group(1))
        try:
            run(["apt-get", "download", m.group(1)], cwd=debs)
        except subprocess.CalledProcessError as e:
            raise Skip("no guest kernel: 'apt-get download %s' failed "
                       "(offline?)\n%s" % (m.group(1), e.stdout))
        found = glob.glob(os.path.join(debs, "linux-image-*-amd64_*.deb"))
    tmp = tempfile.mkdtemp(prefix="kx-", dir=cache)
    try:
        run(["dpkg-deb", "-x", found[0], tmp])
        vmlinuz = glob.glob(os.path.join(tmp, "boot", "vmlinuz-*"))[0]
        kver = os.path.basename(vmlinuz)[len("vmlinuz-"):]
        os.makedirs(mods, exist_ok=True)
        for m in MODULES:
            shutil.copy(os.path.join(tmp, "lib/modules", kver, m), mods)
        # The bzImage's xz payload is an ELF the kernel boots through PVH:
        # under TCG that skips seconds of decompression.
        data = open(vmlinuz, "rb").read()
        off = data.find(b"\xfd7zXZ\x00")
        elf = None
        while off >= 0 and elf is None:
            try:
                out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(
                    data[off:])
                if out[:4] == b"\x7fELF":
                    elf = out
            except lzma.LZMAError:
                pass
            off = data.find(b"\xfd7zXZ\x00", off + 1)
        if elf is None:
            raise Skip("no xz ELF payload in %s" % vmlinuz)
        os.makedirs(kdir, exist_ok=True)
        with open(vmlinux + ".tmp", "wb") as f:
            f.write(elf)
        os.rename(vmlinux + ".tmp", vmlinux)
        log("guest kernel %s cached in %s" % (kver, kdir))
        for deb in found:  # what is needed is extracted; 70 MB less
            os.unlink(deb)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return vmlinux, mods


# ---- initramfs --------------------------------------------------------------

def ldd_closure(files):
    libs = set()
    for f in files:
        try:
            out = run(["ldd", f])
        except subprocess.CalledProcessError:
            continue
        for line in out.splitlines():
            m = re.search(r"=> (/\S+)|^\s*(/\S+) \(", line)
            if m:
                libs.add(m.group(1) or m.group(2))
    return libs


def initramfs(cache, build, mods):
    progs = {
        "marlin-ntb-pingpong": os.path.join(
            build, "examples/ntb_pingpong/marlin-ntb-pingpong"),
        "marlin-perf": os.path.join(build, "apps/marlin-perf/marlin-perf"),
        "marlin-vm-irq-pingpong": os.path.join(
            build, "tests/vm/marlin-vm-irq-pingpong"),
    }
    plugins = [os.path.join(build, "drivers", n) for n in
               ("librte_ntb_ivshmem.so", "librte_net_eop.so")]
    testpmd = shutil.which("dpdk-testpmd")
    busybox = shutil.which("busybox")
    for p in list(progs.values()) + plugins:
        if not os.path.exists(p):
            raise Fail("%s is not built" % p)
    if not testpmd or not busybox:
        raise Fail("dpdk-testpmd or busybox missing: run scripts/setup.sh")
    pmd_dir = glob.glob("/usr/lib/x86_64-linux-gnu/dpdk/pmds-*")
    eal_plugins = []
    for d in pmd_dir:
        # what the EAL loads from its plugin directory; the buses come in
        # as libraries the drivers link (one copy each, or the EAL
        # registers them twice)
        eal_plugins += glob.glob(os.path.join(d, "librte_mempool_ring.so.*"))
    top = [testpmd, busybox] + list(progs.values()) + plugins + eal_plugins
    libs = ldd_closure(top)
    h = hashlib.sha256()
    for f in sorted(set(top) | libs | {os.path.join(HERE, "guest_init.sh"),
                                       os.path.abspath(__file__)}):
        st = os.stat(f)
        h.update(("%s %d %d\n" % (f, st.st_size, st.st_mtime_ns)).encode())
    out = os.path.join(cache, "initrd-%s.cpio.gz" % h.hexdigest()[:16])
    if os.path.exists(out):
        return out
    for old in glob.glob(os.path.join(cache, "initrd-*.cpio.gz")):
        os.unlink(old)
    root = tempfile.mkdtemp(prefix="root-", dir=cache)
    try:
        for d in ("bin", "usr/bin", "lib/modules", "opt/marlin/bin",
                  "opt/marlin/lib", "proc", "sys", "dev", "etc"):
            os.makedirs(os.path.join(root, d), exist_ok=True)
        shutil.copy(busybox, os.path.join(root, "bin/busybox"))
        shutil.copy(os.path.join(HERE, "guest_init.sh"),
                    os.path.join(root, "init"))
        os.chmod(os.path.join(root, "init"), 0o755)
        for m in glob.glob(os.path.join(mods, "*.ko")):
            shutil.copy(m, os.path.join(root, "lib/modules"))
        for name, p in progs.items():
            shutil.copy(p, os.path.join(root, "opt/marlin/bin", name))
        shutil.copy(testpmd, os.path.join(root, "usr/bin/dpdk-testpmd"))
        for p in plugins:
            shutil.copy(p, os.path.join(root, "opt/marlin/lib"))
        for p in eal_plugins:
            dst = os.path.join(root, p.lstrip("/"))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy(p, dst)
        bdir = os.path.realpath(build) + os.sep
        for lib in libs:
            if os.path.realpath(lib).startswith(bdir):
                # Marlin's own: found through LD_LIBRARY_PATH in the guest
                shutil.copy(lib, os.path.join(root, "opt/marlin/lib"))
                continue
            dst = os.path.join(root, lib.lstrip("/"))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy(lib, dst)
        asan = [l for l in libs if os.path.basename(l).startswith("libasan.so")]
        if asan:
            # Debian's testpmd is not instrumented; the plugins are.
            with open(os.path.join(root, "opt/marlin/preload"), "w") as f:
                f.write(asan[0] + "\n")
        files = run(["find", "."], cwd=root)
        cpio = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"],
                              cwd=root, input=files.encode(),
                              stdout=subprocess.PIPE, check=True).stdout
        with gzip.open(out + ".tmp", "wb", compresslevel=1) as f:
            f.write(cpio)
        os.rename(out + ".tmp", out)
        log("initramfs %s (%d MiB)" % (out, os.path.getsize(out) >> 20))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return out


# ---- QEMU -----------------------------------------------------------------

def accel():
    """('kvm', why) where hardware virtualization works, else ('tcg', why)."""
    flags = open("/proc/cpuinfo").read()
    if os.access("/dev/kvm", os.R_OK | os.W_OK) and re.search(
            r"\b(vmx|svm)\b", flags):
        return "kvm", "KVM (/dev/kvm with VT-x/AMD-V)"
    return "tcg", ("TCG: no usable KVM here (no vmx/svm in /proc/cpuinfo"
                   "%s)" % (", /dev/kvm is present but cannot run "
                            "unmodified guests" if os.path.exists("/dev/kvm")
                            else ""))


def qemu_cmd(qemu, acc, vmlinux, initrd, sock, steps, iters, plain=None):
    """plain: (memory file, host id) for ivshmem-plain, else doorbell."""
    if acc == "kvm":
        a = ["-accel", "kvm", "-machine", "q35,kernel-irqchip=split",
             "-cpu", "host"]
    else:
        a = ["-accel", "tcg", "-machine", "q35", "-cpu", "max"]
    return [qemu] + a + [
        "-m", "1G", "-smp", "1", "-nographic", "-no-reboot", "-nic", "none",
        "-device", "intel-iommu,intremap=on,caching-mode=on,aw-bits=48",
        "-kernel", vmlinux, "-initrd", initrd,
        "-append", "console=ttyS0 intel_iommu=on iommu=pt panic=-1 quiet "
                   "no_timer_check "
                   "loglevel=4 marlin.steps=%s marlin.iters=%d%s" % (
                       steps, iters, "" if plain is None else
                       " marlin.devargs=host=%d" % plain[1]),
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"] + ([
        "-chardev", "socket,path=%s,id=ivsh" % sock,
        "-device", "ivshmem-doorbell,chardev=ivsh,vectors=%d" % VECTORS]
        if plain is None else [
        "-object", "memory-backend-file,id=hostmem,size=%s,share=on,"
                   "mem-path=%s" % (SHM_SIZE, plain[0]),
        "-device", "ivshmem-plain,memdev=hostmem"])


def server_cmd(server, sock):
    return [server, "--socket", sock, "--size", SHM_SIZE,
            "--vectors", str(VECTORS), "--peers", "2"]


def guide_check():
    """The guide's QEMU and server lines are the ones this test runs."""
    guide = os.path.join(HERE, "..", "..", "doc", "guides", "ntb_ivshmem.rst")
    text = " ".join(open(guide).read().replace("\\\n", " ").split())
    sock = "/run/marlin-ivshmem.sock"
    want = [" ".join(["marlin-ivshmem-server"] + server_cmd("x", sock)[1:])]
    want += [" ".join(qemu_cmd("qemu-system-x86_64", "tcg", "K", "I", sock,
                               "", 0)[i:i + 2]) for i in (1, 3, 5, 7)]
    q = qemu_cmd("q", "tcg", "K", "I", sock, "", 0)
    for opt in ("intel-iommu", "socket,path", "ivshmem-doorbell"):
        want += [" ".join(q[i - 1:i + 1]) for i, a in enumerate(q)
                 if a.startswith(opt)]
    missing = [w for w in want if w not in text]
    if missing:
        raise Fail("doc/guides/ntb_ivshmem.rst no longer shows what "
                           "the test runs: %s" % missing)


def console(p):
    """All a guest (or the server) printed, one string."""
    return "\n".join(line.rstrip("\r") for line in p.lines())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("server")
    ap.add_argument("--steps", default=DEFAULT_STEPS)
    ap.add_argument("--iters", type=int, default=200)
    ap.add_argument("--timeout", type=int, default=360,
                    help="seconds for both guests to finish")
    ap.add_argument("--plain", action="store_true",
                    help="ivshmem-plain (a memory file, no server, no "
                         "doorbells: polling only) instead of ivshmem-doorbell")
    ap.add_argument("--keep", action="store_true",
                    help="keep the work directory (the consoles are written "
                         "there)")
    args = ap.parse_args()
    name = "vm_ivshmem" + ("_plain" if args.plain else "")
    return run_test(name, lambda s: vm_test(s, args),
                    Session(name, tag="vm", fabric_parent=False))


def vm_test(s, args):
    guide_check()
    qemu = shutil.which("qemu-system-x86_64")
    if not qemu:
        raise Skip("qemu-system-x86_64 not installed (scripts/setup.sh "
                   "installs qemu-system-x86)")
    for tool in ("cpio", "busybox", "dpkg-deb", "apt-get"):
        if not shutil.which(tool):
            raise Skip("%s not installed (scripts/setup.sh installs it)" % tool)
    cache = os.environ.get("MARLIN_VM_CACHE",
                           os.path.expanduser("~/.cache/marlin/vm"))
    os.makedirs(cache, exist_ok=True)
    t0 = time.time()
    vmlinux, mods = kernel(cache)
    initrd = initramfs(cache, args.build, mods)
    acc, why = accel()
    log("guest image ready in %.1f s; accelerator: %s" % (time.time() - t0, why))

    work = (tempfile.mkdtemp(prefix="marlin-vm-") if args.keep
            else s.tmpdir())
    sock = os.path.join(work, "ivshmem.sock")
    steps = args.steps.split(",")
    srv = s.start("server", server_cmd(args.server, sock), stdin=False,
                  pdeathsig=True)
    srv.wait_for("listening on", 10)
    guests = {}

    def boot(g, peer):
        plain = (os.path.join(work, "plain.mem"), peer) if args.plain \
            else None
        since = srv.mark()
        guests[g] = s.start(
            "guest-" + g, qemu_cmd(qemu, acc, vmlinux, initrd, sock,
                                   ",".join(guest_steps(g, steps)),
                                   args.iters, plain),
            stdin=False, pdeathsig=True)
        if not args.plain:
            # ids go in connection order, lowest free first
            srv.wait_for(r"peer %d connected" % peer, 30, since=since)

    boot("a", 0)
    boot("b", 1)
    deadline = time.time() + args.timeout
    rcs = {}
    try:
        while time.time() < deadline and len(rcs) < len(guests):
            if ("restart" in steps and "b2" not in guests and
                    "MARLIN-STEP-START die" in console(guests["b"])):
                # Guest b dies without a word (its QEMU is killed) while a
                # waits for it; b2 boots in its place and must get b's id.
                since = srv.mark()
                guests["b"].kill()
                srv.wait_for(r"peer 1 gone", 10, since=since)
                log("guest b killed after %.0f s; booting b2" %
                    (time.time() - t0))
                boot("b2", 1)
            for g, p in guests.items():
                if g not in rcs and not p.alive():
                    p.join()
                    rcs[g] = p.proc.returncode
                    log("guest %s exited (QEMU status %d) after %.0f s" %
                        (g, rcs[g], time.time() - t0))
            time.sleep(0.2)
        text = {g: console(p) for g, p in guests.items()}
        fails = check(text, rcs, steps, args.plain)
        for g in guests:
            if g not in rcs:
                fails.append("guest %s did not finish within %d s" %
                             (g, args.timeout))
        if not srv.alive():
            fails.append("the server exited (status %d)" %
                         srv.proc.returncode)
        if fails:
            for g in guests:
                print("==== console of guest %s ====" % g)
                print(text[g])
            print("==== server ====")
            print(console(srv))
            raise Fail("; ".join(fails))
        figures(text, acc)
        log("%s in %.0f s" % (", ".join(steps), time.time() - t0))
    finally:
        if args.keep:
            for g, p in list(guests.items()) + [("server", srv)]:
                with open(os.path.join(work, "%s.log" % g), "w") as f:
                    f.write(console(p) + "\n")
            log("logs kept in " + work)


def steps_of(text):
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"MARLIN-STEP (\S+) rc=(\d+)", text)}


def guest_steps(g, steps):
    """What guest g runs for the test's steps."""
    if g == "b2":
        return ["pp_restart"]
    out = []
    for s in steps:
        if s == "testpmd":
            out.append("testpmd_tx" if g == "a" else "testpmd_rx")
        elif s == "restart":
            out.append("pp_restart" if g == "a" else "die")
        else:
            out.append(s)
    return out


def check(text, rcs, steps, plain=False):
    """What went wrong, from the consoles @text and QEMU statuses @rcs."""
    fails = []
    for g in text:
        done = steps_of(text[g])
        for name in guest_steps(g, steps):
            if name == "die":
                continue
            if name not in done:
                fails.append("guest %s: step %s did not run" % (g, name))
            elif done[name] != 0:
                fails.append("guest %s: step %s exited %d" % (g, name,
                                                              done[name]))
        killed = g == "b" and "restart" in steps
        if g in rcs and rcs[g] != 1 and not killed:
            fails.append("guest %s: QEMU status %d (guest rc %d)" %
                         (g, rcs[g], rcs[g] >> 1))
    if "pp_db" in steps and not plain:
        got = [int(n) for n in re.findall(r"MSI-X received (\d+)",
                                          text.get("a", "") + text.get("b", ""))]
        if not got or max(got) == 0:
            fails.append("doorbell mode: no MSI-X interrupt was received")
    if "restart" in steps:
        # b2 got b's id and eventfds: the doorbells of a reach it as MSI-X
        got = [int(n) for n in re.findall(r"MSI-X received (\d+)",
                                          section(text.get("b2", ""),
                                                  "pp_restart"))]
        if not got or max(got) == 0:
            fails.append("restart: the restarted guest got no MSI-X "
                         "interrupt from the guest that stayed")
    if "testpmd" in steps:
        tx = re.findall(r"TX-packets:\s*(\d+)", section(text["a"], "testpmd_tx"))
        rx = re.findall(r"RX-packets:\s*(\d+)", section(text["b"], "testpmd_rx"))
        if not tx or not rx:
            fails.append("testpmd: no port statistics printed")
        else:
            t, r = int(tx[-1]), int(rx[-1])
            log("testpmd over EOP: guest a sent %d, guest b received %d" % (t, r))
            if t == 0 or r != t:
                fails.append("testpmd: sent %d, received %d" % (t, r))
    return fails


def figures(text, acc):
    """Print what the guests measured (emulated: not hardware figures)."""
    a, b = text["a"], text["b"]
    log("figures (%s-emulated guests, 1 vCPU each; not hardware numbers):"
        % acc.upper())
    for step in ("pp_mem", "pp_db"):
        m = re.search(r"ntb_pingpong: .*", section(a, step))
        if m:
            log("  %s: %s" % (step, m.group(0)))
    for step in ("write_bw", "write_lat"):
        rows = re.findall(r"^ *\d+ +\d+ +[\d. ]+$", section(b, step), re.M)
        if rows:
            log("  %s (client): %s" % (step, " ".join(rows[-1].split())))


def section(text, step):
    m = re.search(r"MARLIN-STEP-START %s\n(.*?)MARLIN-STEP %s " % (step, step),
                  text, re.S)
    return m.group(1) if m else ""


if __name__ == "__main__":
    sys.exit(main())
