"""Acknowledging a lead from an e-mail's signed link (GET /ack/{token}, POST /ack/{token}).

GET shows what the e-mail showed and changes nothing (link scanners follow links); POST
acknowledges, as the Slack button does: the first acknowledgement wins, the follow-up (the DMs, the
timeline, the SLA chain stopped) goes to the alert queue. Each link acknowledges once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field

from leadqual.domain.ack_links import LinkRefused, verify_link
from leadqual.domain.ports import AlertQueue, AlertStore, LeadStore
from leadqual.domain.schemas.alerts import Alert, AlertKind
from leadqual.domain.schemas.messages import AlertWork, AlertWorkKind


class LinkUsed(Exception):
    """The link acknowledged once already (409)."""


class AckLinkView(BaseModel):
    """What the link's page shows: no more than the e-mail did (first name, title, company)."""

    lead_id: str
    review_id: str | None = Field(description="Set when the link is about a review: the inbox decides it")
    first_name: str | None
    title: str | None
    company: str | None
    grade: str | None
    expires_at: datetime
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    acknowledged_via: str | None = None


@dataclass
class AckLinkService:
    link_key: Callable[[], str]
    alerts: AlertStore
    queue: AlertQueue
    leads: LeadStore
    clock: Callable[[], datetime]

    def peek(self, token: str) -> AckLinkView:
        claims = verify_link(self.link_key(), token, self.clock())
        return self._view(self._alert(claims.alert_id), claims.expires_at)

    def acknowledge(self, token: str) -> AckLinkView:
        claims = verify_link(self.link_key(), token, self.clock())
        alert = self._alert(claims.alert_id)
        if not self.alerts.use_link(alert.alert_id, claims.nonce):
            raise LinkUsed("This link was used already: open the lead in the console")
        # A review's e-mail went to each reviewer with a link of their own; a lead's, to its rep.
        by = claims.person or alert.people[0]
        stored = self.alerts.acknowledge(alert.alert_id, by, self.clock(), claims.via)
        if stored.acknowledged_via == claims.via and stored.acknowledged_by == by:
            self.queue.send(AlertWork(work_id=f"{alert.alert_id}-acknowledged", kind=AlertWorkKind.ACKNOWLEDGED,
                                      alert_id=alert.alert_id, lead_id=alert.lead_id))  # fmt: skip
        return self._view(stored, claims.expires_at)

    def _alert(self, alert_id: str) -> Alert:
        alert = self.alerts.get(alert_id)
        if alert is None:
            raise LinkRefused("This link's lead is no longer known to leadqual")
        return alert

    def _view(self, alert: Alert, expires_at: datetime) -> AckLinkView:
        lead = self.leads.get_lead(alert.lead_id)
        return AckLinkView(
            lead_id=alert.lead_id,
            review_id=alert.alert_id if alert.kind is AlertKind.REVIEW else None,
            first_name=lead.first_name if lead else None,
            title=lead.title if lead else None,
            company=(lead.company.name or lead.account) if lead else None,
            grade=lead.scores.grade if lead and lead.scores else None,
            expires_at=expires_at,
            acknowledged_by=alert.acknowledged_by,
            acknowledged_at=alert.acknowledged_at,
            acknowledged_via=alert.acknowledged_via,
        )
