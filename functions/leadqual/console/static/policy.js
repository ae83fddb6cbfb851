// The routing policy in words, read-only: what `leadqual rules check` prints, from GET /policy.
import { h, consoleHeader, showPage } from "./console.js";

function render(policy) {
  return [
    h("h1", {}, `Routing policy, version ${policy.version}`),
    h("p", { class: "quiet" }, "Changed by RevOps in policy.yaml and deployed with the stack; `leadqual rules check` validates a change first."),
    h("section", { class: "panel", "aria-labelledby": "tiers-heading" },
      h("h2", { id: "tiers-heading" }, "Tiers"),
      h("p", { class: "quiet" }, "A lead takes the first tier it matches."),
      h("ol", { id: "tiers" }, policy.tiers.map((tier) => h("li", {}, h("strong", {}, tier.id), ": ", tier.description)))),
    h("section", { class: "panel", "aria-labelledby": "rules-heading" },
      h("h2", { id: "rules-heading" }, "Rules"),
      h("p", { id: "always-reviewed" },
        "Whatever rule fires, a lead flagged ", policy.always_reviewed.join(", "), " goes to an SDR first."),
      h("p", { class: "quiet" }, "The first rule that matches decides the route."),
      h("ol", { id: "rules" }, policy.rules.map((rule) =>
        h("li", { id: `rule-${rule.id}` }, h("strong", {}, rule.id), ": ", rule.in_words,
          h("p", { class: "quiet" }, rule.description))))),
    h("section", { class: "panel", "aria-labelledby": "reviewers-heading" },
      h("h2", { id: "reviewers-heading" }, "Who decides reviews"),
      h("p", { id: "reviewers" }, policy.reviewers.in_words),
      h("ul", { id: "teams" }, Object.entries(policy.reviewers.teams).map(([team, people]) =>
        h("li", {}, h("strong", {}, team), ": ", people.join(", "))))),
  ];
}

consoleHeader();
showPage("/policy", document.getElementById("policy"), render, "The policy");
