// The roster, for RevOps and reps: who takes each pool's leads and why the next one goes where it
// goes; RevOps edits a rep (weight, caps, hours, pools, active); a rep sets their own time off.
// From GET /roster; edits are PUTs over the version read, so nobody overwrites another's edit.
import { api, candidateTable, clear, consoleHeader, h, reviewer, signedInPerson, when } from "./console.js";

const $ = (id) => document.getElementById(id);
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
let roster;

function capText(held, cap) {
  return cap == null ? `${held}` : `${held} of ${cap}`;
}

function hoursText(hours) {
  if (!hours) return "any time";
  return `${hours.days.join(" ")} ${hours.start.slice(0, 5)}–${hours.end.slice(0, 5)} ${hours.timezone}`;
}

function awayText(away) {
  return away.length ? away.map((a) => `${when(a.start)} – ${when(a.end)}${a.note ? ` (${a.note})` : ""}`).join("; ") : "none";
}

function pools(overview) {
  return overview.pools.map((pool) =>
    h("section", { class: "panel", "aria-labelledby": `pool-${pool.pool}` },
      h("h2", { id: `pool-${pool.pool}` }, `Pool ${pool.pool}`),
      h("p", { class: "quiet" },
        `Ledger ${pool.cycle}: ${pool.leads.toFixed(1)} leads. Shares ${pool.settings.value_weight === 0 ? "equal numbers of leads" : `leads and pipeline (lambda ${pool.settings.value_weight})`} by weight; `,
        `a newcomer starts at the pool's ${pool.settings.newcomer}; back from time off: ${pool.settings.returning}`,
        pool.settings.returning === "limited" ? ` (at most ${pool.settings.extra_per_day} extra a day)` : "", ". ",
        h("strong", {}, pool.next_rep ? `Next lead: ${pool.next_rep}.` : "Next lead: the team queue (nobody eligible).")),
      candidateTable(pool.candidates, `Who would take pool ${pool.pool}'s next lead`)));
}

function reps(overview) {
  return h("section", { class: "panel", "aria-labelledby": "reps-heading" },
    h("h2", { id: "reps-heading" }, "Reps"),
    h("table", { id: "reps", class: "report-table" },
      h("thead", {}, h("tr", {}, ["Rep", "Pools", "Weight", "Open", "Today", "This week", "Hours", "Time off", "Active"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, overview.reps.map((r) =>
        h("tr", { class: r.active ? "" : "excluded" },
          h("th", { scope: "row" }, r.display_name ? `${r.display_name} (${r.rep})` : r.rep, r.role !== "rep" ? `, ${r.role}: takes no lead` : ""),
          h("td", {}, r.pools.join(", ")),
          h("td", {}, String(r.weight)),
          h("td", {}, capText(r.open_leads, r.caps.open)),
          h("td", {}, capText(r.today, r.caps.daily)),
          h("td", {}, capText(r.this_week, r.caps.weekly)),
          h("td", {}, hoursText(r.hours), r.at_work ? " (at work)" : " (off)"),
          h("td", {}, awayText(r.away)),
          h("td", {}, r.active ? "yes" : "no"))))));
}

function field(id, label, input) {
  return h("p", { class: "field" }, h("label", { for: id }, label), input);
}

function repPicker(id, chosen) {
  return h("select", { id }, roster.reps.map((r) => h("option", { value: r.rep, selected: r.rep === chosen ? "" : null }, r.rep)));
}

function editForm() {
  const form = h("form", { id: "edit-rep", class: "panel" },
    h("h2", {}, "Change a rep (RevOps, managers)"),
    field("edit-which", "Rep", repPicker("edit-which", roster.reps[0]?.rep)),
    h("div", { id: "edit-fields" }),
    h("button", { type: "submit" }, "Save"),
    h("p", { id: "edit-said", role: "status" }));
  const fill = () => {
    const r = roster.reps.find((x) => x.rep === form.querySelector("#edit-which").value);
    const hours = r.hours ?? { timezone: "UTC", days: DAYS.slice(0, 5), start: "09:00", end: "17:30" };
    clear(form.querySelector("#edit-fields"),
      field("edit-pools", "Pools (comma separated)", h("input", { id: "edit-pools", value: r.pools.join(", ") })),
      field("edit-weight", "Weight", h("input", { id: "edit-weight", type: "number", min: "0.1", step: "0.1", value: String(r.weight) })),
      field("edit-open", "Open cap", h("input", { id: "edit-open", type: "number", min: "0", value: r.caps.open ?? "" })),
      field("edit-daily", "Daily cap", h("input", { id: "edit-daily", type: "number", min: "0", value: r.caps.daily ?? "" })),
      field("edit-weekly", "Weekly cap", h("input", { id: "edit-weekly", type: "number", min: "0", value: r.caps.weekly ?? "" })),
      field("edit-any-time", "Works any time", h("input", { id: "edit-any-time", type: "checkbox", checked: r.hours ? null : "" })),
      field("edit-zone", "Time zone", h("input", { id: "edit-zone", value: hours.timezone })),
      field("edit-days", "Days", h("input", { id: "edit-days", value: hours.days.join(" ") })),
      field("edit-start", "Starts", h("input", { id: "edit-start", type: "time", value: hours.start.slice(0, 5) })),
      field("edit-end", "Ends", h("input", { id: "edit-end", type: "time", value: hours.end.slice(0, 5) })),
      field("edit-active", "Active", h("input", { id: "edit-active", type: "checkbox", checked: r.active ? "" : null })),
      field("edit-hubspot", "HubSpot owner id", h("input", { id: "edit-hubspot", inputmode: "numeric", value: r.crm_user?.hubspot ?? "" })),
      field("edit-salesforce", "Salesforce user id", h("input", { id: "edit-salesforce", value: r.crm_user?.salesforce ?? "" })));
  };
  form.querySelector("#edit-which").addEventListener("change", fill);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const r = roster.reps.find((x) => x.rep === $("edit-which").value);
    const number = (id) => ($(id).value === "" ? null : Number($(id).value));
    const text = (id) => $(id).value.trim() || null;
    const crmUser = () => (text("edit-hubspot") || text("edit-salesforce")
      ? { hubspot: text("edit-hubspot"), salesforce: text("edit-salesforce") } : null);
    const body = {
      email: r.email, display_name: r.display_name, slack_user_id: r.slack_user_id, away: r.away,
      pools: $("edit-pools").value.split(",").map((p) => p.trim()).filter(Boolean),
      weight: Number($("edit-weight").value),
      caps: { open: number("edit-open"), daily: number("edit-daily"), weekly: number("edit-weekly") },
      hours: $("edit-any-time").checked ? null : {
        timezone: $("edit-zone").value.trim(), days: $("edit-days").value.split(/[\s,]+/).filter(Boolean),
        start: $("edit-start").value, end: $("edit-end").value,
      },
      active: $("edit-active").checked,
      role: r.role,
      crm_user: crmUser(),
      version: r.version,
    };
    const answer = await api(`/roster/${encodeURIComponent(r.rep)}`, { method: "PUT", body });
    await show(r.rep);
    $("edit-said").textContent = answer.ok ? `Saved ${r.rep} (version ${answer.data.version}).` : problem(answer);
  });
  fill();
  return form;
}

function problem(answer) {
  const fields = (answer.data?.errors ?? []).map((e) => `${e.field}: ${e.message}`).join("; ");
  return `${answer.data?.message ?? `Not saved (${answer.status})`}${fields ? ` (${fields})` : ""}`;
}

function me() {
  const person = signedInPerson();
  const names = [person?.["cognito:username"], person?.email, reviewer()].filter(Boolean);
  return roster.reps.find((r) => names.includes(r.rep) || names.includes(r.email))?.rep ?? roster.reps[0]?.rep;
}

function awayForm() {
  const form = h("form", { id: "time-off", class: "panel" },
    h("h2", {}, "Time off"),
    h("p", { class: "quiet" }, "While away a rep takes no new lead; back, they are owed what the pool says."),
    field("away-which", "Rep", repPicker("away-which", me())),
    h("ul", { id: "away-list" }),
    field("away-start", "From", h("input", { id: "away-start", type: "datetime-local", required: "" })),
    field("away-end", "Until", h("input", { id: "away-end", type: "datetime-local", required: "" })),
    field("away-note", "Note", h("input", { id: "away-note", maxlength: "200" })),
    h("button", { type: "submit" }, "Add time off"),
    h("p", { id: "away-said", role: "status" }));
  const save = async (rep, away, said) => {
    const answer = await api(`/roster/${encodeURIComponent(rep.rep)}/away`, { method: "PUT", body: { away, version: rep.version } });
    await show(rep.rep);
    $("away-said").textContent = answer.ok ? said : problem(answer);
  };
  const list = () => {
    const rep = roster.reps.find((x) => x.rep === form.querySelector("#away-which").value);
    clear(form.querySelector("#away-list"), rep.away.length
      ? rep.away.map((a, i) => h("li", {}, `${when(a.start)} – ${when(a.end)}${a.note ? ` (${a.note})` : ""} `,
          h("button", { type: "button", onclick: () => save(rep, rep.away.filter((_, j) => j !== i), "Removed.") }, "Remove")))
      : h("li", {}, "No time off planned."));
  };
  form.querySelector("#away-which").addEventListener("change", list);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const rep = roster.reps.find((x) => x.rep === $("away-which").value);
    const period = { start: new Date($("away-start").value).toISOString(), end: new Date($("away-end").value).toISOString(), note: $("away-note").value };
    save(rep, [...rep.away, period], `Time off added for ${rep.rep}.`);
  });
  list();
  return form;
}

async function show(selected) {
  const answer = await api("/roster");
  if (!answer.ok) {
    clear($("roster"), h("p", { class: "error" }, answer.data?.message ?? `The roster could not be read (${answer.status})`));
    return;
  }
  roster = answer.data;
  clear($("roster"), h("h1", {}, "Roster"), pools(roster), reps(roster), h("div", { class: "forms" }, awayForm(), editForm()));
  if (selected) {
    $("edit-which").value = selected;
    $("edit-which").dispatchEvent(new Event("change"));
  }
}

consoleHeader();
show();
