// A lead's page: its whole story as one timeline, from the audit trail the flow keeps.
import {
  api, candidateTable, clear, companyLine, h, consoleHeader, percent, personName, reasonsList, routeWords, subScores, when,
} from "./console.js";

const leadId = decodeURIComponent(location.pathname.split("/").pop());
const $ = (id) => document.getElementById(id);

const EVENT_WORDS = {
  received: "Received",
  touch: "Submitted again",
  scored: "Scored",
  rules_evaluated: "Rules tried",
  review_requested: "Review requested",
  review_decided: "Review decided",
  review_escalated: "Review escalated",
  review_expired: "Review expired",
  routed: "Routed",
  still_held: "Still held",
  outcome_reported: "Outcome reported",
  failed: "Failed",
  dead_lettered: "Sent to a dead-letter queue",
  crm_written: "Written to the CRM",
  crm_owner_conflict: "Owner kept in the CRM",
  crm_not_connected: "No CRM connected",
  crm_dead_lettered: "Refused by the CRM",
};

const OWNER_WORDS = {
  written: "owner set",
  unchanged: "owner already leadqual's",
  kept: "owner kept",
  not_mapped: "owner not in the CRM roster",
};

// Each write to the CRM: which record, when, what changed, and any owner a person set that stayed.
function crmSection(crm) {
  if (!crm) return h("p", {}, "Not written to a CRM yet.");
  if (!crm.system) return h("p", {}, "No CRM is connected: nothing was written to a CRM.");
  return [
    h("p", {}, `${crm.system} record ${crm.record_id ?? "(not created yet)"}`,
      crm.record_url ? [" · ", h("a", { id: "open-crm", href: crm.record_url, rel: "noopener" }, "Open in the CRM")] : null),
    crm.dead_letter ? h("p", { class: "error", id: "crm-refused" }, `The last change was refused: ${crm.dead_letter}`) : null,
    h("ol", { id: "crm-writes", class: "crm-writes" }, crm.writes.map((w) =>
      h("li", {},
        h("time", { datetime: w.at }, when(w.at)),
        ` ${w.created ? "created" : "updated"} for ${w.change}: `,
        w.changed.length ? w.changed.join(", ") : "nothing changed",
        `; ${OWNER_WORDS[w.owner] ?? w.owner}`,
        w.conflict ? h("p", { class: "conflict" }, w.conflict) : null))),
  ];
}

function summary(lead) {
  const scores = lead.scores;
  return [
    h("h1", { id: "lead-name" }, personName(lead)),
    h("p", { class: "title" }, lead.title ?? ""),
    h("p", { class: "email" }, lead.email),
    h("p", { class: "company" }, companyLine(lead.company) || lead.account || "No account"),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Status"), h("dd", { id: "lead-status" }, lead.status.replace("_", " ")),
      h("dt", {}, "Tier"), h("dd", {}, lead.tier ?? "not yet"),
      h("dt", {}, "Grade"), h("dd", {}, scores ? `${scores.grade}, ${percent(scores.conversion_probability)}` : "not scored"),
      h("dt", {}, "Route"),
      h("dd", { id: "lead-route" }, lead.route ? `${routeWords(lead.route.action)} to ${lead.route.owner}` : "not routed yet"),
      lead.sla ? [h("dt", {}, "Time to route"), h("dd", {}, seconds(lead.sla.seconds_to_route))] : null,
      lead.sla?.seconds_in_review != null ? [h("dt", {}, "Time in review"), h("dd", {}, seconds(lead.sla.seconds_in_review))] : null,
      lead.failure ? [h("dt", {}, "Failure"), h("dd", {}, lead.failure)] : null,
    ),
  ];
}

function seconds(value) {
  if (value < 120) return `${value.toFixed(1)} s`;
  if (value < 7200) return `${(value / 60).toFixed(1)} min`;
  return `${(value / 3600).toFixed(1)} h`;
}

function scoredDetail(scores) {
  if (!scores) return null;
  return h(
    "div",
    { class: "scores" },
    h("p", {}, `Model ${scores.model_version}: grade ${scores.grade}, ${percent(scores.conversion_probability)} likely to convert`),
    subScores(scores),
    reasonsList("For", scores.top_positive, "for"),
    reasonsList("Against", scores.top_negative, "against"),
  );
}

function rulesDetail(rules) {
  if (!rules?.explained) return rules?.message ? h("p", {}, rules.message) : null;
  return h(
    "div",
    { class: "rules" },
    h("p", {}, `Tier ${rules.tier}, score band ${rules.band}`, rules.flags.length ? `, flags ${rules.flags.join(", ")}` : "", `: rule ${rules.rule} fired (policy v${rules.routed_with_policy_version ?? rules.policy_version}).`),
    h(
      "ol",
      { class: "rules-tried" },
      rules.rules.map((rule) =>
        h(
          "li",
          { class: rule.matched ? "matched" : "unmatched" },
          h("strong", {}, rule.rule), rule.matched ? " — fired" : " — did not match",
          rule.description ? h("span", { class: "description" }, ` (${rule.description})`) : null,
          h(
            "ul",
            {},
            rule.checks.map((check) =>
              h("li", { class: check.holds ? "holds" : "fails" }, `${check.holds ? "✓" : "✗"} ${check.condition} — the lead had ${check.actual}`),
            ),
          ),
        ),
      ),
    ),
  );
}

function reviewAsked(review) {
  if (!review) return null;
  return h("ul", { class: "review-why" }, review.why_review.map((w) => h("li", {}, w)));
}

function reviewDecided(review) {
  if (!review?.decision) return null;
  return h(
    "p",
    { class: "review-decision" },
    `${review.decision} by ${review.decided_by} on ${when(review.decided_at)} → ${routeWords(review.final_route)}`,
    review.note ? `. Note: ${review.note}` : "",
  );
}

function routedDetail(lead) {
  if (!lead.sla) return null;
  const inReview = lead.sla.seconds_in_review != null ? `, ${seconds(lead.sla.seconds_in_review)} of it in review` : "";
  return [
    h("p", {}, `${seconds(lead.sla.seconds_to_route)} from receipt to route${inReview}`),
    lead.route?.assignment ? h("p", { class: "assignment" }, lead.route.assignment) : null,
    candidateTable(lead.route?.candidates ?? []),
  ];
}

function entryDetail(entry, lead, rules, review) {
  switch (entry.event) {
    case "scored": return scoredDetail(lead.scores);
    case "rules_evaluated": return rulesDetail(rules);
    case "review_requested": return reviewAsked(review);
    case "review_decided": return reviewDecided(review);
    case "routed": return routedDetail(lead);
    default: return null;
  }
}

function timeline(lead, rules, review) {
  const entries = lead.history.map((entry) =>
    h(
      "li",
      { class: `event event-${entry.event}` },
      h("time", { datetime: entry.at }, when(entry.at)),
      h("h3", {}, EVENT_WORDS[entry.event] ?? entry.event),
      entry.detail ? h("p", { class: "entry-detail" }, entry.detail) : null,
      entryDetail(entry, lead, rules, review),
    ),
  );
  const outcomes = lead.outcomes.map((o) =>
    h(
      "li",
      { class: "event event-outcome" },
      h("time", { datetime: o.occurred_at }, when(o.occurred_at)),
      h("h3", {}, `Outcome: ${o.outcome.replace("_", " ")}`),
      h("p", {}, o.misrouted ? `Misrouted${o.correct_route ? `: should have been ${routeWords(o.correct_route)}` : ""}` : "", o.note ? ` ${o.note}` : ""),
    ),
  );
  return [...entries, ...outcomes];
}

async function start() {
  await consoleHeader();
  const [leadAnswer, rulesAnswer] = await Promise.all([
    api(`/leads/${encodeURIComponent(leadId)}`),
    api(`/leads/${encodeURIComponent(leadId)}/rules`),
  ]);
  if (!leadAnswer.ok) {
    clear($("summary"), h("p", { class: "error" }, leadAnswer.data?.message ?? `The lead could not be read (HTTP ${leadAnswer.status}).`));
    return;
  }
  const lead = leadAnswer.data;
  // From the Slack alert's "Open in the CRM": straight to the record once leadqual has written it.
  const openCrm = new URLSearchParams(location.search).get("open") === "crm";
  if (openCrm && lead.crm?.record_url) {
    location.replace(lead.crm.record_url);
    return;
  }
  const review = lead.review ? (await api(`/reviews/${encodeURIComponent(lead.review.review_id)}`)).data : null;
  document.title = `${personName(lead)} · leadqual`;
  clear($("summary"), summary(lead));
  clear($("timeline"), timeline(lead, rulesAnswer.ok ? rulesAnswer.data : null, review));
  clear($("crm"), crmSection(lead.crm));
  if (openCrm) {
    $("crm").prepend(h("p", { id: "crm-pending", class: "status", role: "status" },
      "Not in the CRM yet: leadqual writes the record within seconds of the route. Reload to open it."));
  }
}

start();
