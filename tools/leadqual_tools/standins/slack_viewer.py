"""The Slack stand-in's message viewer: a person's DMs from leadqual, drawn from the Block Kit
blocks leadqual posted (header, section text and fields, context, actions), newest first, at
`GET /viewer/<user id>`. Its buttons press the real thing: the stand-in signs a block_actions
interaction and posts it to leadqual, as Slack would. For the screenshots a person would take of
their own Slack; it is not Slack's rendering, only its blocks, in the order Slack shows them.
"""

from __future__ import annotations

from html import escape
from typing import Any

STYLE = """
body { margin: 0; font: 15px/1.46 Lato, system-ui, sans-serif; background: #f8f8f8; color: #1d1c1d; }
header { background: #3f0e40; color: #fff; padding: 10px 16px; font-weight: 700; }
main { max-width: 760px; margin: 0 auto; padding: 12px; }
.message { background: #fff; border: 1px solid #e2e2e2; border-radius: 8px; padding: 12px 16px; margin: 10px 0; }
.from { font-weight: 900; } .from span { font-weight: 400; color: #616061; font-size: 12px; margin-left: 6px; }
h2 { font-size: 17px; margin: 6px 0; }
.fields { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 4px 16px; }
.context { color: #616061; font-size: 13px; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 8px; }
.actions form { margin: 0; }
button, .actions a { font: inherit; font-weight: 700; padding: 4px 12px; border-radius: 4px; border: 1px solid #bbb;
  background: #fff; color: #1d1c1d; text-decoration: none; cursor: pointer; display: inline-block; }
button.primary { background: #007a5a; border-color: #007a5a; color: #fff; }
button.danger { color: #e01e5a; border-color: #e01e5a; }
.edited { color: #616061; font-size: 12px; }
"""


def _text(element: dict[str, Any] | None) -> str:
    return escape(str((element or {}).get("text", "")))


def _block(block: dict[str, Any], user_id: str, channel: str, ts: str) -> str:
    kind = block.get("type")
    if kind == "header":
        return f"<h2>{_text(block.get('text'))}</h2>"
    if kind == "section":
        fields = "".join(f"<div>{_text(f)}</div>" for f in block.get("fields", []))
        return (f"<p>{_text(block.get('text'))}</p>" if block.get("text") else "") + (
            f'<div class="fields">{fields}</div>' if fields else ""
        )
    if kind == "context":
        return f'<p class="context">{" ".join(_text(e) for e in block.get("elements", []))}</p>'
    if kind == "actions":
        buttons = []
        for element in block.get("elements", []):
            label = _text(element.get("text"))
            if element.get("url"):
                buttons.append(f'<a href="{escape(element["url"])}">{label}</a>')
            elif element.get("type") == "button":
                style = escape(element.get("style", ""))
                buttons.append(
                    f'<form method="post" action="/viewer/{escape(user_id)}/press">'
                    f'<input type="hidden" name="channel" value="{escape(channel)}">'
                    f'<input type="hidden" name="ts" value="{escape(ts)}">'
                    f'<input type="hidden" name="action" value="{escape(element["action_id"])}">'
                    f'<button class="{style}">{label}</button></form>'
                )
        return f'<div class="actions">{"".join(buttons)}</div>'
    return ""


def render(user_name: str, user_id: str, messages: list[Any]) -> str:
    """The user's DMs with the app, newest first (each a stand-in `Message`)."""
    shown = []
    for message in sorted(messages, key=lambda m: m.ts, reverse=True):
        blocks = "".join(_block(b, user_id, message.channel, message.ts) for b in message.blocks)
        edited = '<span class="edited">(edited)</span>' if message.updates else ""
        shown.append(
            f'<article class="message"><div class="from">leadqual<span>APP</span> {edited}</div>'
            f"{blocks or f'<p>{escape(message.text)}</p>'}</article>"
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>leadqual · {escape(user_name)} (Slack stand-in)</title><style>{STYLE}</style></head>"
        f"<body><header>Direct messages · {escape(user_name)} · Slack stand-in</header>"
        f"<main>{''.join(shown) or '<p>No messages yet.</p>'}</main></body></html>"
    )
