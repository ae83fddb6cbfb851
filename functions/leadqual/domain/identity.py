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
# (docs/openapi.json), so a caller can check an address or a domain before sending it. A domain may
# be internationalised in a European script (müller.de, or its IDNA form xn--mller-kva.de; any
# script in its xn-- form); it is kept in its IDNA form, which is what DNS and mail servers use, so
# both spellings are one account.
# The letters of the European scripts' internationalised domains: Latin (with Latin-1's and Latin
# Extended-A's), Greek and Cyrillic; each is valid in IDNA, so a name of them converts.
_IDN_LETTERS = "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u017f\u0391-\u03a1\u03a3-\u03a9\u03b1-\u03c9\u0410-\u044f"
_CHAR = "A-Za-z0-9" + _IDN_LETTERS
_TOP = f"(?:[A-Za-z]{{2,63}}|xn--[A-Za-z0-9-]{{1,59}}|[{_IDN_LETTERS}]{{2,63}})"
_LABELS = rf"(?:[{_CHAR}](?:[{_CHAR}-]{{0,61}}[{_CHAR}])?\.)+{_TOP}"
_LOCAL = r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+"
EMAIL_PATTERN = f"^{_LOCAL}@{_LABELS}$"
EMAIL_MAX_LENGTH = 254
DOMAIN_PATTERN = "^" + _LABELS + "$"
# DNS's limit (and it keeps keys built from a domain far below DynamoDB's 2 KB).
DOMAIN_MAX_LENGTH = 253
_EMAIL = re.compile(EMAIL_PATTERN)
_DOMAIN = re.compile(DOMAIN_PATTERN)
# A domain as DNS has it, after IDNA: ASCII labels of at most 63 characters.
_ASCII_DOMAIN = re.compile(
    r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$"
)


def _in_idna_form(domain: str) -> str:
    """The domain as DNS has it: an internationalised one in its IDNA form (xn--...)."""
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValueError("has a domain that is not a valid internationalised (IDNA) name") from None
    if len(domain) > DOMAIN_MAX_LENGTH or not _ASCII_DOMAIN.fullmatch(domain):
        raise ValueError("has a domain whose IDNA form is not a valid domain")
    return domain


def normalize_email(raw: str) -> str:
    """The address lower-cased, its domain in IDNA form; raises ValueError when it is not an email
    address."""
    if len(raw) > EMAIL_MAX_LENGTH or not _EMAIL.fullmatch(raw):
        if "@" in raw and not raw.rsplit("@", 1)[0].isascii():
            raise ValueError(
                "has non-ASCII characters before the @, which most mail systems cannot deliver to"
            )
        raise ValueError("is not a valid email address")
    local, domain = raw.rsplit("@", 1)
    return f"{local}@{_in_idna_form(domain)}".lower()


def normalize_domain(raw: str) -> str:
    """The domain lower-cased, in IDNA form, without a leading `www.` (www.northwind.io is
    northwind.io's)."""
    if len(raw) > DOMAIN_MAX_LENGTH or not _DOMAIN.fullmatch(raw):
        raise ValueError("is not a valid domain such as example.com")
    domain = _in_idna_form(raw).lower()
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
