"""Tiers: which segment an account belongs to, from the policy's ordered tier conditions."""

from __future__ import annotations

from leadqual.domain.policy import Policy
from leadqual.domain.qualification.context import QualificationContext


def tier_for(context: QualificationContext, policy: Policy) -> tuple[str, str]:
    """The first matching tier, and why, in a rep's words (with the deal-size estimate it used)."""
    account = context.account
    employees = (account.employees if account else None) or context.lead.company.employees
    revenue = (account.annual_revenue if account else None) or context.lead.company.annual_revenue
    deal = policy.deal_size.estimate(employees, revenue)
    known = [f"{employees:,} employees" if employees else "size unknown"]
    if revenue:
        known.append(f"revenue ${revenue:,.0f}")
    if deal is not None:
        known.append(f"estimated deal ${deal:,.0f}/yr")
    if account and account.tier:
        known.append(f"account type {account.tier}")
    if account and account.strategic:
        known.append("strategic account")
    for tier in policy.tiers:
        when = tier.when
        checks = []
        if when.named_account is not None:
            checks.append(bool(account and account.named_account) == when.named_account)
        if when.strategic is not None:
            checks.append(bool(account and account.strategic) == when.strategic)
        if when.min_employees is not None:
            checks.append((employees or 0) >= when.min_employees)
        if when.min_annual_revenue is not None:
            checks.append((revenue or 0) >= when.min_annual_revenue)
        if when.min_deal_size is not None:
            checks.append((deal or 0) >= when.min_deal_size)
        if when.account_tiers is not None:
            checks.append(bool(account and account.tier in when.account_tiers))
        matched = any(checks) if tier.match == "any" else all(checks)
        if matched or not checks:
            return tier.id, f"{tier.description} ({', '.join(known)})"
    raise AssertionError("the policy guarantees a catch-all last tier")
