# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""Write random bytes into a host's window, as a peer gone bad would.

Shared by the multi-process tests that check recovery from garbage
(tests/hrdma_mp, tests/eop_mp, tests/cmmc_mp). Only the window is touched
(its file, or with a rack manager its memory object), never the register
page: the handshake stays readable, the rings do not.
"""

import mmap
import os
import random
import time


def window_file(parent, fabric, host, widx=0):
    """Path of host @host's inbound window @widx on an ntb_shm fabric
    created with dir=@parent, fabric=@fabric."""
    return os.path.join(parent, "marlin-fabric-" + fabric,
                        "host-%d.mw-%d" % (host, widx))


def window_object(pid, owner, peer, widx=0):
    """With a rack manager (ntb_shm manager=) windows are no files: the
    path under /proc of the memory object of (@owner, @peer, @widx) that
    process @pid holds (a memfd named marlin-hOWNER-pPEER-wW; the owner
    holds the one it reads). Opening it read-write reaches the memory as
    the peer granted it does."""
    want = "/memfd:marlin-h%d-p%d-w%d" % (owner, peer, widx)
    d = "/proc/%d/fd" % pid
    for fd in os.listdir(d):
        try:
            target = os.readlink(os.path.join(d, fd))
        except OSError:
            continue
        if target == want or target.startswith(want + " "):
            return os.path.join(d, fd)
    raise FileNotFoundError("process %d holds no %s" % (pid, want[1:]))


def scribble(path, lo, hi, secs, seed=None, elsewhere=0.1):
    """For @secs seconds, write 4..64 random bytes at random offsets in
    [lo, hi) of the file (a fraction @elsewhere of the writes anywhere in
    it), about 4000 writes a second. Returns (writes, monotonic time of the
    last one)."""
    rng = random.Random(seed)
    writes = 0
    with open(path, "r+b") as f:
        size = os.fstat(f.fileno()).st_size
        hi = min(hi, size)
        m = mmap.mmap(f.fileno(), size)
        try:
            t0 = time.monotonic()
            while time.monotonic() - t0 < secs:
                if rng.random() < elsewhere:
                    off = rng.randrange(0, size)
                else:
                    off = rng.randrange(lo, hi)
                n = min(rng.choice((4, 8, 16, 64)), size - off)
                m[off:off + n] = os.urandom(n)
                writes += 1
                if writes % 4 == 0:
                    time.sleep(0.001)
            t_stop = time.monotonic()
        finally:
            m.close()
    return writes, t_stop
