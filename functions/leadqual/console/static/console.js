// What every console page shares: the API, who is deciding, and elements built from text only.
//
// No page ever puts a lead's text into markup: `h` appends strings as text nodes, and links are
// made from ids the API validated. The Content-Security-Policy refuses inline scripts besides.

// "" under `leadqual serve`, "/v1" behind API Gateway's stage: the API lives beside /console/.
export const base = location.pathname.slice(0, location.pathname.indexOf("/console/"));
export const consoleRoot = `${base}/console/`;

let settingsAnswer;
export function settings() {
  settingsAnswer ??= fetch(`${consoleRoot}settings`, { headers: { Accept: "application/json" } }).then(
    (r) => r.json(),
  );
  return settingsAnswer;
}

// `accept: "text/html"` asks for the server's markup (the reports' charts), read as text.
export async function api(path, { method = "GET", body, accept = "application/json" } = {}) {
  const headers = { Accept: accept };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch (error) {
    return { status: 0, ok: false, data: { message: `The API could not be reached (${error.message})` } };
  }
  let data = null;
  try {
    data = accept === "text/html" && response.ok ? await response.text() : await response.json();
  } catch {
    data = null;
  }
  return { status: response.status, ok: response.ok, data };
}

// An element with attributes, listeners and children; strings become text nodes, never markup.
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node, ...children) {
  node.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

// ----- who decides -----
// `leadqual serve` authenticates no one, so the SDR gives a name and decisions are recorded under
// it. In AWS the API takes the reviewer from the signed-in person's token instead.
const REVIEWER_KEY = "leadqual.reviewer";

export function reviewer() {
  return (localStorage.getItem(REVIEWER_KEY) ?? "").trim();
}

export async function identityBar(onChange) {
  const config = await settings();
  const bar = document.getElementById("identity");
  if (config.sign_in === "none") {
    const input = h("input", {
      id: "reviewer-name",
      type: "text",
      maxlength: "200",
      autocomplete: "name",
      placeholder: "Your name",
      value: reviewer(),
      "aria-describedby": "no-auth-note",
    });
    input.addEventListener("change", () => {
      localStorage.setItem(REVIEWER_KEY, input.value.trim());
      onChange?.();
    });
    clear(
      bar,
      h("label", { for: "reviewer-name" }, "Deciding as "),
      input,
      h("span", { id: "no-auth-note", class: "note" }, "leadqual serve does no sign-in: decisions are recorded under this name"),
    );
  } else {
    clear(bar, h("span", { class: "note" }, "Sign-in is not configured for this deployment"));
  }
  return config;
}

// ----- words and numbers -----
export function personName(person) {
  if (!person) return "(lead details unavailable)";
  const name = [person.first_name, person.last_name].filter(Boolean).join(" ");
  return name || person.email;
}

export function companyLine(company) {
  if (!company) return "";
  const size = company.employees != null ? `${company.employees.toLocaleString("en-US")} employees` : null;
  return [company.name, company.domain, size, company.industry, company.country].filter(Boolean).join(" · ");
}

export function percent(probability) {
  return probability == null ? "n/a" : `${(probability * 100).toFixed(1)}%`;
}

export function timeLeft(dueAt, now = Date.now()) {
  const seconds = Math.round((new Date(dueAt).getTime() - now) / 1000);
  if (seconds <= 0) return "due now: escalates to the AE";
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (hours >= 24) return `${Math.floor(hours / 24)} d ${hours % 24} h left`;
  if (hours >= 1) return `${hours} h ${minutes} min left`;
  if (minutes >= 1) return `${minutes} min left`;
  return `${seconds} s left`;
}

export function when(iso) {
  if (!iso) return "";
  const at = new Date(iso);
  return at.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }) + " UTC";
}

export const ROUTE_WORDS = {
  sdr_outreach: "SDR outreach",
  ae_notify: "Notify the account executive",
  nurture: "Nurture",
  hold: "Hold",
};

export function routeWords(action) {
  return ROUTE_WORDS[action] ?? action;
}

export function meter(label, value) {
  const id = `meter-${label.toLowerCase()}-${Math.random().toString(36).slice(2, 8)}`;
  return h(
    "div",
    { class: "meter" },
    h("label", { for: id }, label),
    h("meter", { id, min: "0", max: "100", low: "34", high: "67", optimum: "100", value: String(value) }),
    h("span", { class: "value" }, String(value)),
  );
}

export function reasonsList(title, reasons, kind) {
  if (!reasons?.length) return null;
  return h(
    "section",
    { class: `reasons ${kind}` },
    h("h4", {}, title),
    h("ul", {}, reasons.map((r) => h("li", {}, r.text))),
  );
}
