"""The bundled synthetic history as two CRMs export it: several files each, in their own layouts.

- `salesforce`: Lead.csv (with its Status), Account.csv, Task.csv (web visits and emails, by lead
  id), Bombora.csv (third-party intent by domain); API-style timestamps, full country names.
- `hubspot`: contacts.csv, companies.csv, web_events.csv (by contact id), deals.csv (with the
  contact ids each deal is associated with); "YYYY-MM-DD HH:MM" times, HubSpot's industry codes;
  no intent file.

Each file carries what the CRM would hold today, after the fact: activities logged after a lead
came in (sales emails, the meeting of a won lead), intent observed since, closed deals. Importing
must keep only what was known at each lead's submission (`leadqual_training.history`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from leadqual_training.synthetic import SyntheticLead, SyntheticWorld

COUNTRY_NAMES = {"US": "United States", "GB": "United Kingdom", "DE": "Germany", "FR": "France",
                 "CA": "Canada", "AU": "Australia", "IN": "India", "BR": "Brazil", "NL": "Netherlands"}  # fmt: skip
FORM_LABELS = {"demo_request": "Demo Request", "contact_sales": "Contact Sales", "pricing_request": "Pricing",
               "trial_signup": "Free Trial", "content_download": "Ebook", "webinar_registration": "Webinar",
               "newsletter": "Newsletter", "other": "Other"}  # fmt: skip
EVENT_LABELS = {"page_view": "Web Visit", "content_download": "Content Download", "email_open": "Email Open",
                "email_click": "Email Click", "webinar_attended": "Webinar", "meeting_booked": "Meeting",
                "product_signup": "Trial Signup"}  # fmt: skip
HUBSPOT_EVENTS = {"page_view": "Pageview", "content_download": "Form submission", "email_open": "Email opened",
                  "email_click": "Email clicked", "webinar_attended": "Webinar attended",
                  "meeting_booked": "Meeting booked", "product_signup": "Sign up"}  # fmt: skip
LAYOUTS = ("salesforce", "hubspot")


def _write(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    rows = list(rows)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _after_the_fact(lead: SyntheticLead, created: datetime) -> list[dict[str, Any]]:
    """What sales logs once a lead is in: follow-up emails, and for a won lead its meeting. A model
    that saw these would learn the outcome from them."""
    logged = [{"type": "email_open", "occurred_at": (created + timedelta(days=2)).isoformat()}]
    if lead.outcome == "closed_won":
        logged.append({"type": "meeting_booked", "occurred_at": (created + timedelta(days=5)).isoformat()})
        logged.append({"type": "page_view", "page_category": "pricing",
                       "occurred_at": (created + timedelta(days=6)).isoformat()})  # fmt: skip
    return logged


def write_crm_history(folder: Path, layout: str, rows: int = 3000, seed: int = 7) -> Path:
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}")
    folder.mkdir(parents=True, exist_ok=True)
    leads = list(SyntheticWorld(seed=seed).leads(rows))
    if layout == "salesforce":
        _salesforce(folder, leads)
    else:
        _hubspot(folder, leads)
    return folder


def _salesforce(folder: Path, leads: list[SyntheticLead]) -> None:
    lead_rows, accounts, tasks, intent = [], {}, [], []
    for index, lead in enumerate(leads):
        s, created = lead.submission, datetime.fromisoformat(lead.submission["submitted_at"])
        lead_id = f"00Q{index:012d}"
        account = lead.account
        lead_rows.append({
            "Id": lead_id, "CreatedDate": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "FirstName": s["first_name"], "LastName": s["last_name"], "Email": s["email"], "Title": s["title"] or "",
            "Company": account.profile["name"] if account else "[not provided]",
            "Website": account.domain if account else "", "LeadSource": s["source"].replace("_", " ").title(),
            "Form__c": FORM_LABELS[s["form"]],
            "Status": {"closed_won": "Qualified"}.get(lead.outcome, "Unqualified" if index % 11 else "Working"),
        })  # fmt: skip
        if account:
            p = account.profile
            accounts[account.domain] = {
                "Website": account.domain, "Name": p["name"], "NumberOfEmployees": p["employees"],
                "AnnualRevenue": f"{p['annual_revenue']:.0f}", "Industry": p["industry"],
                "BillingCountry": COUNTRY_NAMES[p["country"]], "Tech_Stack__c": ";".join(p["technologies"]),
            }  # fmt: skip
            intent += [{"Domain": i["domain"], "Topic": i["topic"], "Composite Score": i["score"],
                        "Date": i["observed_at"][:19], "Competitor": i["competitor"] or ""}
                       for i in account.intents]  # fmt: skip
        for event in [*lead.events, *_after_the_fact(lead, created)]:
            page = event.get("page_category")
            tasks.append({"WhoId": lead_id, "ActivityDate": event["occurred_at"][:19].replace("T", " "),
                          "Type": EVENT_LABELS[event["type"]],
                          "Page__c": f"/{page.replace('_', '-')}" if page else ""})  # fmt: skip
    _write(folder / "Lead.csv", lead_rows)
    _write(folder / "Account.csv", accounts.values())
    _write(folder / "Task.csv", tasks)
    _write(folder / "Bombora.csv", intent)


def _hubspot(folder: Path, leads: list[SyntheticLead]) -> None:
    contacts, companies, events, deals = [], {}, [], []
    for index, lead in enumerate(leads):
        s, created = lead.submission, datetime.fromisoformat(lead.submission["submitted_at"])
        contact_id = str(51_000 + index)
        account = lead.account
        contacts.append({
            "Record ID": contact_id, "Create Date": created.strftime("%Y-%m-%d %H:%M"),
            "First Name": s["first_name"], "Last Name": s["last_name"], "Email": s["email"],
            "Job Title": s["title"] or "", "Company Name": account.profile["name"] if account else "",
            "Original Source": s["source"].upper(), "First Conversion": f"{FORM_LABELS[s['form']]} form",
        })  # fmt: skip
        if account:
            p = account.profile
            companies[account.domain] = {
                "Company Domain Name": account.domain, "Name": p["name"], "Number of Employees": p["employees"],
                "Annual Revenue": f"{p['annual_revenue']:,.0f}", "Industry": p["industry"].upper().replace(" ", "_"),
                "Country/Region": COUNTRY_NAMES[p["country"]],
            }  # fmt: skip
        for event in [*lead.events, *_after_the_fact(lead, created)]:
            page = event.get("page_category")
            events.append({"Contact ID": contact_id, "Timestamp": event["occurred_at"][:16].replace("T", " "),
                           "Event": HUBSPOT_EVENTS[event["type"]],
                           "Page URL": f"https://www.example.com/{page.replace('_', '-')}" if page else ""})  # fmt: skip
        if lead.outcome == "closed_won" or index % 3 == 0:
            closed = created + timedelta(days=40)
            stage = "closedwon" if lead.outcome == "closed_won" else "closedlost"
            deals.append({"Deal ID": str(9_000_000 + index), "Associated Contact IDs": contact_id,
                          "Deal Stage": stage, "Close Date": closed.strftime("%Y-%m-%d")})  # fmt: skip
    _write(folder / "contacts.csv", contacts)
    _write(folder / "companies.csv", companies.values())
    _write(folder / "web_events.csv", events)
    _write(folder / "deals.csv", deals)
