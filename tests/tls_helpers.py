"""A self-signed certificate for 127.0.0.1, made with openssl, for tests of TLS checks."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest


async def loopback_certificate(folder: Path) -> tuple[Path, ssl.SSLContext]:
    """A new certificate for 127.0.0.1 (valid one day; skips the test without openssl):
    the certificate file, which a client may trust, and a server context that presents it."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a certificate")
    key, cert = folder / "key.pem", folder / "cert.pem"
    await asyncio.to_thread(
        subprocess.run,
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    served.load_cert_chain(cert, key)
    return cert, served
