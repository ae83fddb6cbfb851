"""Email and company-domain normalisation: who a lead is and which account it belongs to."""

from __future__ import annotations

import re

# Free-mail providers are people, not accounts: their domain never becomes a company.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "ymail.com", "hotmail.com",
        "hotmail.co.uk", "outlook.com", "live.com", "msn.com", "aol.com", "icloud.com", "me.com",
        "mac.com", "proton.me", "protonmail.com", "gmx.com", "gmx.de", "gmx.net", "web.de",
        "mail.com", "yandex.com", "yandex.ru", "zoho.com", "qq.com", "163.com", "126.com",
        "fastmail.com", "hey.com", "tutanota.com", "pm.me",
    }
)  # fmt: skip

# What the API accepts, exactly: the OpenAPI document states these same patterns and lengths
# (docs/openapi.json), so a caller can check an address or a domain before sending it.
_LABELS = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
EMAIL_PATTERN = r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@" + _LABELS + "$"
EMAIL_MAX_LENGTH = 254
DOMAIN_PATTERN = "^" + _LABELS + "$"
# DNS's limit (and it keeps keys built from a domain far below DynamoDB's 2 KB).
DOMAIN_MAX_LENGTH = 253
_EMAIL = re.compile(EMAIL_PATTERN)
_DOMAIN = re.compile(DOMAIN_PATTERN)


def normalize_email(raw: str) -> str:
    """The address lower-cased; raises ValueError when it is not an email address."""
    if len(raw) > EMAIL_MAX_LENGTH or not _EMAIL.fullmatch(raw):
        raise ValueError("is not a valid email address")
    return raw.lower()


def normalize_domain(raw: str) -> str:
    """The domain lower-cased, without a leading `www.` (www.northwind.io is northwind.io's)."""
    if len(raw) > DOMAIN_MAX_LENGTH or not _DOMAIN.fullmatch(raw):
        raise ValueError("is not a valid domain such as example.com")
    domain = raw.lower()
    bare = domain.removeprefix("www.")
    return bare if _DOMAIN.fullmatch(bare) else domain


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[1]


def is_free_mail(email_or_domain: str) -> bool:
    domain = email_or_domain.rsplit("@", 1)[-1].lower()
    return domain in FREE_MAIL_DOMAINS


def account_domain_for(email: str, company_domain: str | None) -> str | None:
    """The account a lead belongs to: the company domain given, else the email's unless free-mail."""
    if company_domain:
        return None if is_free_mail(company_domain) else company_domain
    domain = email_domain(email)
    return None if is_free_mail(domain) else domain
