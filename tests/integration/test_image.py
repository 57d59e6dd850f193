"""Any image (DESIGN.md 3.6): the two binaries copied into an otherwise empty root file system
(a CA bundle at Debian's path, /etc/hosts, busybox-static as the application; no shared
library, no nsswitch.conf) resolve against the emulator and exec the application as PID 1 of
their own PID namespace, as in a container; without the resolver beside it the supervisor says
how to install both."""
import os
import subprocess

import pytest

from conftest import clean_env
from fake_aws.fixture import FakeAWS
from namespaces import BUSYBOX, CHROOT, chroot_cmd, make_image_root, need_root, need_static

SHIM_IN_IMAGE = "/usr/local/bin/covenant-shim"
STORE = {"secrets": {"app/db-url": "postgresql://db.internal:5432/app",
                     "app/keys": {"API_KEY": "k-123", "SIGNING_KEY": "s-456"}},
         "parameters": {"/app/mode": "production"}}
REFS = {"DB_URL": "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-url",
        "API_KEY": "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/keys:API_KEY::",
        "MODE": "arn:aws:ssm:us-east-1:123456789012:parameter/app/mode"}
EXPECTED = {"DB_URL": "postgresql://db.internal:5432/app", "API_KEY": "k-123",
            "MODE": "production"}
# The application: busybox's shell prints what it got, and its PID in the image.
APP = ["/bin/sh", "-c", 'echo "pid=$$"; for v in DB_URL API_KEY MODE; do '
       'eval "echo $v=\\$$v"; done']

pytestmark = pytest.mark.skipif(not os.access(BUSYBOX, os.X_OK),
                                reason="busybox-static is not installed (scripts/install-deps)")


@pytest.fixture(scope="module")
def aws():
    with FakeAWS(STORE) as fake:
        yield fake


def image_env(aws, **extra):
    """The emulator's keys and endpoint (127.0.0.1, no name to resolve), but no AWS_CA_BUNDLE:
    the CA bundle is the image's own."""
    env = clean_env(**aws.env())
    del env["AWS_CA_BUNDLE"]
    env["PATH"] = "/bin"
    env.update(extra)
    return env


def printed(stdout):
    return dict(line.split("=", 1) for line in stdout.splitlines() if "=" in line)


@pytest.fixture
def root(tmp_path, aws):
    need_root()
    need_static()
    return make_image_root(tmp_path / "root", ca_pem=aws.ca_bundle)


def test_resolves_and_execs_the_application_in_an_empty_root(root, aws):
    before = len(aws.requests())
    r = subprocess.run(chroot_cmd(root, [SHIM_IN_IMAGE, "--"] + APP), capture_output=True,
                       text=True, env=image_env(aws, **REFS), timeout=30)
    assert r.returncode == 0, r.stderr
    got = printed(r.stdout)
    assert {k: got.get(k) for k in EXPECTED} == EXPECTED
    assert got["pid"] == "2"  # the supervisor is PID 1; the resolver exec'd the application
    assert len(aws.requests()) > before


def test_exit_status_of_the_application_passes_through(root, aws):
    r = subprocess.run(chroot_cmd(root, [SHIM_IN_IMAGE, "--", "/bin/sh", "-c", "exit 7"]),
                       capture_output=True, text=True, env=image_env(aws, **REFS), timeout=30)
    assert r.returncode == 7, r.stderr


def test_check_report_in_an_empty_root(root, aws):
    r = subprocess.run(chroot_cmd(root, [SHIM_IN_IMAGE, "--check"], pid1=False),
                       capture_output=True, text=True, env=image_env(aws, **REFS), timeout=30)
    assert r.returncode == 0, r.stderr
    rows = {line.split()[0]: line.split()[1] for line in r.stdout.splitlines()[1:]}
    assert rows == {name: "ok" for name in REFS}


def test_version_in_an_empty_root(root):
    r = subprocess.run(chroot_cmd(root, [SHIM_IN_IMAGE, "--version"], pid1=False),
                       capture_output=True, text=True, env=clean_env(PATH="/bin"), timeout=30)
    assert r.returncode == 0, r.stderr
    assert "covenant-shim-resolve" in r.stdout and "libcurl" in r.stdout


def test_without_proc_the_resolver_is_found_in_path(root, aws):
    """No /proc mounted: /proc/self/exe cannot name the supervisor's directory, so the
    resolver is looked up in PATH."""
    env = image_env(aws, PATH="/usr/local/bin:/bin", **REFS)
    r = subprocess.run(["unshare", "--mount", "--pid", "--fork", CHROOT, root, SHIM_IN_IMAGE,
                        "--"] + APP, capture_output=True, text=True, env=env, timeout=30)
    assert r.returncode == 0, r.stderr
    assert printed(r.stdout)["MODE"] == "production"


def test_missing_resolver_in_an_empty_root(tmp_path, aws):
    need_root()
    need_static()
    bare = make_image_root(tmp_path / "bare", ca_pem=aws.ca_bundle, resolver=False)
    r = subprocess.run(chroot_cmd(bare, [SHIM_IN_IMAGE, "--"] + APP), capture_output=True,
                       text=True, env=image_env(aws, **REFS), timeout=30)
    assert r.returncode == 127
    assert 'cannot run the resolver "/usr/local/bin/covenant-shim-resolve"' in r.stderr
    assert "install both" in r.stderr
    assert "DB_URL=" not in r.stdout
