"""The API function serves exactly the routes of the table API Gateway is made from; docs/api.md and
the generated docs/openapi.json list them with their auth."""

import json
import re
from pathlib import Path

from leadqual.api.app import build_app, openapi_document
from leadqual.api_routes import ROUTES, Auth

app = build_app()
REPO = Path(__file__).resolve().parents[2]


def test_the_resolver_serves_every_route_of_the_table_and_no_other() -> None:
    registered = {(r.method, r.path) for r in app._static_routes + app._dynamic_routes}
    assert registered == {(r.method, r.resolver_path) for r in ROUTES}


def test_each_route_is_registered_with_its_summary_for_the_openapi_document() -> None:
    summaries = {(r.method, r.path): r.summary for r in app._static_routes + app._dynamic_routes}
    assert all(summaries[(r.method, r.resolver_path)] == r.summary for r in ROUTES)


def test_the_api_document_lists_every_route_with_its_auth() -> None:
    document = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    table = document.split("## Who calls what", 1)[1].split("\n## ", 1)[0]
    listed: dict[tuple[str, str], Auth] = {}
    for row in table.splitlines():
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        if len(cells) != 3 or not cells[1].startswith("`"):
            continue
        auth = next(
            (auth for prefix, auth in (("API key", Auth.API_KEY), ("none", Auth.PUBLIC), ("Cognito", Auth.COGNITO),
                                       ("the vendor's signature", Auth.VENDOR_SIGNED),
                                       ("leadqual's signed link", Auth.SIGNED_LINK))
             if cells[2].startswith(prefix)),
            Auth.IAM,
        )  # fmt: skip
        for method, path in re.findall(r"`([A-Z]+) (/[^`?]*)`", cells[1]):
            listed[(method, path)] = auth
    assert listed == {(r.method, r.path): r.auth for r in ROUTES}


def test_docs_openapi_json_is_the_document_the_routes_generate() -> None:
    committed = json.loads((REPO / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert committed == openapi_document(), "docs/openapi.json is stale: run `make openapi` and commit it"


def test_the_openapi_document_gives_each_route_its_auth_success_and_error_shape() -> None:
    paths = openapi_document()["paths"]
    # The console's files are not part of the JSON contract, and only they are left out.
    assert {r.path for r in ROUTES if not r.in_contract} == {
        p for p in {r.path for r in ROUTES} if p.startswith("/console")
    }
    assert not any(path.startswith("/console") for path in paths)
    for route in (r for r in ROUTES if r.in_contract):
        operation = paths[route.path][route.method.lower()]
        if route.auth is Auth.SIGNED_LINK:  # the link in the path is the credential: no scheme to name
            assert "security" not in operation
        else:
            assert operation["security"] == [{route.auth.value: []}]
        assert str(route.success) in operation["responses"]
        refused = operation["responses"]["422"]["content"]["application/json"]["schema"]
        assert refused == {"$ref": "#/components/schemas/ErrorBody"}
