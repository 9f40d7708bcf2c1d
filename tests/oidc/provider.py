"""A real OpenID provider for the single sign-on tests: the npm package oidc-provider, run by
node on loopback (tests/oidc/provider.mjs). `make test-deps` installs it into .cache/oidc.

One provider runs per test session; ``set_account`` changes a person's claims between logins
(the node script reads its configuration file again at every login). ``sign`` signs a token
with the provider's own key, so that tests can present it tokens it never issued.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.parse
from pathlib import Path

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from jwt.algorithms import RSAAlgorithm

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("provider.mjs")
NODE_MODULES = ROOT / ".cache/oidc/node_modules"
CLIENT_ID = "lernpool"
CLIENT_SECRET = "test-only-client-secret"
KID = "test-key"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _private_jwk(key, kid: str) -> dict:
    jwk = json.loads(RSAAlgorithm.to_jwk(key))
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


class TestProvider:
    __test__ = False

    def __init__(self, workdir: Path) -> None:
        if not (NODE_MODULES / "oidc-provider").exists() or not shutil.which("node"):
            raise RuntimeError("oidc-provider is missing: run `make test-deps`.")
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.port = _free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.config_path = workdir / "oidc.json"
        self.config = {
            "clients": [
                {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "redirect_uris": ["http://testserver/"],
                    # Lernpool sends people back to its SITE_URL after the provider's logout.
                    "post_logout_redirect_uris": [f"{settings.LERNPOOL_SITE_URL}/"],
                    "token_endpoint_auth_method": "client_secret_post",
                }
            ],
            "jwks": {"keys": [_private_jwk(self.key, KID)]},
            "accounts": {},
        }
        self._write()
        self.process = subprocess.Popen(
            ["node", str(SCRIPT)],
            env={
                **os.environ,
                "OIDC_PORT": str(self.port),
                "OIDC_CONFIG": str(self.config_path),
                "OIDC_PROVIDER_MODULE": str(NODE_MODULES / "oidc-provider/lib/index.js"),
            },
            cwd=NODE_MODULES.parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self._wait()

    def _write(self) -> None:
        self.config_path.write_text(json.dumps(self.config))

    def _wait(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.process.stdout.read().decode())
            try:
                requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=1)
            except requests.ConnectionError:
                time.sleep(0.1)
            else:
                return
        raise RuntimeError("the test OpenID provider did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def set_account(self, login: str, **claims) -> None:
        self.config["accounts"][login] = {"email_verified": True, **claims}
        self._write()

    def app_settings(self, **lernpool) -> dict:
        """The settings of a SocialApp for this provider."""
        return {
            "server_url": self.issuer,
            "scope": ["openid", "email", "profile", "groups"],
            "lernpool": lernpool,
        }

    def sign(self, claims: dict, *, key=None, kid: str = KID) -> str:
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": kid})

    def log_in(self, authorize_url: str, login: str, amr: str = "pwd") -> str:
        """Go through the provider's login page like a browser; return the address it sends
        the browser back to (Lernpool's callback, with code and state)."""
        session = requests.Session()
        url, data = authorize_url, None
        for _ in range(10):
            if data is None:
                response = session.get(url, allow_redirects=False, timeout=10)
            else:
                response = session.post(url, data=data, allow_redirects=False, timeout=10)
            if response.status_code in (302, 303):
                location = urllib.parse.urljoin(url, response.headers["Location"])
                if not location.startswith(self.issuer):
                    return location
                url, data = location, None
            elif response.status_code == 200 and "/interaction/" in url and data is None:
                data = {"login": login, "amr": amr}
            else:
                raise AssertionError(response.text)
        raise AssertionError("the provider kept redirecting")
