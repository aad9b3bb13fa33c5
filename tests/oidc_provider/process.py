"""Start and stop the test identity provider as a process of its own, on a free local port."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "agency-pw"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class AgencyProvider:
    """An OpenID Connect provider at `issuer`, with one confidential client (PKCE required)."""

    client_id = "critical-minerals"
    client_secret = "test-client-secret-0123456789"

    def __init__(self, data: Path) -> None:
        self.data = data
        self.port = _free_port()
        self.issuer = f"http://127.0.0.1:{self.port}/o"
        self.process: subprocess.Popen | None = None
        self.log = data / "provider.log"
        self.harness_key = secrets.token_urlsafe(24)

    def _environment(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL"}
        }
        env |= {
            "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
            "OIDC_PROVIDER_DATA": str(self.data),
            "OIDC_PROVIDER_ISSUER": self.issuer,
            "OIDC_PROVIDER_HARNESS_KEY": self.harness_key,
            "PYTHONPATH": str(ROOT),
        }
        return env

    def manage(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "django", *args],
            cwd=ROOT,
            env=self._environment(),
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self, *, redirect_uris: list[str]) -> None:
        """Make its database, register the application's client with these redirect URIs, serve."""
        self.manage(
            "provider_setup", "--client-id", self.client_id,
            "--client-secret", self.client_secret, "--redirect-uris", *redirect_uris,
        )  # fmt: skip
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "django",
                    "runserver",
                    "--noreload",
                    "--skip-checks",
                    f"127.0.0.1:{self.port}",
                ],
                cwd=ROOT,
                env=self._environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_until_answering()

    def _wait_until_answering(self) -> None:
        deadline = time.monotonic() + 60
        url = f"{self.issuer}/.well-known/openid-configuration"
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the identity provider stopped: {self.log.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def person(self, username: str, *, groups: list[str], email: str = "") -> None:
        """Create or update a person of the agency, with exactly these groups."""
        self._harness(
            f"people/{username}", {"password": PASSWORD, "email": email, "groups": groups}
        )

    def allow_redirect(self, uri: str) -> None:
        """Allow the application's client to be sent back to `uri` too."""
        self._harness(f"clients/{self.client_id}/redirect-uris", {"uri": uri})

    def _harness(self, path: str, body: dict) -> None:
        request = urllib.request.Request(
            f"{self.issuer.removesuffix('/o')}/{path}",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.harness_key}"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 204, answer.status

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
