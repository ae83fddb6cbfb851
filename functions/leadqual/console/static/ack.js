// An e-mail's acknowledge link: what the lead is, and a button that acknowledges it (POST). Opening
// the page changes nothing, so a mail scanner that follows the link acknowledges nothing. The link
// itself is the credential: no sign-in here.
import { base, clear, h, when } from "./console.js";

const token = decodeURIComponent(location.pathname.split("/").pop());
const page = document.getElementById("ack");

async function call(method) {
  const answer = await fetch(`${base}/ack/${encodeURIComponent(token)}`, {
    method,
    headers: { Accept: "application/json", ...(method === "POST" ? { "Content-Type": "application/json" } : {}) },
    body: method === "POST" ? "{}" : undefined,
  });
  return { ok: answer.ok, status: answer.status, data: await answer.json().catch(() => null) };
}

function about(lead) {
  const who = [lead.first_name, lead.title].filter(Boolean).join(", ") || "A lead";
  return h("p", { id: "about" }, `${who} at ${lead.company ?? "no company given"}`, lead.grade ? ` (grade ${lead.grade})` : "");
}

function done(lead) {
  const what = lead.review_id ? "Picked up" : "Acknowledged";
  return h("p", { id: "done", role: "status" },
    `${what} by ${lead.acknowledged_by} on ${when(lead.acknowledged_at)} (${lead.acknowledged_via}).`);
}

// A review's link picks the review up (the others see who has it); the decision is the inbox's.
function words(lead) {
  return lead.review_id
    ? { heading: "Pick up a review", button: "Pick it up", link: h("a", { id: "open", href: `../?review=${encodeURIComponent(lead.review_id)}` }, "Decide it in the inbox") }
    : { heading: "Acknowledge a lead", button: "Acknowledge", link: h("a", { id: "open", href: `../leads/${encodeURIComponent(lead.lead_id)}` }, "Open the lead in the console") };
}

async function show() {
  const answer = await call("GET");
  if (!answer.ok) {
    clear(page, h("h1", {}, "This link does not work"), h("p", { class: "error" }, answer.data?.message ?? `(${answer.status})`));
    return;
  }
  const lead = answer.data;
  const shown = words(lead);
  const button = h("button", { id: "acknowledge", type: "button", class: "approve" }, shown.button);
  button.addEventListener("click", async () => {
    button.disabled = true;
    const taken = await call("POST");
    clear(page, h("h1", {}, shown.heading), about(lead),
      taken.ok ? done(taken.data) : h("p", { class: "error", role: "status" }, taken.data?.message ?? `Not taken (${taken.status})`),
      h("p", {}, words(lead).link));
  });
  clear(page, h("h1", {}, shown.heading), about(lead),
    lead.acknowledged_by ? done(lead) : [h("p", {}, `This link works once, until ${when(lead.expires_at)}.`), button],
    h("p", {}, shown.link));
}

show();
