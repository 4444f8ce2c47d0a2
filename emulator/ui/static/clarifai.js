// Clarifai workflows: each workflow's graph (models, node inputs, suppressed outputs), its versions,
// its models' serving states (READY / DEPLOYING / ...) and the per-node statuses of its last predictions.

import { call } from "./api.js";
import { badge, clear, fill, h, isoTime, section, statusClass, table } from "./dom.js";
import { drawGraph } from "./graph.js";

const OK = 10000;
let els = null;
let selected = null;
let selectedVersion = null; // null: the latest version
let lastKey = "";
let redraw = () => {};

function lastStatusByNode(wf) {
  const out = {};
  const p = wf.predictions.find((x) => x.kept);
  for (const input of p?.inputs || []) {
    for (const n of input.nodes) {
      if (!n.node_id) continue;
      if (!(n.node_id in out) || n.code !== OK) out[n.node_id] = n;
    }
  }
  return out;
}

function shownVersion(wf) {
  return wf.versions.find((v) => v.id === selectedVersion) || null;
}

function graph(wf) {
  const version = shownVersion(wf);
  const g = version ? version.graph : wf.graph;
  // the last predictions' statuses belong to the version they ran on
  const last = !version || version.id === wf.predictions.find((x) => x.kept)?.version_id ? lastStatusByNode(wf) : {};
  const nodes = g.nodes.map((n) => {
    const model = wf.models[n.model_id] || { state: "UNKNOWN" };
    const st = last[n.id];
    const failed = st && st.code !== OK;
    return { id: n.id, layer: n.layer, row: n.row, title: n.id, subtitle: `${n.model_id} · ${model.state}`,
      state: failed ? "FAILED" : model.state, cls: ["model-" + model.state, failed && "st-FAILED", n.suppress_output && "suppressed"].filter(Boolean).join(" "),
      mark: st ? (failed ? "✗" : "✓") : "",
      tip: [`node ${n.id}`, `model ${n.model_id}${n.model_version_id ? " @ " + n.model_version_id : ""}`, `state ${model.state}`,
        n.suppress_output ? "output suppressed" : null, n.node_inputs.length ? `inputs: ${n.node_inputs.join(", ")}` : "input: the request's data",
        st ? `last prediction: ${st.code} ${st.description}` : null].filter(Boolean).join("\n") };
  });
  return drawGraph(nodes, g.edges, { label: `graph of workflow ${wf.id}` });
}

function nodesTable(wf) {
  const g = (shownVersion(wf) || wf).graph;
  return table(["node", "model", "model version", "inputs", "output"], g.nodes.map((n) => h("tr", { dataset: { node: n.id } },
    h("td", { class: "mono" }, n.id), h("td", { class: "mono" }, n.model_id), h("td", { class: "mono" }, n.model_version_id || "latest"),
    h("td", { class: "mono" }, n.node_inputs.length ? n.node_inputs.join(", ") : "the request's inputs"),
    h("td", {}, n.suppress_output ? badge("suppressed", "muted") : "returned"))), { class: "clarifai-nodes" });
}

function predictions(wf) {
  if (!wf.predictions.length) return h("p", { class: "muted" }, "No prediction in the journal for this workflow.");
  return wf.predictions.map((p) => h("div", { class: "prediction", dataset: { seq: p.seq } },
    h("h3", {}, `#${p.seq} `, badge(p.status, statusClass(p.status)), ` ${p.code ?? ""} `, h("span", { class: "muted" }, isoTime(p.time_ms)),
      ` · ${p.transport}`, p.fault ? [" ", badge("fault " + p.fault, "fault")] : null),
    p.kept ? table(["input", "result", ...(p.inputs[0]?.nodes || []).map((n) => n.node_id || n.model_id)],
      p.inputs.map((i) => h("tr", {}, h("td", { class: "num" }, i.index), h("td", {}, chip(i.code, i.description)),
        i.nodes.map((n) => h("td", {}, chip(n.code, n.description))))), { class: "per-node" })
      : h("p", { class: "muted" }, "The answer is no longer kept (only the newest answers are).")));
}

function chip(code, description) {
  return h("span", { class: ["chip", code === OK ? "ok" : "bad"], title: description || "" }, `${code ?? "?"} ${description ?? ""}`);
}

function detail(wf) {
  return [
    h("div", { class: "detail-head" }, h("h2", {}, wf.id, " ", h("span", { class: "muted" }, `${wf.user_id}/${wf.app_id}`))),
    wf.description ? h("p", {}, wf.description) : null,
    section(shownVersion(wf) ? `Graph of version ${shownVersion(wf).id}` : "Graph (latest version)",
      h("div", { class: "graph-wrap" }, graph(wf)),
      h("p", { class: "muted" }, "Dashed: output suppressed. Colour: model state, red when the last prediction failed at that node."),
      nodesTable(wf)),
    section("Models", table(["model", "state", "until"], Object.entries(wf.models).map(([id, m]) => h("tr", {},
      h("td", { class: "mono" }, id), h("td", {}, badge(m.state, "model-" + m.state), m.cold_start ? " (cold start)" : ""),
      h("td", { class: "mono" }, m.until_ms ? isoTime(m.until_ms) : m.state === "READY" ? "" : "until changed"))))),
    section("Versions", table(["version", "created", "nodes", "", ""], wf.versions.map((v) => h("tr", { dataset: { version: v.id } },
      h("td", { class: "mono" }, v.id), h("td", { class: "mono" }, isoTime(v.created_at_ms)), h("td", { class: "num" }, v.nodes),
      h("td", {}, v.id === wf.latest_version ? badge("latest", "s2") : ""),
      h("td", {}, h("button", { "aria-pressed": (shownVersion(wf)?.id ?? wf.latest_version) === v.id ? "true" : "false",
        onclick: () => { selectedVersion = v.id === wf.latest_version ? null : v.id; lastKey = ""; redraw(); } }, "Show graph")))))),
    section("Last predictions", predictions(wf)),
  ];
}

export const clarifaiView = {
  mount(root) {
    lastKey = "";
    els = { list: h("nav", { class: "items", "aria-label": "Clarifai workflows" }), detail: h("div", { class: "item-detail" }) };
    root.append(h("div", { class: "master" }, els.list, els.detail));
  },
  async update(ctx) {
    redraw = () => clarifaiView.update(ctx);
    const data = await call("GET", "/clarifai/workflows", { tenant: ctx.tenant });
    const key = JSON.stringify([data.workflows, selected, selectedVersion]);
    if (key === lastKey) return;
    lastKey = key;
    const wfs = data.workflows;
    const keyOf = (w) => `${w.user_id}/${w.app_id}/${w.id}`;
    if (!wfs.some((w) => keyOf(w) === selected)) selected = wfs.length ? keyOf(wfs[0]) : null;
    const hadFocus = els.list.contains(document.activeElement) ? document.activeElement.dataset.wf : null;
    clear(els.list).append(...wfs.map((w) => h("button", {
      class: "item", dataset: { wf: keyOf(w) }, "aria-current": keyOf(w) === selected ? "true" : "false",
      onclick: () => { selected = keyOf(w); selectedVersion = null; lastKey = ""; clarifaiView.update(ctx); },
    }, h("span", {}, w.id), h("span", { class: "muted" }, ` ${w.graph.nodes.length} nodes`))));
    if (!wfs.length) els.list.append(h("p", { class: "muted" }, "No Clarifai workflow in this tenant."));
    if (hadFocus) els.list.querySelector(`button[data-wf="${CSS.escape(hadFocus)}"]`)?.focus();
    const wf = wfs.find((w) => keyOf(w) === selected);
    fill(els.detail, wf ? detail(wf) : []);
  },
};
