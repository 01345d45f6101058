#!/usr/bin/python3
"""ptydrive - run a program on a pseudo-terminal, as an interactive shell
would, and answer its prompts: for the tests of password prompting.

    tests/cli/ptydrive.py [ACTION...] -- PROGRAM [ARG...]

The program gets a new pty as standard input, output and error and as its
controlling terminal, in a foreground process group of its own under a
session leader (so that ^Z stops it, as in a shell). Each ACTION waits
for the next prompt (output ending in ": ") and then does one thing:

    --send TEXT    type TEXT and Enter
    --raw BYTES    type BYTES as given (Python escapes: 'a\\x00b\\n')
    --signal NAME  send the program signal NAME (INT, TERM, ...)
    --stop         send SIGTSTP, wait until the program has stopped, note
                   whether the terminal echoes, then SIGCONT it

It then waits for the program to end and prints one JSON object:

    exit             exit status, or minus the signal that ended it
    transcript       everything that appeared on the terminal (typed text
                     only if the terminal echoed it)
    echo_at_prompt   for each prompt acted on: did the terminal echo then
    echo_stopped     for each --stop: did it echo while stopped
    echo_after       did it echo once the program had ended

Also a module: drive(argv, actions) returns that object as a dict, for
the end-to-end tests (tests/e2e/test_76x), which drive "tests/e2e/guest
GUEST vmailctl ..." this way.
"""

import codecs
import json
import os
import select
import signal
import sys
import termios
import time

TIMEOUT = 30


class Timeout(Exception):
    pass


def _echoes(fd):
    return bool(termios.tcgetattr(fd)[3] & termios.ECHO)


def _shell(slave, argv, report):
    """In the forked child: become a session leader owning the pty, run
    argv in a foreground process group of its own, and report its pid,
    stops and end on the pipe report. Never returns."""
    try:
        os.setsid()
        import fcntl
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        signal.signal(signal.SIGTTOU, signal.SIG_IGN)   # for tcsetpgrp
        go_r, go_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(go_w)
            os.setpgid(0, 0)
            os.read(go_r, 1)   # until it is the foreground group
            # the dispositions a shell gives a foreground job: a harness
            # started in the background of a non-interactive shell (or by
            # nohup) has SIGINT, SIGQUIT and SIGHUP ignored, and an
            # ignored signal stays ignored across exec
            for sig in (signal.SIGTTOU, signal.SIGINT, signal.SIGQUIT,
                        signal.SIGHUP, signal.SIGTERM, signal.SIGTSTP):
                signal.signal(sig, signal.SIG_DFL)
            for fd in (0, 1, 2):
                os.dup2(slave, fd)
            os.execvp(argv[0], argv)
        os.close(go_r)
        try:
            os.setpgid(pid, pid)
        except OSError:
            pass   # the child has set it already
        os.tcsetpgrp(slave, pid)
        os.write(go_w, b"x")
        os.write(report, f"pid {pid}\n".encode())
        while True:
            _, st = os.waitpid(pid, os.WUNTRACED)
            if os.WIFSTOPPED(st):
                os.write(report, b"stopped\n")
                continue
            code = os.WEXITSTATUS(st) if os.WIFEXITED(st) else -os.WTERMSIG(st)
            os.write(report, f"exit {code}\n".encode())
            os._exit(0)
    except BaseException as e:   # noqa: BLE001 - report anything
        os.write(report, f"error {e!r}\n".encode())
        os._exit(1)


class _Run:
    def __init__(self, argv):
        self.master, slave = os.openpty()
        report_r, report_w = os.pipe()
        self.shell = os.fork()
        if self.shell == 0:
            os.close(self.master)
            os.close(report_r)
            _shell(slave, argv, report_w)
        os.close(slave)
        os.close(report_w)
        self.report = report_r
        self.out = b""
        self.seen = 0          # bytes of out already answered
        self.events = []
        self.pid = int(self._event("pid ").split()[1])

    def _pump(self, timeout):
        """Read what is there (terminal output, shell reports)."""
        r, _, _ = select.select([self.master, self.report], [], [], timeout)
        if self.master in r:
            try:
                self.out += os.read(self.master, 4096)
            except OSError:   # EIO: every slave end is closed
                pass
        if self.report in r:
            data = os.read(self.report, 4096)
            self.events += data.decode().splitlines()

    def _event(self, prefix, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            for i, e in enumerate(self.events):
                if e.startswith("error "):
                    raise RuntimeError(e)
                if e.startswith(prefix):
                    del self.events[i]
                    return e
            if time.monotonic() > deadline:
                raise Timeout(f"no '{prefix.strip()}' within {timeout}s; "
                              f"terminal: {self.out!r}")
            self._pump(0.2)

    def prompt(self):
        """Wait for output ending in ": " after what was answered."""
        deadline = time.monotonic() + TIMEOUT
        while not (len(self.out) > self.seen and self.out.endswith(b": ")):
            if any(e.startswith("exit ") for e in self.events):
                raise Timeout(f"the program ended before a prompt; "
                              f"terminal: {self.out!r}")
            if time.monotonic() > deadline:
                raise Timeout(f"no prompt within {TIMEOUT}s; terminal: "
                              f"{self.out!r}")
            self._pump(0.2)
        self.seen = len(self.out)
        return _echoes(self.master)

    def finish(self, timeout=TIMEOUT):
        code = int(self._event("exit ", timeout).split()[1])
        self._pump(0.2)
        echo = _echoes(self.master)
        os.waitpid(self.shell, 0)
        os.close(self.master)
        os.close(self.report)
        return code, echo


def drive(argv, actions, timeout=TIMEOUT):
    """Run argv on a pty; actions: ("send", text), ("raw", bytes),
    ("signal", name), ("stop", None). Returns the JSON object of the
    module's doc as a dict. timeout: seconds the program may take to end
    after the last action (each prompt may take TIMEOUT)."""
    run = _Run(argv)
    res = {"echo_at_prompt": [], "echo_stopped": []}
    for kind, arg in actions:
        res["echo_at_prompt"].append(run.prompt())
        if kind == "send":
            os.write(run.master, arg.encode() + b"\n")
        elif kind == "raw":
            os.write(run.master, arg)
        elif kind == "signal":
            os.kill(run.pid, getattr(signal, "SIG" + arg))
        elif kind == "stop":
            os.kill(run.pid, signal.SIGTSTP)
            run._event("stopped")
            res["echo_stopped"].append(_echoes(run.master))
            os.kill(run.pid, signal.SIGCONT)
    res["exit"], res["echo_after"] = run.finish(timeout)
    res["transcript"] = run.out.decode("utf-8", "replace")
    return res


def main(args):
    actions = []
    while args and args[0] != "--":
        opt = args.pop(0)
        if opt in ("--send", "--signal", "--raw") and args:
            val = args.pop(0)
            if opt == "--raw":
                val = codecs.escape_decode(val.encode())[0]
            actions.append((opt[2:], val))
        elif opt == "--stop":
            actions.append(("stop", None))
        else:
            sys.exit(f"ptydrive: bad argument {opt!r} (see the source)")
    if len(args) < 2:
        sys.exit("usage: ptydrive.py [ACTION...] -- PROGRAM [ARG...]")
    try:
        res = drive(args[1:], actions)
    except (Timeout, RuntimeError) as e:
        sys.exit(f"ptydrive: {e}")
    json.dump(res, sys.stdout)
    print()


if __name__ == "__main__":
    main(sys.argv[1:])
