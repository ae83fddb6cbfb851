"""Job title -> seniority and department, the way a rep reads a title (like Einstein's job rank)."""

from __future__ import annotations

import re
from functools import lru_cache

SENIORITIES = ("c_level", "vp", "director", "manager", "individual", "unknown")
DEPARTMENTS = ("sales", "marketing", "operations", "engineering", "finance", "hr", "executive", "other")

_SENIORITY_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("c_level", re.compile(r"\b(chief|ceo|cfo|coo|cto|cio|cmo|cro|founder|co-founder|owner|president)\b")),
    ("vp", re.compile(r"\b(vp|svp|evp|vice president|head of)\b")),
    ("director", re.compile(r"\b(director|dir\.)\b")),
    ("manager", re.compile(r"\b(manager|mgr|lead|supervisor)\b")),
)
_DEPARTMENT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("executive", re.compile(r"\b(ceo|founder|co-founder|owner|president|general manager)\b")),
    ("sales", re.compile(r"\b(sales|revenue|cro|account executive|business development|bdr|sdr|revops)\b")),
    ("marketing", re.compile(r"\b(marketing|cmo|demand gen|growth|brand|content)\b")),
    ("operations", re.compile(r"\b(operations|ops|coo|supply chain|logistics|procurement)\b")),
    ("engineering", re.compile(r"\b(engineer|engineering|cto|cio|it|developer|data|technology|architect)\b")),
    ("finance", re.compile(r"\b(finance|cfo|controller|accounting|accountant)\b")),
    ("hr", re.compile(r"\b(hr|human resources|people|talent|recruit\w*)\b")),
)


def _first_match(
    title: str | None, patterns: tuple[tuple[str, re.Pattern[str]], ...], matched_none: str, empty: str
) -> str:
    if not title:
        return empty
    text = title.lower()
    return next((label for label, pattern in patterns if pattern.search(text)), matched_none)


# Titles repeat across leads ("VP of Sales"): the regex scan runs once per distinct title.
@lru_cache(maxsize=4096)
def seniority_of(title: str | None) -> str:
    return _first_match(title, _SENIORITY_PATTERNS, matched_none="individual", empty="unknown")


@lru_cache(maxsize=4096)
def department_of(title: str | None) -> str:
    return _first_match(title, _DEPARTMENT_PATTERNS, matched_none="other", empty="other")
