"""The console's sign-in as deployed, in a real browser: the code flow with PKCE against the user
pool's hosted UI, which Playwright stands in for (the pool is not stood up locally), and every
data call carrying the person's ID token."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Route, expect

from leadqual.api_routes import PEOPLE_PREFIX
from leadqual_tools.local.cloud import LocalCloud
from tests.conftest import serving
from tests.e2e.test_console import SHOWN_WITHIN_MS, browser  # noqa: F401 (the module's browser)

HOSTED_UI = "https://sign-in.leadqual.test"
CLIENT_ID = "console-client-test"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _id_token(claims: dict[str, object]) -> str:
    # Shaped as Cognito's (header.payload.signature); API Gateway checks the signature, the page does not.
    return ".".join(_b64url(json.dumps(part).encode()) for part in ({"alg": "RS256"}, claims)) + ".sig"


@pytest.fixture(scope="module")
def signed_in_console() -> Iterator[str]:
    signing_in = LocalCloud(
        review_timeout_seconds=600,
        console_sign_in="cognito",
        sign_in_url=HOSTED_UI,
        sign_in_client_id=CLIENT_ID,
    )
    with signing_in as cloud, serving(cloud) as url:
        yield url


def test_the_console_signs_in_with_the_code_flow_and_pkce_and_sends_the_token(
    browser: Browser,  # noqa: F811
    signed_in_console: str,
) -> None:
    url = signed_in_console
    page = browser.new_page()
    asked: dict[str, list[str]] = {}
    exchanged: dict[str, list[str]] = {}
    token = _id_token(
        {"email": "sam@team.example", "cognito:groups": ["sdr"], "exp": int(time.time()) + 3600}
    )

    def hosted_ui(route: Route) -> None:
        asked.update(parse_qs(urlsplit(route.request.url).query))
        # The person signs in; the hosted UI sends the browser back with a code and the state.
        back = f"{asked['redirect_uri'][0]}?code=the-code&state={asked['state'][0]}"
        route.fulfill(status=302, headers={"Location": back})

    def token_endpoint(route: Route) -> None:
        exchanged.update(parse_qs(route.request.post_data or ""))
        route.fulfill(
            status=200, content_type="application/json", headers={"Access-Control-Allow-Origin": "*"},
            body=json.dumps({"id_token": token, "access_token": "a", "token_type": "Bearer", "expires_in": 3600}),
        )  # fmt: skip

    page.route(f"{HOSTED_UI}/oauth2/authorize*", hosted_ui)
    page.route(f"{HOSTED_UI}/oauth2/token", token_endpoint)
    data_calls = []
    page.on("request", lambda r: data_calls.append(r) if PEOPLE_PREFIX in r.url else None)
    # WHEN an SDR opens a review's link with no session
    page.goto(f"{url}/console/?review=rv_example")
    # THEN the page signs in with the code flow and PKCE (S256), to come back to the console
    expect(page.locator("#signed-in")).to_contain_text("sam@team.example", timeout=SHOWN_WITHIN_MS)
    assert asked["response_type"] == ["code"] and asked["client_id"] == [CLIENT_ID]
    assert asked["code_challenge_method"] == ["S256"] and asked["redirect_uri"] == [f"{url}/console/"]
    assert exchanged["grant_type"] == ["authorization_code"] and exchanged["code"] == ["the-code"]
    verifier = exchanged["code_verifier"][0]
    assert _b64url(hashlib.sha256(verifier.encode()).digest()) == asked["code_challenge"][0]
    # AND the link's review is kept across the sign-in, and the code leaves the address bar
    assert page.url == f"{url}/console/?review=rv_example"
    # AND every data call carries the ID token, for API Gateway's authorizer to check
    expect(page.locator("#queue-count")).not_to_have_text("Loading reviews…", timeout=SHOWN_WITHIN_MS)
    assert data_calls and all(r.headers.get("authorization") == token for r in data_calls)
    page.close()
