// The dashboard shell: tabs, tenant, live polling, keyboard, and the URL fragment
// (`#view=flow&tenant=t1&token=...`; the token is moved to session storage and out of the URL).

import { call, setToken } from "./api.js";
import { clear, h } from "./dom.js";
import { requestsView } from "./requests.js";
import { tenantsView } from "./tenants.js";
import { flowView } from "./flow.js";
import { clarifaiView } from "./clarifai.js";
import { coverageView } from "./coverage.js";

const VIEWS = { requests: requestsView, tenants: tenantsView, flow: flowView, clarifai: clarifaiView, coverage: coverageView };
const POLL_MS = 1000;

const state = { view: "requests", tenant: "default", live: true, timer: null, busy: false, current: null };

function readFragment() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ""));
  const query = new URLSearchParams(location.search);
  const token = params.get("token") || query.get("token");
  if (token) setToken(token);
  if (params.get("view") in VIEWS) state.view = params.get("view");
  state.tenant = params.get("tenant") || query.get("tenant") || sessionStorage.getItem("workflow-emulator-tenant") || "default";
  writeFragment();
}

function writeFragment() {
  const params = new URLSearchParams({ view: state.view, tenant: state.tenant });
  history.replaceState(null, "", location.pathname + "#" + params.toString());
}

let statusFromRefresh = false; // a failed refresh's error is cleared by the next good one; an action's stays

function setStatus(text, error = false, fromRefresh = false) {
  const el = document.getElementById("status");
  el.textContent = text;
  el.className = error ? "error" : "";
  statusFromRefresh = fromRefresh;
}

const ctx = {
  get tenant() { return state.tenant; },
  setStatus,
  // run a state-changing action, then refresh the view at once
  async act(fn, done) {
    try {
      await fn();
      if (done) setStatus(done);
    } catch (err) {
      setStatus(String(err.message || err), true);
    }
    await refresh();
  },
  selectTenant(name) { selectTenant(name); },
  showView(name) { show(name); },
};

async function refresh() {
  if (state.busy || !state.current) return;
  state.busy = true;
  try {
    await state.current.update(ctx);
    if (statusFromRefresh) setStatus("");
  } catch (err) {
    setStatus(`${err.status ? err.status + ": " : ""}${err.message || err}`, true, true);
  } finally {
    state.busy = false;
  }
}

async function refreshTenants() {
  try {
    const data = await call("GET", "/tenants");
    const list = clear(document.getElementById("tenant-list"));
    for (const t of data.tenants) list.append(h("option", { value: t.name }));
  } catch {
    // shown by the view's own refresh
  }
}

function show(name) {
  if (!(name in VIEWS)) return;
  state.view = name;
  writeFragment();
  for (const b of document.querySelectorAll("#tabs button")) {
    const on = b.dataset.view === name;
    b.setAttribute("aria-selected", on ? "true" : "false");
    b.tabIndex = on ? 0 : -1;
  }
  const main = clear(document.getElementById("view"));
  state.current = VIEWS[name];
  state.current.mount(main, ctx);
  refresh();
}

function selectTenant(name) {
  name = (name || "").trim() || "default";
  if (name === state.tenant) return;
  state.tenant = name;
  sessionStorage.setItem("workflow-emulator-tenant", name);
  document.getElementById("tenant").value = name;
  show(state.view);
}

function schedule() {
  clearTimeout(state.timer);
  state.timer = setTimeout(async () => {
    if (state.live) {
      await refresh();
      refreshTenants();
    }
    schedule();
  }, POLL_MS);
}

function onKey(ev) {
  const t = ev.target;
  const typing = t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement;
  if (ev.key === "Escape") {
    if (typing) t.blur();
    state.current?.key?.(ev, ctx);
    return;
  }
  if (typing || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const names = Object.keys(VIEWS);
  if (/^[1-5]$/.test(ev.key)) {
    ev.preventDefault();
    show(names[Number(ev.key) - 1]);
  } else if (ev.key === "l") {
    const box = document.getElementById("live");
    box.checked = !box.checked;
    state.live = box.checked;
  } else if (ev.key === "/") {
    const filter = document.querySelector("[data-filter]");
    if (filter) { ev.preventDefault(); filter.focus(); }
  } else {
    state.current?.key?.(ev, ctx);
  }
}

function onTabKey(ev) {
  const names = Object.keys(VIEWS);
  const i = names.indexOf(state.view);
  if (ev.key === "ArrowRight" || ev.key === "ArrowLeft") {
    ev.preventDefault();
    const next = names[(i + (ev.key === "ArrowRight" ? 1 : names.length - 1)) % names.length];
    show(next);
    document.querySelector(`#tabs button[data-view="${next}"]`).focus();
  }
}

function start() {
  readFragment();
  const tenant = document.getElementById("tenant");
  tenant.value = state.tenant;
  tenant.addEventListener("change", () => selectTenant(tenant.value));
  document.getElementById("live").addEventListener("change", (ev) => { state.live = ev.target.checked; });
  for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => show(b.dataset.view));
  document.getElementById("tabs").addEventListener("keydown", onTabKey);
  document.addEventListener("keydown", onKey);
  window.addEventListener("hashchange", () => {
    const before = [state.view, state.tenant];
    readFragment();
    if (before[1] !== state.tenant) document.getElementById("tenant").value = state.tenant;
    show(state.view);
  });
  show(state.view);
  refreshTenants();
  schedule();
}

start();
