// The poll list: a status filter, search by question, and paging through the API's cursors.

import * as api from "./api.js";
import { field, h, put, show, when } from "./dom.js";

const STATUSES = [["", "Any status"], ["scheduled", "Scheduled"], ["open", "Open"], ["closed", "Closed"]];

function link(params) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value) query.set(name, value);
  const text = query.toString();
  return `#/polls${text ? `?${text}` : ""}`;
}

export async function listView({ params }) {
  const q = params.get("q") || "";
  const status = params.get("status") || "";
  const cursor = params.get("cursor") || "";
  const back = params.get("back") || ""; // the cursors of earlier pages, comma-separated
  const search = h("input", { type: "search", name: "q", value: q, autocomplete: "off" });
  const select = h("select", { name: "status" }, STATUSES.map(([value, label]) => h("option", { value, selected: value === status }, label)));
  const form = h("form", { class: "filters", role: "search", "aria-label": "Find polls" },
    field("list-q", "Search questions", search),
    field("list-status", "Status", select),
    h("button", { type: "submit", class: "primary" }, "Find polls"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    window.location.hash = link({ q: search.value.trim(), status: select.value });
  });
  const results = h("div", { class: "list-results" }, h("p", {}, "Loading polls…"));
  show("Polls", h("div", { class: "title-row" }, h("h1", {}, "Polls"), h("a", { class: "button primary", href: "#/polls/new" }, "New poll")), form, results);

  const query = new URLSearchParams({ limit: "20" });
  if (q) query.set("q", q);
  if (status) query.set("status", status);
  if (cursor) query.set("cursor", cursor);
  let page;
  try {
    page = await api.get(`/polls?${query}`);
  } catch (error) {
    put(results, h("p", { class: "form-error", role: "alert" }, error.message));
    return;
  }
  const summary = page.polls.length
    ? `${page.polls.length} poll${page.polls.length === 1 ? "" : "s"} on this page${q ? ` matching “${q}”` : ""}.`
    : `No polls${q ? ` match “${q}”` : ""}${status ? ` with status ${status}` : ""}.`;
  const rows = page.polls.map((poll) => h("tr", {},
    h("th", { scope: "row" }, h("a", { href: `#/polls/${encodeURIComponent(poll.id)}` }, poll.question)),
    h("td", {}, h("span", { class: `status status-${poll.status}` }, poll.status)),
    h("td", {}, when(poll.opens_at)),
    h("td", {}, when(poll.closes_at)),
    h("td", {}, poll.id)));
  const earlier = back ? back.split(",") : [];
  const nav = h("nav", { class: "pager", "aria-label": "Pages of polls" },
    cursor ? h("a", { class: "button secondary", href: link({ q, status, cursor: earlier.at(-1) || "", back: earlier.slice(0, -1).join(",") }) }, "Previous page") : null,
    page.next_cursor ? h("a", { class: "button secondary", href: link({ q, status, cursor: page.next_cursor, back: [...earlier, cursor].join(",") }) }, "Next page") : null);
  put(
    results,
    h("p", { role: "status" }, summary),
    page.polls.length ? h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Polls" },
      h("table", {},
        h("thead", {}, h("tr", {}, ["Question", "Status", "Opens", "Closes", "Id"].map((name) => h("th", { scope: "col" }, name)))),
        h("tbody", {}, rows))) : null,
    nav);
}
