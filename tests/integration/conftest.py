"""Shared fixtures for the integration tests: where the binaries are, and how to run the
supervisor as PID 1 of a fresh PID namespace or as a plain child subreaper."""
import os
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
SHIM = os.path.join(BUILD, "covenant-shim")
RESOLVER = os.path.join(BUILD, "covenant-shim-resolve")
HELPERS = os.path.join(BUILD, "helpers")
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
sys.path.insert(0, os.path.join(ROOT, "tests"))

UNSHARE = ["unshare", "--pid", "--fork", "--mount-proc"]


def helper(name):
    return os.path.join(HELPERS, name)


def shim_cmd(args, pid1=False):
    return (UNSHARE if pid1 else []) + [SHIM] + list(args)


def run_shim(args, pid1=False, timeout=30, env=None, **kw):
    """Run the supervisor to completion; return the CompletedProcess (text mode)."""
    return subprocess.run(shim_cmd(args, pid1), capture_output=True, text=True,
                          timeout=timeout, env=env, **kw)


def clean_env(**extra):
    """An environment with no COVENANT_SHIM_* or AWS_* variables leaking in from outside."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("COVENANT_SHIM_", "AWS_"))}
    env.update(extra)
    return env


def wait_for(pred, timeout=5.0, interval=0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(interval)
    return pred()


def supervisor_pid(proc, pid1):
    """The host PID of the supervisor: the process itself, or unshare's forked child."""
    if not pid1:
        return proc.pid

    def child():
        try:
            with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
                kids = f.read().split()
            return int(kids[0]) if kids else None
        except OSError:
            return None
    return wait_for(child)


def descendants(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = [int(k) for k in f.read().split()]
    except OSError:
        return []
    return kids + [d for k in kids for d in descendants(k)]


def host_pid(ancestor, ns_pid):
    """The host PID of a descendant of `ancestor` known by its PID inside its namespace
    (what a helper running under the PID-1 supervisor reports as its own pid)."""
    for d in descendants(ancestor):
        try:
            with open(f"/proc/{d}/status") as f:
                for line in f:
                    if line.startswith("NSpid:") and int(line.split()[-1]) == ns_pid:
                        return d
        except OSError:
            continue
    raise LookupError(f"no descendant of {ancestor} has namespace pid {ns_pid}")


def read_recorded(path):
    """(pid, [signals]) from a sigrecorder file, or (None, []) before it is ready."""
    try:
        with open(path) as f:
            lines = f.read().split()
    except FileNotFoundError:
        return None, []
    if len(lines) < 2 or lines[0] != "pid":
        return None, []
    return int(lines[1]), [int(x) for x in lines[2:]]


@pytest.fixture(params=[False, True], ids=["subreaper", "pid1"])
def pid1(request):
    return request.param


@pytest.fixture(autouse=True, scope="session")
def _built():
    if not os.access(SHIM, os.X_OK):
        pytest.exit(f"{SHIM} is not built: run make first", returncode=2)
