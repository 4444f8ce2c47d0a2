// Requests: the tenant's journal as a live list (polled after the last seen `seq`), filtered by API,
// operation, status class and text; a row opens the redacted request and response, the fault that
// fired and the latency split.

import { call } from "./api.js";
import { badge, clear, clockTime, h, json, section, statusClass, table } from "./dom.js";

const KEEP_ROWS = 2000;
let st = null;

function fresh(tenant) {
  return { tenant, rows: [], lastSeq: 0, selected: null, ops: new Set(), els: null, filter: { api: "", op: "", cls: "", text: "" } };
}

function matches(e, f) {
  if (f.api && e.api !== f.api) return false;
  if (f.op && e.operation !== f.op) return false;
  if (f.cls && statusClass(e.status) !== f.cls) return false;
  if (f.text) {
    const hay = [e.path, e.query, e.operation, e.error, e.fault, e.method, String(e.status), e.transport,
      ...(e.extra?.faults || [])].join(" ").toLowerCase();
    if (!hay.includes(f.text.toLowerCase())) return false;
  }
  return true;
}

function row(e) {
  const faults = e.extra?.faults?.length ? e.extra.faults : e.fault ? [e.fault] : [];
  return h("tr", {
    tabindex: 0, class: ["req", st.selected === e.seq && "selected"], dataset: { seq: e.seq },
    onclick: () => open(e.seq), onkeydown: (ev) => { if (ev.key === "Enter") open(e.seq); },
  },
  h("td", { class: "num" }, e.seq),
  h("td", { class: "mono" }, clockTime(e.time_ms)),
  h("td", {}, e.api, e.transport === "grpc" ? badge("gRPC", "grpc") : null),
  h("td", {}, e.operation),
  h("td", { class: "mono path" }, e.method + " " + e.path + (e.query ? "?" + e.query : "")),
  h("td", {}, badge(e.status || "dropped", statusClass(e.status))),
  h("td", { class: "num" }, e.duration_ms.toFixed(1)),
  h("td", {}, faults.map((f) => badge("fault " + f, "fault")), e.error ? h("span", { class: "err" }, " " + e.error) : null));
}

function renderList() {
  const { els, filter } = st;
  const shown = st.rows.filter((e) => matches(e, filter));
  clear(els.body).append(...shown.slice(-500).reverse().map(row));
  els.count.textContent = `${shown.length} of ${st.rows.length} requests`;
  const ops = [...st.ops].sort();
  if (ops.length !== els.op.options.length - 1) {
    const keep = els.op.value;
    clear(els.op).append(h("option", { value: "" }, "any operation"), ...ops.map((o) => h("option", { value: o }, o)));
    els.op.value = keep;
  }
}

function latency(entry) {
  const total = entry.duration_ms;
  const injected = entry.extra?.injected_ms;
  const emu = entry.extra?.emulator_ms ?? total;
  const parts = [h("dt", {}, "total (wall)"), h("dd", {}, total.toFixed(3) + " ms"),
    h("dt", {}, "emulator"), h("dd", {}, emu.toFixed(3) + " ms")];
  if (injected !== undefined) parts.push(h("dt", {}, "injected latency (tenant clock)"), h("dd", {}, injected.toFixed(3) + " ms"));
  const bar = h("div", { class: "latency-bar", role: "img", "aria-label": "latency split" });
  const sum = (injected || 0) + emu || 1;
  if (injected) bar.append(h("span", { class: "injected", style: null, "data-w": Math.round((100 * injected) / sum) }));
  bar.append(h("span", { class: "emulator", "data-w": Math.max(1, Math.round((100 * emu) / sum)) }));
  for (const span of bar.children) span.style.width = span.dataset.w + "%";
  return [h("dl", { class: "kv" }, parts), bar];
}

async function faultSections(entry, tenant) {
  const ids = entry.extra?.faults?.length ? entry.extra.faults : entry.fault ? [entry.fault] : [];
  if (!ids.length) return [h("p", { class: "muted" }, "No fault fired for this request.")];
  const rules = await call("GET", "/faults", { tenant });
  return ids.map((id) => {
    const rule = rules.faults.find((r) => r.id === id);
    return h("div", { class: "fault" }, h("h3", {}, "Fault rule ", h("code", {}, id), rule ? ` (on ${rule.on})` : " (one-off or deleted)"),
      rule ? json({ match: rule.match, effects: rule.effects, matched: rule.matched, fired: rule.fired }) : null);
  });
}

async function open(seq) {
  st.selected = seq;
  for (const tr of st.els.body.querySelectorAll("tr.selected")) tr.classList.remove("selected");
  st.els.body.querySelector(`tr[data-seq="${seq}"]`)?.classList.add("selected");
  const panel = clear(st.els.detail);
  panel.hidden = false;
  const tenant = st.tenant;
  const e = st.rows.find((r) => r.seq === seq);
  if (!e) return;
  // the journal may have dropped it meanwhile: then what the list holds is shown, without the answer
  const detail = await call("GET", `/journal/${seq}`, { tenant }).catch(() => null);
  const entry = detail || e;
  clear(panel).append(
    h("div", { class: "detail-head" }, h("h2", {}, `#${seq} ${entry.method} ${entry.path}`),
      h("button", { class: "close", onclick: close, "aria-label": "Close details" }, "×")),
    h("p", {}, badge(entry.status || "dropped", statusClass(entry.status)), " ", entry.operation, " · ", entry.api,
      " · ", entry.transport, entry.error ? h("span", { class: "err" }, ` · ${entry.error}`) : null,
      entry.code ? ` (code ${entry.code})` : null),
    section("Fault", ...(await faultSections(entry, tenant))),
    section("Latency", ...latency(entry)),
    section("Request", h("h3", {}, "Headers"), json(entry.headers || {}), h("h3", {}, "Body"),
      entry.request === null ? h("p", { class: "muted" }, "(no body)") : json(entry.request)),
    section("Response", ...(detail && detail.response
      ? [h("h3", {}, "Headers"), json(detail.response.headers), h("h3", {}, "Body" + (detail.response.truncated ? " (truncated)" : "")),
        typeof detail.response.body === "string" ? h("pre", { class: "json" }, detail.response.body) : json(detail.response.body)]
      : [h("p", { class: "muted" }, `${entry.response_bytes ?? 0} bytes; the body is no longer kept (only the newest answers are).`)])),
  );
}

function close() {
  st.selected = null;
  st.els.detail.hidden = true;
  st.els.body.querySelector("tr.selected")?.classList.remove("selected");
}

export const requestsView = {
  mount(root, ctx) {
    if (!st || st.tenant !== ctx.tenant) st = fresh(ctx.tenant);
    const f = st.filter;
    const api = h("select", { "aria-label": "API", onchange: (ev) => { f.api = ev.target.value; renderList(); } },
      h("option", { value: "" }, "any API"), h("option", { value: "flow" }, "flow"), h("option", { value: "clarifai" }, "clarifai"));
    const op = h("select", { "aria-label": "Operation", onchange: (ev) => { f.op = ev.target.value; renderList(); } },
      h("option", { value: "" }, "any operation"));
    const cls = h("select", { "aria-label": "Status class", onchange: (ev) => { f.cls = ev.target.value; renderList(); } },
      h("option", { value: "" }, "any status"), ...["2", "3", "4", "5"].map((c) => h("option", { value: "s" + c }, c + "xx")),
      h("option", { value: "s0" }, "dropped"));
    const text = h("input", { type: "search", placeholder: "filter text (path, error, fault…)", "aria-label": "Filter text",
      "data-filter": true, oninput: (ev) => { f.text = ev.target.value; renderList(); } });
    api.value = f.api; cls.value = f.cls; text.value = f.text;
    const body = h("tbody", {});
    const count = h("span", { class: "muted" });
    const detail = h("aside", { class: "detail", hidden: true, "aria-label": "Request details" });
    st.els = { body, count, detail, op };
    root.append(h("div", { class: "toolbar" }, api, op, cls, text, count,
      h("button", { onclick: () => ctx.act(() => call("DELETE", "/journal", { tenant: ctx.tenant }).then(() => { st = fresh(ctx.tenant); requestsView.mount(clear(root), ctx); }), "journal cleared") }, "Clear journal")),
    h("div", { class: "split" }, h("div", { class: "list" }, table(["#", "time", "API", "operation", "request", "status", "ms", "fault / error"], [], { class: "requests" })), detail));
    root.querySelector("table.requests").replaceChild(body, root.querySelector("table.requests tbody"));
    renderList();
    if (st.selected) open(st.selected);
  },
  async update(ctx) {
    const data = await call("GET", "/journal", { tenant: ctx.tenant, query: { after_seq: st.lastSeq, limit: 1000 } });
    if (data.entries.length === 0 && data.total < Math.min(st.rows.length, data.cap)) {
      st.rows = []; st.lastSeq = 0; // the tenant was reset or its journal cleared
      renderList();
      return;
    }
    if (!data.entries.length) return;
    for (const e of data.entries) { st.rows.push(e); st.ops.add(e.operation); }
    st.lastSeq = data.entries[data.entries.length - 1].seq;
    if (st.rows.length > KEEP_ROWS) st.rows = st.rows.slice(-KEEP_ROWS);
    renderList();
  },
  key(ev) {
    if (ev.key === "Escape") { close(); return; }
    const rows = [...st.els.body.querySelectorAll("tr")];
    if (!rows.length) return;
    const i = rows.indexOf(document.activeElement);
    if (ev.key === "j" || ev.key === "ArrowDown") { ev.preventDefault(); rows[Math.min(rows.length - 1, i + 1)].focus(); }
    if (ev.key === "k" || ev.key === "ArrowUp") { ev.preventDefault(); rows[Math.max(0, i - 1)].focus(); }
  },
};
