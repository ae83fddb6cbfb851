"""Every route of the HTTP API, written once.

The API function registers each handler from this table (`api/routes/`), and CDK makes API
Gateway's resources and methods, each with its auth, from the same table
(`infra/leadqual_infra/api.py`): a route cannot exist in one and not in the other. Pure data, so
the CDK app imports it without the handler's libraries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Auth(StrEnum):
    # Form handlers on websites: an API key, on a throttled usage plan.
    API_KEY = "api_key"
    # RevOps, SDR tools and CRM sync: requests signed (SigV4) as an IAM principal, who is then
    # the reviewer of record for a decision.
    IAM = "iam"
    # The console's files (leadqual.console): HTML shells, scripts and styles that hold no data.
    # Every call they make for data carries the person's credentials like any other caller's.
    PUBLIC = "public"
    # People signed in to the console: a Cognito user pool's ID token, which API Gateway checks;
    # the API then checks the person's groups (`Group`) and records them as the reviewer.
    COGNITO = "cognito"
    # A vendor's webhook (HubSpot): open at API Gateway, every request's signature checked by the
    # function against the app's secret before anything is done.
    VENDOR_SIGNED = "vendor_signed"
    # A link leadqual signed (an e-mail's acknowledge link): open at API Gateway, the link itself
    # the credential, checked by the function (signature, expiry, used once).
    SIGNED_LINK = "signed_link"


class Group(StrEnum):
    """The console's user-pool groups: SDRs decide their queue's reviews, team leads and managers
    any review (the policy's `reviewers` says whose queue a review is in); RevOps read the reports
    and the policy, as do leads and managers."""

    SDR = "sdr"
    REVOPS = "revops"
    LEAD = "lead"
    MANAGER = "manager"


# The console calls the routes people use under this prefix, with the person's token; the routes
# themselves keep their callers and auth (IAM), so machine callers are unchanged.
PEOPLE_PREFIX = "/console/api"


@dataclass(frozen=True)
class ApiRoute:
    method: str
    # API Gateway's form, with {name} for a path parameter.
    path: str
    auth: Auth
    summary: str
    # The status of a success: 202 where the work goes on after the answer.
    success: int = 200
    # In docs/openapi.json: every route of the JSON API; not the console's pages and files.
    in_contract: bool = True
    # People's groups that may call the route from the console (under PEOPLE_PREFIX); none: the
    # console does not call it.
    groups: tuple[Group, ...] = ()
    # What a POST or PUT body is: JSON, or (Slack's interactions) a form's `payload=`.
    body: str = "application/json"

    def for_people(self) -> ApiRoute:
        """The same route as the console calls it: under PEOPLE_PREFIX, signed in (Cognito)."""
        return ApiRoute(
            self.method, PEOPLE_PREFIX + self.path, Auth.COGNITO, self.summary, self.success,
            in_contract=False, groups=self.groups,
        )  # fmt: skip

    @property
    def resolver_path(self) -> str:
        """The path as Powertools' resolver writes it (<name> for a path parameter)."""
        return re.sub(r"\{(\w+)\}", r"<\1>", self.path)

    def serves(self, path: str) -> bool:
        """Whether a request path is this route's (any value in each path parameter)."""
        return re.fullmatch(re.sub(r"\{\w+\}", "[^/]+", self.path), path) is not None


SUBMIT_LEAD = ApiRoute("POST", "/leads", Auth.API_KEY, "Submit a lead from a form", success=202)
POST_EVENTS = ApiRoute("POST", "/events", Auth.API_KEY, "Record first-party behaviour events", success=202)
EVERYONE = tuple(Group)
DECIDERS = (Group.SDR, Group.LEAD, Group.MANAGER)
OVERSEERS = (Group.REVOPS, Group.LEAD, Group.MANAGER)
GET_LEAD = ApiRoute(
    "GET", "/leads/{lead_id}", Auth.IAM, "A lead: status, scores, reasons, route and history", groups=EVERYONE
)
EXPLAIN_RULES = ApiRoute(
    "GET",
    "/leads/{lead_id}/rules",
    Auth.IAM,
    "Every routing rule tried on a lead, each condition against its value",
    groups=EVERYONE,
)
REPORT_OUTCOME = ApiRoute(
    "POST",
    "/leads/{lead_id}/outcome",
    Auth.IAM,
    "Report what became of a lead, or that it was misrouted",
    success=202,
)
POST_INTENT = ApiRoute("POST", "/intent", Auth.IAM, "Record third-party account intent", success=202)
PUT_ACCOUNT = ApiRoute("PUT", "/accounts/{domain}", Auth.IAM, "Create or replace an account's profile")
LIST_REVIEWS = ApiRoute(
    "GET", "/reviews", Auth.IAM, "Pending reviews, the soonest due first", groups=EVERYONE
)
DECIDE_REVIEW = ApiRoute(
    "POST",
    "/reviews/{review_id}/decision",
    Auth.IAM,
    "Decide a review: approve, reject or reroute",
    groups=DECIDERS,
)
RETROSPECTIVE = ApiRoute(
    "GET", "/reports/retrospective", Auth.IAM, "Do high scores convert: conversion and calibration by grade"
)
GET_REVIEW = ApiRoute(
    "GET",
    "/reviews/{review_id}",
    Auth.IAM,
    "A review, pending or decided: who decided what, when",
    groups=EVERYONE,
)
REPORTS = ApiRoute(
    "GET",
    "/reports",
    Auth.IAM,
    "The retrospective and the flow's timings; as charts (an HTML fragment) with Accept: text/html",
    groups=OVERSEERS,
)
POLICY = ApiRoute(
    "GET",
    "/policy",
    Auth.IAM,
    "The routing policy in words: tiers, checkpoints, ordered rules, who decides reviews",
    groups=OVERSEERS,
)

CRM_SYNC = ApiRoute(
    "GET",
    "/crm",
    Auth.IAM,
    "CRM sync: the backlog, today's API budget, owners kept, and the changes the CRM refused",
    groups=OVERSEERS,
)
RETRY_CRM_CHANGES = ApiRoute(
    "POST",
    "/crm/refused/retry",
    Auth.IAM,
    "Send every change the CRM refused back to the CRM writer",
    success=202,
    groups=(Group.REVOPS, Group.MANAGER),
)

HUBSPOT_EVENTS = ApiRoute(
    "POST",
    "/crm/hubspot/events",
    Auth.VENDOR_SIGNED,
    "HubSpot's webhook: the CRM changed, so sales' outcomes are read now (signed: X-HubSpot-Signature-v3)",
    success=202,
)

ROSTER = ApiRoute(
    "GET",
    "/roster",
    Auth.IAM,
    "The reps who take leads: weights, caps, hours, time off, load, and each pool's ledger this cycle",
    groups=EVERYONE,
)
ADD_REP = ApiRoute(
    "POST", "/roster", Auth.IAM, "Add a rep to the roster", success=201, groups=(Group.REVOPS, Group.MANAGER)
)
UPDATE_REP = ApiRoute(
    "PUT",
    "/roster/{rep}",
    Auth.IAM,
    "Change a rep's pools, weight, caps, hours or active flag (over the version read)",
    groups=(Group.REVOPS, Group.MANAGER),
)
SET_AWAY = ApiRoute(
    "PUT",
    "/roster/{rep}/away",
    Auth.IAM,
    "A rep's time off (a rep sets their own; RevOps, leads and managers anyone's)",
    groups=EVERYONE,
)

ACK_LINK = ApiRoute(
    "GET", "/ack/{token}", Auth.SIGNED_LINK, "What an e-mail's acknowledge link is about (changes nothing)"
)
ACKNOWLEDGE_BY_LINK = ApiRoute(
    "POST",
    "/ack/{token}",
    Auth.SIGNED_LINK,
    "Acknowledge a lead with an e-mail's signed, single-use link (the console's page posts {})",
)
SLACK_INTERACTIONS = ApiRoute(
    "POST",
    "/slack/interactions",
    Auth.VENDOR_SIGNED,
    "Slack's interactions: a button pressed or a modal submitted in a leadqual message (signed: X-Slack-Signature)",
    body="application/x-www-form-urlencoded",
)

# The console (docs/console.md): its pages at /console/, served by the same function.
CONSOLE_INBOX = ApiRoute("GET", "/console", Auth.PUBLIC, "The console: the review inbox", in_contract=False)
CONSOLE_LEAD = ApiRoute(
    "GET", "/console/leads/{lead_id}", Auth.PUBLIC, "The console: a lead's whole story", in_contract=False
)
CONSOLE_REPORTS = ApiRoute(
    "GET", "/console/reports", Auth.PUBLIC, "The console: the reports as charts", in_contract=False
)
CONSOLE_POLICY = ApiRoute(
    "GET", "/console/policy", Auth.PUBLIC, "The console: the routing policy in words", in_contract=False
)
CONSOLE_CRM = ApiRoute(
    "GET",
    "/console/crm",
    Auth.PUBLIC,
    "The console: CRM sync, its backlog, budget and refusals",
    in_contract=False,
)
CONSOLE_ROSTER = ApiRoute(
    "GET",
    "/console/roster",
    Auth.PUBLIC,
    "The console: the roster, who takes leads and why",
    in_contract=False,
)
CONSOLE_ACK = ApiRoute(
    "GET",
    "/console/ack/{token}",
    Auth.PUBLIC,
    "The console: acknowledge a lead from an e-mail's link",
    in_contract=False,
)
CONSOLE_FILE = ApiRoute(
    "GET", "/console/assets/{name}", Auth.PUBLIC, "The console's scripts and styles", in_contract=False
)
CONSOLE_SETTINGS = ApiRoute(
    "GET",
    "/console/settings",
    Auth.PUBLIC,
    "How the console signs in and what it may offer",
    in_contract=False,
)

CONTRACT_AND_CONSOLE: tuple[ApiRoute, ...] = (
    SUBMIT_LEAD,
    POST_EVENTS,
    GET_LEAD,
    EXPLAIN_RULES,
    REPORT_OUTCOME,
    POST_INTENT,
    PUT_ACCOUNT,
    LIST_REVIEWS,
    DECIDE_REVIEW,
    RETROSPECTIVE,
    GET_REVIEW,
    REPORTS,
    POLICY,
    CRM_SYNC,
    RETRY_CRM_CHANGES,
    HUBSPOT_EVENTS,
    SLACK_INTERACTIONS,
    ACK_LINK,
    ACKNOWLEDGE_BY_LINK,
    ROSTER,
    ADD_REP,
    UPDATE_REP,
    SET_AWAY,
    CONSOLE_INBOX,
    CONSOLE_LEAD,
    CONSOLE_REPORTS,
    CONSOLE_POLICY,
    CONSOLE_CRM,
    CONSOLE_ROSTER,
    CONSOLE_ACK,
    CONSOLE_FILE,
    CONSOLE_SETTINGS,
)
# Every route, with the console's signed-in twin of each route people use.
ROUTES: tuple[ApiRoute, ...] = CONTRACT_AND_CONSOLE + tuple(
    route.for_people() for route in CONTRACT_AND_CONSOLE if route.groups
)


def takes_body(method: str, path: str) -> bool:
    """Whether a route answers this method at this path and reads a body (every POST and PUT does)."""
    return method in {"POST", "PUT"} and method in methods_at(path)


def body_type(method: str, path: str) -> str:
    """The Content-Type the route at this method and path reads (JSON but for Slack's form posts)."""
    return next(
        (route.body for route in ROUTES if route.method == method and route.serves(path)), "application/json"
    )


def methods_at(path: str) -> list[str]:
    """The methods some route takes at this path: a request with another one gets 405, not 404."""
    return sorted({route.method for route in ROUTES if route.serves(path)})
