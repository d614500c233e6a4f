// The audit log: who did what to which poll, newest first; the same list on each poll's page.

import * as api from "./api.js";
import { h, put, show, when } from "./dom.js";

const ACTIONS = {
  create: "created", change: "changed", close: "closed", reopen: "reopened", reshard: "raised the shards of",
  auto_reshard: "raised the shards of (automatically)", delete: "deleted", recount: "recounted",
  recount_fix: "recounted and fixed", void_started: "started voiding votes in", void: "voided votes in", snapshot_run: "ran the snapshot job",
  export: "exported the ballots of a day", surge: "raised a surge's proof cost in",
  surge_lapsed: "ended a surge in", surge_lifted: "lifted a surge in",
  quiz_create: "created the quiz", quiz_change: "changed the quiz", quiz_delete: "deleted the quiz",
};

// A surge's network ("network AS64500") or block (a keyed hash: only "a block" means anything to a reader).
const surgeName = (d) => (d.kind === "network" ? `network AS${d.key}` : "a block");

function value(v) {
  if (v === null || v === undefined) return "none";
  if (Array.isArray(v)) return v.map((o) => (o && o.label) || JSON.stringify(o)).join(", ");
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

export function describe(details) {
  if (details.before && details.after) {
    const names = Object.keys(details.after);
    if (names.length && !("id" in details.after)) return names.map((n) => `${n}: ${value(details.before[n])} → ${value(details.after[n])}`).join("; ");
  }
  if (details.after && details.after.question) return `“${details.after.question}”`;
  if (details.before && details.before.question) return `was “${details.before.question}”`;
  if (details.kind && "cost_factor" in details) {
    const level = details.level ? `level ${details.level}, proofs cost ×${details.cost_factor}` : "lifted";
    return `${surgeName(details)}: ${level}${details.reason ? ` — “${details.reason}”` : ""}`;
  }
  if (details.drift) return `drift ${details.drift.total_voters} voters; ${details.fixed ? "tallies fixed" : "nothing fixed"}`;
  if ("written" in details) return `${details.written} written, ${details.failed} failed`;
  if ("voided" in details) {
    const from = details.network ? ` from network AS${details.network}` : details.block ? " from a block" : "";
    return `${details.voided} vote(s) voided${from}: “${details.reason}”`;
  }
  return "";
}

export function entryRows(entries, withPoll) {
  return entries.map((e) => h("tr", {},
    h("td", {}, h("time", { datetime: e.at }, when(e.at))),
    h("td", {}, e.actor),
    h("td", {}, ACTIONS[e.action] || e.action),
    withPoll ? h("td", {}, e.poll_id ? h("a", { href: `#/polls/${encodeURIComponent(e.poll_id)}` }, e.poll_id) : "—") : null,
    h("td", {}, describe(e.details))));
}

// A table of entries with "Show older entries", for one poll or all.
export function auditTable(pollId, label) {
  const body = h("tbody");
  const withPoll = !pollId;
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Show older entries");
  const status = h("p", { role: "status" });
  let cursor = null;
  async function load() {
    const query = new URLSearchParams({ limit: "20" });
    if (pollId) query.set("poll_id", pollId);
    if (cursor) query.set("cursor", cursor);
    try {
      const page = await api.get(`/audit?${query}`);
      const rows = entryRows(page.entries, withPoll);
      body.append(...rows);
      cursor = page.next_cursor;
      more.hidden = !cursor;
      const shown = body.children.length;
      status.textContent = shown ? `${shown} ${shown === 1 ? "entry" : "entries"} shown.` : "No entries yet.";
      if (rows.length && document.activeElement === more && !cursor) rows[0].querySelector("td").focus();
    } catch (error) {
      status.textContent = error.message;
    }
  }
  more.addEventListener("click", load);
  const heads = ["When", "Who", "Action", withPoll ? "Poll" : null, "What changed"].filter(Boolean);
  const table = h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": label },
    h("table", { class: "audit" }, h("thead", {}, h("tr", {}, heads.map((name) => h("th", { scope: "col" }, name)))), body));
  return { element: h("div", {}, status, table, more), load, reload: () => { put(body); cursor = null; return load(); } };
}

export async function auditView() {
  const log = auditTable(null, "Audit log");
  show("Audit log", h("h1", {}, "Audit log"), h("p", {}, "Every change to a poll, by whom and when; it cannot be edited."), log.element);
  await log.load();
}
