"""Regional host names resolved as the image configures them (DESIGN.md 3.6), with no endpoint
override: through DNS (a stub server on loopback) and through /etc/hosts, in a private network
namespace where the emulator answers on 127.0.0.1:443 under the real AWS host names, for the
host's root and for an otherwise empty one. The static resolver's getaddrinfo is glibc's with
the files and dns sources built in: these tests are what shows that it is enough."""
import pytest

from conftest import RESOLVER, SHIM
from namespaces import (AWS_HOSTS, REGION, make_image_root, need_static, run_in_netns,
                        static_keys_env, tls_for_aws_hosts)

ACCOUNT = "123456789012"
STORE = {"secrets": {"app/db-url": "postgresql://db.internal:5432/app"},
         "parameters": {"/app/mode": "production"}}
EXPECTED = {"DB_URL": "postgresql://db.internal:5432/app", "MODE": "production"}
REFS = {"DB_URL": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:app/db-url",
        "MODE": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/app/mode"}
AT_HOME = {name: "127.0.0.1" for name in AWS_HOSTS}
HOSTS_WITHOUT = "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n"
HOSTS_WITH = HOSTS_WITHOUT + "".join(f"127.0.0.1 {name}\n" for name in AWS_HOSTS)


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return tls_for_aws_hosts(tmp_path_factory.mktemp("tls"))


def app_env(stdout):
    """The application is env(1): what it printed, as a dict."""
    return dict(line.split("=", 1) for line in stdout.splitlines() if "=" in line)


def check_resolved(done, requests):
    assert done.returncode == 0, done.stderr
    got = app_env(done.stdout)
    assert {k: got.get(k) for k in EXPECTED} == EXPECTED
    # The calls reached the emulator under the regional names: no override was at work.
    assert sorted(r["host"] for r in requests if r.get("op")) == sorted(AWS_HOSTS)


def queried(queries, qtype="A"):
    """The AWS host names asked for with this record type."""
    return sorted({q["name"] for q in queries if q["type"] == qtype and q["name"] in AWS_HOSTS})


@pytest.mark.parametrize("resolv", [
    "nameserver 127.0.0.1\n",
    # As in a Kubernetes pod: search domains tried first (ndots:5), short timeouts.
    "search app.svc.cluster.local svc.cluster.local\nnameserver 127.0.0.1\n"
    "options ndots:5 timeout:1 attempts:1\n",
], ids=["plain", "search-ndots"])
def test_names_resolve_through_dns(tmp_path, tls, resolv):
    done, queries, requests = run_in_netns(
        tmp_path, [SHIM, "--", "/usr/bin/env"], static_keys_env(AWS_CA_BUNDLE=tls[0], **REFS),
        hosts=HOSTS_WITHOUT, resolv=resolv, dns=AT_HOME, store=STORE, tls=tls)
    check_resolved(done, requests)
    assert queried(queries) == sorted(AWS_HOSTS)
    if "search" in resolv:  # resolv.conf's options were read: the search list came first
        assert f"{AWS_HOSTS[0]}.app.svc.cluster.local" in {q["name"] for q in queries}
    # The stub answers AAAA with no records (as AWS's DNS does for these names): a stub that
    # left AAAA unanswered would hold getaddrinfo for the resolver's timeout in any build.
    assert queried(queries, "AAAA") == sorted(AWS_HOSTS)


def test_names_resolve_through_etc_hosts_before_dns(tmp_path, tls):
    done, queries, requests = run_in_netns(
        tmp_path, [SHIM, "--", "/usr/bin/env"], static_keys_env(AWS_CA_BUNDLE=tls[0], **REFS),
        hosts=HOSTS_WITH, resolv="nameserver 127.0.0.1\n", dns={}, store=STORE, tls=tls)
    check_resolved(done, requests)
    assert not [q for q in queries if q["name"] in AWS_HOSTS], queries


def test_unknown_name_is_a_clear_failure(tmp_path, tls):
    done, queries, requests = run_in_netns(
        tmp_path, [RESOLVER, "--check"], static_keys_env(AWS_CA_BUNDLE=tls[0], **REFS),
        hosts=HOSTS_WITHOUT, resolv="nameserver 127.0.0.1\n", dns={}, store=STORE, tls=tls)
    assert done.returncode == 69, done.stderr
    assert "Could not resolve host: secretsmanager.us-east-1.amazonaws.com" in done.stderr
    assert not requests


@pytest.mark.parametrize("source", ["dns", "hosts"])
def test_names_resolve_in_an_empty_root(tmp_path, tls, source):
    """The image has nothing but the binaries, /etc/hosts, resolv.conf and a CA bundle: no
    nsswitch.conf (glibc 2.35 and later then reads files, then DNS), no shared library."""
    need_static()
    root = make_image_root(tmp_path / "root", ca_pem=tls[0],
                           hosts=HOSTS_WITH if source == "hosts" else HOSTS_WITHOUT)
    with open(f"{root}/etc/resolv.conf", "w") as f:
        f.write("nameserver 127.0.0.1\n")
    cmd = ["bash", "-c", 'mount -t proc proc "$0/proc" && exec /usr/sbin/chroot "$0" "$@"', root,
           "/usr/local/bin/covenant-shim", "--", "/bin/env"]
    done, queries, requests = run_in_netns(
        tmp_path, cmd, static_keys_env(PATH="/bin", **REFS),
        dns=AT_HOME if source == "dns" else {}, store=STORE, tls=tls)
    check_resolved(done, requests)
    assert queried(queries) == (sorted(AWS_HOSTS) if source == "dns" else [])

