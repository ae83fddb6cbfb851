// The review inbox: pending reviews, the soonest due first; why a human is asked and where the lead
// would go, first; decisions held for a few seconds so that one made by accident can be undone.
import {
  api, clear, companyLine, h, consoleHeader, percent, personName, reasonsList, reviewer, routeWords,
  settings, subScores, timeLeft, when,
} from "./console.js";

// A decision waits this long before it is sent: long enough to undo a slip, short enough that
// the lead is not kept waiting (the page sends it at once if the SDR leaves).
const UNDO_SECONDS = 10;
const SHORTCUTS_KEY = "leadqual.shortcuts";

const state = {
  reviews: [], // pending, as the API last listed them
  selected: null, // review_id
  outcome: new Map(), // review_id -> what happened when this page decided it, or found it decided
  held: null, // the decision waiting out its undo time: { review, body, words, deadline, timer }
  config: null,
};
const $ = (id) => document.getElementById(id);
const filters = { account: $("filter-account"), trigger: $("filter-trigger"), owner: $("filter-owner") };
const singleColumn = window.matchMedia("(max-width: 800px)");

function ownerKey(review) {
  return review.territory ? `territory ${review.territory}` : review.suggested_owner_name;
}

function visible() {
  return state.reviews.filter(
    (r) =>
      r.review_id !== state.held?.review.review_id &&
      (!filters.account.value || r.account === filters.account.value) &&
      (!filters.trigger.value || r.trigger_words.includes(filters.trigger.value)) &&
      (!filters.owner.value || ownerKey(r) === filters.owner.value),
  );
}

function fillFilter(select, values, allLabel) {
  const chosen = select.value;
  const options = [...new Set(values.filter(Boolean))].sort();
  clear(select, h("option", { value: "" }, allLabel), options.map((v) => h("option", { value: v }, v)));
  select.value = options.includes(chosen) ? chosen : "";
}

function gradeChip(scores) {
  if (!scores) return h("span", { class: "grade grade-none", title: "Not scored" }, "–");
  return h("span", { class: `grade grade-${scores.grade}`, title: `Grade ${scores.grade}` }, scores.grade);
}

function renderQueue() {
  fillFilter(filters.account, state.reviews.map((r) => r.account), "All accounts");
  fillFilter(filters.trigger, state.reviews.flatMap((r) => r.trigger_words), "All triggers");
  fillFilter(filters.owner, state.reviews.map(ownerKey), "Everyone");
  const shown = visible();
  const waiting = state.reviews.length - (state.held ? 1 : 0);
  $("queue-count").textContent =
    shown.length === waiting
      ? `${shown.length} pending review${shown.length === 1 ? "" : "s"}`
      : `${shown.length} of ${waiting} pending reviews`;
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
          onclick: () => select(r.review_id, { tapped: true }),
        },
        h("span", { class: "who" }, personName(r.person)),
        h("span", { class: "what" }, [r.person?.title, r.person?.company?.name ?? r.account].filter(Boolean).join(" · ")),
        h("span", { class: "triggers" }, r.trigger_words.join(" · ")),
        gradeChip(r.scores),
        h("span", { class: "due" }, timeLeft(r.due_at)),
      ),
    ),
  );
  // Nothing hidden can be decided: a review the filters hide leaves the detail pane too.
  const selectedPending = state.reviews.some((r) => r.review_id === state.selected);
  if (selectedPending && !shown.some((r) => r.review_id === state.selected)) {
    if (shown.length) select(shown[0].review_id);
    else {
      state.selected = null;
      renderDetail();
    }
  }
}

function select(reviewId, { tapped = false } = {}) {
  state.selected = reviewId;
  for (const item of document.querySelectorAll(".queue-item")) {
    item.setAttribute("aria-selected", String(item.dataset.reviewId === reviewId));
  }
  document.getElementById(`queue-${reviewId}`)?.scrollIntoView({ block: "nearest" });
  renderDetail();
  // On a phone the detail is below the list: a tap takes the SDR to the review they chose.
  if (tapped && singleColumn.matches) $("detail").scrollIntoView({ block: "start" });
  history.replaceState(null, "", reviewId ? `?review=${encodeURIComponent(reviewId)}` : location.pathname);
}

function move(step) {
  const shown = visible();
  if (!shown.length) return;
  const at = shown.findIndex((r) => r.review_id === state.selected);
  const next = at < 0 ? 0 : Math.min(shown.length - 1, Math.max(0, at + step));
  select(shown[next].review_id);
}

// What the SDR needs to decide, first and next to the buttons: who, why a human is asked, and
// where the lead goes (to whom, by name) if they approve.
function askedPanel(review) {
  const person = review.person;
  return [
    h(
      "header",
      { class: "person" },
      h("h2", { id: "detail-name" }, personName(person)),
      h("p", { class: "title" }, person?.title ?? ""),
      h("p", { class: "company" }, companyLine(person?.company) || review.account || "No account"),
    ),
    h(
      "section",
      { class: "why", "aria-labelledby": "why-heading" },
      h("h3", { id: "why-heading" }, "Why a human is asked"),
      h("ul", { id: "why-review" }, review.why_review.map((w) => h("li", {}, w))),
      h("p", { class: "chips" }, review.trigger_words.map((t) => h("span", { class: "chip" }, t))),
    ),
    h(
      "section",
      { class: "suggestion" },
      h("h3", {}, "If approved"),
      h(
        "p",
        { id: "suggested" },
        h("strong", {}, routeWords(review.suggested_route)),
        " to ",
        h("strong", { id: "suggested-owner" }, review.suggested_owner_name),
        review.territory ? ` (territory ${review.territory})` : "",
        ` — rule ${review.rule}`,
      ),
      h("p", { class: "due" }, `${timeLeft(review.due_at)} (escalates ${when(review.due_at)})`),
    ),
  ];
}

function scoresPanel(review) {
  const scores = review.scores;
  if (!scores) return h("section", { class: "scores" }, h("h3", {}, "Score"), h("p", {}, "Not scored"));
  return h(
    "section",
    { class: "scores" },
    h("h3", {}, "Score"),
    h(
      "p",
      { class: "headline" },
      gradeChip(scores),
      ` Grade ${scores.grade}: ${percent(scores.conversion_probability)} likely to convert (calibrated)`,
    ),
    h("p", { id: "score-band", class: "quiet" }, `Score band: ${review.score_band}.`),
    subScores(scores),
    reasonsList("For", scores.top_positive, "for"),
    reasonsList("Against", scores.top_negative, "against"),
  );
}

function contextPanels(review) {
  return [
    scoresPanel(review),
    h(
      "section",
      { class: "tier" },
      h("h3", {}, "Account tier"),
      h("p", {}, h("strong", {}, review.tier ?? "unknown"), review.tier_reason ? ` — ${review.tier_reason}` : ""),
    ),
    review.recent_behaviour.length || review.intent_topics.length
      ? h(
          "section",
          { class: "signals" },
          h("h3", {}, "Recent behaviour and account research"),
          h("ul", {}, review.recent_behaviour.map((b) => h("li", {}, b))),
          review.intent_topics.length
            ? h("p", { id: "intent-topics" }, "Research topics, strongest first (the intent provider's scores): ",
                review.intent_topics.join(", "))
            : null,
        )
      : null,
    h("p", { class: "email" }, review.person?.email ?? ""),
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
  const decide = (decision) => hold(review, decision, decision === "reroute" ? route.value : null, note.value);
  return h(
    "form",
    { class: "decide", onsubmit: (e) => e.preventDefault() },
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
    h("label", { for: "note" }, "Note"),
    note,
    h("p", { id: "decision-status", class: "status", role: "status" }),
    h("a", { id: "lead-link", href: `leads/${encodeURIComponent(review.lead_id)}` }, "The lead's whole story", h("kbd", {}, "o")),
  );
}

function decidedLine(review) {
  return review.decision
    ? h(
        "p",
        {},
        `${review.decision} by ${review.decided_by} on ${when(review.decided_at)}`,
        review.final_route ? ` → ${routeWords(review.final_route)}` : "",
        review.delivered === false ? " (saved; the workflow has not yet taken it)" : "",
      )
    : h("p", {}, review.status === "expired" ? "Nobody decided before the deadline: escalated to the AE." : review.status);
}

// Decided by someone else: who, and how to have it changed (the decision stands; a person's owner
// change in the CRM is kept by leadqual).
function howToChange(review) {
  return review.decided_by
    ? h("p", { class: "how-to-change" },
        `To change it, ask ${review.decided_by}, or change the lead's owner in the CRM: leadqual keeps a person's change.`)
    : null;
}

function decidedPanel(review, headline) {
  return h(
    "section",
    { id: "decided", class: `decided ${headline.kind}` },
    h("h3", {}, headline.text),
    decidedLine(review),
    review.note ? h("p", { class: "note" }, `Note: ${review.note}`) : null,
    headline.kind === "conflict" ? howToChange(review) : null,
    h("a", { href: `leads/${encodeURIComponent(review.lead_id)}` }, "The lead's whole story"),
  );
}

function renderDetail() {
  const detail = $("detail");
  const outcome = state.outcome.get(state.selected);
  const pending = state.reviews.find((r) => r.review_id === state.selected);
  if (outcome) {
    clear(detail, decidedPanel(outcome.review, outcome.headline), askedPanel(outcome.review), contextPanels(outcome.review));
  } else if (pending && pending.review_id !== state.held?.review.review_id) {
    clear(detail, askedPanel(pending), decisionForm(pending), contextPanels(pending));
  } else {
    const words = state.reviews.length
      ? visible().length ? "Choose a review." : "No pending review matches the filters."
      : "No reviews are waiting. New ones appear here as they arrive.";
    clear(detail, h("p", { class: "empty" }, words));
  }
}

// ----- deciding: held for UNDO_SECONDS, then sent -----
function decisionWords(decision, route, review) {
  const who = personName(review.person);
  if (decision === "approve") return `Approve ${who}: ${routeWords(review.suggested_route)} to ${review.suggested_owner_name}`;
  if (decision === "reject") return `Reject ${who}: nurture`;
  return `Reroute ${who} to ${routeWords(route)}`;
}

function hold(review, decision, route, note) {
  const name = reviewer();
  if (state.config.sign_in === "none" && !name) {
    $("decision-status").textContent = "Give your name first (top right): the decision is recorded under it.";
    $("reviewer-name")?.focus();
    return;
  }
  if (state.held) send(); // one decision waits at a time: the one before goes now
  const body = { decision, reviewer: name || "signed-in", note };
  if (route) body.route = route;
  const next = visible().find((r, i, shown) => shown[i - 1]?.review_id === review.review_id);
  state.held = { review, body, words: decisionWords(decision, route, review), deadline: Date.now() + UNDO_SECONDS * 1000 };
  state.held.timer = setInterval(tick, 250);
  renderQueue();
  // The flow goes on: the next review opens while this one waits out its undo time.
  const following = next ?? visible()[0];
  select(following ? following.review_id : null);
  tick();
}

function tick() {
  const held = state.held;
  if (!held) return;
  const left = Math.ceil((held.deadline - Date.now()) / 1000);
  if (left <= 0) {
    send();
    return;
  }
  const bar = $("last-decision");
  const countdown = `${held.words} — sending in ${left} s`;
  if (bar.dataset.kind === "held" && bar.dataset.review === held.review.review_id) {
    $("held-words").textContent = countdown;
    return;
  }
  bar.dataset.kind = "held";
  bar.dataset.review = held.review.review_id;
  bar.className = "last-decision held";
  clear(
    bar,
    h("span", { id: "held-words" }, countdown),
    h("button", { type: "button", id: "undo", onclick: undo }, "Undo", h("kbd", {}, "u")),
    h("button", { type: "button", id: "send-now", onclick: () => send() }, "Send now"),
  );
}

function undo() {
  const held = state.held;
  if (!held) return;
  clearInterval(held.timer);
  state.held = null;
  report("undone", `Undone: ${personName(held.review.person)} is back in the queue, nothing was sent.`);
  renderQueue();
  select(held.review.review_id);
  $("queue").focus();
}

// Sends the held decision; with `leaving`, as the page unloads (the browser finishes the call).
async function send({ leaving = false } = {}) {
  const held = state.held;
  if (!held) return;
  clearInterval(held.timer);
  state.held = null;
  const review = held.review;
  const path = `/reviews/${encodeURIComponent(review.review_id)}/decision`;
  if (leaving) {
    api(path, { method: "POST", body: held.body, keepalive: true });
    return;
  }
  report("sending", `${held.words} — sending…`);
  const answer = await api(path, { method: "POST", body: held.body });
  if (answer.ok) {
    const decided = { ...answer.data, person: answer.data.person ?? review.person };
    settle(decided, { kind: "done", text: decidedWords(held.body.decision, decided, review) });
    return;
  }
  if (answer.status === 409) {
    // Someone decided first (or the deadline passed): say plainly who decided what, when, and how
    // to have it changed.
    const current = await api(`/reviews/${encodeURIComponent(review.review_id)}`);
    const found = current.ok ? { ...current.data, person: current.data.person ?? review.person } : review;
    settle(found, closedHeadline(found, "Already decided by"));
    return;
  }
  // Not taken: the review is back in the queue, open, with the reason.
  renderQueue();
  select(review.review_id);
  const words =
    answer.status === 503
      ? "Your decision is saved but not yet delivered. Decide the same again to deliver it."
      : (answer.data?.message ?? `The decision was not taken (HTTP ${answer.status}).`);
  report("failed", `${personName(review.person)}: ${words}`);
}

function report(kind, text, review = null) {
  const bar = $("last-decision");
  bar.dataset.kind = kind;
  bar.dataset.review = review?.review_id ?? "";
  bar.className = `last-decision ${kind}`;
  clear(
    bar,
    h("span", { id: "last-words" }, text),
    review ? [decidedLine(review), kind === "conflict" ? howToChange(review) : null] : null,
    review ? h("a", { href: `leads/${encodeURIComponent(review.lead_id)}` }, "The lead's whole story") : null,
  );
}

function decidedWords(decision, decided, review) {
  const route = routeWords(decided.final_route);
  const who = personName(review.person);
  if (decision === "approve") return `Approved ${who}: ${route} to ${review.suggested_owner_name}`;
  if (decision === "reject") return `Rejected ${who}: the lead goes to ${route}`;
  return `Rerouted ${who} to ${route}`;
}

// A review this page did not decide: who did, or that it closed without anyone (escalated).
function closedHeadline(review, prefix = "Decided by") {
  return { kind: "conflict", text: review.decided_by ? `${prefix} ${review.decided_by}` : "This review is closed" };
}

function settle(review, headline) {
  state.outcome.set(review.review_id, { review, headline });
  state.reviews = state.reviews.filter((r) => r.review_id !== review.review_id);
  report(headline.kind, headline.text, review);
  renderQueue();
  if (state.selected === review.review_id) renderDetail();
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

// ----- keys: only while the list has focus, and only when the SDR has not turned them off -----
// (WCAG 2.1.4: a single letter typed elsewhere, or by speech input, never decides anything.)
function shortcutsOn() {
  return localStorage.getItem(SHORTCUTS_KEY) !== "off";
}

function onListKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const moves = { ArrowDown: () => move(1), ArrowUp: () => move(-1) };
  const letters = {
    j: () => move(1),
    k: () => move(-1),
    a: () => $("approve")?.click(),
    x: () => $("reject")?.click(),
    r: () => $("reroute-to")?.focus(),
    n: () => $("note")?.focus(),
    u: () => undo(),
    o: () => $("lead-link")?.click(),
  };
  const action = moves[event.key] ?? (shortcutsOn() ? letters[event.key] : undefined);
  if (action) {
    event.preventDefault();
    action();
  }
}

function onDetailKey(event) {
  // Esc in the note or the route list goes back to the list; Enter in the route list reroutes.
  if (event.key === "Escape" && ["note", "reroute-to"].includes(event.target.id)) {
    event.preventDefault();
    $("queue").focus();
  } else if (event.target.id === "reroute-to" && event.key === "Enter") {
    event.preventDefault();
    $("reroute")?.click();
  }
}

function showShortcuts() {
  const on = shortcutsOn();
  $("shortcuts-on").checked = on;
  document.body.classList.toggle("no-shortcuts", !on);
}

async function start() {
  state.config = await settings();
  await consoleHeader();
  for (const select of Object.values(filters)) select.addEventListener("change", () => renderQueue());
  $("queue").addEventListener("keydown", onListKey);
  $("detail").addEventListener("keydown", onDetailKey);
  $("shortcuts-on").addEventListener("change", (event) => {
    localStorage.setItem(SHORTCUTS_KEY, event.target.checked ? "on" : "off");
    showShortcuts();
  });
  showShortcuts();
  // Leaving (or closing) the page never loses a held decision: it goes at once.
  window.addEventListener("pagehide", () => send({ leaving: true }));
  await refresh();
  await openLinkedReview();
  if (!state.selected) move(0);
  if (document.activeElement === document.body) $("queue").focus({ preventScroll: true });
  setInterval(refresh, state.config.refresh_seconds * 1000);
  setInterval(renderQueue, 30_000); // time left
}

start();
