// Tenants: every tenant with its clock, fault rules and journal size; for the selected tenant the
// clock (mode, now, pending timers, advance buttons), its fault rules (matched / fired; add, delete,
// clear) and reset.

import { call } from "./api.js";
import { badge, clear, h, isoTime, section, table } from "./dom.js";

const ADVANCES = [0.1, 1, 10, 60];
const EXAMPLE = JSON.stringify({ match: { api: "flow", operation: "provision_workflow" },
  effect: { type: "error", status: 503, message: "injected" }, count: 1 }, null, 2);
let els = null;
let draft = null; // the add-rule text survives refreshes
let lastKey = "";

function tenantRow(t, ctx) {
  const selected = t.name === ctx.tenant;
  return h("tr", { class: selected && "selected", tabindex: 0, dataset: { tenant: t.name },
    onclick: () => ctx.selectTenant(t.name), onkeydown: (ev) => { if (ev.key === "Enter") ctx.selectTenant(t.name); } },
  h("td", {}, t.name), h("td", {}, t.clock.mode), h("td", { class: "mono" }, isoTime(t.clock.now_ms)),
  h("td", { class: "num" }, t.clock.pending_sleepers ?? "–"), h("td", { class: "num" }, t.faults),
  h("td", { class: "num" }, t.journal), h("td", { class: "num" }, t.in_flight));
}

function clockCard(clock, ctx) {
  const tenant = ctx.tenant;
  const advance = (s) => ctx.act(() => call("POST", "/clock/advance", { tenant, body: { seconds: s } }), `advanced ${s} s`);
  const custom = h("input", { type: "number", min: 0, step: "any", value: 5, size: 6, "aria-label": "Seconds to advance" });
  const mode = (m) => ctx.act(() => call("PUT", "/clock", { tenant, body: { mode: m } }), `clock is ${m}`);
  const timers = clock.next_timers_ms || [];
  return section("Clock",
    h("dl", { class: "kv" }, h("dt", {}, "mode"), h("dd", {}, badge(clock.mode, "mode")),
      h("dt", {}, "now"), h("dd", { class: "mono", "data-now": clock.now_ms }, isoTime(clock.now_ms)),
      clock.scale !== undefined ? [h("dt", {}, "scale"), h("dd", {}, clock.scale)] : null,
      clock.pending_sleepers !== undefined ? [h("dt", {}, "pending timers"), h("dd", { "data-pending": clock.pending_sleepers }, clock.pending_sleepers)] : null),
    timers.length ? h("ol", { class: "timers" }, timers.map((t) => h("li", { class: "mono" },
      `${isoTime(t)} (in ${((t - clock.now_ms) / 1000).toFixed(3)} s)`))) : null,
    clock.mode === "manual"
      ? h("div", { class: "buttons" }, ADVANCES.map((s) => h("button", { class: "advance", dataset: { seconds: s }, onclick: () => advance(s) }, `+${s} s`)),
        custom, h("button", { onclick: () => advance(Number(custom.value) || 0) }, "Advance"))
      : h("p", { class: "muted" }, "Only a manual clock can be advanced."),
    h("div", { class: "buttons" }, ["manual", "real", "scaled"].filter((m) => m !== clock.mode)
      .map((m) => h("button", { onclick: () => mode(m) }, `Switch to ${m}`))));
}

function faultsCard(faults, ctx) {
  const tenant = ctx.tenant;
  const rows = faults.map((r) => h("tr", { dataset: { fault: r.id } },
    h("td", { class: "mono" }, r.id), h("td", {}, r.on), h("td", {}, h("code", {}, JSON.stringify(r.match))),
    h("td", {}, h("code", {}, r.effects.map((e) => e.type).join(", "))),
    h("td", { class: "num" }, r.count ?? "∞"), h("td", { class: "num" }, r.matched), h("td", { class: "num" }, r.fired),
    h("td", {}, r.exhausted ? badge("exhausted", "muted") : badge("armed", "s2")),
    h("td", {}, h("button", { "aria-label": `Delete fault ${r.id}`,
      onclick: () => ctx.act(() => call("DELETE", `/faults/${encodeURIComponent(r.id)}`, { tenant }), `deleted ${r.id}`) }, "Delete"))));
  const text = h("textarea", { rows: 7, cols: 60, "aria-label": "New fault rule (JSON)", spellcheck: "false",
    oninput: (ev) => { draft = ev.target.value; } });
  text.value = draft ?? EXAMPLE;
  const add = () => ctx.act(async () => {
    let spec;
    try { spec = JSON.parse(text.value); } catch (err) { throw new Error("the rule is not valid JSON: " + err.message); }
    await call("POST", "/faults", { tenant, body: spec });
    draft = null;
  }, "rule added");
  return section("Fault rules",
    faults.length ? table(["id", "on", "match", "effects", "count", "matched", "fired", "", ""], rows, { class: "faults" })
      : h("p", { class: "muted" }, "No fault rules."),
    h("div", { class: "buttons" }, h("button", { disabled: !faults.length,
      onclick: () => ctx.act(() => call("DELETE", "/faults", { tenant }), "fault rules cleared") }, "Clear all rules")),
    h("h3", {}, "Add a rule"), text, h("div", { class: "buttons" }, h("button", { onclick: add }, "Add rule")));
}

function resetCard(ctx) {
  const btn = h("button", { class: "danger" }, `Reset tenant ${ctx.tenant}`);
  let armed = false;
  btn.addEventListener("click", () => {
    if (!armed) {
      armed = true;
      btn.textContent = "Click again to reset: stores, clock, faults and journal are dropped";
      setTimeout(() => { armed = false; btn.textContent = `Reset tenant ${ctx.tenant}`; }, 4000);
      return;
    }
    ctx.act(() => call("POST", "/reset", { tenant: ctx.tenant, body: { tenant: ctx.tenant } }), `tenant ${ctx.tenant} reset`);
  });
  return section("Reset", btn);
}

export const tenantsView = {
  mount(root) {
    lastKey = "";
    els = { list: h("div", {}), clock: h("div", {}), faults: h("div", {}), reset: h("div", {}) };
    root.append(h("div", { class: "columns" }, h("div", { class: "col" }, section("Tenants", els.list)),
      h("div", { class: "col" }, els.clock, els.faults, els.reset)));
  },
  async update(ctx) {
    const [tenants, clock, faults] = await Promise.all([call("GET", "/tenants"), call("GET", "/clock", { tenant: ctx.tenant }),
      call("GET", "/faults", { tenant: ctx.tenant })]);
    const key = JSON.stringify([tenants, clock, faults, ctx.tenant]);
    if (key === lastKey) return;
    lastKey = key;
    // re-rendering must not take the keyboard focus away: note what had it, give it back after
    const active = document.activeElement;
    const typing = active?.tagName === "TEXTAREA" || active?.tagName === "INPUT";
    const label = active && els.clock.contains(active) || els.list.contains(active) ? active.textContent : null;
    clear(els.list).append(table(["tenant", "clock", "now", "timers", "faults", "journal", "in flight"],
      tenants.tenants.map((t) => tenantRow(t, ctx)), { class: "tenants" }));
    if (!(typing && els.clock.contains(active))) clear(els.clock).append(clockCard(clock, ctx));
    if (!(typing && els.faults.contains(active))) clear(els.faults).append(faultsCard(faults.faults, ctx));
    if (!els.reset.firstChild) els.reset.append(resetCard(ctx));
    if (label) [...els.clock.querySelectorAll("button"), ...els.list.querySelectorAll("tr")]
      .find((b) => b.textContent === label)?.focus();
  },
};
