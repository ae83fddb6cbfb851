"""The console's settings: how SDRs sign in, how often the inbox refreshes, where review e-mails link.

Apart from `leadqual.settings`, and built on first use, so that only the functions that serve the
console or send those e-mails import, build and check them: the scoring function never does.
"""

from typing import Literal

from pydantic import BaseModel, Field

from leadqual.resources import Env
from leadqual.settings import current_environment, once_per_environment, validated


class ConsoleSettings(BaseModel):
    console_sign_in: Literal["cognito", "none"] = "cognito"
    # How often the review inbox asks for reviews that arrived or left.
    console_refresh_seconds: int = Field(10, ge=1, le=300)
    console_url: str = Field("", max_length=2000, pattern=r"^(https?://\S+)?$")
    sign_in_url: str = Field("", max_length=2000, pattern=r"^(https://\S+)?$")
    sign_in_client_id: str = Field("", max_length=200)


def console_settings_from(environ: dict[str, str]) -> ConsoleSettings:
    raw = {
        "console_sign_in": environ.get(Env.CONSOLE_SIGN_IN, "cognito"),
        "console_refresh_seconds": environ.get(Env.CONSOLE_REFRESH_SECONDS, 10),
        "console_url": environ.get(Env.CONSOLE_URL, ""),
        "sign_in_url": environ.get(Env.SIGN_IN_URL, ""),
        "sign_in_client_id": environ.get(Env.SIGN_IN_CLIENT_ID, ""),
    }
    return validated(ConsoleSettings, raw)


@once_per_environment
def current_console_settings() -> ConsoleSettings:
    return console_settings_from(current_environment().variables)
