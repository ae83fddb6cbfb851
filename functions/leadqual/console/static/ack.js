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
  return h("p", { id: "done", role: "status" },
    `Acknowledged by ${lead.acknowledged_by} on ${when(lead.acknowledged_at)} (${lead.acknowledged_via}).`);
}

async function show() {
  const answer = await call("GET");
  if (!answer.ok) {
    clear(page, h("h1", {}, "This link does not work"), h("p", { class: "error" }, answer.data?.message ?? `(${answer.status})`));
    return;
  }
  const lead = answer.data;
  const button = h("button", { id: "acknowledge", type: "button", class: "approve" }, "Acknowledge");
  button.addEventListener("click", async () => {
    button.disabled = true;
    const taken = await call("POST");
    clear(page, h("h1", {}, "Acknowledge a lead"), about(lead),
      taken.ok ? done(taken.data) : h("p", { class: "error", role: "status" }, taken.data?.message ?? `Not acknowledged (${taken.status})`),
      h("p", {}, h("a", { href: `../leads/${encodeURIComponent(lead.lead_id)}` }, "Open the lead in the console")));
  });
  clear(page, h("h1", {}, "Acknowledge a lead"), about(lead),
    lead.acknowledged_by ? done(lead) : [h("p", {}, `This link works once, until ${when(lead.expires_at)}.`), button],
    h("p", {}, h("a", { href: `../leads/${encodeURIComponent(lead.lead_id)}` }, "Open the lead in the console")));
}

show();
