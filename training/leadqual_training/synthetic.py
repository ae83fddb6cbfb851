"""A seeded generator of realistic synthetic B2B lead history.

Accounts (industry, size, revenue, country, technologies), contacts with titles, first-party
behaviour by page category, third-party intent with surges, and outcomes drawn from a hidden
ground truth with noise. It produces API payloads (for the demo) and, through the same
`serving_record` the scoring function uses, a CRM-style CSV (for training). Pure Python.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from leadqual.domain.features.model_input import serving_record
from leadqual.domain.features.spec import FeatureSpec
from leadqual.domain.identity import account_domain_for
from leadqual.domain.schemas.account import Account
from leadqual.domain.schemas.lead import Lead, LeadStatus
from leadqual.domain.schemas.shared import Company
from leadqual.domain.schemas.vocabulary import FormType
from leadqual.domain.signals import StoredEvent, StoredIntent

INDUSTRIES = {  # name: (weight, conversion effect, revenue per employee)
    "Software": (18, 0.45, 220_000),
    "Logistics": (10, 0.35, 180_000),
    "Financial Services": (12, 0.30, 400_000),
    "Manufacturing": (12, 0.10, 250_000),
    "Healthcare": (10, 0.0, 150_000),
    "Retail": (10, -0.20, 200_000),
    "Education": (7, -0.55, 90_000),
    "Government": (4, -0.70, 120_000),
    "Media": (6, -0.10, 210_000),
    "Telecommunications": (5, 0.20, 350_000),
    "Nonprofit": (3, -0.80, 70_000),
    "Consulting": (3, 0.05, 160_000),
}
COUNTRIES = {"US": (45, 0.15), "GB": (12, 0.1), "DE": (10, 0.05), "FR": (7, 0.0), "CA": (7, 0.1),
             "AU": (5, 0.0), "IN": (7, -0.35), "BR": (4, -0.3), "NL": (3, 0.05)}  # fmt: skip
TECHNOLOGIES = {"salesforce": 0.35, "hubspot": 0.1, "snowflake": 0.3, "segment": 0.15, "marketo": 0.2,
                "zendesk": 0.0, "shopify": -0.2, "wordpress": -0.25, "aws": 0.1, "sap": 0.05}  # fmt: skip
TITLES = {  # title: (weight, conversion effect)
    "CEO": (3, 0.4), "Founder": (3, 0.3), "Chief Revenue Officer": (2, 0.7), "CMO": (2, 0.5),
    "VP of Sales": (5, 0.8), "VP of Marketing": (5, 0.7), "VP of Operations": (4, 0.6),
    "Head of Revenue Operations": (4, 0.9), "Director of Sales Operations": (6, 0.7),
    "Director of Demand Generation": (6, 0.6), "Director of IT": (4, 0.1),
    "Marketing Manager": (9, 0.3), "Sales Manager": (7, 0.35), "RevOps Manager": (6, 0.6),
    "Operations Manager": (5, 0.2), "Software Engineer": (6, -0.6), "Data Analyst": (5, -0.3),
    "Marketing Coordinator": (6, -0.2), "Student": (3, -1.6), "Consultant": (4, -0.4),
    "HR Generalist": (3, -1.0), "Accountant": (3, -0.8), "": (6, -0.5),
}  # fmt: skip
FORMS = {  # form: (weight, conversion effect, extra interest)
    "demo_request": (14, 0.9, 0.8), "contact_sales": (8, 0.8, 0.7), "pricing_request": (6, 0.7, 0.8),
    "trial_signup": (10, 0.4, 0.5), "content_download": (24, -0.3, 0.0), "webinar_registration": (14, -0.1, 0.1),
    "newsletter": (18, -0.9, -0.4), "other": (6, -0.4, 0.0),
}  # fmt: skip
SOURCES = ["website", "google_ads", "linkedin", "referral", "event", "partner"]
FREE_MAIL = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com"]
FIRST = ["Dana", "Sam", "Alex", "Priya", "Chen", "Maria", "Jon", "Aisha", "Luca", "Noor", "Kofi", "Eva",
         "Ravi", "Lena", "Omar", "Yuki", "Tom", "Ines", "Marek", "Sofia"]  # fmt: skip
LAST = ["Ng", "Lopez", "Smith", "Patel", "Kim", "Okafor", "Rossi", "Nakamura", "Berg", "Haddad", "Silva",
        "Novak", "Dubois", "Khan", "Murphy", "Schmidt"]  # fmt: skip
TOPICS = ["lead routing software", "lead scoring", "sales engagement", "revenue operations", "crm data quality",
          "marketing automation", "intent data"]  # fmt: skip
COMPETITORS = ["Acme Router", "FunnelFox", "LeadLoop"]
PAGE_MIX = {  # category: (base weight, weight per unit of interest)
    "pricing": (0.3, 1.4), "case_study": (0.4, 0.9), "competitor_comparison": (0.1, 0.6),
    "product": (1.0, 0.8), "docs": (0.6, 0.3), "blog": (2.0, -0.3), "careers": (0.4, -0.2),
}  # fmt: skip
OTHER_EVENTS = {"content_download": 0.5, "email_open": 0.9, "email_click": 0.5, "webinar_attended": 0.2,
                "meeting_booked": 0.05, "product_signup": 0.1}  # fmt: skip
OUTCOMES_LOST = ["closed_lost", "disqualified", "closed_lost", "no_decision"]
# Post-contact CRM columns: they are filled in by sales after the first conversation, so they
# leak the outcome. The bundled feature specification excludes them.
LEAK_COLUMNS = ("lead_quality", "sales_disposition")


@dataclass
class SyntheticAccount:
    domain: str
    profile: dict[str, Any]
    effect: float
    in_market: float
    intents: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SyntheticLead:
    submission: dict[str, Any]
    events: list[dict[str, Any]]
    account: SyntheticAccount | None
    outcome: str
    won_probability: float
    lead_quality: str
    disposition: str


def _weighted(rng: random.Random, table: dict[str, Any]) -> str:
    keys = list(table)
    weights = [table[k][0] if isinstance(table[k], tuple) else table[k] for k in keys]
    return rng.choices(keys, weights=weights, k=1)[0]


class SyntheticWorld:
    """Seeded: the same seed and sizes always give the same accounts, leads and outcomes."""

    def __init__(
        self, seed: int = 7, accounts: int = 4000, end: datetime | None = None, span_days: int = 730
    ):
        self.rng = random.Random(seed)
        self.end = end or datetime(2026, 11, 1, tzinfo=UTC)
        self.span = timedelta(days=span_days)
        self.accounts = [self._account(i) for i in range(accounts)]

    def _account(self, index: int) -> SyntheticAccount:
        rng = self.rng
        industry = _weighted(rng, INDUSTRIES)
        country = _weighted(rng, COUNTRIES)
        employees = max(2, int(math.exp(rng.gauss(5.0, 1.6))))
        revenue = round(employees * INDUSTRIES[industry][2] * rng.uniform(0.5, 1.6), -3)
        technologies = sorted(t for t in TECHNOLOGIES if rng.random() < 0.18 + 0.05 * math.log10(employees))
        # The ideal customer profile is mid-market: conversion peaks around 1,000 employees; tiny
        # firms lack budget and the largest buy through procurement cycles longer than the window.
        size_effect = 1.8 * math.exp(-(((math.log10(employees) - 3.0) / 0.75) ** 2)) - 0.5
        effect = (INDUSTRIES[industry][1] + COUNTRIES[country][1] + size_effect
                  + sum(TECHNOLOGIES[t] for t in technologies) * 0.8)  # fmt: skip
        name = (
            f"{rng.choice(['North', 'Blue', 'Bright', 'Iron', 'Green', 'Swift', 'Clear', 'Peak'])}"
            f"{rng.choice(['wind', 'field', 'stone', 'path', 'bridge', 'wave', 'line', 'forge'])}"
        )
        domain = f"{name.lower()}{index}.example"
        in_market = rng.random() ** 2.2  # most accounts are not in market
        account = SyntheticAccount(
            domain=domain,
            profile={"name": f"{name} {industry}", "employees": employees, "annual_revenue": revenue,
                     "industry": industry, "country": country, "technologies": technologies},
            effect=effect,
            in_market=in_market,
        )  # fmt: skip
        return account

    def _intents(self, account: SyntheticAccount, around: datetime) -> list[dict[str, Any]]:
        rng = self.rng
        signals = []
        for _ in range(rng.randint(0, 2 + int(4 * account.in_market))):
            surge = account.in_market > 0.4 and rng.random() < account.in_market
            signals.append({
                "domain": account.domain,
                "topic": rng.choice(TOPICS),
                "score": round(min(100, max(0, rng.gauss(72 if surge else 45, 10))), 1),
                "competitor": rng.choice(COMPETITORS) if surge and rng.random() < 0.4 else None,
                "observed_at": (around - timedelta(days=rng.uniform(0, 40))).isoformat(),
            })  # fmt: skip
        return signals

    def lead(self, index: int, submitted_at: datetime | None = None) -> SyntheticLead:
        rng = self.rng
        free_mail = rng.random() < 0.15
        account = None if free_mail else rng.choice(self.accounts)
        title = _weighted(rng, TITLES)
        form = _weighted(rng, FORMS)
        moment = submitted_at or (self.end - self.span * rng.random())
        first, last = rng.choice(FIRST), rng.choice(LAST)
        domain = rng.choice(FREE_MAIL) if account is None else account.domain
        email = f"{first.lower()}.{last.lower()}{index}@{domain}"
        in_market = account.in_market if account else rng.random() ** 2.5
        interest = in_market + FORMS[form][2] * 0.5 + rng.gauss(0, 0.35)
        events = self._events(email, moment, interest)
        intents = self._intents(account, moment) if account else []
        if account:
            account.intents = intents
        submission: dict[str, Any] = {
            "email": email, "first_name": first, "last_name": last, "title": title or None,
            "form": form, "source": rng.choice(SOURCES), "submitted_at": moment.isoformat(),
            "company": {"name": account.profile["name"], "domain": account.domain,
                        "employees": account.profile["employees"], "industry": account.profile["industry"],
                        "country": account.profile["country"]} if account else {},
        }  # fmt: skip
        surge = max((s["score"] for s in intents), default=0)
        logit = (-2.6 + (account.effect if account else -0.9) + TITLES[title][1] + FORMS[form][1]
                 + 1.1 * interest + 0.03 * max(0.0, surge - 60) + rng.gauss(0, 0.5))  # fmt: skip
        won_probability = 1 / (1 + math.exp(-logit))
        won = rng.random() < won_probability
        outcome = "closed_won" if won else rng.choice(OUTCOMES_LOST)
        quality = "hot" if won and rng.random() < 0.9 else rng.choice(["warm", "cold", "cold", "junk"])
        disposition = (
            "Qualified - opportunity" if won else rng.choice(["No budget", "Unresponsive", "Bad fit"])
        )
        return SyntheticLead(submission, events, account, outcome, won_probability, quality, disposition)

    def _events(self, email: str, moment: datetime, interest: float) -> list[dict[str, Any]]:
        rng = self.rng
        count = min(40, int(rng.expovariate(1 / max(0.3, 1.5 + 3.5 * interest))))
        weights = {c: max(0.02, base + per * interest) for c, (base, per) in PAGE_MIX.items()}
        events = []
        for _ in range(count):
            # Engaged people come back in bursts shortly before they raise their hand.
            age = rng.expovariate(1 / (2.0 if rng.random() < 0.3 + 0.3 * max(0.0, interest) else 20.0))
            at = moment - timedelta(days=min(age, 60), minutes=rng.randint(1, 600))
            if rng.random() < 0.75:
                category = rng.choices(list(weights), weights=list(weights.values()), k=1)[0]
                events.append({"email": email, "type": "page_view", "page_category": category,
                               "url": f"https://leadqual.example/{category.replace('_', '-')}",
                               "occurred_at": at.isoformat()})  # fmt: skip
            else:
                kind = rng.choices(list(OTHER_EVENTS), weights=list(OTHER_EVENTS.values()), k=1)[0]
                events.append({"email": email, "type": kind, "occurred_at": at.isoformat()})
        return sorted(events, key=lambda e: e["occurred_at"])

    def leads(self, count: int) -> Iterator[SyntheticLead]:
        for index in range(count):
            yield self.lead(index)


def training_row(lead: SyntheticLead, spec: FeatureSpec, lead_id: str) -> dict[str, Any]:
    """One CRM-export row built through serving's own record builder, plus label and leak columns."""
    submission = lead.submission
    submitted_at = datetime.fromisoformat(submission["submitted_at"])
    stored = Lead(
        lead_id=lead_id,
        status=LeadStatus.RECEIVED,
        email=submission["email"],
        account=account_domain_for(submission["email"], submission["company"].get("domain")),
        title=submission.get("title"),
        company=Company(**submission["company"]),
        form=FormType(submission["form"]),
        source=submission.get("source"),
        submitted_at=submitted_at,
        received_at=submitted_at,
    )
    account = (
        Account(domain=lead.account.domain, updated_at=submitted_at, **lead.account.profile)
        if lead.account
        else None
    )
    events = [StoredEvent.model_validate(e) for e in lead.events]
    intents = [StoredIntent.model_validate(i) for i in (lead.account.intents if lead.account else [])]
    record = serving_record(stored, account, events, intents, spec.behaviour)
    return {
        "lead_id": lead_id,
        "submitted_at": submitted_at.isoformat(),
        **record,
        "outcome": lead.outcome,
        "lead_quality": lead.lead_quality,
        "sales_disposition": lead.disposition,
    }


def write_training_csv(path: Path, spec: FeatureSpec, rows: int = 20_000, seed: int = 7) -> Path:
    world = SyntheticWorld(seed=seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer: csv.DictWriter[str] | None = None
        for index, lead in enumerate(world.leads(rows)):
            row = training_row(lead, spec, f"syn_{index:06d}")
            if writer is None:
                writer = csv.DictWriter(handle, fieldnames=list(row))
                writer.writeheader()
            writer.writerow(row)
    return path


def crm_export_row(lead: SyntheticLead, index: int) -> dict[str, Any]:
    """The same lead as a typical CRM report lays it out: other names, raw counts, dates, a status."""
    submission = lead.submission
    created = datetime.fromisoformat(submission["submitted_at"])
    month_before = created - timedelta(days=30)
    page_views = [
        e for e in lead.events if e["type"] == "page_view" and e["occurred_at"] >= month_before.isoformat()
    ]
    intents = lead.account.intents if lead.account else []
    profile = lead.account.profile if lead.account else {}
    last_activity = max((e["occurred_at"] for e in lead.events), default=None)
    won = lead.outcome == "closed_won"
    return {
        "Lead ID": f"00Q{index:09d}",
        "Created Date": created.strftime("%Y-%m-%d %H:%M:%S"),
        "Email": submission["email"],
        "Title": submission.get("title") or "",
        "Company": profile.get("name", ""),
        "No. of Employees": f"{profile['employees']:,}" if profile else "",
        "Annual Revenue": profile.get("annual_revenue", ""),
        "Industry": profile.get("industry", ""),
        "Country": profile.get("country", ""),
        "Lead Source": submission.get("source") or "",
        "Web Form": submission["form"].replace("_", " ").title(),
        "Last Activity": last_activity[:10] if last_activity else "",
        "Pricing Page Views (30d)": sum(1 for e in page_views if e["page_category"] == "pricing"),
        "Web Sessions (30d)": len(page_views),
        "Bombora Intent Score": max((i["score"] for i in intents), default=""),
        "Competitor Research": "Yes" if any(i["competitor"] for i in intents) else "No",
        # Filled in by the SDR after the first call: it leaks the outcome.
        "Rating": "Hot" if won and lead.lead_quality == "hot" else ("Warm" if won else "Cold"),
        "Lead Status": "Qualified" if won else ("Unqualified" if index % 9 else "Open - Not Contacted"),
    }


def write_crm_export(path: Path, rows: int = 5_000, seed: int = 11) -> Path:
    """A differently shaped export of the same kind of history, for `leadqual train` on another layout."""
    world = SyntheticWorld(seed=seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer: csv.DictWriter[str] | None = None
        for index, lead in enumerate(world.leads(rows)):
            row = crm_export_row(lead, index)
            if writer is None:
                writer = csv.DictWriter(handle, fieldnames=list(row))
                writer.writeheader()
            writer.writerow(row)
    return path
