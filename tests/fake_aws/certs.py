"""Test TLS material made on the spot with the openssl CLI: a throwaway CA and a server
certificate for 127.0.0.1, localhost and any further DNS names a test asks for (the regional
AWS host names, for tests that resolve them). Keys live only in the caller's temporary
directory."""

import os
import subprocess

CONFIG = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[server_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost{names}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""
EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "7"]


def _openssl(args):
    done = subprocess.run(["openssl"] + args, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {done.stderr.strip()}")


def make_ca(dirpath, names=()):
    """Writes ca.pem, server.pem, server.key (and the CA key) into dirpath and returns the
    paths (ca_pem, cert_pem, key_pem); names: more DNS names for the server certificate.
    EC P-256 keys: about 20 ms in all."""
    os.makedirs(dirpath, exist_ok=True)
    path = lambda name: os.path.join(dirpath, name)  # noqa: E731
    with open(path("openssl.cnf"), "w") as f:
        f.write(CONFIG.format(names="".join(",DNS:" + n for n in names)))
    _openssl(["req", "-x509", "-config", path("openssl.cnf"), "-extensions", "ca_ext"] + EC_KEY +
             ["-subj", "/CN=fake-aws test CA", "-keyout", path("ca.key"), "-out", path("ca.pem")])
    _openssl(["req", "-x509", "-config", path("openssl.cnf"), "-extensions", "server_ext",
              "-CA", path("ca.pem"), "-CAkey", path("ca.key")] + EC_KEY +
             ["-subj", "/CN=fake-aws test server", "-keyout", path("server.key"),
              "-out", path("server.pem")])
    return path("ca.pem"), path("server.pem"), path("server.key")
