"""The local kit (examples/covenant-connect/compose.yaml) checked for what can be checked without
docker: it parses as YAML (Debian's python3-yaml), every file it mounts exists, every path the
shim's options name inside a container is mounted from a file that exists, every entrypoint's
shim options pass the shim's own option parser, and the offline services' options check the
example task definitions against the example store."""
import os
import re
import subprocess

import pytest

from conftest import RESOLVER, ROOT, SHIM, clean_env

yaml = pytest.importorskip("yaml", reason="python3-yaml is not installed (scripts/install-deps)")

EXAMPLE = os.path.join(ROOT, "examples", "covenant-connect")
COMPOSE = os.path.join(EXAMPLE, "compose.yaml")
VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def interpolate(s, home="/home/dev"):
    """Compose's ${VAR} and ${VAR:-default}, with the defaults (HOME: a stand-in)."""
    return VAR.sub(lambda m: home if m.group(1) == "HOME" else (m.group(2) or ""), s)


@pytest.fixture(scope="module")
def compose():
    with open(COMPOSE) as f:
        doc = yaml.safe_load(f)
    assert isinstance(doc, dict) and isinstance(doc.get("services"), dict)
    return doc


def shim_services(doc):
    return {name: s for name, s in doc["services"].items()
            if s.get("entrypoint") and os.path.basename(s["entrypoint"][0]) == "covenant-shim"}


def mounts(service):
    """container path -> host path (relative sources resolved against the compose file)."""
    out = {}
    for v in service.get("volumes", []):
        src, dst = interpolate(v).split(":")[:2]
        out[dst] = src if os.path.isabs(src) else os.path.normpath(os.path.join(EXAMPLE, src))
    return out


def shim_words(service):
    """The shim's own options in the entrypoint, up to "--"."""
    words = [interpolate(w) for w in service["entrypoint"][1:]]
    return words[:words.index("--")] if "--" in words else words


def host_path(service, path):
    for dst, src in sorted(mounts(service).items(), key=lambda kv: -len(kv[0])):
        if path == dst or path.startswith(dst.rstrip("/") + "/"):
            return src + path[len(dst):]
    return None


def test_the_kit_has_what_the_issue_asks_for(compose):
    services = compose["services"]
    assert {"web", "worker", "web-offline", "worker-offline", "localstack"} <= set(services)
    shims = shim_services(compose)
    assert all(s["entrypoint"][0] == "/usr/local/bin/covenant-shim" for s in shims.values())
    assert "--profile" in shims["web"]["entrypoint"] and "--profile" in shims["worker"]["entrypoint"]
    assert "--store" in shims["web-offline"]["entrypoint"]
    aws_mounts = [v for v in shims["web"]["volumes"] if v.startswith("${HOME}/.aws:")]
    assert aws_mounts and aws_mounts[0].endswith(":ro")  # config, credentials, SSO cache
    assert services["localstack"].get("profiles") and services["web-offline"].get("profiles")
    endpoints = [s.get("environment", {}).get("AWS_ENDPOINT_URL") for s in services.values()]
    assert "http://localstack:4566" in endpoints


def test_mounted_files_exist(compose):
    for name, s in shim_services(compose).items():
        for dst, src in mounts(s).items():
            if src.startswith("/home/dev/"):
                continue  # the developer's ~/.aws
            assert os.path.exists(src), f"{name}: {src} (mounted at {dst}) does not exist"


def test_paths_named_by_the_shim_options_are_mounted(compose):
    for name, s in shim_services(compose).items():
        words = shim_words(s)
        for opt, value in zip(words, words[1:]):
            if opt in ("-t", "--task-definition", "--store", "--env-file"):
                p = host_path(s, value)
                assert p and os.path.isfile(p), f"{name}: {opt} {value} is not a mounted file"


def test_entrypoint_options_pass_the_shims_parser(compose):
    for name, s in shim_services(compose).items():
        r = subprocess.run([SHIM] + shim_words(s) + ["--version"], capture_output=True,
                           text=True, env=clean_env(), timeout=10)
        assert r.returncode == 0, f"{name}: {r.stderr}"
        assert "covenant-shim" in r.stdout
    # the parser does refuse what it does not know: the check above can fail
    r = subprocess.run([SHIM, "--proflie", "dev", "--version"], capture_output=True, text=True,
                       env=clean_env(), timeout=10)
    assert r.returncode == 64


@pytest.mark.skipif(not os.access(RESOLVER, os.X_OK), reason="covenant-shim-resolve is not built")
def test_offline_services_check_clean(compose):
    for name in ("web-offline", "worker-offline"):
        s = compose["services"][name]
        words = shim_words(s)
        args = [host_path(s, w) if w.startswith("/app/") else w for w in words]
        r = subprocess.run([SHIM] + args + ["--check"], capture_output=True, text=True,
                           env=clean_env(), timeout=30)
        assert r.returncode == 0, f"{name}: {r.stdout}{r.stderr}"
        assert len(r.stdout.splitlines()) >= 23  # header and the 22 variables
