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

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_DOMAIN = re.compile(r"^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def normalize_email(raw: str) -> str:
    """Lower-cased, trimmed address; raises ValueError when it is not an email address."""
    email = raw.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise ValueError("is not a valid email address")
    return email


def normalize_domain(raw: str) -> str:
    """A bare registrable-looking domain: no scheme, no path, no leading www."""
    domain = raw.strip().lower()
    domain = re.sub(r"^[a-z][a-z0-9+.-]*://", "", domain).split("/")[0].split(":")[0]
    domain = domain.removeprefix("www.")
    # 253 characters is DNS's limit (and keeps keys built from it far below DynamoDB's 2 KB).
    if len(domain) > 253 or not _DOMAIN.match(domain):
        raise ValueError("is not a valid domain such as example.com")
    return domain


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
