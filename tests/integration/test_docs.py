"""The documentation users get with the product: every option of --help in the man page and
the README, the man page renders, `make install` installs it, Dockerfile.example names files
and targets that exist, and no document points outside the repository."""
import os
import re
import subprocess

import pytest

from conftest import ROOT, SHIM

MAN = os.path.join(ROOT, "docs", "covenant-shim.1")


def help_options():
    out = subprocess.run([SHIM, "--help"], capture_output=True, text=True, check=True).stdout
    return sorted(set(re.findall(r"--[a-z][a-z-]+", out)))


def test_every_option_of_help_is_in_the_man_page_and_the_readme():
    man = open(MAN).read().replace("\\-", "-")
    readme = open(os.path.join(ROOT, "README.md")).read()
    options = help_options()
    assert len(options) > 20
    assert [o for o in options if o not in man] == []
    assert [o for o in options if o not in readme] == []


def test_the_man_page_renders():
    try:
        r = subprocess.run(["man", "-l", MAN], capture_output=True,
                           env={**os.environ, "MANWIDTH": "80", "MANPAGER": "cat", "LANG": "C.UTF-8"})
    except FileNotFoundError:
        pytest.skip("man is not installed")
    assert r.returncode == 0, r.stderr
    text = re.sub(r".\x08", "", r.stdout.decode("utf-8", "replace"))
    assert "EXIT STATUS" in text and "--refresh-signal" in text


def test_make_install_installs_both_binaries_and_the_man_page(tmp_path):
    r = subprocess.run(["make", "-s", "install", f"DESTDIR={tmp_path}", "PREFIX=/usr"], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    for path in ("usr/bin/covenant-shim", "usr/bin/covenant-shim-resolve",
                 "usr/share/man/man1/covenant-shim.1"):
        assert (tmp_path / path).exists(), path
    assert os.access(tmp_path / "usr/bin/covenant-shim", os.X_OK)


def test_dockerfile_example_names_what_exists():
    text = open(os.path.join(ROOT, "Dockerfile.example")).read()
    assert re.search(r"^FROM debian:bookworm AS \S+", text, re.M)
    assert "scripts/install-deps --build" in text and os.access(
        os.path.join(ROOT, "scripts", "install-deps"), os.X_OK)
    for name in re.findall(r"/usr/local/bin/(covenant-shim[a-z-]*)", text):
        assert name in ("covenant-shim", "covenant-shim-resolve")
    assert 'ENTRYPOINT ["/usr/local/bin/covenant-shim"' in text
    assert "USER " in text  # the application does not run as root
    # The options the entry point passes are accepted by the shim's own parser.
    entry = re.search(r'ENTRYPOINT \[(.*?)\]', text, re.S).group(1)
    args = [a for a in re.findall(r'"([^"]*)"', entry)][1:]
    r = subprocess.run([SHIM] + args + ["true"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_no_document_points_outside_the_repository():
    for doc in ("README.md", "SECURITY.md", "docs/design.md", "docs/hacking.md", MAN):
        path = os.path.join(ROOT, doc)
        if os.path.exists(path):
            assert "../shared" not in open(path).read(), doc
