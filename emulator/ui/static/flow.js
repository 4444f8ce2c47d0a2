// Flow workflows: each template's provision graph (left to right by topological order) with node
// colours by state, live while provisioning; resources_created per node; and every deprovision call
// as a timeline of passes, attempts and pauses ending in 200, 202 or 403.

import { call } from "./api.js";
import { badge, clear, fill, h, isoTime, section, statusClass } from "./dom.js";
import { drawGraph } from "./graph.js";

const STATUS_TEXT = { 200: "200 OK", 202: "202 Accepted", 403: "403 Forbidden", 404: "404 Not Found" };
let els = null;
let selected = null;
let lastKey = "";

function nodeState(wf, id) {
  const run = wf.provisioning;
  if (run && run.nodes[id]) return run.nodes[id];
  // no run recorded (provisioned before this emulator kept traces, or never provisioned)
  const made = wf.resources_created.some((r) => r.workflow_step_id === id);
  return { state: made ? "COMPLETED" : "NOT_STARTED" };
}

function graphOf(wf) {
  const nodes = wf.graph.nodes.map((n) => {
    const ns = nodeState(wf, n.id);
    const res = wf.resources_created.filter((r) => r.workflow_step_id === n.id);
    const mark = { FAILED: "✗", COMPLETED: "✓", RUNNING: "…", NOT_RUN: "–", REUSED: "↺", CANCELLED: "⊘" }[ns.state] || "";
    return { id: n.id, layer: n.layer, row: n.row, title: n.id, subtitle: `${n.type} · ${ns.state}`, state: ns.state,
      cls: "st-" + ns.state, mark, tip: [`${n.id} (${n.type})`, `state: ${ns.state}`, ns.error, ns.fault && `fault rule ${ns.fault}`,
        ...res.map((r) => `${r.resource_type}: ${r.resource_id}`)].filter(Boolean).join("\n") };
  });
  return drawGraph(nodes, wf.graph.edges, { label: `provision graph of ${wf.workflow_id}` });
}

function nodesTable(wf) {
  const rows = wf.graph.nodes.map((n) => {
    const ns = nodeState(wf, n.id);
    const res = wf.resources_created.filter((r) => r.workflow_step_id === n.id);
    return h("tr", { dataset: { node: n.id, state: ns.state } },
      h("td", { class: "mono" }, n.id), h("td", {}, n.type), h("td", {}, badge(ns.state, "st-" + ns.state)),
      h("td", {}, res.length ? h("ul", { class: "plain" }, res.map((r) => h("li", { class: "mono" }, `${r.resource_type}: ${r.resource_id}`)))
        : h("span", { class: "muted" }, "none")),
      h("td", {}, ns.fault ? badge("fault " + ns.fault, "fault") : null, ns.error ? h("span", { class: "err" }, " " + ns.error) : null));
  });
  return h("table", { class: "nodes" }, h("thead", {}, h("tr", {}, ["node", "type", "state", "resources_created", "failure"]
    .map((t) => h("th", { scope: "col" }, t)))), h("tbody", {}, rows));
}

function eventItem(ev, t0) {
  const at = h("span", { class: "at mono" }, `+${((ev.at_ms - t0) / 1000).toFixed(3)} s`);
  if (ev.type === "pass") return h("li", { class: "ev pass" }, at, h("strong", {}, ` Pass ${ev.n}`), ` — ${ev.resources.length} to delete`);
  if (ev.type === "pause") {
    const label = ev.seconds < 1 ? `${Math.round(ev.seconds * 1000)} ms` : `${ev.seconds} s`;
    return h("li", { class: "ev pause" }, at, ` pause ${label} (${ev.reason})`);
  }
  if (ev.type === "skipped") return h("li", { class: "ev skipped" }, at, ` skipped (${ev.reason}): ${ev.resources.join(", ")}`);
  if (ev.type === "attempt") {
    const ok = ev.outcome === "deleted";
    return h("li", { class: ["ev", "attempt", ok ? "deleted" : "refused"] }, at, ok ? " ✓ deleted " : " ✗ refused ",
      h("span", { class: "mono" }, ev.resource), ` (node ${ev.node_id})`,
      ev.error ? h("span", { class: "err" }, ": " + ev.error) : null, ev.fault ? [" ", badge("fault " + ev.fault, "fault")] : null);
  }
  return h("li", { class: "ev" }, at, " " + ev.type);
}

function timeline(call_, i) {
  const t0 = call_.started_ms;
  const status = call_.status;
  const end = status === null
    ? h("li", { class: "ev end running" }, "… still running (waiting on the tenant clock?)")
    : h("li", { class: ["ev", "end", statusClass(status)] }, h("span", { class: "at mono" }, `+${((call_.ended_ms - t0) / 1000).toFixed(3)} s`),
      " → ", badge(STATUS_TEXT[status] || String(status), statusClass(status)), call_.message ? ` ${call_.message}` : "");
  return h("div", { class: "deprovision", dataset: { status: status ?? "running" } },
    h("h3", {}, `Deprovision call ${i + 1}`, h("span", { class: "muted" }, ` at ${isoTime(t0)}`),
      call_.allow_delete.length ? h("span", { class: "muted" }, ` · allow_delete=${call_.allow_delete.join(",")}`) : null),
    strip(call_),
    h("ol", { class: "timeline" }, call_.events.map((ev) => eventItem(ev, t0)), end),
    call_.events_dropped ? h("p", { class: "muted" }, `${call_.events_dropped} more events not kept`) : null);
}

// a proportional bar of the call: pauses grey, deletions green, refusals red (by virtual time)
function strip(call_) {
  const end = call_.ended_ms ?? (call_.events.length ? call_.events[call_.events.length - 1].at_ms : call_.started_ms);
  const total = Math.max(1, end - call_.started_ms);
  const bar = h("div", { class: "strip", role: "img", "aria-label": "deprovision timeline" });
  for (const ev of call_.events) {
    if (ev.type !== "pause" && ev.type !== "attempt") continue;
    const cls = ev.type === "pause" ? "pause" : ev.outcome;
    const seg = h("span", { class: cls, title: ev.type === "pause" ? `pause ${ev.seconds} s` : `${ev.outcome} ${ev.resource}` });
    seg.style.left = (100 * (ev.at_ms - call_.started_ms)) / total + "%";
    seg.style.width = ev.type === "pause" ? Math.max(0.5, (100 * ev.seconds * 1000) / total) + "%" : "3px";
    bar.append(seg);
  }
  return bar;
}

function runCaption(wf) {
  const run = wf.provisioning;
  if (!run) return h("p", { class: "muted" }, "Not provisioned since this emulator started: node colours follow resources_created.");
  return h("p", { class: "muted" }, `Node states of the latest ${run.reprovision ? "reprovisioning" : "provisioning"} run: started `,
    isoTime(run.started_ms), run.ended_ms === null ? " — still running" : `, ended ${isoTime(run.ended_ms)}`,
    ". resources_created lists what exists now.");
}

function detail(wf) {
  const st = wf.state;
  return [
    h("div", { class: "detail-head" }, h("h2", {}, wf.name || "(no template)", " ", h("span", { class: "mono muted" }, wf.workflow_id))),
    h("p", {}, badge(st.state || "?", "st-" + st.state), " ", st.provisioning_progress || "", wf.use_case ? ` · use case ${wf.use_case}` : "",
      st.provision_start_time ? ` · started ${isoTime(st.provision_start_time)}` : "",
      st.provision_end_time ? ` · ended ${isoTime(st.provision_end_time)}` : ""),
    st.error ? h("p", { class: "err state-error" }, st.error) : null,
    section("Provision graph", runCaption(wf), wf.graph.nodes.length ? h("div", { class: "graph-wrap" }, graphOf(wf)) : h("p", { class: "muted" }, "This template has no provision workflow."),
      h("div", { class: "legend" }, ["PENDING", "RUNNING", "COMPLETED", "FAILED", "NOT_RUN", "REUSED", "NOT_STARTED"].map((s) => badge(s, "st-" + s))),
      nodesTable(wf)),
    section("Deprovision calls", wf.deprovisions.length ? wf.deprovisions.map(timeline)
      : h("p", { class: "muted" }, "No deprovision call yet.")),
  ];
}

function pick(id) {
  selected = id;
  lastKey = "";
  for (const b of els.list.querySelectorAll("button")) b.setAttribute("aria-current", b.dataset.wf === id ? "true" : "false");
}

export const flowView = {
  mount(root) {
    lastKey = "";
    els = { list: h("nav", { class: "items", "aria-label": "Flow workflows" }), detail: h("div", { class: "item-detail" }) };
    root.append(h("div", { class: "master" }, els.list, els.detail));
  },
  async update(ctx) {
    const data = await call("GET", "/flow/workflows", { tenant: ctx.tenant });
    const key = JSON.stringify([data.workflows, selected]);
    if (key === lastKey) return;
    lastKey = key;
    const wfs = data.workflows;
    if (!wfs.some((w) => w.workflow_id === selected)) selected = wfs.length ? wfs[0].workflow_id : null;
    const hadFocus = els.list.contains(document.activeElement) ? document.activeElement.dataset.wf : null;
    clear(els.list).append(...wfs.map((w) => h("button", {
      class: "item", dataset: { wf: w.workflow_id }, "aria-current": w.workflow_id === selected ? "true" : "false",
      onclick: () => { pick(w.workflow_id); flowView.update(ctx); },
    }, h("span", {}, w.name || w.workflow_id), badge(w.state.state || "?", "st-" + w.state.state))));
    if (!wfs.length) els.list.append(h("p", { class: "muted" }, "No Flow workflow in this tenant."));
    if (hadFocus) els.list.querySelector(`button[data-wf="${hadFocus}"]`)?.focus();
    const wf = wfs.find((w) => w.workflow_id === selected);
    fill(els.detail, wf ? detail(wf) : []);
  },
};
