// Forensics and voids on a poll's page: ballots grouped by (hashed) source, busiest first, each with its ballots by
// country, site and surface (exact: no group is merged here); admins void one source's votes after a dry run and a
// confirmation; every void is listed with its reason.

import * as api from "./api.js";
import { isAdmin } from "./auth.js";
import { announce, confirmDialog, h, put, when } from "./dom.js";

// A source's ballots in one dimension, largest first: "GB 3, unknown 1" (text, never HTML: sites come from readers).
const groups = (counts) => Object.entries(counts || {}).map(([key, n]) => `${key} ${n}`).join(", ") || "—";

export function forensicsSection(poll, session, onChanged) {
  const box = h("div", {}, h("p", {}, "Loading the sources…"));
  const path = `/polls/${encodeURIComponent(poll.id)}`;

  async function voidSource(source, button) {
    const input = document.getElementById(`reason-${source.source}`);
    const why = (input.value || "").trim();
    if (!why) {
      input.setAttribute("aria-invalid", "true");
      document.getElementById(`reason-${source.source}-error`).hidden = false;
      return input.focus();
    }
    try {
      const body = { source: source.source, reason: why };
      const dry = await api.post(`${path}/void`, { ...body, dry_run: true });
      const sure = await confirmDialog("Void these votes?", `${dry.voided} vote(s) from this source leave the results; the voters cannot vote again.`, "Void votes", true);
      if (!sure) return button.focus();
      const done = await api.post(`${path}/void`, body);
      announce(done.complete === false ? `${done.voided} vote(s) voided so far; the rest follow within minutes.` : `${done.voided} vote(s) voided.`);
      onChanged();
    } catch (error) {
      announce(error.message);
    }
  }

  async function load() {
    let report;
    let voids;
    try {
      [report, voids] = await Promise.all([api.get(`${path}/forensics`), api.get(`${path}/voids`)]);
    } catch (error) {
      put(box, h("p", { class: "waiting" }, error.code === "no_ballots" ? "This poll keeps no ballots (repeat votes allowed), so there is nothing to examine." : error.message));
      return;
    }
    const admin = isAdmin(session);
    const rows = report.sources.map((source, index) => {
      const reasonId = `reason-${source.source}`;
      const cells = [
        h("th", { scope: "row" }, `Source ${index + 1}`),
        h("td", {}, source.votes),
        h("td", {}, source.max_per_minute),
        h("td", {}, `${when(source.first)} – ${when(source.last)}`),
        h("td", {}, groups(source.countries)),
        h("td", {}, groups(source.sites)),
        h("td", {}, groups(source.surfaces)),
      ];
      if (admin) {
        const reason = h("input", { type: "text", id: reasonId, maxlength: 200, "aria-describedby": `${reasonId}-error` });
        const button = h("button", { type: "button", class: "danger" }, "Void…");
        button.addEventListener("click", () => voidSource(source, button));
        cells.push(h("td", {}, h("label", { for: reasonId }, `Reason for voiding source ${index + 1}`), reason,
          h("p", { class: "field-error", id: `${reasonId}-error`, hidden: true }, "Give a reason."), button));
      }
      return h("tr", {}, cells);
    });
    const heads = ["Source", "Votes", "Most in a minute", "First – last", "Countries", "Sites", "Surfaces", admin ? "Void" : null].filter(Boolean);
    put(
      box,
      h("p", {}, `${report.total_voters} counted ballots; sources are keyed hashes of the voters' address prefixes.`),
      h("p", { class: "hint" }, "Each source's countries, sites and surfaces are exact counts: small groups are not merged here, since a lone site or surface is what gives stuffing away."),
      rows.length ? h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Sources" },
        h("table", {}, h("thead", {}, h("tr", {}, heads.map((name) => h("th", { scope: "col" }, name)))), h("tbody", {}, rows))) : null,
      admin ? null : h("p", { class: "hint" }, "Voiding votes needs the admins group."),
      h("h3", {}, "Voids"),
      voids.voids.length
        ? h("ul", {}, voids.voids.map((v) => h("li", {}, `${when(v.at)}: ${v.voided} vote(s) voided — “${v.reason}”`)))
        : h("p", {}, "No votes have been voided."));
  }
  load();
  return box;
}
