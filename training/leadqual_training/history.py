"""`leadqual history import`: a team's own CRM exports -> leadqual's records, as they were at each
lead's submission, ready for `leadqual train` and a model that can be deployed.

A mapping file (YAML, `HistoryMapping`) says which file holds what and which column is which:
leads or contacts with their created time; accounts; timestamped activities and web events; intent,
if any; outcomes. Each lead then becomes the very record the scoring function builds for a live
lead (`serving_record`, the same code), from what was known at its submission only: activities
and intent after that moment are left out, however telling (a won lead's meeting, say), and
counted. What no export can give back is the account's firmographics as they were then: the
accounts file holds today's, and the import says so.
"""

from __future__ import annotations

import csv
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from leadqual.domain.features.model_input import serving_record
from leadqual.domain.features.values import is_missing, parse_time, to_number
from leadqual.domain.identity import account_domain_for
from leadqual.domain.schemas.account import Account
from leadqual.domain.schemas.lead import Lead, LeadStatus
from leadqual.domain.schemas.shared import Company
from leadqual.domain.schemas.vocabulary import EventType, FormType, PageCategory
from leadqual.domain.signals import BehaviourWindows, StoredEvent, StoredIntent
from leadqual_training.exports import read_export

Progress = Callable[[str], None]
OUTCOMES = ("closed_won", "closed_lost", "open")


class _Source(BaseModel):
    model_config = ConfigDict(extra="forbid")
    file: str = Field(description="CSV export, relative to the mapping file")
    time_format: str | None = Field(
        default=None, description="strptime format of its times when they are not ISO 8601"
    )


class LeadsMapping(_Source):
    """One row per lead or contact."""

    id: str
    created_at: str
    email: str
    first_name: str | None = None
    last_name: str | None = None
    title: str | None = None
    company: str | None = None
    domain: str | None = Field(default=None, description="The company's web domain, when the export has it")
    employees: str | None = None
    annual_revenue: str | None = None
    industry: str | None = None
    country: str | None = None
    source: str | None = None
    form: str | None = Field(default=None, description="The column naming the form the lead came in by")
    forms: dict[str, FormType] = Field(default={}, description="The CRM's form names -> leadqual's forms")
    default_form: FormType = FormType.OTHER


class AccountsMapping(_Source):
    domain: str
    name: str | None = None
    employees: str | None = None
    annual_revenue: str | None = None
    industry: str | None = None
    country: str | None = None
    technologies: str | None = None
    technologies_separator: str = ";"


class ActivitiesMapping(_Source):
    """Timestamped activities and web events, each tied to a lead by its id or its e-mail."""

    lead: str | None = Field(default=None, description="The column with the lead's (or contact's) id")
    email: str | None = Field(default=None, description="Or: the column with the person's e-mail")
    at: str
    type: str
    types: dict[str, EventType] = Field(description="The CRM's activity types -> leadqual's event types")
    page: str | None = Field(default=None, description="The page's URL or path, for web visits")
    pages: dict[str, PageCategory] = Field(
        default={}, description="Text found in the page's URL -> page category (first match wins)"
    )

    @model_validator(mode="after")
    def _tied(self) -> ActivitiesMapping:
        if (self.lead is None) == (self.email is None):
            raise ValueError("say which column ties an activity to its lead: `lead` (an id) or `email`")
        return self


class IntentMapping(_Source):
    domain: str
    topic: str
    score: str
    at: str
    competitor: str | None = None


class OutcomesMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")
    file: str | None = Field(default=None, description="Default: the leads file (a status column there)")
    time_format: str | None = None
    lead: str | None = Field(default=None, description="Column with the lead ids (default: the leads' id)")
    separator: str | None = Field(default=None, description="When one row names several leads")
    status: str
    won: list[str] = Field(min_length=1)
    lost: list[str] = []
    no_outcome: str = Field(
        default="open",
        pattern="^(open|closed_lost)$",
        description="What a lead with no won or lost row counts as: open (left out of training) or closed_lost",
    )


class HistoryMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")
    leads: LeadsMapping
    accounts: AccountsMapping | None = None
    activities: list[ActivitiesMapping] = []
    intent: IntentMapping | None = None
    outcomes: OutcomesMapping
    countries: dict[str, str] = Field(default={}, description="Country names -> ISO codes (two letters)")
    industries: dict[str, str] = Field(
        default={}, description="The CRM's industry values -> the ones live data uses"
    )


@dataclass
class ImportReport:
    leads: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    with_account: int = 0
    activities_used: int = 0
    activities_after: int = 0
    intent_used: int = 0
    intent_after: int = 0
    unmapped: Counter[str] = field(default_factory=Counter)
    unreadable: Counter[str] = field(default_factory=Counter)

    def lines(self) -> list[str]:
        lines = [
            f"{self.leads} leads: {self.outcomes['closed_won']} won, {self.outcomes['closed_lost']} lost, "
            f"{self.outcomes['open']} open (left out of training); {self.with_account} matched to an account",
            f"activities: {self.activities_used} known at their lead's submission; {self.activities_after} "
            "logged after it left out (only what was known then is learned from)",
            f"intent: {self.intent_used} signals known at submission; {self.intent_after} observed after, left out",
            "accounts: firmographics are the accounts file's, as they are today (no export keeps them as they were)",
        ]
        lines += [
            f"not mapped, read as other: {what} ({count} rows)"
            for what, count in self.unmapped.most_common(10)
        ]
        lines += [
            f"unreadable, left out: {what} ({count})" for what, count in self.unreadable.most_common(10)
        ]
        return lines


class HistoryError(ValueError):
    """The mapping or the exports cannot be imported; the message says what to fix."""


def load_mapping(path: Path) -> HistoryMapping:
    try:
        return HistoryMapping.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except ValidationError as error:
        raise HistoryError(f"{path}: {error}") from None


def _rows(
    folder: Path, source: _Source | OutcomesMapping, columns: Iterable[str | None]
) -> list[dict[str, Any]]:
    assert source.file is not None
    path = folder / source.file
    if not path.exists():
        raise HistoryError(f"{path} does not exist")
    rows = read_export(path).rows
    missing = sorted({c for c in columns if c} - set(rows[0] if rows else ()))
    if missing:
        raise HistoryError(
            f"{source.file}: columns missing: {missing} (it has: {sorted(rows[0]) if rows else []})"
        )
    return rows


def _time(raw: Any, time_format: str | None) -> datetime | None:
    if is_missing(raw):
        return None
    if time_format:
        try:
            moment = datetime.strptime(str(raw).strip(), time_format)
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return parse_time(raw)


def _number(raw: Any) -> float | None:
    """A CRM's number ("1,200", "$1,200,000"), or None when there is none."""
    number = to_number(raw.replace("$", "") if isinstance(raw, str) else raw)
    return None if math.isnan(number) else number


def _bare_domain(text: str | None) -> str:
    """A web address as a domain: "https://www.northwind.io" -> "northwind.io"."""
    return (text or "").lower().removeprefix("https://").removeprefix("www.")


def _text(row: dict[str, Any], column: str | None) -> str | None:
    value = row.get(column) if column else None
    return None if is_missing(value) else str(value).strip()


class _Importer:
    def __init__(self, mapping: HistoryMapping, folder: Path):
        self.mapping, self.folder = mapping, folder
        self.report = ImportReport()

    def country(self, raw: str | None) -> str | None:
        if raw is None:
            return None
        code = self.mapping.countries.get(raw, raw)
        return code.upper() if len(code) == 2 and code.isalpha() else None

    def industry(self, raw: str | None) -> str | None:
        return None if raw is None else self.mapping.industries.get(raw, raw)

    def accounts(self) -> dict[str, Account]:
        source = self.mapping.accounts
        if source is None:
            return {}
        columns = [source.domain, source.name, source.employees, source.annual_revenue, source.industry,
                   source.country, source.technologies]  # fmt: skip
        found = {}
        for row in _rows(self.folder, source, columns):
            domain = _bare_domain(_text(row, source.domain))
            if not domain:
                continue
            employees, revenue = (
                _number(row.get(source.employees or "")),
                _number(row.get(source.annual_revenue or "")),
            )
            technologies = _text(row, source.technologies)
            try:
                found[domain] = Account(
                    domain=domain, updated_at=datetime.now(UTC), name=_text(row, source.name),
                    employees=None if employees is None else int(employees), annual_revenue=revenue,
                    industry=self.industry(_text(row, source.industry)),
                    country=self.country(_text(row, source.country)),
                    technologies=[t.strip().lower() for t in technologies.split(source.technologies_separator)
                                  if t.strip()] if technologies else [],
                )  # fmt: skip
            except ValidationError:
                self.report.unreadable[f"account {domain}"] += 1
        return found

    def events(self, leads: dict[str, dict[str, Any]]) -> dict[str, list[StoredEvent]]:
        """Each lead's events (by lead id), known or not; the caller keeps those before submission."""
        by_lead: dict[str, list[StoredEvent]] = defaultdict(list)
        id_of_email = {str(row["email"]).lower(): lead_id for lead_id, row in leads.items()}
        for source in self.mapping.activities:
            for row in _rows(
                self.folder, source, [source.lead, source.email, source.at, source.type, source.page]
            ):
                key = (
                    _text(row, source.lead)
                    if source.lead
                    else id_of_email.get((_text(row, source.email) or "").lower())
                )
                at = _time(row.get(source.at), source.time_format)
                if key is None or key not in leads or at is None:
                    self.report.unreadable[f"{source.file}: activity with no known lead or time"] += 1
                    continue
                kind_text = _text(row, source.type) or ""
                kind = source.types.get(kind_text)
                if kind is None:
                    self.report.unmapped[f"{source.file} type {kind_text!r}"] += 1
                    kind = EventType.OTHER
                page = _text(row, source.page) or ""
                category = next((c for text, c in source.pages.items() if text in page), None)
                if kind is EventType.PAGE_VIEW and category is None:
                    category = PageCategory.OTHER
                by_lead[key].append(StoredEvent(type=kind, page_category=category, occurred_at=at))
        return by_lead

    def intent(self) -> dict[str, list[StoredIntent]]:
        source = self.mapping.intent
        if source is None:
            return {}
        by_domain: dict[str, list[StoredIntent]] = defaultdict(list)
        for row in _rows(
            self.folder, source, [source.domain, source.topic, source.score, source.at, source.competitor]
        ):
            at, score = _time(row.get(source.at), source.time_format), _number(row.get(source.score))
            domain, topic = _text(row, source.domain), _text(row, source.topic)
            if at is None or score is None or not domain or not topic:
                self.report.unreadable[f"{source.file}: intent row"] += 1
                continue
            by_domain[domain.lower()].append(StoredIntent(
                topic=topic, score=score, competitor=_text(row, source.competitor), observed_at=at
            ))  # fmt: skip
        return by_domain

    def outcomes(self, leads: dict[str, dict[str, Any]], lead_rows: list[dict[str, Any]]) -> dict[str, str]:
        source = self.mapping.outcomes
        rows = lead_rows if source.file is None else _rows(self.folder, source, [source.lead, source.status])
        id_column = source.lead or self.mapping.leads.id
        won, lost = set(source.won), set(source.lost)
        found: dict[str, str] = {}
        for row in rows:
            status = _text(row, source.status) or ""
            ids = _text(row, id_column) or ""
            for lead_id in ids.split(source.separator) if source.separator else [ids]:
                lead_id = lead_id.strip()
                if status in won:
                    found[lead_id] = "closed_won"
                elif status in lost and found.get(lead_id) != "closed_won":
                    found[lead_id] = "closed_lost"
        return {lead_id: found.get(lead_id, source.no_outcome) for lead_id in leads}

    def lead(self, lead_id: str, row: dict[str, Any], created: datetime) -> Lead:
        m = self.mapping.leads
        email = (_text(row, m.email) or "").lower()
        domain = _bare_domain(_text(row, m.domain)) or None
        employees, revenue = _number(row.get(m.employees or "")), _number(row.get(m.annual_revenue or ""))
        form_text = _text(row, m.form)
        form = m.forms.get(form_text or "") or m.default_form
        if form_text and form_text not in m.forms:
            self.report.unmapped[f"{m.file} form {form_text!r}"] += 1
        company: dict[str, Any] = {
            "name": _text(row, m.company), "domain": domain, "industry": self.industry(_text(row, m.industry)),
            "employees": None if employees is None else int(employees), "annual_revenue": revenue,
            "country": self.country(_text(row, m.country)),
        }  # fmt: skip
        try:
            parsed = Company.model_validate({k: v for k, v in company.items() if v is not None})
        except ValidationError:
            parsed = Company()  # what the form said about the company is unreadable: the account's counts
        return Lead(
            lead_id=lead_id, status=LeadStatus.RECEIVED, email=email,
            account=account_domain_for(email, parsed.domain), first_name=_text(row, m.first_name),
            last_name=_text(row, m.last_name), title=_text(row, m.title), company=parsed, form=form,
            source=_text(row, m.source), submitted_at=created, received_at=created,
        )  # fmt: skip


def import_history(
    mapping_path: Path,
    out: Path,
    windows: BehaviourWindows,
    exports: Path | None = None,
    progress: Progress = print,
) -> ImportReport:
    """Writes one record per lead (serving's columns, `lead_id`, `submitted_at`, `outcome`) to `out`;
    the exports are read from `exports` (default: the mapping file's folder)."""
    mapping = load_mapping(mapping_path)
    importer = _Importer(mapping, exports or mapping_path.parent)
    m = mapping.leads
    lead_rows = _rows(importer.folder, m, [m.id, m.created_at, m.email, m.first_name, m.last_name, m.title,
                                           m.company, m.domain, m.employees, m.annual_revenue, m.industry,
                                           m.country, m.source, m.form])  # fmt: skip
    leads: dict[str, dict[str, Any]] = {}
    created: dict[str, datetime] = {}
    for row in lead_rows:
        lead_id, moment = _text(row, m.id), _time(row.get(m.created_at), m.time_format)
        if not lead_id or moment is None or not _text(row, m.email):
            importer.report.unreadable[f"{m.file}: lead with no id, created time or e-mail"] += 1
            continue
        leads[lead_id], created[lead_id] = {**row, "email": _text(row, m.email)}, moment
    accounts, events, intents = importer.accounts(), importer.events(leads), importer.intent()
    outcomes = importer.outcomes(leads, lead_rows)
    report = importer.report
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer: csv.DictWriter[str] | None = None
        for lead_id in sorted(leads, key=lambda key: created[key]):
            moment = created[lead_id]
            try:
                lead = importer.lead(lead_id, leads[lead_id], moment)
            except ValidationError:
                report.unreadable[f"{m.file}: lead with an unreadable e-mail"] += 1
                continue
            account = accounts.get(lead.account or "")
            known_events = [e for e in events.get(lead_id, []) if e.occurred_at <= moment]
            known_intent = [i for i in intents.get(lead.account or "", []) if i.observed_at <= moment]
            report.activities_used += len(known_events)
            report.activities_after += len(events.get(lead_id, [])) - len(known_events)
            report.intent_used += len(known_intent)
            report.intent_after += len(intents.get(lead.account or "", [])) - len(known_intent)
            report.with_account += account is not None
            report.leads += 1
            report.outcomes[outcomes[lead_id]] += 1
            record = {
                "lead_id": lead_id,
                **serving_record(lead, account, known_events, known_intent, windows),
                "outcome": outcomes[lead_id],
            }
            if writer is None:
                writer = csv.DictWriter(handle, fieldnames=list(record))
                writer.writeheader()
            writer.writerow(record)
    if writer is None:
        raise HistoryError(f"{m.file}: no lead could be read")
    for line in report.lines():
        progress(line)
    return report
