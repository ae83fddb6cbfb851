// The reports: the retrospective and the flow as charts the server draws (inline SVG, no script,
// no network), for the window the date fields give. The page keeps the window in its URL.
import { api, clear, h, consoleHeader } from "./console.js";

const $ = (id) => document.getElementById(id);

function windowQuery() {
  const query = new URLSearchParams();
  // A date is read as the start of that day in UTC, as the API's times are.
  if ($("since").value) query.set("since", `${$("since").value}T00:00:00Z`);
  if ($("until").value) query.set("until", `${$("until").value}T00:00:00Z`);
  return query;
}

async function show() {
  const query = windowQuery();
  history.replaceState(null, "", query.size ? `?${query}` : location.pathname);
  $("report-status").textContent = "Loading…";
  const answer = await api(`/reports${query.size ? `?${query}` : ""}`, { accept: "text/html" });
  if (!answer.ok) {
    $("report-status").textContent = "";
    clear($("report"), h("p", { class: "error" }, answer.data?.message ?? `The reports could not be read (${answer.status})`));
    return;
  }
  // The one place the console takes markup: the server's charts of aggregates, every text in them
  // escaped there (leadqual.console.charts); parsed inert, and the CSP would refuse any script.
  const parsed = new DOMParser().parseFromString(answer.data, "text/html");
  clear($("report"), [...parsed.body.childNodes].map((node) => document.importNode(node, true)));
  $("report-status").textContent = "";
}

const params = new URLSearchParams(location.search);
for (const key of ["since", "until"]) {
  if (params.get(key)) $(key).value = params.get(key).slice(0, 10);
}
$("window").addEventListener("submit", (event) => {
  event.preventDefault();
  show();
});
consoleHeader();
show();
