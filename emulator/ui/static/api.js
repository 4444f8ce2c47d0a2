// The control-plane client: every call carries the admin token (when one was given) and the tenant,
// and state-changing calls send JSON (the front door refuses anything else).

const TOKEN_KEY = "workflow-emulator-admin-token";
let token = sessionStorage.getItem(TOKEN_KEY) || "";
let asking = null;

export function setToken(value) {
  token = value || "";
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export function hasToken() {
  return token !== "";
}

function askToken() {
  if (asking) return asking;
  const dialog = document.getElementById("token-dialog");
  const input = document.getElementById("token-input");
  asking = new Promise((resolve) => {
    const form = document.getElementById("token-form");
    const done = (ev) => {
      ev.preventDefault();
      form.removeEventListener("submit", done);
      setToken(input.value.trim());
      input.value = "";
      dialog.close();
      asking = null;
      resolve();
    };
    form.addEventListener("submit", done);
    dialog.showModal();
    input.focus();
  });
  return asking;
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// fetch a control-plane path; `tenant` scopes it (null: none, e.g. reset of every tenant)
export async function call(method, path, { tenant = null, body = undefined, query = {} } = {}) {
  const url = new URL("/_emulator" + path, location.origin);
  for (const [k, v] of Object.entries(query)) {
    if (Array.isArray(v)) v.forEach((x) => url.searchParams.append(k, x));
    else if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    const headers = { accept: "application/json" };
    if (token) headers.authorization = "Bearer " + token;
    if (tenant) headers["x-emulator-tenant"] = tenant;
    const init = { method, headers, cache: "no-store", credentials: "omit" };
    if (method !== "GET" && method !== "HEAD") {
      headers["content-type"] = "application/json";
      init.body = JSON.stringify(body === undefined ? {} : body);
    }
    const res = await fetch(url, init);
    if (res.status === 401 && attempt === 0) {
      await askToken();
      continue;
    }
    const text = await res.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = { error: text };
    }
    if (!res.ok) throw new ApiError(res.status, (data && data.error) || res.statusText);
    return data;
  }
  throw new ApiError(401, "the admin token was refused");
}
