"""The console's files, each served with the headers that keep a page safe with hostile data."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

STATIC = Path(__file__).parent / "static"

# Scripts and styles only from the console's own files: no inline script or style, no other origin,
# no frames. Lead-supplied text is rendered as text, and this is what stops it if it ever were not.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' {connect}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}


@dataclass(frozen=True)
class ConsoleFile:
    body: str
    headers: dict[str, str]


@cache
def _read(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


@cache
def _shipped() -> frozenset[str]:
    """The console's files, listed once: a request's name is looked up here, never on the disk
    (a name the file system refuses, too long or odd, is then simply not one of them)."""
    return frozenset(path.name for path in STATIC.iterdir() if path.suffix in CONTENT_TYPES)


def console_file(name: str, connect_origins: str = "") -> ConsoleFile | None:
    """A file of the console by its name, or None: only the files it ships, never a path."""
    if name not in _shipped():
        return None
    headers = {
        "Content-Type": CONTENT_TYPES[Path(name).suffix],
        "Content-Security-Policy": CONTENT_SECURITY_POLICY.format(connect=connect_origins).replace(" ;", ";"),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        # The shells are tiny and change with each deploy; revalidating costs little.
        "Cache-Control": "no-cache",
    }
    return ConsoleFile(_read(name), headers)
