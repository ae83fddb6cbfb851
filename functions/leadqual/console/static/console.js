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

// ----- signing in (AWS): the user pool's hosted pages, code flow with PKCE -----
// The ID token lives in this tab's sessionStorage only, and goes to the API as `Authorization`,
// which API Gateway's Cognito authorizer checks. Under `leadqual serve` nobody signs in.
const TOKEN_KEY = "leadqual.idToken";
const PKCE_KEY = "leadqual.pkce";

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function claimsOf(token) {
  try {
    return JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
  } catch {
    return null;
  }
}

// The person signed in (their token's claims), or null under `leadqual serve`.
export function signedInPerson() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? claimsOf(token) : null;
}

function redirectUri() {
  return `${location.origin}${consoleRoot}`;
}

async function startSignIn(config) {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(48)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(24)));
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  // Back to the page asked for (a review's link, say) once signed in.
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, back: location.pathname + location.search }));
  const query = new URLSearchParams({
    response_type: "code", client_id: config.client_id, redirect_uri: redirectUri(),
    scope: "openid email profile", code_challenge: challenge, code_challenge_method: "S256", state,
  });
  location.assign(`${config.sign_in_url}/oauth2/authorize?${query}`);
  return new Promise(() => {}); // the page is leaving
}

async function finishSignIn(config, code, state) {
  const started = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? "null");
  sessionStorage.removeItem(PKCE_KEY);
  if (!started || started.state !== state) return startSignIn(config);
  const response = await fetch(`${config.sign_in_url}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code", client_id: config.client_id, code,
      redirect_uri: redirectUri(), code_verifier: started.verifier,
    }),
  });
  const tokens = response.ok ? await response.json() : null;
  if (!tokens?.id_token) return startSignIn(config);
  sessionStorage.setItem(TOKEN_KEY, tokens.id_token);
  // The code leaves the address bar; a page other than the inbox is opened again.
  if (new URL(started.back, location.origin).pathname !== location.pathname) {
    location.replace(started.back);
    return new Promise(() => {});
  }
  history.replaceState(null, "", started.back);
  return tokens.id_token;
}

let tokenAnswer;
// The person's ID token (signing in first when there is none, or it has expired); null when the
// console has no sign-in (`leadqual serve`).
export function idToken() {
  tokenAnswer ??= (async () => {
    const config = await settings();
    if (config.sign_in !== "cognito") return null;
    if (!config.sign_in_url || !config.client_id) throw new Error("sign-in is not configured");
    const params = new URLSearchParams(location.search);
    if (params.get("code")) return finishSignIn(config, params.get("code"), params.get("state"));
    const token = sessionStorage.getItem(TOKEN_KEY);
    const claims = token ? claimsOf(token) : null;
    if (claims && claims.exp * 1000 > Date.now() + 60_000) return token;
    return startSignIn(config);
  })();
  return tokenAnswer;
}

export function signOut(config) {
  sessionStorage.removeItem(TOKEN_KEY);
  const query = new URLSearchParams({ client_id: config.client_id, logout_uri: redirectUri() });
  location.assign(`${config.sign_in_url}/logout?${query}`);
}

// `accept: "text/html"` asks for the server's markup (the reports' charts), read as text. Every
// call goes to the console's signed-in twin of the route (settings().api, "/console/api").
// `keepalive: true` lets a call outlive the page (a held decision sent as the SDR leaves).
export async function api(path, { method = "GET", body, accept = "application/json", keepalive = false } = {}) {
  const headers = { Accept: accept };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    const [config, token] = await Promise.all([settings(), idToken()]);
    if (token) headers.Authorization = token;
    response = await fetch(base + config.api + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      keepalive,
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
  const person = signedInPerson();
  if (person) return person.email ?? person["cognito:username"] ?? "signed-in";
  return (localStorage.getItem(REVIEWER_KEY) ?? "").trim();
}

// The pages, in the header's order: one list, so a new page is one line here.
const PAGES = [
  ["", "Review inbox"],
  ["roster", "Roster"],
  ["reports", "Reports"],
  ["policy", "Policy"],
  ["crm", "CRM sync"],
];

function navigation() {
  const here = location.pathname.slice(consoleRoot.length);
  clear(
    document.getElementById("console-nav"),
    PAGES.map(([path, title]) =>
      h("a", { href: consoleRoot + path, "aria-current": here === path ? "page" : null }, title),
    ),
  );
}

// A read-only page's body: what `path` answers, drawn by `render`, or why it could not be read.
export async function showPage(path, page, render, what) {
  const answer = await api(path);
  if (!answer.ok) {
    clear(page, h("p", { class: "error" }, answer.data?.message ?? `${what} could not be read (${answer.status})`));
    return;
  }
  clear(page, render(answer.data));
}

// Every page's header: the console's pages, and who is deciding.
export async function consoleHeader(onChange) {
  navigation();
  return identityBar(onChange);
}

async function identityBar(onChange) {
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
    await idToken().catch(() => null);
    const person = signedInPerson();
    clear(
      bar,
      person
        ? [
            h("span", { id: "signed-in" }, "Signed in as ", person.email ?? person["cognito:username"]),
            h("span", { class: "note" }, (person["cognito:groups"] ?? []).join(", ")),
            h("button", { type: "button", id: "sign-out", onclick: () => signOut(config) }, "Sign out"),
          ]
        : h("span", { class: "note" }, "Sign-in is not configured for this deployment"),
    );
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

// The model's three sub-scores, labelled as what they are: percentiles among past leads, not the
// intent provider's topic scores (0-100 too) shown beside them.
export function subScores(scores) {
  return [
    meter("Fit", scores.fit),
    meter("Engagement", scores.engagement),
    meter("Intent", scores.intent),
    h("p", { class: "quiet sub-scores-note" },
      "Fit, engagement and intent are the model's sub-scores: where this lead ranks among past leads, 0–100."),
  ];
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

// Who could have taken the lead, and why the chosen rep did: the pool's ledger as it stood.
export function candidateTable(candidates, caption = "Who could take it") {
  if (!candidates.length) return null;
  return h(
    "table",
    { class: "candidates" },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, ["Rep", "Weight", "Leads this cycle", "Shortfall", "Eligible"].map((t) => h("th", { scope: "col" }, t)))),
    h(
      "tbody",
      {},
      candidates.map((c) =>
        h(
          "tr",
          { class: c.chosen ? "chosen" : c.excluded ? "excluded" : "" },
          h("th", { scope: "row" }, c.rep, c.chosen ? " (chosen)" : ""),
          h("td", {}, String(c.weight)),
          h("td", {}, c.leads.toFixed(1)),
          h("td", {}, c.shortfall == null ? "–" : c.shortfall.toFixed(2)),
          h("td", {}, c.excluded ? `No: ${c.detail}` : c.detail ? `Yes (${c.detail})` : "Yes"),
        ),
      ),
    ),
  );
}
