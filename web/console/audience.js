// A poll's audience: voters by country, site and surface (bars, uPlot) and per minute (a line), each with its numbers
// as a table, small groups merged into "other" by the API; the whole report as CSV.

import * as api from "./api.js";
import { announce, h, put, when } from "./dom.js";

const DIMENSIONS = [
  { name: "countries", title: "Countries", column: "Country" },
  { name: "sites", title: "Sites", column: "Site" },
  { name: "surfaces", title: "Surfaces", column: "Surface" },
];
const BAR = "#0b5cad";
const SHORT = 16; // characters of a group's key drawn under its bar (the table has it whole)

function plotBox(captionId) {
  return h("div", { role: "img", "aria-labelledby": captionId });
}

// Draw a uPlot chart into `box`, or say the library did not load (the table below holds the numbers).
function draw(box, options, data) {
  if (!window.uPlot) {
    put(box, h("p", {}, "The chart library did not load; the numbers are in the table below."));
    return null;
  }
  return new window.uPlot(options, data, box);
}

function barChart(rows, width, captionId) {
  const keys = rows.map((row) => (row.key.length > SHORT ? `${row.key.slice(0, SHORT - 1)}…` : row.key));
  const box = plotBox(captionId);
  const data = [rows.map((_, i) => i), rows.map((row) => row.voters)];
  draw(box, {
    width: Math.max(260, width), height: 200, legend: { show: false },
    scales: { x: { time: false, range: [-0.5, rows.length - 0.5] }, y: { range: (u, min, max) => [0, Math.max(1, max)] } },
    axes: [{ splits: () => keys.map((_, i) => i), values: (u, splits) => splits.map((i) => keys[i] ?? "") }, { label: "voters" }],
    series: [{}, { label: "Voters", fill: BAR, stroke: BAR, paths: window.uPlot && window.uPlot.paths.bars({ size: [0.6, 80] }), points: { show: false } }],
  }, data);
  return box;
}

function groupTable(dimension, rows, options) {
  return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": `Voters by ${dimension.column.toLowerCase()}` },
    h("table", {},
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, dimension.column), h("th", { scope: "col" }, "Voters"),
        options.map((o) => h("th", { scope: "col" }, `Votes: ${o.label}`)))),
      h("tbody", {}, rows.map((row) => h("tr", {}, h("th", { scope: "row" }, row.key), h("td", {}, row.voters),
        options.map((o) => h("td", {}, row.options[o.id] ?? 0)))))));
}

function dimensionPart(dimension, rows, options, width) {
  const captionId = `audience-${dimension.name}-caption`;
  const total = rows.reduce((sum, row) => sum + row.voters, 0);
  const caption = h("figcaption", { id: captionId }, `Voters by ${dimension.column.toLowerCase()}: ${rows.length} group${rows.length === 1 ? "" : "s"}, ${total} voters.`);
  const figure = h("figure", { class: "chart" }, caption);
  const parts = [h("h3", {}, dimension.title)];
  if (!rows.length) return [...parts, h("p", {}, "No voters yet.")];
  figure.append(barChart(rows, width, captionId));
  return [...parts, figure, groupTable(dimension, rows, options)];
}

function minutesPart(report, width) {
  // The API gives minutes for the 48 hours up to the last vote and whole hours before them: one series.
  const hours = (report.hours || []).map((point) => ({ minute: point.hour, voters: point.voters }));
  const minutes = [...hours, ...report.minutes];
  const parts = [h("h3", {}, "Voters per minute")];
  if (hours.length) parts.push(h("p", {}, `Before ${when(report.minutes[0].minute)}, per hour (${hours.length} hours).`));
  if (!minutes.length) return [...parts, h("p", {}, "No voters yet.")];
  const captionId = "audience-minutes-caption";
  const times = minutes.map((m) => Date.parse(m.minute) / 1000);
  const figure = h("figure", { class: "chart" }, h("figcaption", { id: captionId },
    minutes.length === 1
      ? `Voters per minute: 1 minute, at ${when(minutes[0].minute)}.`
      : `Voters per minute: ${minutes.length} minutes from ${when(minutes[0].minute)} to ${when(minutes.at(-1).minute)}.`));
  const box = plotBox(captionId);
  figure.append(box);
  const x = { time: true };
  if (times.length === 1) x.range = [times[0] - 600, times[0] + 60];
  draw(box, {
    width: Math.max(260, width), height: 200, legend: { show: false }, scales: { x }, axes: [{}, { label: "voters" }],
    series: [{}, { label: "Voters", stroke: BAR, width: 2, points: { show: true, size: 6 } }],
  }, [times, minutes.map((m) => m.voters)]);
  const table = h("details", { class: "chart-data" }, h("summary", {}, "Voters per minute as a table"),
    h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Voters per minute as numbers" },
      h("table", {}, h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Minute"), h("th", { scope: "col" }, "Voters"))),
        h("tbody", {}, minutes.map((m) => h("tr", {}, h("th", { scope: "row" }, when(m.minute)), h("td", {}, m.voters)))))));
  return [...parts, figure, table];
}

// The poll's audience section: returns its element and a load() that (re)reads and redraws it.
export function audienceSection(poll) {
  const path = `/polls/${encodeURIComponent(poll.id)}`;
  const box = h("div", {}, h("p", {}, "Loading the audience…"));
  const csv = h("button", { type: "button", class: "secondary" }, "Download audience (CSV)");
  csv.addEventListener("click", async () => {
    try {
      await api.download(`${path}/audience.csv`, `${poll.id}-audience.csv`);
      announce("Audience downloaded as CSV.");
    } catch (error) {
      announce(`The CSV could not be downloaded: ${error.message}`);
    }
  });

  async function load() {
    if (document.hidden) return;
    let report;
    try {
      report = await api.get(`${path}/audience`);
    } catch (error) {
      put(box, h("p", {}, `The audience could not be loaded: ${error.message}`));
      return;
    }
    const width = (box.clientWidth || 600) - 8;
    put(box,
      h("p", { class: "hint", id: "audience-note" },
        `Where voters came from, without personal data: the country from our CDN, the site that embeds the poll ` +
        `("direct" without one), and the surface. “other” merges every group of fewer than ${report.min_group} voters ` +
        `(and the next smallest while it is under ${report.min_group}), so that no small group can be singled out; ` +
        `each count is moved by a small keyed amount (about ${report.noise} on average), so that two reads cannot ` +
        `be subtracted to find one voter.`),
      DIMENSIONS.flatMap((dimension) => dimensionPart(dimension, report[dimension.name], poll.options, width)),
      minutesPart(report, width));
  }
  return { element: h("div", {}, box, csv), load };
}
