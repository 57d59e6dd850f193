"""The supervisor as PID 1 of a fresh PID namespace and as a child subreaper: exit
statuses, signal forwarding, reaping, stopping, terminals, exec and usage errors."""
import os
import pty
import signal
import subprocess
import threading
import time

import pytest

from conftest import (SHIM, clean_env, helper, host_pid, read_recorded, run_shim, shim_cmd,
                      supervisor_pid, wait_for)

NOT_FORWARDED = {signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD, signal.SIGTTIN,
                 signal.SIGTTOU}
FORWARDED = [s for s in range(1, 32) if s not in NOT_FORWARDED]


def start(args, pid1, **kw):
    return subprocess.Popen(shim_cmd(args, pid1), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=clean_env(), **kw)


def wait_ready(path, proc):
    """Wait for a sigrecorder to be ready; return its host PID."""
    pid = wait_for(lambda: read_recorded(path)[0])
    assert pid, "the child never started"
    return host_pid(proc.pid, pid)


def test_exit_statuses_pass_through(pid1):
    script = "; ".join(f"{SHIM} -- sh -c 'exit {i}'; echo $?" for i in range(256))
    cmd = (["unshare", "--pid", "--fork", "--mount-proc"] if pid1 else []) + ["sh", "-c", script]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout.split()
    assert [int(x) for x in out] == list(range(256))


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGABRT,
                                 signal.SIGKILL, signal.SIGUSR1, signal.SIGSEGV, signal.SIGUSR2,
                                 signal.SIGPIPE, signal.SIGALRM, signal.SIGTERM])
def test_killed_by_signal_gives_128_plus_n(sig, pid1):
    r = run_shim(["--", "sh", "-c", f"ulimit -c 0; kill -{int(sig)} $$"], pid1=pid1,
                 env=clean_env())
    assert r.returncode == 128 + sig


def test_every_catchable_signal_reaches_the_child(tmp_path, pid1):
    rec = tmp_path / "signals"
    p = start(["--", helper("sigrecorder"), str(rec)], pid1)
    try:
        child = wait_ready(rec, p)
        shim = supervisor_pid(p, pid1)
        for sig in FORWARDED:
            os.kill(shim, sig)
            assert wait_for(lambda: sig in read_recorded(rec)[1], timeout=3), \
                f"{signal.Signals(sig).name} was not forwarded"
        # Job-control signals for the terminal are tini's: ignored, not forwarded.
        for sig in (signal.SIGTTIN, signal.SIGTTOU):
            os.kill(shim, sig)
        time.sleep(0.2)
        assert read_recorded(rec)[1] == FORWARDED
        assert p.poll() is None, "the supervisor stopped on a job-control signal"
        os.kill(child, signal.SIGKILL)
        assert p.wait(timeout=5) == 137
    finally:
        p.kill()


def test_orphans_are_reaped(pid1):
    r = run_shim(["--", helper("orphans"), "200", "5000"], pid1=pid1, env=clean_env())
    assert r.returncode == 0, r.stdout + r.stderr


def test_group_reaches_a_grandchild_the_child_does_not_forward_to(tmp_path, pid1):
    rec = tmp_path / "signals"
    script = f'trap "" USR1; {helper("sigrecorder")} {rec} & wait'
    for group, expect in ((True, [signal.SIGUSR1]), (False, [])):
        rec.unlink(missing_ok=True)
        p = start((["--group"] if group else []) + ["--", "sh", "-c", script], pid1)
        try:
            grandchild = wait_ready(rec, p)
            os.kill(supervisor_pid(p, pid1), signal.SIGUSR1)
            wait_for(lambda: read_recorded(rec)[1], timeout=1)
            assert read_recorded(rec)[1] == expect
            os.kill(grandchild, signal.SIGKILL)
            p.wait(timeout=5)
        finally:
            p.kill()


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError):
        return False


def test_group_is_stopped_when_the_main_child_exits(tmp_path):
    pidfile = tmp_path / "pid"
    r = run_shim(["--", "sh", "-c", f"sleep 1000 & echo $! > {pidfile}; exit 5"],
                 env=clean_env())
    assert r.returncode == 5
    left = int(pidfile.read_text())
    assert wait_for(lambda: not alive(left), timeout=3), "the leftover sleep still runs"


def test_grace_kills_a_leftover_that_ignores_sigterm(tmp_path):
    pidfile, ready = tmp_path / "pid", tmp_path / "ready"
    t0 = time.monotonic()
    r = run_shim(["--grace", "1", "--", "sh", "-c",
                  # the main child waits until the leftover ignores SIGTERM, or a SIGTERM
                  # that comes first kills it and there is nothing left to wait for
                  f"(trap '' TERM; touch {ready}; exec sleep 1000) & "
                  f"while [ ! -e {ready} ]; do sleep 0.01; done; echo $! > {pidfile}; exit 0"],
                 env=clean_env())
    elapsed = time.monotonic() - t0
    assert r.returncode == 0
    assert 0.9 <= elapsed < 5
    assert wait_for(lambda: not alive(int(pidfile.read_text())), timeout=3)
    assert "SIGKILL" in r.stderr


def test_stop_delay_then_grace_ends_in_sigkill(tmp_path, pid1):
    rec = tmp_path / "signals"
    p = start(["--stop-delay", "1", "--grace", "1", "--", helper("sigrecorder"),
               "--ignore-term", str(rec)], pid1)
    try:
        wait_ready(rec, p)
        t0 = time.monotonic()
        os.kill(supervisor_pid(p, pid1), signal.SIGTERM)
        status = p.wait(timeout=10)
        elapsed = time.monotonic() - t0
        err = p.stderr.read()
    finally:
        p.kill()
    assert status == 137
    assert 1.8 <= elapsed < 4.5, elapsed
    assert "--stop-delay" in err and "forwarded SIGTERM" in err and "SIGKILL" in err


def test_stop_delay_holds_sigterm_back(tmp_path, pid1):
    rec = tmp_path / "signals"
    p = start(["--stop-delay", "1", "--", helper("sigrecorder"), str(rec)], pid1)
    try:
        child = wait_ready(rec, p)
        os.kill(supervisor_pid(p, pid1), signal.SIGTERM)
        time.sleep(0.5)
        assert read_recorded(rec)[1] == [], "SIGTERM arrived before --stop-delay"
        assert wait_for(lambda: read_recorded(rec)[1] == [signal.SIGTERM], timeout=3)
        os.kill(child, signal.SIGKILL)
        p.wait(timeout=5)
    finally:
        p.kill()


def test_remap_exit():
    term = ["--", "sh", "-c", "kill -TERM $$"]
    assert run_shim(["--remap-exit", "143"] + term, env=clean_env()).returncode == 0
    assert run_shim(term, env=clean_env()).returncode == 143
    assert run_shim(["--remap-exit", "143", "--", "sh", "-c", "exit 3"],
                    env=clean_env()).returncode == 3
    env = clean_env(COVENANT_SHIM_REMAP_EXIT="3,143")
    assert run_shim(["--", "sh", "-c", "exit 3"], env=env).returncode == 0


def test_signal_storm_loses_no_exit_status(tmp_path, pid1):
    sent = 0
    for i in range(10):
        rec = tmp_path / f"rec{i}"
        p = start(["--", helper("sigrecorder"), str(rec), "300", str(40 + i)], pid1)
        shim = supervisor_pid(p, pid1)
        wait_ready(rec, p)  # signals before the supervisor blocks them would kill it
        stop = threading.Event()

        def storm():
            nonlocal sent
            while not stop.is_set():
                for sig in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP, signal.SIGWINCH):
                    try:
                        os.kill(shim, sig)
                        sent += 1
                    except ProcessLookupError:
                        return
        t = threading.Thread(target=storm)
        t.start()
        try:
            assert p.wait(timeout=10) == 40 + i
        finally:
            stop.set()
            t.join()
            p.kill()
    assert sent >= 1000


@pytest.mark.parametrize("pid1_mode", [False, True], ids=["subreaper", "pid1"])
def test_ctrl_c_on_a_terminal_reaches_the_child(pid1_mode):
    pid, fd = pty.fork()
    if pid == 0:
        argv = shim_cmd(["--", "sleep", "100"], pid1_mode)
        os.execvpe(argv[0], argv, clean_env())
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            time.sleep(0.2)
            os.write(fd, b"\x03")
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
        else:
            pytest.fail("Ctrl-C never ended the child")
        assert os.waitstatus_to_exitcode(status) == 130
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)


def test_exec_errors(tmp_path, pid1):
    r = run_shim(["--", "no-such-command-here"], pid1=pid1, env=clean_env(), timeout=10)
    assert r.returncode == 127 and "no-such-command-here" in r.stderr
    plain = tmp_path / "not-executable"
    plain.write_text("#!/bin/sh\n")
    r = run_shim(["--", str(plain)], pid1=pid1, env=clean_env(), timeout=10)
    assert r.returncode == 126 and str(plain) in r.stderr


@pytest.mark.parametrize("args,needle", [
    (["--grace", "soon", "--", "true"], '--grace: "soon"'),
    (["--grace", "-1", "--", "true"], "--grace"),
    (["--stop-delay", "1x", "--", "true"], '--stop-delay: "1x"'),
    (["--timeout", "0", "--", "true"], "--timeout"),
    (["--timeout", "2h", "--", "true"], "--timeout"),
    (["--remap-exit", "256", "--", "true"], '--remap-exit: "256"'),
    (["--remap-exit", "x", "--", "true"], "--remap-exit"),
    (["--refresh", "100ms", "--", "true"], "--refresh"),
    (["--log-format", "xml", "--", "true"], '"xml"'),
    (["--print=yaml"], '"yaml"'),
    (["--bogus", "--", "true"], '"--bogus"'),
    (["-Z", "--", "true"], '"-Z"'),
    (["--grace"], "--grace needs a value"),
    (["--check=1"], "--check takes no value"),
    (["--check", "--print"], "exclude"),
    ([], "no command"),
])
def test_usage_errors_exit_64_with_one_line(args, needle):
    r = run_shim(args, env=clean_env())
    assert r.returncode == 64
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], r.stderr


@pytest.mark.parametrize("var,value", [
    ("COVENANT_SHIM_GRACE", "abc"), ("COVENANT_SHIM_GROUP", "maybe"),
    ("COVENANT_SHIM_REMAP_EXIT", "1,x"), ("COVENANT_SHIM_VERBOSITY", "loud"),
    ("COVENANT_SHIM_LOG_FORMAT", "yaml"), ("COVENANT_SHIM_STOP_DELAY", "1y"),
])
def test_bad_environment_values_exit_64_naming_the_variable(var, value):
    r = run_shim(["--", "true"], env=clean_env(**{var: value}))
    assert r.returncode == 64 and var in r.stderr and value in r.stderr


def test_options_win_over_environment():
    env = clean_env(COVENANT_SHIM_GRACE="abc")
    assert run_shim(["--grace", "1", "--", "true"], env=env).returncode == 0
    env = clean_env(COVENANT_SHIM_REMAP_EXIT="3")
    r = run_shim(["--remap-exit", "4", "--", "sh", "-c", "exit 3"], env=env)
    assert r.returncode == 3


def test_help_and_version():
    r = run_shim(["--help"])
    assert r.returncode == 0 and "--task-definition" in r.stdout and "--grace" in r.stdout
    r = run_shim(["-V"])
    assert r.returncode == 0 and r.stdout.startswith("covenant-shim ")


def test_quiet_by_default_and_json_logs():
    r = run_shim(["--", "true"], env=clean_env())
    assert r.returncode == 0 and r.stderr == ""
    r = run_shim(["--log-format", "json", "--", "no-such-command-here"], env=clean_env())
    import json
    rec = json.loads(r.stderr.strip())
    assert rec["level"] == "error" and "no-such-command-here" in rec["msg"]
    assert rec["event"] == "log" and rec["time"].endswith("Z")
    r = run_shim(["-vv", "--", "true"], env=clean_env())
    assert "child" in r.stderr and "debug" in r.stderr
    r = run_shim(["-q", "--", "no-such-command-here"], env=clean_env())
    assert "error" in r.stderr
    r = run_shim(["-qq", "--grace", "1", "--", "sh", "-c", "sleep 100 & exit 0"], env=clean_env())
    assert "info" not in r.stderr


def ctxt_switches(pid):
    with open(f"/proc/{pid}/status") as f:
        fields = dict(line.split(":", 1) for line in f)
    return int(fields["voluntary_ctxt_switches"]) + int(fields["nonvoluntary_ctxt_switches"])


def test_idle_supervisor_never_wakes(pid1):
    p = start(["--", "sleep", "100"], pid1)
    try:
        shim = supervisor_pid(p, pid1)
        time.sleep(0.3)
        before = ctxt_switches(shim)
        time.sleep(1.5)
        assert ctxt_switches(shim) == before
    finally:
        p.kill()


def test_resolver_seam(tmp_path):
    """With a reference in the environment the child execs the resolver with the same
    arguments; report modes exec it in place, without a supervisor."""
    fake = tmp_path / "resolver"
    fake.write_text('#!/bin/sh\necho "pid=$$ ppid=$PPID args=$*"\n')
    fake.chmod(0o755)
    arn = "arn:aws:ssm:us-east-1:123456789012:parameter/x"
    env = clean_env(COVENANT_SHIM_RESOLVER=str(fake), X=arn)
    p = subprocess.run([SHIM, "-g", "--", "app", "arg"], capture_output=True, text=True, env=env)
    assert "args=-g -- app arg" in p.stdout
    fields = dict(kv.split("=") for kv in p.stdout.split()[:2])
    assert int(fields["ppid"]) != os.getpid(), "the resolver must run under the supervisor"
    p = subprocess.run([SHIM, "--check"], capture_output=True, text=True, env=env)
    fields = dict(kv.split("=") for kv in p.stdout.split()[:2])
    assert int(fields["ppid"]) == os.getpid(), "report modes replace the supervisor"
    # Nothing to resolve: the command runs directly, no resolver.
    p = subprocess.run([SHIM, "--", "echo", "direct"], capture_output=True, text=True,
                       env=clean_env(COVENANT_SHIM_RESOLVER=str(fake)))
    assert p.stdout == "direct\n"
    env["COVENANT_SHIM_RESOLVER"] = str(tmp_path / "missing")
    p = subprocess.run([SHIM, "--", "app"], capture_output=True, text=True, env=env)
    assert p.returncode == 127 and "missing" in p.stderr
