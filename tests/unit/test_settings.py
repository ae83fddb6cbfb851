"""Function settings from the environment: a misconfigured variable stops the cold start with its name,
and the console's settings are checked only by the functions that read them."""

from __future__ import annotations

import pytest

from leadqual.console.settings import console_settings_from
from leadqual.resources import Env
from leadqual.settings import SettingsError, settings_from

TABLES: dict[str, str] = {Env.LEADS_TABLE: "leads", Env.SIGNALS_TABLE: "signals"}


def test_the_functions_settings_name_a_misconfigured_variable() -> None:
    with pytest.raises(SettingsError, match="review_timeout_seconds"):
        settings_from({**TABLES, Env.REVIEW_TIMEOUT_SECONDS: "0"})
    with pytest.raises(SettingsError, match="leads_table"):
        settings_from({Env.SIGNALS_TABLE: "signals"})


def test_a_bad_console_address_fails_the_console_settings_not_every_function() -> None:
    environment: dict[str, str] = {
        **TABLES,
        Env.CONSOLE_URL: "javascript:alert(1)",
        Env.CONSOLE_SIGN_IN: "none",
    }

    # The scoring function (and every other that neither serves the console nor e-mails its
    # links) never reads the console's settings, so its cold start does not check them.
    assert settings_from(environment).leads_table == "leads"
    with pytest.raises(SettingsError, match="console_url"):
        console_settings_from(environment)


def test_the_console_settings_default_to_cognito_sign_in() -> None:
    console = console_settings_from({Env.CONSOLE_REFRESH_SECONDS: "30"})

    assert (console.console_sign_in, console.console_refresh_seconds, console.console_url) == (
        "cognito",
        30,
        "",
    )
