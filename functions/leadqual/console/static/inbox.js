// The review inbox: pending reviews, the soonest due first, and one-click (or one-key) decisions.
import {
  api, clear, companyLine, h, consoleHeader, meter, percent, personName, reasonsList, reviewer,
  routeWords, settings, timeLeft, when,
} from "./console.js";

const state = {
  reviews: [], // pending, as the API last listed them
  selected: null, // review_id
  outcome: new Map(), // review_id -> what happened when this page decided it, or found it decided
  config: null,
};
const $ = (id) => document.getElementById(id);
const filters = { account: $("filter-account"), trigger: $("filter-trigger"), owner: $("filter-owner") };

function ownerKey(review) {
  return review.territory ? `territory ${review.territory}` : review.suggested_owner;
}

function visible() {
  return state.reviews.filter(
    (r) =>
      (!filters.account.value || r.account === filters.account.value) &&
      (!filters.trigger.value || r.triggers.includes(filters.trigger.value)) &&
      (!filters.owner.value || ownerKey(r) === filters.owner.value),
  );
}

function fillFilter(select, values, allLabel) {
  const chosen = select.value;
  const options = [...new Set(values.filter(Boolean))].sort();
  clear(select, h("option", { value: "" }, allLabel), options.map((v) => h("option", { value: v }, v)));
  select.value = options.includes(chosen) ? chosen : "";
}

function renderQueue() {
  fillFilter(filters.account, state.reviews.map((r) => r.account), "All accounts");
  fillFilter(filters.trigger, state.reviews.flatMap((r) => r.triggers), "All triggers");
  fillFilter(filters.owner, state.reviews.map(ownerKey), "Everyone");
  const shown = visible();
  $("queue-count").textContent =
    shown.length === state.reviews.length
      ? `${shown.length} pending review${shown.length === 1 ? "" : "s"}`
      : `${shown.length} of ${state.reviews.length} pending reviews`;
  clear(
    $("queue"),
    shown.map((r) =>
      h(
        "li",
        {
          id: `queue-${r.review_id}`,
          role: "option",
          class: "queue-item",
          "data-review-id": r.review_id,
          "aria-selected": String(r.review_id === state.selected),
          onclick: () => select(r.review_id),
        },
        h("span", { class: "who" }, personName(r.person)),
        h("span", { class: "what" }, [r.person?.title, r.person?.company?.name ?? r.account].filter(Boolean).join(" · ")),
        h("span", { class: `grade grade-${r.scores?.grade ?? "none"}` }, r.scores?.grade ?? "–"),
        h("span", { class: "due" }, timeLeft(r.due_at)),
      ),
    ),
  );
}

function select(reviewId) {
  state.selected = reviewId;
  for (const item of document.querySelectorAll(".queue-item")) {
    item.setAttribute("aria-selected", String(item.dataset.reviewId === reviewId));
  }
  document.getElementById(`queue-${reviewId}`)?.scrollIntoView({ block: "nearest" });
  renderDetail();
  history.replaceState(null, "", `?review=${encodeURIComponent(reviewId)}`);
}

function move(step) {
  const shown = visible();
  if (!shown.length) return;
  const at = shown.findIndex((r) => r.review_id === state.selected);
  const next = at < 0 ? 0 : Math.min(shown.length - 1, Math.max(0, at + step));
  select(shown[next].review_id);
}

function reviewDetail(review) {
  const person = review.person;
  const scores = review.scores;
  return [
    h(
      "header",
      { class: "person" },
      h("h2", { id: "detail-name" }, personName(person)),
      h("p", { class: "title" }, person?.title ?? ""),
      h("p", { class: "email" }, person?.email ?? ""),
      h("p", { class: "company" }, companyLine(person?.company) || review.account || "No account"),
    ),
    h(
      "section",
      { class: "tier" },
      h("h3", {}, "Account tier"),
      h("p", {}, h("strong", {}, review.tier ?? "unknown"), review.tier_reason ? ` — ${review.tier_reason}` : ""),
    ),
    scores
      ? h(
          "section",
          { class: "scores" },
          h("h3", {}, "Score"),
          h(
            "p",
            { class: "headline" },
            h("span", { class: `grade grade-${scores.grade}` }, scores.grade),
            ` ${percent(scores.conversion_probability)} likely to convert (calibrated)`,
          ),
          meter("Fit", scores.fit),
          meter("Engagement", scores.engagement),
          meter("Intent", scores.intent),
          reasonsList("For", scores.top_positive, "for"),
          reasonsList("Against", scores.top_negative, "against"),
        )
      : h("section", { class: "scores" }, h("h3", {}, "Score"), h("p", {}, "Not scored")),
    h(
      "section",
      { class: "why" },
      h("h3", {}, "Why a human is asked"),
      h("ul", { id: "why-review" }, review.why_review.map((w) => h("li", {}, w))),
      h("p", { class: "chips" }, review.triggers.map((t) => h("span", { class: "chip" }, t))),
    ),
    review.recent_behaviour.length || review.intent_topics.length
      ? h(
          "section",
          { class: "signals" },
          h("h3", {}, "Recent behaviour and intent"),
          h("ul", {}, review.recent_behaviour.map((b) => h("li", {}, b))),
          review.intent_topics.length
            ? h("p", {}, "Intent topics: ", review.intent_topics.join(", "))
            : null,
        )
      : null,
    h(
      "section",
      { class: "suggestion" },
      h("h3", {}, "Suggested route"),
      h(
        "p",
        { id: "suggested" },
        h("strong", {}, routeWords(review.suggested_route)),
        ` to ${review.suggested_owner}`,
        review.territory ? ` (territory ${review.territory})` : "",
        ` — rule ${review.rule}`,
      ),
      h("p", { class: "due" }, `${timeLeft(review.due_at)} (escalates ${when(review.due_at)})`),
    ),
  ];
}

function decisionForm(review) {
  const routes = state.config.routes.filter((r) => r !== review.suggested_route);
  const note = h("textarea", { id: "note", rows: "2", maxlength: "2000", placeholder: "A note for the record (optional)" });
  const route = h(
    "select",
    { id: "reroute-to", "aria-label": "Reroute to" },
    routes.map((r) => h("option", { value: r }, routeWords(r))),
  );
  const decide = (decision) => submit(review, decision, decision === "reroute" ? route.value : null, note.value);
  return h(
    "form",
    { class: "decide", onsubmit: (e) => e.preventDefault() },
    h("label", { for: "note" }, "Note"),
    note,
    h(
      "div",
      { class: "buttons" },
      h("button", { type: "button", id: "approve", class: "approve", onclick: () => decide("approve") }, "Approve", h("kbd", {}, "a")),
      h("button", { type: "button", id: "reject", class: "reject", onclick: () => decide("reject") }, "Reject", h("kbd", {}, "x")),
      h(
        "span",
        { class: "reroute" },
        h("button", { type: "button", id: "reroute", onclick: () => decide("reroute") }, "Reroute", h("kbd", {}, "r")),
        route,
      ),
    ),
    h("p", { id: "decision-status", class: "status", role: "status" }),
    h("a", { id: "lead-link", href: `leads/${encodeURIComponent(review.lead_id)}` }, "The lead's whole story", h("kbd", {}, "o")),
  );
}

function decidedPanel(review, headline) {
  return h(
    "section",
    { id: "decided", class: `decided ${headline.kind}` },
    h("h3", {}, headline.text),
    review.decision
      ? h(
          "p",
          {},
          `${review.decision} by ${review.decided_by} on ${when(review.decided_at)}`,
          review.final_route ? ` → ${routeWords(review.final_route)}` : "",
          review.delivered === false ? " (saved; the workflow has not yet taken it)" : "",
        )
      : h("p", {}, review.status === "expired" ? "Nobody decided before the deadline: escalated to the AE." : review.status),
    review.note ? h("p", { class: "note" }, `Note: ${review.note}`) : null,
    h("a", { href: `leads/${encodeURIComponent(review.lead_id)}` }, "The lead's whole story"),
  );
}

function renderDetail() {
  const detail = $("detail");
  const outcome = state.outcome.get(state.selected);
  const pending = state.reviews.find((r) => r.review_id === state.selected);
  if (outcome) {
    clear(detail, decidedPanel(outcome.review, outcome.headline), reviewDetail(outcome.review));
  } else if (pending) {
    clear(detail, decisionForm(pending), reviewDetail(pending));
  } else {
    clear(detail, h("p", { class: "empty" }, state.reviews.length ? "Choose a review." : "No reviews are waiting. New ones appear here as they arrive."));
  }
}

async function submit(review, decision, route, note) {
  const status = $("decision-status");
  const name = reviewer();
  if (state.config.sign_in === "none" && !name) {
    status.textContent = "Give your name first (top right): the decision is recorded under it.";
    $("reviewer-name")?.focus();
    return;
  }
  for (const button of document.querySelectorAll(".decide button")) button.disabled = true;
  status.textContent = "Sending…";
  const body = { decision, reviewer: name || "signed-in", note };
  if (route) body.route = route;
  const answer = await api(`/reviews/${encodeURIComponent(review.review_id)}/decision`, { method: "POST", body });
  if (answer.ok) {
    const decided = { ...answer.data, person: answer.data.person ?? review.person };
    settle(decided, { kind: "done", text: decidedWords(decision, decided, review) });
    return;
  }
  if (answer.status === 409) {
    // Someone decided first (or the deadline passed): say plainly who decided what, and when.
    const current = await api(`/reviews/${encodeURIComponent(review.review_id)}`);
    const found = current.ok ? { ...current.data, person: current.data.person ?? review.person } : review;
    settle(found, closedHeadline(found, "Already decided by"));
    return;
  }
  for (const button of document.querySelectorAll(".decide button")) button.disabled = false;
  status.textContent =
    answer.status === 503
      ? "Your decision is saved but not yet delivered. Press the same button again to deliver it."
      : (answer.data?.message ?? `The decision was not taken (HTTP ${answer.status}).`);
}

function decidedWords(decision, decided, review) {
  const route = routeWords(decided.final_route);
  if (decision === "approve") return `Approved: ${route} to ${review.suggested_owner}`;
  if (decision === "reject") return `Rejected: the lead goes to ${route}`;
  return `Rerouted to ${route}`;
}

// A review this page did not decide: who did, or that it closed without anyone (escalated).
function closedHeadline(review, prefix = "Decided by") {
  return { kind: "conflict", text: review.decided_by ? `${prefix} ${review.decided_by}` : "This review is closed" };
}

function settle(review, headline) {
  state.outcome.set(review.review_id, { review, headline });
  state.reviews = state.reviews.filter((r) => r.review_id !== review.review_id);
  renderQueue();
  renderDetail();
}

async function refresh() {
  const answer = await api("/reviews?limit=500");
  if (!answer.ok) {
    $("queue-count").textContent = answer.data?.message ?? `Reviews could not be read (HTTP ${answer.status}).`;
    return;
  }
  const before = state.reviews.find((r) => r.review_id === state.selected);
  state.reviews = answer.data.reviews;
  renderQueue();
  const still = state.reviews.some((r) => r.review_id === state.selected);
  if (before && !still && !state.outcome.has(state.selected)) {
    // Decided elsewhere (another SDR, or escalation) while this page showed it.
    const current = await api(`/reviews/${encodeURIComponent(state.selected)}`);
    if (current.ok) {
      state.outcome.set(state.selected, { review: current.data, headline: closedHeadline(current.data) });
    }
    renderDetail();
  } else if (!before && !state.outcome.has(state.selected)) {
    renderDetail();
  }
}

async function openLinkedReview() {
  const wanted = new URLSearchParams(location.search).get("review");
  if (!wanted) return;
  state.selected = wanted;
  if (!state.reviews.some((r) => r.review_id === wanted)) {
    const answer = await api(`/reviews/${encodeURIComponent(wanted)}`);
    if (answer.ok && answer.data.status !== "pending") {
      state.outcome.set(wanted, { review: answer.data, headline: closedHeadline(answer.data) });
    }
  }
  select(wanted);
}

function onKey(event) {
  const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement?.tagName);
  if (event.key === "Escape" && typing) {
    document.activeElement.blur();
    return;
  }
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  const actions = {
    j: () => move(1),
    ArrowDown: () => move(1),
    k: () => move(-1),
    ArrowUp: () => move(-1),
    a: () => $("approve")?.click(),
    x: () => $("reject")?.click(),
    r: () => {
      const route = $("reroute-to");
      if (route) route.focus();
    },
    n: () => $("note")?.focus(),
    o: () => $("lead-link")?.click(),
  };
  const action = actions[event.key];
  if (action) {
    event.preventDefault();
    action();
  }
}

function onRouteKey(event) {
  // In the route list, Enter reroutes to the route chosen.
  if (event.target.id === "reroute-to" && event.key === "Enter") {
    event.preventDefault();
    $("reroute")?.click();
  }
}

async function start() {
  state.config = await settings();
  await consoleHeader();
  for (const select of Object.values(filters)) select.addEventListener("change", () => { renderQueue(); });
  document.addEventListener("keydown", onKey);
  document.addEventListener("keydown", onRouteKey, true);
  await refresh();
  await openLinkedReview();
  if (!state.selected) move(0);
  setInterval(refresh, state.config.refresh_seconds * 1000);
  setInterval(renderQueue, 30_000); // time left
}

start();
