"""The supervisor at a terminal, under an interactive bash on a pseudo-terminal: Ctrl-C,
Ctrl-Z with fg and bg, a job started with &, PID 1's Ctrl-Z; and the habits of tini and
dumb-init users (-s, -e, --remap-exit lists, -r/--rewrite), and the working directory."""
import os
import pty
import re
import select
import signal
import subprocess
import time

import pytest

from conftest import (SHIM, clean_env, descendants, helper, host_pid, read_recorded,
                      run_shim, shim_cmd, supervisor_pid, wait_for)

PROMPT = b"READY> "


class Shell:
    """`bash --norc --noprofile -i` on a pseudo-terminal: keystrokes in, output read with
    timeouts. expect() consumes the output up to the end of what it matched."""

    def __init__(self):
        env = clean_env(PS1=PROMPT.decode(), TERM="dumb", INPUTRC="/dev/null",
                        HISTFILE="/dev/null")
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execvpe("bash", ["bash", "--norc", "--noprofile", "-i"], env)
        self.out = b""
        self.expect(PROMPT)

    def send(self, data):
        os.write(self.fd, data.encode() if isinstance(data, str) else data)

    def read_some(self, timeout):
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.fd, 4096)
        except OSError:  # EIO: the shell is gone and the terminal closed
            chunk = b""
        if not chunk:
            raise AssertionError(f"the shell exited; its output: {self.out!r}")
        self.out += chunk
        return True

    def expect(self, pattern, timeout=5.0):
        regex = re.compile(pattern if isinstance(pattern, bytes) else re.escape(pattern.encode()))
        deadline = time.monotonic() + timeout
        while True:
            m = regex.search(self.out)
            if m:
                seen, self.out = self.out[:m.end()], self.out[m.end():]
                return m, seen
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {pattern!r} within {timeout}s; output: {self.out!r}")
            self.read_some(left)

    def status(self):
        """$? of the last job, printed by the shell (the echoed command does not match)."""
        self.send('echo "rc=$?"\n')
        m, _ = self.expect(rb"rc=(\d+)")
        self.expect(PROMPT)
        return int(m.group(1))

    def alive(self):
        """The shell answers a command, and has not exited."""
        self.send('echo "al""ive"\n')
        self.expect(rb"\balive\b")
        self.expect(PROMPT)
        return os.waitpid(self.pid, os.WNOHANG) == (0, 0)

    def close(self):
        try:
            kill_tree(self.pid)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(self.fd)


@pytest.fixture
def shell():
    sh = Shell()
    yield sh
    sh.close()


def job(args, pid1=False):
    return " ".join(shim_cmd(args, pid1))


# A job with a grandchild in its process group: the child starts a sleep, says "started",
# waits for the sleep, says "resumed", then sleeps for good. Ctrl-Z lands while both run
# (not in the middle of a fork, where a vfork parent cannot stop, for a shell's own jobs too).
STAGED = ["--", "sh", "-c",
          "'sleep 1 & p=$!; echo sta\"\"rted; wait $p; echo resu\"\"med; exec sleep 100'"]


def kill_tree(pid):
    for p in descendants(pid) + [pid]:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.mark.parametrize("pid1", [False, True], ids=["subreaper", "pid1"])
def test_ctrl_c_ends_the_job_with_130(shell, pid1):
    shell.send(job(["--", "sh", "-c", "'echo sta\"\"rted; exec sleep 100'"], pid1) + "\n")
    shell.expect("started")
    shell.send(b"\x03")
    shell.expect(PROMPT)
    assert shell.status() == 130
    assert shell.alive()


def test_ctrl_z_stops_the_job_and_fg_then_ctrl_c_ends_it(shell):
    shell.send(job(STAGED) + "\n")
    shell.expect("started")
    shell.send(b"\x1a")
    _, seen = shell.expect(rb"Stopped[^\n]*covenant-shim")
    shell.expect(PROMPT)
    assert b"resumed" not in seen
    assert shell.alive()
    shell.send("fg\n")
    # The whole group goes on: the sleep that Ctrl-Z caught, then the shell that waits on it.
    shell.expect("resumed")
    shell.send(b"\x03")
    shell.expect(PROMPT)
    assert shell.status() == 130
    assert shell.alive()


def test_ctrl_z_then_bg_runs_the_job_in_the_background(shell):
    shell.send(job(STAGED) + "\n")
    shell.expect("started")
    shell.send(b"\x1a")
    shell.expect(rb"Stopped[^\n]*covenant-shim")
    shell.expect(PROMPT)
    shell.send("bg\n")
    shell.expect(PROMPT)
    shell.expect("resumed")
    assert shell.alive()
    shell.send("fg\n")
    # bash prints the job before it hands it the terminal: Ctrl-C must wait for the latter.
    assert wait_for(lambda: os.tcgetpgrp(shell.fd) != shell.pid), "fg never took the terminal"
    shell.send(b"\x03")
    shell.expect(PROMPT)
    assert shell.status() == 130
    assert shell.alive()


def test_a_background_job_leaves_the_terminal_to_the_shell(shell):
    t0 = time.monotonic()
    shell.send(job(["--", "sleep", "3"]) + " &\n")
    shell.expect(PROMPT)
    assert shell.alive()  # while it runs
    while time.monotonic() - t0 < 3.3:
        time.sleep(0.1)
    shell.send("\n")
    shell.expect(rb"Done[^\n]*covenant-shim", timeout=5)
    assert shell.alive()  # and after
    assert shell.status() == 0


def test_ctrl_z_does_nothing_to_pid_1_which_cannot_stop(shell):
    """The kernel ignores stop signals sent to PID 1 from inside its namespace: the shim
    continues the child at once, as Ctrl-Z does nothing to any PID 1."""
    shell.send(job(STAGED, pid1=True) + "\n")
    shell.expect("started")
    shell.send(b"\x1a")
    _, seen = shell.expect("resumed")
    assert b"Stopped" not in seen
    shell.send(b"\x03")
    shell.expect(PROMPT)
    assert shell.status() == 130


def test_the_foreground_goes_back_to_the_shims_group_when_the_child_exits():
    """The shim waits out --grace for a leftover; by then its own group has the terminal."""
    pid, fd = pty.fork()
    if pid == 0:
        argv = shim_cmd(["--grace", "3", "--", "sh", "-c",
                         "(trap '' TERM; echo sta''rted; exec sleep 3) & sleep 0.3; exit 0"])
        os.execvpe(argv[0], argv, clean_env())
    try:
        out = b""
        while b"started" not in out:
            assert select.select([fd], [], [], 5)[0], "the child never started"
            out += os.read(fd, 1024)
        child_group = os.tcgetpgrp(fd)
        assert child_group != pid, "the child never got the foreground"
        assert wait_for(lambda: os.tcgetpgrp(fd) == pid, timeout=3), \
            "the foreground did not come back to the shim's group"
    finally:
        kill_tree(pid)
        os.waitpid(pid, 0)
        os.close(fd)


# --- tini's and dumb-init's habits -----------------------------------------------------

def test_s_is_accepted_with_one_debug_line():
    r = run_shim(["-s", "--", "true"], env=clean_env())
    assert r.returncode == 0 and r.stderr == ""
    r = run_shim(["-s", "-vv", "--", "true"], env=clean_env())
    lines = [ln for ln in r.stderr.splitlines() if "-s:" in ln]
    assert r.returncode == 0 and len(lines) == 1 and "subreaping is automatic" in lines[0]


def test_e_and_remap_exit_lists():
    term = ["--", "sh", "-c", "kill -TERM $$"]
    assert run_shim(["-e", "143"] + term, env=clean_env()).returncode == 0
    assert run_shim(["-e", "3", "-e4", "--", "sh", "-c", "exit 4"],
                    env=clean_env()).returncode == 0
    assert run_shim(["-e", "3", "--", "sh", "-c", "exit 5"], env=clean_env()).returncode == 5
    for code, want in ((143, 0), (2, 0), (3, 3)):
        r = run_shim(["--remap-exit", "143,2", "--", "sh", "-c", f"exit {code}"],
                     env=clean_env())
        assert r.returncode == want, (code, r.stderr)


@pytest.mark.parametrize("how", ["-r", "--rewrite", "env"])
def test_rewrite_forwards_the_target_signal(tmp_path, pid1, how):
    rec = tmp_path / "signals"
    args = ([] if how == "env" else [how, "TERM:QUIT", how, "sigusr1:0", "-r", "HUP:12"])
    env = clean_env(COVENANT_SHIM_REWRITE="TERM:QUIT,SIGUSR1:0,HUP:12") if how == "env" \
        else clean_env()
    p = subprocess.Popen(shim_cmd(args + ["--", helper("sigrecorder"), str(rec)], pid1),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        pid = wait_for(lambda: read_recorded(rec)[0])
        assert pid, "the child never started"
        child = host_pid(p.pid, pid)
        shim = supervisor_pid(p, pid1)
        for sig in (signal.SIGUSR1, signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
            os.kill(shim, sig)
        want = [signal.SIGUSR2, signal.SIGQUIT, signal.SIGINT]
        assert wait_for(lambda: sorted(read_recorded(rec)[1]) == sorted(want), timeout=3), \
            read_recorded(rec)[1]
        os.kill(child, signal.SIGKILL)
        assert p.wait(timeout=5) == 137
    finally:
        kill_tree(p.pid)
        p.wait()


def test_rewrite_reaches_a_child_that_traps_the_target():
    p = subprocess.Popen([SHIM, "-r", "TERM:QUIT", "--", "sh", "-c",
                          "trap 'echo got QUIT; exit 3' QUIT; trap 'echo got TERM; exit 4' TERM;"
                          " echo ready; while :; do sleep 0.05; done"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=clean_env())
    try:
        assert p.stdout.readline() == "ready\n"
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=5) == 3
        assert p.stdout.read() == "got QUIT\n"
    finally:
        p.kill()
        p.wait()


def test_supervisor_moves_to_root_and_the_child_keeps_the_start_directory(tmp_path, pid1):
    p = subprocess.Popen(shim_cmd(["--", "sleep", "100"], pid1), cwd=tmp_path, env=clean_env())
    try:
        shim = supervisor_pid(p, pid1)
        kids = wait_for(lambda: descendants(shim))
        assert kids, "the child never started"
        assert wait_for(lambda: os.readlink(f"/proc/{shim}/cwd") == "/")
        assert os.readlink(f"/proc/{kids[0]}/cwd") == str(tmp_path)
    finally:
        kill_tree(p.pid)
        p.wait()
    # A relative command still runs from the start directory.
    (tmp_path / "app").write_text("#!/bin/sh\npwd\n")
    (tmp_path / "app").chmod(0o755)
    r = run_shim(["--", "./app"], pid1=pid1, cwd=tmp_path, env=clean_env())
    assert r.returncode == 0 and r.stdout == f"{tmp_path}\n"


@pytest.mark.parametrize("args,needle", [
    (["--rewrite", "TERM:NOPE"], '--rewrite: "TERM:NOPE"'),
    (["-r", "NOPE:TERM"], '-r: "NOPE:TERM"'),
    (["-r", "KILL:TERM"], "KILL is never forwarded"),
    (["-r", "STOP:TERM"], "STOP is never forwarded"),
    (["-r", "TERM"], '-r: "TERM" is not FROM:TO'),
    (["-r", "TERM:QUIT:HUP"], '"TERM:QUIT:HUP"'),
    (["-r", ":"], '-r: ":"'),
    (["-e", "300"], '-e: "300"'),
    (["--remap-exit", "143,x"], '--remap-exit: "143,x"'),
])
def test_bad_habits_exit_64_with_one_line(args, needle):
    r = run_shim(args + ["--", "true"], env=clean_env())
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 64 and len(lines) == 1 and needle in lines[0], r.stderr


def test_bad_rewrite_variable_exits_64_naming_it():
    r = run_shim(["--", "true"], env=clean_env(COVENANT_SHIM_REWRITE="TERM:QUIT,9:1"))
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 64 and len(lines) == 1
    assert "COVENANT_SHIM_REWRITE" in lines[0] and "9:1" in lines[0]


def test_help_names_the_habits():
    r = run_shim(["--help"])
    for needle in ("-r, --rewrite", "-e, --remap-exit", "-s, --subreaper",
                   "COVENANT_SHIM_REWRITE"):
        assert needle in r.stdout
