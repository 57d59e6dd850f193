#!/usr/bin/env python3
"""A stand-in for Covenant Connect's background worker (`python scripts/worker.py`).

It checks that every variable of the runbook is present, prints their names (never their
values) and a short fingerprint of the whole set, then works until SIGTERM, when it
finishes its current job and exits 0, as a well-behaved ECS worker does."""
import hashlib
import os
import signal
import sys
import time

REQUIRED = """DATABASE_URL SECRET_KEY ENVIRONMENT FLASK_ENV SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY REMEMBER_COOKIE_SECURE SESSION_COOKIE_SAMESITE PREFERRED_URL_SCHEME
SERVER_NAME MAIL_SERVER MAIL_PORT MAIL_USE_TLS MAIL_USERNAME MAIL_PASSWORD MAIL_DEFAULT_SENDER
REDIS_URL PAYSTACK_SECRET_KEY FINCRA_SECRET_KEY STRIPE_SECRET_KEY FLUTTERWAVE_SECRET_KEY
CORS_ORIGINS""".split()

stopping = False


def on_term(signum, frame):
    global stopping
    stopping = True


def main():
    missing = [name for name in REQUIRED if name not in os.environ]
    if missing:
        print(f"worker: missing configuration: {', '.join(missing)}", file=sys.stderr)
        return 78
    digest = hashlib.sha256()
    for name in REQUIRED:
        digest.update(f"{name}={os.environ[name]}\0".encode())
    print(f"worker: pid {os.getpid()}, {len(REQUIRED)} variables present "
          f"(ENVIRONMENT={os.environ['ENVIRONMENT']}), fingerprint {digest.hexdigest()[:12]}",
          flush=True)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    once = "--once" in sys.argv
    jobs = 0
    while not stopping and not (once and jobs):
        jobs += 1  # a real worker would pull a job from Redis here
        time.sleep(0 if once else 0.2)
    print(f"worker: stopping cleanly after {jobs} polls", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
