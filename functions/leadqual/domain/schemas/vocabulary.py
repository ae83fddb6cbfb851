"""The words records and requests share: forms, events, pages, outcomes, reviews, decisions, routes.

Plain enums, with no pydantic: the stored records, the requests callers send, the policy and the
infrastructure all name these, and importing them costs a function's cold start nothing.
"""

from enum import StrEnum


class FormType(StrEnum):
    CONTACT_SALES = "contact_sales"
    DEMO_REQUEST = "demo_request"
    PRICING_REQUEST = "pricing_request"
    CONTENT_DOWNLOAD = "content_download"
    WEBINAR_REGISTRATION = "webinar_registration"
    NEWSLETTER = "newsletter"
    TRIAL_SIGNUP = "trial_signup"
    OTHER = "other"


class EventType(StrEnum):
    PAGE_VIEW = "page_view"
    CONTENT_DOWNLOAD = "content_download"
    FORM_SUBMIT = "form_submit"
    EMAIL_OPEN = "email_open"
    EMAIL_CLICK = "email_click"
    WEBINAR_ATTENDED = "webinar_attended"
    MEETING_BOOKED = "meeting_booked"
    PRODUCT_SIGNUP = "product_signup"
    OTHER = "other"


class PageCategory(StrEnum):
    PRICING = "pricing"
    CASE_STUDY = "case_study"
    COMPETITOR_COMPARISON = "competitor_comparison"
    PRODUCT = "product"
    DOCS = "docs"
    BLOG = "blog"
    CAREERS = "careers"
    OTHER = "other"


class OutcomeKind(StrEnum):
    MEETING_HELD = "meeting_held"
    OPPORTUNITY_CREATED = "opportunity_created"
    CLOSED_WON = "closed_won"
    CLOSED_LOST = "closed_lost"
    DISQUALIFIED = "disqualified"


class ReviewStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    REROUTED = "rerouted"
    EXPIRED = "expired"


class DecisionKind(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    REROUTE = "reroute"


class RouteAction(StrEnum):
    SDR_OUTREACH = "sdr_outreach"
    AE_NOTIFY = "ae_notify"
    NURTURE = "nurture"
    HOLD = "hold"
