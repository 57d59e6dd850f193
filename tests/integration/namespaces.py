"""Scenarios for the shipped binaries in places they will meet: a private network namespace with
its own /etc/hosts, /etc/resolv.conf, a stub DNS server and the emulator on 127.0.0.1:443 under
the real AWS host names; and an otherwise empty root file system. Nothing leaves loopback:
the network namespace has no interface but lo."""
import json
import os
import shlex
import shutil
import subprocess

import pytest

from conftest import RESOLVER, ROOT, SHIM
from fake_aws.auth import DEFAULT_CREDENTIALS
from fake_aws.certs import make_ca

PYTHON = "/usr/bin/python3"
DNS_PY = os.path.join(ROOT, "tests", "fake_aws", "dns.py")
AWS_PY = os.path.join(ROOT, "tests", "fake_aws", "server.py")
REGION = "us-east-1"
AWS_HOSTS = [f"secretsmanager.{REGION}.amazonaws.com", f"ssm.{REGION}.amazonaws.com"]
BUSYBOX = "/bin/busybox"  # Debian's busybox-static
CHROOT = "/usr/sbin/chroot"


# How make linked each binary (make check passes these; static unless told otherwise).
LINK = {SHIM: os.environ.get("SHIM_SUP_LINK", "-static-pie"),
        RESOLVER: os.environ.get("SHIM_RES_LINK", "-static-pie")}


def need_static(*paths):
    for path in paths or (SHIM, RESOLVER):
        if LINK[path] != "-static-pie":
            pytest.skip(f"{os.path.basename(path)} is linked with {LINK[path]} in this build")


def need_root():
    if os.geteuid() != 0:
        pytest.skip("needs root for unshare --net/--mount and chroot")


def tls_for_aws_hosts(dirpath):
    """(ca_pem, cert_pem, key_pem): a server certificate for the regional AWS host names."""
    return make_ca(str(dirpath), names=AWS_HOSTS)


def static_keys_env(**extra):
    """Static keys of the emulator, the region, no endpoint override, no shared config."""
    cred = DEFAULT_CREDENTIALS[0]
    env = {"PATH": "/usr/bin:/bin", "AWS_REGION": REGION,
           "AWS_ACCESS_KEY_ID": cred["access_key_id"],
           "AWS_SECRET_ACCESS_KEY": cred["secret_access_key"],
           "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
    env.update(extra)
    return env


def run_in_netns(workdir, cmd, env, hosts=None, resolv=None, dns=None, store=None, tls=None,
                 timeout=60):
    """Runs cmd (argv) as root in new network, mount and PID namespaces with lo up.
    hosts, resolv: texts bind-mounted over /etc/hosts and /etc/resolv.conf (None: the host's);
    dns: {name: ipv4} for the stub DNS server on 127.0.0.1:53; store (a store dict) and tls
    (make_ca's triple): the emulator on 127.0.0.1:443. Returns (CompletedProcess, the DNS
    queries as dicts, the emulator's request log as dicts)."""
    need_root()
    workdir = str(workdir)
    # `unshare --net` leaves lo down: then 127.0.0.1 is unreachable even when a name resolves
    # (through /etc/hosts), and every connect fails at once.
    lines = ["set -eu", "app_path=$PATH", "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
             "ip link set lo up", "pids=''",
             "trap 'kill $pids 2>/dev/null || true' EXIT"]
    for text, target in ((hosts, "/etc/hosts"), (resolv, "/etc/resolv.conf")):
        if text is not None:
            path = os.path.join(workdir, os.path.basename(target))
            with open(path, "w") as f:
                f.write(text)
            lines.append(f"mount --bind {shlex.quote(path)} {target}")
    ready = []
    if dns is not None:
        argv = [PYTHON, DNS_PY, "--port-file", f"{workdir}/dns.ready", "--log",
                f"{workdir}/dns.log"] + [f"{n}={a}" for n, a in dns.items()]
        lines.append(shlex.join(argv) + " & pids=\"$pids $!\"")
        ready.append(f"{workdir}/dns.ready")
    if store is not None:
        with open(os.path.join(workdir, "store.json"), "w") as f:
            json.dump(store, f)
        argv = [PYTHON, AWS_PY, "--store", f"{workdir}/store.json", "--cert", tls[1],
                "--key", tls[2], "--host", "127.0.0.1", "--port", "443", "--ecs-port", "-1",
                "--log", f"{workdir}/aws.log", "--port-file", f"{workdir}/aws.ready"]
        lines.append(shlex.join(argv) + " >/dev/null & pids=\"$pids $!\"")
        ready.append(f"{workdir}/aws.ready")
    for path in ready:
        lines.append(f"for _ in $(seq 200); do [ -s {shlex.quote(path)} ] && break; "
                     f"sleep 0.05; done; [ -s {shlex.quote(path)} ]")
    lines.append("set +e; PATH=$app_path " + shlex.join(cmd) + "; exit $?")
    script = os.path.join(workdir, "scenario.sh")
    with open(script, "w") as f:
        f.write("\n".join(lines) + "\n")
    done = subprocess.run(["unshare", "--net", "--mount", "--pid", "--fork", "bash", script],
                          capture_output=True, text=True, env=env, timeout=timeout)
    return done, read_jsonl(f"{workdir}/dns.log"), read_jsonl(f"{workdir}/aws.log")


def read_jsonl(path):
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def make_image_root(root, ca_pem=None, hosts="127.0.0.1 localhost\n", resolver=True,
                    bundle="/etc/ssl/certs/ca-certificates.crt"):
    """An otherwise empty root file system: the two binaries in /usr/local/bin (or only the
    supervisor), a CA bundle at a distribution path, /etc/hosts, busybox as the application
    (/bin/sh and /bin/env are links to it), an empty /proc and /tmp. No libraries, no
    nsswitch.conf, no resolv.conf. Returns the root as a string."""
    root = str(root)
    os.makedirs(os.path.join(root, "usr/local/bin"))
    for d in ("bin", "etc", "proc", "tmp"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    shutil.copy(SHIM, os.path.join(root, "usr/local/bin/covenant-shim"))
    if resolver:
        shutil.copy(RESOLVER, os.path.join(root, "usr/local/bin/covenant-shim-resolve"))
    shutil.copy(BUSYBOX, os.path.join(root, "bin/busybox"))
    for applet in ("sh", "env"):
        os.symlink("busybox", os.path.join(root, "bin", applet))
    if ca_pem:
        path = os.path.join(root, bundle.lstrip("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        shutil.copy(ca_pem, path)
    with open(os.path.join(root, "etc/hosts"), "w") as f:
        f.write(hosts)
    return root


def chroot_cmd(root, argv, pid1=True):
    """unshare and chroot, with /proc mounted inside the root as a container has it: argv runs
    as PID 1 of a new PID namespace (pid1) or as a plain child."""
    pid = ["--pid", "--fork"] if pid1 else []
    return ["unshare", "--mount", *pid, f"--mount-proc={root}/proc", CHROOT, root] + argv
