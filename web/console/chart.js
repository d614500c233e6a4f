// Votes over time: a uPlot line chart (vendored, pinned) of total voters and each option's votes,
// with the same numbers as a table for screen readers and keyboard users.

import { h, put, when } from "./dom.js";

const COLOURS = ["#0b5cad", "#b3261e", "#1b7f3b", "#7a4fb5", "#9a5b00", "#00707a", "#a3336d", "#4d5d00"];

export function renderChart(container, history, width) {
  const points = history.points;
  if (!points.length) {
    put(container, h("p", {}, "No history yet: the snapshot job writes a point each minute while the poll changes."));
    return null;
  }
  const times = points.map((p) => Date.parse(p.at) / 1000);
  const data = [times, points.map((p) => p.total_voters), ...history.options.map((o) => points.map((p) => p.options[o.id] || 0))];
  const series = [
    {},
    { label: "Voters", stroke: "#1a1a1a", width: 2, dash: [6, 4], points: { show: true, size: 6 } },
    ...history.options.map((o, i) => ({ label: o.label, stroke: COLOURS[i % COLOURS.length], width: 2, points: { show: true, size: 6 } })),
  ];
  const figure = h("figure", { class: "chart" }, h("figcaption", { id: "chart-caption" },
    `Votes over time: ${points.length} point${points.length === 1 ? "" : "s"} from ${when(points[0].at)} to ${when(points.at(-1).at)}.`));
  const plot = h("div", { role: "img", "aria-labelledby": "chart-caption" });
  figure.append(plot);
  const table = h("details", { class: "chart-data" }, h("summary", {}, "The chart's numbers as a table"),
    h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Votes over time as numbers" },
      h("table", {},
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Time"), h("th", { scope: "col" }, "Voters"), history.options.map((o) => h("th", { scope: "col" }, o.label)))),
        h("tbody", {}, points.map((p) => h("tr", {}, h("th", { scope: "row" }, when(p.at)), h("td", {}, p.total_voters), history.options.map((o) => h("td", {}, p.options[o.id] || 0))))))));
  put(container, figure, table);
  if (!window.uPlot) {
    put(plot, h("p", {}, "The chart library did not load; the numbers are in the table below."));
    return null;
  }
  const x = { time: true };
  if (times.length === 1) x.range = [times[0] - 600, times[0] + 60]; // one point: the ten minutes before it

  const options = { width: Math.max(260, width), height: 240, series, scales: { x }, axes: [{}, { label: "votes" }], legend: { live: false } };
  return new window.uPlot(options, data, plot);
}
