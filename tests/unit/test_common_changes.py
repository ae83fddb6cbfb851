"""The files each common change touches (docs/architecture.md), derived where a test can: what
follows from one source must not be spelled anywhere else."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import re
from pathlib import Path

from leadqual import api_routes, resources
from leadqual.api import routes as api_route_modules
from leadqual.api.app import build_app
from leadqual.domain.features import kinds
from leadqual.domain.features.kinds.base import FeatureKind
from leadqual.domain.schemas.vocabulary import RouteAction

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "functions" / "leadqual"


def _spelled_in(folder: Path, pattern: str) -> set[str]:
    found = re.compile(pattern)
    return {
        str(path.relative_to(REPO))
        for path in folder.rglob("*.py")
        if found.search(path.read_text(encoding="utf-8"))
    }


def test_a_routing_action_is_named_in_the_enum_and_the_policy_only_and_its_resources_follow() -> None:
    # Its queue and DLQ are named from the enum, so the stack, the functions' settings and the
    # local mode all have one for each action
    queues = {resources.action_queue_name(action) for action in RouteAction}
    assert len(queues) == len(RouteAction)
    values = "|".join(re.escape(action.value) for action in RouteAction)
    assert _spelled_in(REPO / "infra", rf"[\"']({values})[\"']") == set()
    for folder in ("adapters", "api"):
        assert _spelled_in(SHIPPED / folder, rf"[\"']({values})[\"']") == set(), folder
    assert "resources.py" not in {Path(p).name for p in _spelled_in(SHIPPED, rf"[\"']({values})[\"']")}


def test_a_feature_kind_is_its_module_and_its_line_in_the_registry() -> None:
    defined = set()
    for module in pkgutil.iter_modules(kinds.__path__):
        loaded = importlib.import_module(f"{kinds.__name__}.{module.name}")
        defined |= {
            cls for _, cls in inspect.getmembers(loaded, inspect.isclass)
            if issubclass(cls, FeatureKind) and cls is not FeatureKind and cls.__module__ == loaded.__name__
        }  # fmt: skip
    kinds_of_their_own = {
        cls for cls in defined if not any(other is not cls and issubclass(other, cls) for other in defined)
    }
    assert {type(kind) for kind in kinds.KINDS.values()} == kinds_of_their_own


def test_an_api_route_is_its_line_in_the_table_and_its_handler_in_its_domains_router() -> None:
    # Every router module of api/routes is included in the app, and the app serves the table
    domains = [m.name for m in pkgutil.iter_modules(api_route_modules.__path__)]
    app_source = (SHIPPED / "api" / "app.py").read_text(encoding="utf-8")
    assert all(re.search(rf"\b{domain}\b", app_source) for domain in domains), domains
    app = build_app()
    registered = {(r.method, r.path) for r in app._static_routes + app._dynamic_routes}
    assert registered == {(r.method, r.resolver_path) for r in api_routes.ROUTES}
    # and API Gateway is made from the same table: infra spells no path of its own
    assert (
        _spelled_in(REPO / "infra", r"[\"']/(leads|reviews|events|intent|accounts|reports|policy|console)\b")
        == set()
    )


def test_the_review_timeout_is_set_in_one_place() -> None:
    # No other module gives a review timeout a value of its own: they read resources'
    assert resources.DEFAULT_REVIEW_TIMEOUT_SECONDS == 24 * 3600
    assert _spelled_in(SHIPPED, r"review_timeout\w*\s*(:\s*int\s*)?=\s*\d") == set()
    assert _spelled_in(REPO / "infra", r"review_?timeout\w*\s*(:\s*int\s*)?=\s*\d") == set()
    context = json.loads((REPO / "cdk.json").read_text(encoding="utf-8"))["context"]
    assert context["leadqual:reviewTimeoutSeconds"] == ""  # empty: the default from resources.py
