// What every part of the inbox uses: the page's scope and its admin API paths, building nodes
// (text only: every value from the server goes into the page as a text node, never as HTML),
// and times on the gateway's clock.

// ?scope=NAME: the inbox of one scope (X-Mock-Scope), as every admin call with ?scope= sees it.
export const SCOPE = new URLSearchParams(location.search).get("scope") || "";

// An admin API path, limited to the page's scope if it has one.
export function api(path) {
  if (!SCOPE) return path;
  return `${path}${path.includes("?") ? "&" : "?"}scope=${encodeURIComponent(SCOPE)}`;
}

// The gateway's clock (api/health's gateway_clock), which every time on the page is shown on.
export const clock = { utc_offset_minutes: 240, label: "Asia/Muscat, UTC+4" };

export const $ = (id) => document.getElementById(id);

// --- building nodes: text only ---------------------------------------------------------------

export function h(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "data") {
      for (const [name, v] of Object.entries(value)) {
        if (v !== null && v !== undefined) node.dataset[name] = String(v);
      }
    } else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const pad = (n) => String(n).padStart(2, "0");

// A moment on the gateway's clock: its UTC fields, shifted by the gateway's offset.
const onGatewayClock = (d) => new Date(d.getTime() + clock.utc_offset_minutes * 60000);
export const zone = () => clock.label.split(", ").pop(); // "UTC+4"

export function formatTime(iso, withDate) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const g = onGatewayClock(d);
  const time = `${pad(g.getUTCHours())}:${pad(g.getUTCMinutes())}:${pad(g.getUTCSeconds())}`;
  const day = `${g.getUTCFullYear()}-${pad(g.getUTCMonth() + 1)}-${pad(g.getUTCDate())}`;
  const today = onGatewayClock(new Date()).toISOString().slice(0, 10);
  return !withDate && day === today ? time : `${day} ${time}`;
}

function browserTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
}

export const clockTitle = (iso) => `on the gateway's clock (${clock.label}); your clock: ${browserTime(iso)}`;

export const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
export const token = (s) => String(s).toLowerCase().replace(/[^a-z0-9-]/g, "");

export function timeNode(iso, label) {
  return h("time", { datetime: iso, title: `${label} ${clockTitle(iso)}` }, formatTime(iso));
}

// The meta line: items separated by dots; a dot that starts a wrapped line is clipped off.
export function metaLine(...items) {
  return h("div", { class: "meta" }, h("div", { class: "meta-row" }, items));
}

export function meta(field, text, title) {
  return h("span", { class: "meta-item", data: { field }, title }, text);
}

export function chip(field, text, title, variant) {
  return h("span", { class: `chip chip-${variant || field}`, data: { field }, title }, text);
}

export async function getJSON(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" }, cache: "no-store" });
  if (!response.ok) throw new Error(`${path} answered HTTP ${response.status}`);
  return response.json();
}
