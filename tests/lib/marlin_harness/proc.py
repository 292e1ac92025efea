# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""Child processes whose output lines are read by threads.

Proc keeps every stdout line (and stderr, merged or apart) in lists under
one condition variable. Waits are always bounded and fail with the reason
and the last lines the process printed:

  wait_for(regex, timeout, since)  first matching line at index >= since
  next_line(regex, timeout)        next matching line after the last one
                                   consumed (a cursor: a second call never
                                   returns the same line)
  expect(kinds, timeout)           next protocol line (first word in
                                   self.proto); a protocol line of another
                                   kind is a failure

CmdHost adds the command protocol of the C test hosts (tests/lib/host):
READY at start, one OK/ERR answer per command, BYE before exit.
"""

import os
import re
import signal
import subprocess
import threading
import time


class Fail(Exception):
    """A test assertion that failed, with the reason."""


class Skip(Exception):
    """The test cannot run here; the reason says why."""


def kv(line):
    """key=value fields of a line (the first word, the kind, is skipped)."""
    return dict(w.split("=", 1) for w in line.split()[1:] if "=" in w)


def die_with_parent():
    """Child side of Popen (preexec_fn): SIGKILL when the parent dies
    (Linux prctl PR_SET_PDEATHSIG)."""
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


class Proc:
    """One child process.

    @owner: a Session (or anything with a 'procs' list) that kills it at
    cleanup; @env: variables added to the environment; @merge: stderr goes
    into the same line list as stdout; @stdin: give it a pipe to write to;
    @group: its own process group (stop/kill then reach its children);
    @on_line: called with every stdout line from the reader thread;
    @pdeathsig: the kernel SIGKILLs it when this test process dies, even
    by SIGKILL with no chance to clean up (long-lived children such as
    QEMU guests). Output bytes that are not UTF-8 (a guest's console) are
    read as U+FFFD.
    """

    proto = None     # first words of protocol lines (None: every line)

    def __init__(self, owner, name, args, env=None, merge=True, stdin=True,
                 cwd=None, group=False, on_line=None, pdeathsig=False):
        self.name = name
        self.args = [str(a) for a in args]
        self.cmdline = " ".join(self.args)
        self.out = []
        self.err = []
        self.both = []   # stdout and stderr lines in the order they came
        self.cv = threading.Condition()
        self.cursor = 0
        self.cursor_both = 0
        self.eof = False
        self.eof_err = merge
        self.on_line = on_line
        e = None
        if env:
            e = dict(os.environ)
            e.update(env)
        self.proc = subprocess.Popen(
            self.args, env=e, cwd=cwd, text=True, errors="replace",
            bufsize=1, preexec_fn=die_with_parent if pdeathsig else None,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if merge else subprocess.PIPE,
            start_new_session=group)
        self.pid = self.proc.pid
        self.group = group
        if owner is not None:
            owner.procs.append(self)
        self.readers = [threading.Thread(target=self._read_out, daemon=True)]
        if not merge:
            self.readers.append(threading.Thread(target=self._read_err,
                                                 daemon=True))
        for t in self.readers:
            t.start()

    # ---- reading ---------------------------------------------------------
    def _read_out(self):
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            if self.on_line:
                self.on_line(line)
            with self.cv:
                self.out.append(line)
                self.both.append(line)
                self.cv.notify_all()
        with self.cv:
            self.eof = True
            self.cv.notify_all()

    def _read_err(self):
        for line in self.proc.stderr:
            with self.cv:
                self.err.append(line.rstrip("\n"))
                self.both.append(line.rstrip("\n"))
                self.cv.notify_all()
        with self.cv:
            self.eof_err = True
            self.cv.notify_all()

    def mark(self):
        """Index of the next line to come (for wait_for's since)."""
        with self.cv:
            return len(self.out)

    def lines(self, since=0):
        with self.cv:
            return list(self.out[since:])

    def _ended(self, i):
        return self.eof and i >= len(self.out)

    def _gone(self, what, timeout):
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        return Fail("%s exited (status %s) while we waited for %s\n%s" %
                    (self.name, self.proc.returncode, what, self.tail()))

    def _await(self, ended, deadline, what, timeout, late):
        """The tail of every waiting call, with self.cv held: Fail when
        the output @ended (the process is gone; @what was awaited) or
        @deadline passed (message late()), else wait for more (<= 0.5 s)."""
        if ended:
            raise self._gone(what, timeout)
        left = deadline - time.monotonic()
        if left <= 0:
            raise Fail(late())
        self.cv.wait(min(left, 0.5))

    def wait_for(self, regex, timeout, since=0, stderr=False):
        """First line matching @regex at index >= @since of its output (of
        its stderr, when kept apart and @stderr); its match."""
        rx = re.compile(regex)
        deadline = time.monotonic() + timeout
        lines = self.err if stderr else self.out
        with self.cv:
            i = since
            while True:
                while i < len(lines):
                    m = rx.search(lines[i])
                    if m:
                        return m
                    i += 1
                self._await(
                    (self.eof_err if stderr else self.eof) and
                    i >= len(lines), deadline, "a line matching %r" % regex,
                    timeout, lambda: "%s: no line matching %r within %.0f s "
                    "(status %s)\n%s" % (self.name, regex, timeout,
                                         self.proc.poll(),
                                         self._tail_locked(25)))

    def call(self, line, regex, timeout):
        """Send @line, then wait for its answer: the first line matching
        @regex printed after it was sent; its match."""
        i = self.mark()
        self.send(line)
        return self.wait_for(regex, timeout, i)

    def next_line(self, regex, timeout, what=None, fail=None):
        """Next line after the cursor matching @regex (the cursor moves
        past it); a line matching @fail first is a failure."""
        rx = re.compile(regex)
        bad = re.compile(fail) if fail else None
        what = what or repr(regex)
        deadline = time.monotonic() + timeout
        with self.cv:
            while True:
                while self.cursor < len(self.out):
                    line = self.out[self.cursor]
                    self.cursor += 1
                    if bad and bad.search(line):
                        raise Fail("%s: %s" % (self.name, line))
                    if rx.search(line):
                        return line
                self._await(self._ended(self.cursor), deadline, what, timeout,
                            lambda: "%s: no %s within %.0f s" %
                            (self.name, what, timeout))

    def next_match(self, regex, timeout):
        """Next line of stdout or stderr (in the order they came) after the
        last one this call consumed that matches @regex; its match."""
        rx = re.compile(regex)
        deadline = time.monotonic() + timeout
        with self.cv:
            while True:
                while self.cursor_both < len(self.both):
                    m = rx.search(self.both[self.cursor_both])
                    self.cursor_both += 1
                    if m:
                        return m
                self._await(self.eof and self.eof_err, deadline,
                            "a line matching %r" % regex, timeout,
                            lambda: "%s: no line matching %r within %.0f s\n%s"
                            % (self.name, regex, timeout,
                               self._tail_locked(10)))

    def expect(self, kinds, timeout):
        """Next protocol line (first word in self.proto) after the cursor;
        it must be one of @kinds."""
        deadline = time.monotonic() + timeout
        want = "/".join(kinds)
        with self.cv:
            while True:
                while self.cursor < len(self.out):
                    line = self.out[self.cursor]
                    self.cursor += 1
                    word = line.split(" ", 1)[0] if line else ""
                    if self.proto is not None and word not in self.proto:
                        continue
                    if word in kinds:
                        return line
                    if self.proto is not None:
                        raise Fail("%s: unexpected line '%s' (wanted %s)" %
                                   (self.name, line, want))
                self._await(self._ended(self.cursor), deadline, want, timeout,
                            lambda: "%s: no %s line within %.0f s" %
                            (self.name, want, timeout))

    # ---- writing and ending ------------------------------------------------
    def send(self, line):
        try:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, AttributeError) as e:
            raise Fail("%s: cannot send %r: %s (status %s)\n%s" % (
                self.name, line, e, self.proc.poll(), self.tail()))

    def alive(self):
        return self.proc.poll() is None

    def send_signal(self, sig):
        if self.proc.poll() is None:
            try:
                if self.group:
                    os.killpg(self.pid, sig)
                else:
                    self.proc.send_signal(sig)
            except (ProcessLookupError, PermissionError):
                pass

    def wait(self, timeout, what="exit"):
        """Exit status; Fail when it does not end within @timeout."""
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Fail("%s did not %s within %.0f s\n%s" %
                       (self.name, what, timeout, self.tail()))
        self.join()
        return rc

    def join(self, timeout=5):
        """Let the reader threads take the last lines in."""
        for t in self.readers:
            t.join(timeout=timeout)

    def stop(self, sig=signal.SIGINT, timeout=20):
        """Ask it to end with @sig, kill it if it does not; exit status."""
        if self.proc.poll() is None:
            self.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self.join()
        return self.proc.returncode

    def kill(self):
        """SIGKILL (its whole group when it has one) and reap it."""
        if self.proc.poll() is None:
            self.send_signal(signal.SIGKILL)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            print("warning: pid %d did not die" % self.pid, flush=True)

    # ---- diagnostics -------------------------------------------------------
    def _tail_locked(self, n):
        return "\n".join("    [%s] %s" % (self.name, x)
                         for x in self.out[-n:] + self.err[-n:])

    def tail(self, n=25):
        """The last @n lines of its output (and of stderr when apart)."""
        with self.cv:
            return self._tail_locked(n)

    def dump(self, log, n_out=25, n_err=40):
        log("---- %s (%s), status %s" % (self.name, self.cmdline,
                                          self.proc.poll()))
        with self.cv:
            for line in self.out[-n_out:]:
                log("  out| " + line)
            for line in self.err[-n_err:]:
                log("  err| " + line)


class CmdHost(Proc):
    """A C test host (tests/lib/host): READY, then one OK/ERR answer line
    per command, BYE before it exits; FATAL when it cannot go on."""

    proto = ("READY", "OK", "ERR", "WATCHING", "FATAL", "BYE")
    cmd_timeout = 20.0
    start_timeout = 60.0      # EAL start under ASan on a busy 2-core box

    def wait_ready(self):
        """key=value fields of the READY line."""
        return kv(self.expect(("READY",), self.start_timeout))

    def ask(self, line, timeout=None):
        """Send a command; (ok, fields, answer line)."""
        self.send(line)
        ans = self.expect(("OK", "ERR"), timeout or self.cmd_timeout)
        return ans.startswith("OK"), kv(ans), ans

    def cmd(self, line, timeout=None):
        """Send a command that must succeed; its key=value fields."""
        ok, f, ans = self.ask(line, timeout)
        if not ok:
            raise Fail("%s: '%s' failed: %s" % (self.name, line[:80], ans))
        return f

    def result(self, what, timeout=None):
        """The OK answer to a command sent earlier; its fields."""
        ans = self.expect(("OK", "ERR"), timeout or self.cmd_timeout)
        if not ans.startswith("OK"):
            raise Fail("%s: %s failed: %s" % (self.name, what, ans))
        return kv(ans)

    def refused(self, line, err, timeout=None):
        """The command must fail with errno name @err."""
        ok, f, ans = self.ask(line, timeout)
        if ok or f.get("err") != err:
            raise Fail("%s: '%s' answered '%s', expected ERR err=%s" %
                       (self.name, line[:80], ans, err))

    def quit(self):
        """'quit', BYE, and a zero exit status."""
        self.send("quit")
        self.expect(("BYE",), self.cmd_timeout)
        rc = self.wait(self.cmd_timeout, "exit after quit")
        if rc != 0:
            raise Fail("%s exited with status %d after quit" %
                       (self.name, rc))
