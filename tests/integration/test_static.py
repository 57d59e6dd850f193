"""The shipped form: both executables static PIE with the hardening of the house style (the
supervisor built against musl, the resolver against glibc), the libraries inside the resolver
reported by --version, and a supervisor copied without its resolver saying so (exit 127, how
to install both)."""
import os
import re
import shutil
import subprocess

import pytest

from conftest import RESOLVER, SHIM, clean_env
from namespaces import LINK, need_static

BINARIES = pytest.mark.parametrize("path", [SHIM, RESOLVER], ids=["supervisor", "resolver"])


def readelf(path, *flags):
    return subprocess.run(["readelf", "-W", *flags, path], capture_output=True, text=True,
                          check=True).stdout


@BINARIES
def test_binary_is_static_pie_and_hardened(path):
    need_static(path)
    header = readelf(path, "-h")
    segments = readelf(path, "-l")
    dynamic = readelf(path, "-d")
    assert re.search(r"Type:\s+DYN", header), "not position-independent"
    assert "INTERP" not in segments, "asks for a dynamic loader"
    assert "(NEEDED)" not in dynamic, "needs shared libraries: " + dynamic
    assert "GNU_RELRO" in segments
    assert re.search(r"\(FLAGS_1\).*\bNOW\b", dynamic) and re.search(r"\(FLAGS_1\).*\bPIE\b",
                                                                       dynamic)
    stack = [line for line in segments.splitlines() if "GNU_STACK" in line]
    assert stack and "RWE" not in stack[0], "executable stack"
    assert "static-pie linked" in subprocess.run(["file", "-b", path], capture_output=True,
                                                 text=True).stdout


def symbols(path):
    return subprocess.run(["nm", path], capture_output=True, text=True, check=True).stdout


@BINARIES
def test_built_with_stack_protector(path):
    assert "__stack_chk_fail" in symbols(path)


def test_resolver_built_with_fortify():
    """glibc's _FORTIFY_SOURCE checks; musl has none, so the supervisor has only the rest."""
    assert re.search(r"__\w+_chk\b", symbols(RESOLVER).replace("__stack_chk_fail", "")), \
        "no _FORTIFY_SOURCE checked function linked in"


def test_static_supervisor_is_built_against_musl():
    """glibc's start-up probes the CPU (dozens of CPUID instructions, each a trap to the
    hypervisor in a VM such as Fargate's); the static supervisor is built against musl, which
    probes nothing: no glibc CPU-feature table, musl's libc initialisation instead."""
    need_static(SHIM)
    names = symbols(SHIM)
    assert "_dl_x86_cpu_features" not in names and "handle_amd" not in names
    assert re.search(r"\s__init_libc$", names, re.M), "not musl's start-up"


def test_supervisor_links_no_tls_or_http_code():
    names = symbols(SHIM)
    for prefix in ("curl_", "SSL_", "EVP_", "json_"):
        assert not re.search(rf"\s{prefix}\w+", names), f"the supervisor links {prefix}*"


def test_version_reports_the_libraries_inside_the_resolver():
    r = subprocess.run([SHIM, "--version"], capture_output=True, text=True, env=clean_env(),
                       timeout=10)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert re.fullmatch(r"covenant-shim \d+\.\d+\.\d+", lines[0])
    assert re.fullmatch(r"covenant-shim-resolve \d+\.\d+\.\d+ \((static|shared)\)", lines[1])
    text = "\n".join(lines[2:])
    assert re.search(r"libcurl \d+\.\d+\.\d+", text)
    assert re.search(r"TLS OpenSSL/3\.", text)
    assert re.search(r"^  OpenSSL 3\.\d+\.\d+", text, re.M)
    assert re.search(r"^  jansson \d+\.\d+", text, re.M)
    if LINK[RESOLVER] == "-static-pie":
        assert "(static)" in lines[1]
        # Built from Debian's curl source with HTTP and HTTPS only.
        assert re.search(r"libcurl [\d.]+ \(Debian [^)]+\), protocols: http https, TLS", text)


@pytest.fixture
def lonely_shim(tmp_path):
    """The supervisor copied into a directory of its own, as when an image copies only it."""
    path = tmp_path / "covenant-shim"
    shutil.copy(SHIM, path)
    return str(path)


@pytest.mark.parametrize("args", [
    ["--region", "us-east-1", "--store", "/nonexistent.json", "--", "/bin/true"],
    ["--check", "--store", "/nonexistent.json"],
    ["--version"],
], ids=["supervised", "report", "version"])
def test_missing_resolver_says_how_to_install_both(lonely_shim, args):
    r = subprocess.run([lonely_shim] + args, capture_output=True, text=True, env=clean_env(),
                       timeout=10)
    missing = os.path.join(os.path.dirname(lonely_shim), "covenant-shim-resolve")
    assert r.returncode == 127
    assert f'cannot run the resolver "{missing}"' in r.stderr
    assert "install both" in r.stderr and "copy both files" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_missing_resolver_named_by_the_environment(lonely_shim, tmp_path):
    named = str(tmp_path / "elsewhere" / "resolve")
    env = clean_env(COVENANT_SHIM_RESOLVER=named)
    r = subprocess.run([lonely_shim, "--store", "/x.json", "--", "/bin/true"],
                       capture_output=True, text=True, env=env, timeout=10)
    assert r.returncode == 127 and f'"{named}"' in r.stderr and "install both" in r.stderr
