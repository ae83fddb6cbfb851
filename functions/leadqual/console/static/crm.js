// CRM sync, for RevOps: what waits to be written, today's API budget, owners a person set that
// leadqual kept, and the changes the CRM refused, with a retry. From GET /crm.
import { api, h, consoleHeader, showPage, when } from "./console.js";

const $ = (id) => document.getElementById(id);

function budgetLine(budget) {
  if (!budget) return "No CRM write yet today (or no CRM connected).";
  const share = Math.round((100 * budget.spent) / Math.max(1, budget.share));
  return `${budget.system}: ${budget.spent.toLocaleString()} of leadqual's ${budget.share.toLocaleString()} requests today (${share}%), as of ${when(budget.at)}. Past its share, writes wait in the queue until the next day; none is dropped.`;
}

function leadLink(leadId) {
  return h("a", { href: `leads/${encodeURIComponent(leadId)}` }, leadId);
}

function render(crm) {
  return [
    h("h1", {}, "CRM sync"),
    h("section", { class: "panel", "aria-labelledby": "backlog-heading" },
      h("h2", { id: "backlog-heading" }, "Backlog"),
      h("p", { id: "backlog" }, `${crm.waiting} changes waiting, ${crm.writing} being written now.`)),
    h("section", { class: "panel", "aria-labelledby": "budget-heading" },
      h("h2", { id: "budget-heading" }, "API budget"),
      h("p", { id: "budget" }, budgetLine(crm.budget))),
    h("section", { class: "panel", "aria-labelledby": "refused-heading" },
      h("h2", { id: "refused-heading" }, `Refused by the CRM (${crm.dead_lettered} in the dead-letter queue)`),
      crm.refused.length
        ? h("table", { id: "refused" },
            h("thead", {}, h("tr", {}, h("th", {}, "Lead"), h("th", {}, "Why"), h("th", {}, "Since"), h("th", {}, "What the CRM said"))),
            h("tbody", {}, crm.refused.map((r) =>
              h("tr", {}, h("td", {}, leadLink(r.lead_id)), h("td", { class: "reason" }, r.reason), h("td", {}, when(r.at)), h("td", {}, r.message)))))
        : h("p", { id: "refused" }, "Nothing refused."),
      crm.dead_lettered
        ? h("button", { id: "retry", type: "button", onclick: retry }, `Retry ${crm.dead_lettered} refused change${crm.dead_lettered === 1 ? "" : "s"}`)
        : null,
      h("p", { id: "retried", class: "quiet", role: "status" })),
    h("section", { class: "panel", "aria-labelledby": "conflicts-heading" },
      h("h2", { id: "conflicts-heading" }, "Owners kept"),
      h("p", { class: "quiet" }, "A person set these records' owners in the CRM: leadqual wrote its scores and left the owner."),
      crm.conflicts.length
        ? h("ul", { id: "conflicts" }, crm.conflicts.map((c) => h("li", {}, leadLink(c.lead_id), ` ${when(c.at)}: ${c.detail}`)))
        : h("p", { id: "conflicts" }, "None.")),
  ];
}

async function retry(event) {
  event.target.disabled = true;
  const answer = await api("/crm/refused/retry", { method: "POST", body: {} });
  const done = answer.ok
    ? `${answer.data.moved} sent back to the CRM writer.`
    : answer.data?.message ?? `The retry failed (${answer.status}).`;
  await show();
  $("retried").textContent = done;
}

function show() {
  return showPage("/crm", $("crm"), render, "CRM sync");
}

consoleHeader();
show();
