// Coverage: per API, operations x status classes as a heat map of the tenant's traffic (documented
// statuses never seen are flagged in their cell), and the documented errors the client never produced.

import { call } from "./api.js";
import { clear, h, section, table } from "./dom.js";

const CLASSES = ["2", "3", "4", "5"];
let els = null;
let lastKey = "";

function heat(n, max) {
  if (!n) return 0;
  return Math.min(5, 1 + Math.floor((4 * Math.log(n + 1)) / Math.log(max + 1)));
}

function heatMap(api) {
  const ops = api.operations;
  const max = Math.max(1, ...ops.flatMap((o) => Object.values(o.calls_by_status || {})));
  const rows = ops.map((o) => {
    const byClass = {};
    for (const [status, n] of Object.entries(o.calls_by_status || {})) {
      const c = status[0];
      byClass[c] = byClass[c] || { n: 0, statuses: [] };
      byClass[c].n += n;
      byClass[c].statuses.push(`${status}×${n}`);
    }
    const never = {};
    for (const status of o.statuses_never_seen) (never[String(status)[0]] ||= []).push(status);
    return h("tr", { dataset: { operation: o.operation } },
      h("th", { scope: "row", class: ["mono", !o.exercised && "unexercised"] }, o.operation),
      CLASSES.map((c) => {
        const seen = byClass[c];
        const missing = never[c];
        const cell = h("td", { class: ["cell", "heat-" + heat(seen?.n || 0, max), missing && "gap"],
          dataset: { cls: c + "xx" },
          title: [seen ? `seen: ${seen.statuses.join(", ")}` : "never seen", missing ? `documented, never seen: ${missing.join(", ")}` : null]
            .filter(Boolean).join("\n") },
        seen ? h("span", { class: "count" }, seen.n) : null,
        missing ? h("span", { class: "never" }, "never " + missing.join(" ")) : null);
        return cell;
      }),
      h("td", { class: "num" }, o.calls));
  });
  return table(["operation", "2xx", "3xx", "4xx", "5xx", "calls"], rows, { class: "heatmap" });
}

function apiSection(name, api) {
  const sum = api.summary;
  return section(`${name}: ${sum.operations_exercised} of ${sum.operations_total} operations exercised, ` +
    `${sum.errors_never_seen} of ${sum.errors_known} documented errors never produced`,
  heatMap(api),
  h("h3", {}, `Errors the client saw (${api.errors_seen.length})`),
  api.errors_seen.length ? table(["status", "code", "message", "count"], api.errors_seen.map((e) => h("tr", {},
    h("td", { class: "num" }, e.status), h("td", { class: "num" }, e.code ?? ""), h("td", {}, e.message ?? ""), h("td", { class: "num" }, e.count))),
  { class: "errors-seen" }) : h("p", { class: "muted" }, "none"),
  h("details", { open: true }, h("summary", {}, `Documented errors never produced (${api.errors_never_seen.length})`),
    table(["constructor", "status", "code", "message"], api.errors_never_seen.map((e) => h("tr", {},
      h("td", { class: "mono" }, e.constructor), h("td", { class: "num" }, e.status ?? ""), h("td", { class: "num" }, e.code ?? ""),
      h("td", {}, e.message))), { class: "never-seen", dataset: { api: name } })));
}

export const coverageView = {
  mount(root) {
    lastKey = "";
    els = { body: h("div", {}) };
    root.append(h("div", { class: "toolbar" }, h("span", { class: "muted" },
      "Darker cells: more calls. Orange outline: a status the contract documents for that operation that this tenant never saw.")), els.body);
  },
  async update(ctx) {
    const data = await call("GET", "/coverage", { tenant: ctx.tenant });
    const key = JSON.stringify(data);
    if (key === lastKey) return;
    lastKey = key;
    clear(els.body).append(...Object.entries(data.apis).map(([name, api]) => apiSection(name, api)));
  },
};
