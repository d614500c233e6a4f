// A poll's page: results refreshing on their own, votes over time, audience, CSV, embed code, the widget, actions, audit.

import * as api from "./api.js";
import { audienceSection } from "./audience.js";
import { auditTable } from "./audit.js";
import { isAdmin } from "./auth.js";
import { renderChart } from "./chart.js";
import { announce, confirmDialog, h, put, show, when } from "./dom.js";
import { forensicsSection } from "./forensics.js";
import { loadWidget, previewPoll } from "./preview.js";
import { writeInsSection } from "./write-ins.js";

const RESULTS_EVERY = 5000; // ms
const CHART_EVERY = 60000; // the snapshot job writes one history point a minute

function resultsTable(results) {
  return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Results" },
    h("table", { class: "results" },
      h("thead", {}, h("tr", {}, ["Option", "Votes", "Percent"].map((name) => h("th", { scope: "col" }, name)))),
      h("tbody", {}, results.options.map((o) => h("tr", {}, h("th", { scope: "row" }, o.label), h("td", {}, o.votes), h("td", {}, `${o.percent}%`)))),
      h("tfoot", {}, h("tr", {}, h("th", { scope: "row" }, "Voters"), h("td", {}, results.total_voters), h("td", {})))));
}

// The site serves the console, the widget and the hosted pages: its origin is this page's.
const SITE = window.location.origin;

const attribute = (text) => text.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

// Results anyone may see now (the edge's rule, core/visibility.py): only then does the e-mail image's alt text name
// the leading option.
const resultsPublic = (poll) => poll.results_visibility === "always" || (poll.results_visibility === "after_close" && poll.status === "closed");

// The card's alt text for an e-mail, worded as the card's own (core/cards.py): the question and, where the results
// are public and one option strictly leads, "— leading: <label> (<pct>)" (none on a tie).
function cardAlt(poll, results) {
  const options = (results && results.total_voters > 0 && resultsPublic(poll)) ? results.options : [];
  const most = Math.max(0, ...options.map((o) => o.votes));
  const leaders = options.filter((o) => o.votes === most && most > 0);
  return leaders.length === 1
    ? `${poll.question} — leading: ${leaders[0].label} (${Number(leaders[0].percent).toFixed(1)}%)`
    : poll.question;
}

async function embedCodes(poll, results) {
  let widget = { widget: "widget/poll-widget.js", integrity: null };
  try {
    const response = await fetch(`${SITE}/widget/manifest.json`, { cache: "no-cache" });
    if (response.ok) widget = await response.json();
  } catch {}
  const id = encodeURIComponent(poll.id);
  const page = `${SITE}/p/${id}`;
  const sri = widget.integrity ? ` integrity="${widget.integrity}" crossorigin="anonymous"` : "";
  const title = attribute(poll.question);
  const script = `<script src="${SITE}/${widget.widget}"${sri} defer></script>`;
  const card = `${SITE}/cards/${id}/${encodeURIComponent(poll.lang)}/latest.png`;
  return {
    script: `${script}\n<div data-poll-id="${poll.id}" data-site="${SITE}"></div>`,
    resultsOnly: `${script}\n<div data-poll-id="${poll.id}" data-site="${SITE}" data-view="results"></div>`,
    resultsPage: `${SITE}/r/${id}`,
    email: `<a href="${page}"><img src="${card}" width="600" height="315" alt="${attribute(cardAlt(poll, results))}"></a>`,
    page,
    iframe: `<iframe src="${page}" title="Poll: ${title}" width="100%" height="520" style="border:0" loading="lazy"></iframe>`,
    amp: `<script async custom-element="amp-iframe" src="https://cdn.ampproject.org/v0/amp-iframe-0.1.js"></script>\n` +
      `<amp-iframe src="${page}" title="Poll: ${title}" width="600" height="520" layout="responsive" ` +
      `sandbox="allow-scripts allow-same-origin allow-forms allow-popups" frameborder="0">\n` +
      `  <a placeholder href="${page}">Vote in the poll</a>\n</amp-iframe>`,
  };
}

function codeField(id, label, value, rows) {
  const area = h("textarea", { readonly: true, rows, id, spellcheck: "false" }, value);
  const copy = h("button", { type: "button", class: "secondary" }, `Copy ${label.toLowerCase()}`);
  copy.addEventListener("click", async () => {
    area.select();
    try {
      await navigator.clipboard.writeText(area.value);
      announce(`${label} copied.`);
    } catch {
      announce(`Select the ${label.toLowerCase()} and copy it with your keyboard.`);
    }
  });
  return [h("label", { for: id }, label), area, copy];
}

export async function pollView({ session, onStop }, pollId) {
  let poll;
  try {
    poll = await api.get(`/polls/${encodeURIComponent(pollId)}/admin`);
  } catch (error) {
    show("Poll not found", h("h1", {}, "Poll not found"), h("p", { role: "alert" }, error.message), h("a", { href: "#/polls" }, "Back to the polls"));
    return;
  }
  const path = `/polls/${encodeURIComponent(poll.id)}`;
  const timers = [];
  onStop(() => timers.forEach((t) => window.clearInterval(t)));

  const resultsBox = h("div", {}, h("p", {}, "Loading results…"));
  const updated = h("p", { class: "hint" });
  async function refreshResults() {
    if (document.hidden) return;
    try {
      const results = await api.get(`${path}/results`);
      put(resultsBox, resultsTable(results));
      updated.textContent = `Updated ${new Date().toLocaleTimeString()}; refreshes every ${RESULTS_EVERY / 1000} seconds.`;
    } catch (error) {
      updated.textContent = `Results could not be refreshed: ${error.message}`;
    }
  }

  const chartBox = h("div", {}, h("p", {}, "Loading the chart…"));
  async function refreshChart() {
    if (document.hidden) return;
    try {
      const history = await api.get(`${path}/history?points=120`);
      renderChart(chartBox, history, chartBox.clientWidth - 8);
    } catch (error) {
      put(chartBox, h("p", {}, `The chart could not be loaded: ${error.message}`));
    }
  }

  const csv = h("button", { type: "button", class: "secondary" }, "Download results (CSV)");
  csv.addEventListener("click", async () => {
    try {
      await api.download(`${path}/results.csv`, `${poll.id}-results.csv`);
      announce("Results downloaded as CSV.");
    } catch (error) {
      announce(`The CSV could not be downloaded: ${error.message}`);
    }
  });

  let current = null;
  try {
    current = await api.get(`${path}/results`);
  } catch {}
  const codes = await embedCodes(poll, current);

  const actionStatus = h("p", { role: "status", class: "action-status" });
  const recountBox = h("div");
  const actions = h("div", { class: "actions" });
  const closed = poll.status === "closed";
  actions.append(h("a", { class: "button secondary", href: `#${path}/edit` }, "Edit"));
  const toggle = h("button", { type: "button", class: closed ? "secondary" : "primary" }, closed ? "Reopen poll" : "Close poll");
  toggle.addEventListener("click", async () => {
    const sure = await confirmDialog(closed ? "Reopen this poll?" : "Close this poll?",
      closed ? "Readers can vote again from now." : "No more votes will count from now. You can reopen it later.", closed ? "Reopen" : "Close poll");
    if (!sure) return;
    try {
      await api.patch(path, { status: closed ? "open" : "closed" });
      announce(closed ? "Poll reopened." : "Poll closed.");
      timers.forEach((t) => window.clearInterval(t));
      pollView({ session, onStop }, pollId);
    } catch (error) {
      actionStatus.textContent = error.message;
    }
  });
  actions.append(toggle);
  const recount = h("button", { type: "button", class: "secondary" }, "Recount");
  recount.addEventListener("click", () => runRecount(false));
  actions.append(recount);
  async function runRecount(fix) {
    try {
      const report = await api.post(`${path}/recount`, fix ? { fix: true } : undefined);
      const drift = report.drift.total_voters;
      const drifting = drift !== 0 || Object.values(report.drift.options).some((n) => n !== 0);
      const text = !drifting
        ? `Recount: the tallies agree with the ballots (${report.ballots.total_voters} voters, drift 0).`
        : `Recount: the tallies count ${report.tallies.total_voters} voters, the ballots ${report.ballots.total_voters}; ${report.fixed ? "the tallies were fixed." : "nothing was fixed."}`;
      put(recountBox, h("p", {}, text));
      if (!fix && drifting && report.status === "closed") {
        const fixButton = h("button", { type: "button", class: "danger" }, "Fix the tallies");
        fixButton.addEventListener("click", async () => {
          if (await confirmDialog("Fix the tallies?", "The tallies are set to the ballots' counts.", "Fix")) runRecount(true);
        });
        recountBox.append(fixButton);
      }
      announce(text);
    } catch (error) {
      put(recountBox, h("p", { role: "alert" }, error.message));
    }
  }
  if (isAdmin(session)) {
    const del = h("button", { type: "button", class: "danger" }, "Delete poll");
    del.addEventListener("click", async () => {
      if (!(await confirmDialog("Delete this poll?", `“${poll.question}” and its counts are deleted for good.`, "Delete", true))) return;
      del.disabled = true;
      actionStatus.textContent = "Deleting the poll…";
      try {
        await api.remove(path);
        announce("Poll deleted.");
        window.location.hash = "#/polls";
      } catch (error) {
        del.disabled = false;
        actionStatus.textContent = error.message;
      }
    });
    actions.append(del);
  }

  const forensicsBox = forensicsSection(poll, session, () => {
    timers.forEach((t) => window.clearInterval(t));
    pollView({ session, onStop }, pollId);
  });

  const audience = audienceSection(poll);
  const writeIns = poll.write_in ? writeInsSection(poll) : null;
  const log = auditTable(poll.id, "This poll's audit log");
  const preview = h("div", { class: "preview-box" });
  show(poll.question,
    h("p", { class: "crumbs" }, h("a", { href: "#/polls" }, "Polls")),
    h("h1", {}, poll.question),
    h("dl", { class: "facts" },
      h("dt", {}, "Status"), h("dd", {}, h("span", { class: `status status-${poll.status}` }, poll.status)),
      h("dt", {}, "Id"), h("dd", {}, poll.id),
      h("dt", {}, "Opens"), h("dd", {}, when(poll.opens_at)),
      h("dt", {}, "Closes"), h("dd", {}, when(poll.closes_at)),
      h("dt", {}, "Results"), h("dd", {}, poll.results_visibility.replace("_", " ")),
      h("dt", {}, "Blocking"), h("dd", {}, poll.repeat_votes.block.replaceAll("_", " ")),
      "challenge" in poll ? [h("dt", {}, "Challenge"), h("dd", {}, poll.challenge.replaceAll("_", " "))] : null),
    actions, actionStatus, recountBox,
    isAdmin(session) ? null : h("p", { class: "hint" }, "Deleting a poll needs the admins group."),
    h("section", { "aria-labelledby": "results-title" }, h("h2", { id: "results-title" }, "Results"), resultsBox, updated, csv),
    h("section", { "aria-labelledby": "chart-title" }, h("h2", { id: "chart-title" }, "Votes over time"), chartBox),
    writeIns && h("section", { "aria-labelledby": "write-ins-title" }, h("h2", { id: "write-ins-title" }, "Write-in answers"), writeIns.element),
    h("section", { "aria-labelledby": "audience-title" }, h("h2", { id: "audience-title" }, "Audience"), audience.element),
    h("section", { "aria-labelledby": "widget-title" }, h("h2", { id: "widget-title" }, "The widget"),
      h("p", { class: "hint" }, "The live poll as readers see it: a vote here is a real vote."), preview),
    h("section", { "aria-labelledby": "embed-title" }, h("h2", { id: "embed-title" }, "Embed"),
      ...codeField("embed-code", "Embed code", codes.script, 3),
      h("p", { class: "hint" }, "For an article: the widget with its integrity hash, and the poll's element."),
      h("p", {}, "Hosted page (for social media, and readers without JavaScript): ", h("a", { href: codes.page, id: "hosted-page" }, codes.page)),
      ...codeField("iframe-code", "Iframe code", codes.iframe, 2),
      ...codeField("amp-code", "AMP code", codes.amp, 5),
      ...codeField("results-code", "Results only code", codes.resultsOnly, 3),
      h("p", { class: "hint" }, "For a follow-up story: the results without the vote form (hidden results say when they will be shown)."),
      h("p", {}, "Results page (no JavaScript; for a link or an amp-iframe): ", h("a", { href: codes.resultsPage, id: "results-page" }, codes.resultsPage)),
      ...codeField("email-code", "E-mail code", codes.email, 3),
      h("p", { class: "hint" }, "For a newsletter: the poll's latest share card, linked to its hosted page. The image stays current; its alt text is as of now.")),
    h("section", { "aria-labelledby": "forensics-title" }, h("h2", { id: "forensics-title" }, "Forensics and voids"), forensicsBox),
    h("section", { "aria-labelledby": "audit-title" }, h("h2", { id: "audit-title" }, "Audit log"), log.element));
  await loadWidget(new URL("../widget/poll-widget.js", window.location.href).href);
  previewPoll(preview, poll.id, api.apiUrl());
  refreshResults();
  refreshChart();
  audience.load();
  writeIns?.load();
  log.load();
  timers.push(window.setInterval(refreshResults, RESULTS_EVERY), window.setInterval(refreshChart, CHART_EVERY),
    window.setInterval(audience.load, CHART_EVERY));
}
