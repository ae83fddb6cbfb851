"""Credentials for the CRMs and Slack: from Secrets Manager in AWS, from environment variables locally.

Read when first needed and kept for the execution environment; read again (`fresh`) after the CRM
refuses a token, since the secret may have been rotated. Never logged: only the secret's name is.
"""

from __future__ import annotations

import json
import os
import threading

from leadqual.adapters.aws_clients import client


class MissingCredential(RuntimeError):
    pass


class Credentials:
    def __init__(self, from_secrets: bool):
        self.from_secrets = from_secrets
        self._cache: dict[str, str] = {}
        self._lock = threading.Lock()

    def read(self, secret: str, env: str, key: str | None = None, fresh: bool = False) -> str:
        """The credential: secret `secret` (its JSON `key`, if given) or environment variable `env`."""
        if not self.from_secrets:
            value = os.environ.get(env, "")
            if not value:
                raise MissingCredential(f"environment variable {env} is not set")
            return value
        with self._lock:
            if fresh or secret not in self._cache:
                self._cache[secret] = client("secretsmanager").get_secret_value(SecretId=secret)[
                    "SecretString"
                ]
            text = self._cache[secret]
        if key is None:
            return text
        value = json.loads(text).get(key)
        if not value:
            raise MissingCredential(f"secret {secret} has no {key!r}")
        return str(value)
