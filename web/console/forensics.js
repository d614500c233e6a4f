// Forensics and voids on a poll's page: ballots grouped by (hashed) source, busiest first, each with its ballots by
// country, site and surface (exact: no group is merged here); the surges the rule raised on networks and blocks,
// which editors lift; admins void one source's, network's or block's votes after a dry run and a confirmation;
// every void is listed with its reason.

import * as api from "./api.js";
import { isAdmin } from "./auth.js";
import { announce, confirmDialog, h, put, when } from "./dom.js";

// A source's ballots in one dimension, largest first: "GB 3, unknown 1" (text, never HTML: sites come from readers).
const groups = (counts) => Object.entries(counts || {}).map(([key, n]) => `${key} ${n}`).join(", ") || "—";

export function forensicsSection(poll, session, onChanged) {
  const box = h("div", {}, h("p", {}, "Loading the sources…"));
  const path = `/polls/${encodeURIComponent(poll.id)}`;

  // Void the ballots one selector picks ({source}, {network} or {block}), after a reason, a dry run and a yes.
  async function voidBy(selector, id, what, button) {
    const input = document.getElementById(`reason-${id}`);
    const why = (input.value || "").trim();
    if (!why) {
      input.setAttribute("aria-invalid", "true");
      document.getElementById(`reason-${id}-error`).hidden = false;
      return input.focus();
    }
    try {
      const body = { ...selector, reason: why };
      const dry = await api.post(`${path}/void`, { ...body, dry_run: true });
      const sure = await confirmDialog("Void these votes?", `${dry.voided} vote(s) from this ${what} leave the results; the voters cannot vote again.`, "Void votes", true);
      if (!sure) return button.focus();
      const done = await api.post(`${path}/void`, body);
      announce(done.complete === false ? `${done.voided} vote(s) voided so far; the rest follow within minutes.` : `${done.voided} vote(s) voided.`);
      onChanged();
    } catch (error) {
      announce(error.message);
    }
  }

  // A reason field and a Void… button for one row (admins only).
  function voidCell(selector, id, label, what) {
    const reasonId = `reason-${id}`;
    const reason = h("input", { type: "text", id: reasonId, maxlength: 200, "aria-describedby": `${reasonId}-error` });
    const button = h("button", { type: "button", class: "danger" }, "Void…");
    button.addEventListener("click", () => voidBy(selector, id, what, button));
    return h("td", {}, h("label", { for: reasonId }, `Reason for voiding ${label}`), reason,
      h("p", { class: "field-error", id: `${reasonId}-error`, hidden: true }, "Give a reason."), button);
  }

  async function lift(surge, name, button) {
    const sure = await confirmDialog("Lift this surge?", `Readers from ${name} solve the usual proof again, and the rule leaves it be for a while.`, "Lift surge");
    if (!sure) return button.focus();
    try {
      await api.post(`${path}/surges/lift`, { kind: surge.kind, key: surge.key, reason: "lifted in the console" });
      announce(`The surge of ${name} is lifted.`);
      onChanged();
    } catch (error) {
      announce(error.message);
    }
  }

  // The surges table: a row each (network or block, level, since – until, votes), Lift for editors, Void… for admins.
  function surgesTable(surges, admin) {
    const rows = surges.map((surge, index) => {
      const name = surge.kind === "network" ? `network AS${surge.key}` : `block ${index + 1}`;
      const level = surge.level ? `Level ${surge.level}: proofs cost ×${surge.cost_factor}` : "Lifted";
      const cells = [
        h("th", { scope: "row" }, surge.kind === "network" ? `Network AS${surge.key}` : `Block ${index + 1}`),
        h("td", {}, level),
        h("td", {}, `${when(surge.since)} – ${when(surge.until)}`),
        h("td", {}, `${surge.recent_votes} / ${surge.trailing_votes}`),
      ];
      const actions = h("td", {});
      if (surge.level) {
        const button = h("button", { type: "button" }, "Lift");
        button.setAttribute("aria-label", `Lift the surge of ${name}`);
        button.addEventListener("click", () => lift(surge, name, button));
        actions.append(button);
      }
      cells.push(actions);
      if (admin) cells.push(voidCell({ [surge.kind]: surge.key }, `${surge.kind}-${surge.key}`, name, surge.kind));
      return h("tr", {}, cells);
    });
    const heads = ["Network or block", "Level", "Since – until", "Votes recent / trailing", "Lift", admin ? "Void" : null].filter(Boolean);
    return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Surges" },
      h("table", {}, h("thead", {}, h("tr", {}, heads.map((name) => h("th", { scope: "col" }, name)))), h("tbody", {}, rows)));
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
      const cells = [
        h("th", { scope: "row" }, `Source ${index + 1}`),
        h("td", {}, source.votes),
        h("td", {}, source.max_per_minute),
        h("td", {}, `${when(source.first)} – ${when(source.last)}`),
        h("td", {}, groups(source.countries)),
        h("td", {}, groups(source.sites)),
        h("td", {}, groups(source.surfaces)),
      ];
      if (admin) cells.push(voidCell({ source: source.source }, source.source, `source ${index + 1}`, "source"));
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
      h("h3", {}, "Surges"),
      report.surges && report.surges.length
        ? [h("p", { class: "hint" }, "A network or address block voting far over its own recent rate: its readers' proofs cost more until it calms down or you lift it. Blocks are keyed hashes of a /24 or /48, never addresses."), surgesTable(report.surges, admin)]
        : h("p", {}, "No network or block has surged."),
      h("h3", {}, "Voids"),
      voids.voids.length
        ? h("ul", {}, voids.voids.map((v) => h("li", {}, `${when(v.at)}: ${v.voided} vote(s) voided${v.network ? ` from network AS${v.network}` : v.block ? " from a block" : ""} — “${v.reason}”`)))
        : h("p", {}, "No votes have been voided."));
  }
  load();
  return box;
}
