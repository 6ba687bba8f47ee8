// The inbox of the iSmart SMS emulator: captured messages and the request journal, live.
//
// On load it fetches the newest messages and journal entries from the admin API, then follows
// the server-sent events of api/events from the newest ids it has. Every value that comes from
// the server goes into the page as text (createElement + text nodes), never as HTML.
//
// Every time on the page is on the gateway's clock (Asia/Muscat, UTC+4 unless the emulator's
// utc_offset_minutes says otherwise, from api/health), the clock PushDateTime is read on, and
// says so: the legend in the top bar, the zone after each push time, the browser's own clock in
// each time's tooltip.

import { SCOPE, api, clock, $, h, getJSON } from "./page.js";
import { follow, setLive } from "./stream.js";
import { messageCard, requestCard, emptyCard, ruleCard, accountCard, rejected } from "./cards.js";

const KEEP = 1000; // items kept per list; older ones leave the page (the API still has them)
const LOAD_LIMIT = 200;
const TABS = ["messages", "rejected", "requests"]; // the live lists
const ALL_TABS = [...TABS, "rules", "accounts"]; // rules and accounts are fetched when shown
const REFRESH_MS = 2000;

const state = {
  messages: [], // newest first
  requests: [], // newest first (journal order, reversed)
  messageIds: new Set(),
  requestIds: new Set(),
  filter: { to: "", header: "", text: "" },
  tab: "messages",
  cursor: { message: 0, request: 0 }, // the newest ids the page has: where the stream resumes
  countsPending: false,
  confirmTimer: null,
};

const fetched = {
  rules: { path: "api/rules", card: ruleCard, none: "No fault rules: every request gets the normal checks." },
  accounts: { path: "api/accounts", card: accountCard, none: "No accounts." },
};

async function loadTab(name) {
  const tab = fetched[name];
  if (!tab) return;
  let items;
  try {
    items = await getJSON(api(tab.path));
  } catch (error) {
    return; // the stream's own reconnecting shows a server that is gone
  }
  $(`count-${name}`).textContent = String(items.length);
  $(name).replaceChildren(
    ...(items.length ? items.map(tab.card) : [h("div", { class: "empty-state" }, h("p", { class: "empty-title" }, tab.none))]),
  );
}

// --- deleting a message, removing a rule, resetting ------------------------------------------

async function adminCall(method, path) {
  const response = await fetch(api(path), { method, headers: { Accept: "application/json" } });
  if (!response.ok && response.status !== 404) {
    showLoadError(`${method} ${path} answered HTTP ${response.status}`);
    return false;
  }
  return true;
}

async function deleteMessage(id) {
  if (!(await adminCall("DELETE", `api/messages/${id}`))) return;
  state.messages = state.messages.filter((m) => m.id !== id);
  state.messageIds.delete(id);
  const card = $("messages").querySelector(`:scope > .msg[data-id="${id}"]`);
  if (card) card.remove();
  if (!$("messages").children.length) render("messages");
  updateCounts();
}

async function removeRule(id) {
  if (await adminCall("DELETE", `api/rules/${id}`)) loadTab("rules");
}

function askReset(show) {
  clearTimeout(state.confirmTimer);
  $("confirm-reset").hidden = !show;
  $("reset").hidden = show;
  if (show) {
    $("confirm-reset-yes").focus();
    state.confirmTimer = setTimeout(() => askReset(false), 15000);
  }
}

async function resetEmulator() {
  askReset(false);
  if (await adminCall("POST", "api/reset")) {
    showLoadError("");
    if (fetched[state.tab]) loadTab(state.tab);
  }
}

function wireActions() {
  $("messages").addEventListener("click", (event) => {
    const button = event.target.closest("[data-action=delete]");
    if (button) deleteMessage(Number(button.dataset.id));
  });
  $("rules").addEventListener("click", (event) => {
    const button = event.target.closest("[data-action=remove-rule]");
    if (button) removeRule(Number(button.dataset.id));
  });
  $("reset").addEventListener("click", () => askReset(true));
  $("confirm-reset-no").addEventListener("click", () => askReset(false));
  $("confirm-reset-yes").addEventListener("click", resetEmulator);
  $("confirm-reset-what").textContent = SCOPE
    ? `Scope ${SCOPE} loses its messages, its journal and its run-time rules; other scopes and the accounts stay.`
    : "Every message, the journal, the rules added at run time and every change to the accounts are forgotten; the configured accounts and rules come back.";
  setInterval(() => {
    if (fetched[state.tab]) loadTab(state.tab);
  }, REFRESH_MS);
}

function showClock(given) {
  if (given && Number.isInteger(given.utc_offset_minutes) && given.label) Object.assign(clock, given);
  const node = $("clock");
  node.textContent = `times: gateway clock, ${clock.label}`;
  node.title = "PushDateTime is read on the gateway's clock, so every time on this page is shown on it; hover a time for your own clock";
}

// --- filters ---------------------------------------------------------------------------------

const digits = (s) => String(s || "").replace(/[\s+]/g, "");
const folded = (s) => String(s || "").toLocaleLowerCase();

function param(r, name) {
  for (const [key, value] of Object.entries(r.params || {})) {
    if (key.toLowerCase() === name) return String(value);
  }
  return "";
}

function passes(to, header, text) {
  const f = state.filter;
  if (f.to && !digits(to).includes(digits(f.to))) return false;
  if (f.header && !folded(header).includes(folded(f.header))) return false;
  if (f.text && !folded(text).includes(folded(f.text))) return false;
  return true;
}

const showMessage = (m) => passes(m.to, m.header, m.text);
const showRequest = (r) => passes(param(r, "mobileno"), param(r, "header"), param(r, "message"));
const filtering = () => Boolean(state.filter.to || state.filter.header || state.filter.text);

const lists = {
  messages: { node: () => $("messages"), items: () => state.messages.filter(showMessage), card: messageCard },
  rejected: {
    node: () => $("rejected"),
    items: () => state.requests.filter((r) => rejected(r) && showRequest(r)),
    card: requestCard,
    label: "rejected requests",
  },
  requests: { node: () => $("requests"), items: () => state.requests.filter(showRequest), card: requestCard },
};

function updateCounts() {
  state.countsPending = false;
  for (const name of TABS) $(`count-${name}`).textContent = String(lists[name].items().length);
}

function countLater() {
  // A burst of events updates the counts once per frame, not once per event.
  if (state.countsPending) return;
  state.countsPending = true;
  requestAnimationFrame(updateCounts);
}

function render(name) {
  const list = lists[name];
  const items = list.items();
  const node = list.node();
  node.replaceChildren(...(items.length ? items.map(list.card) : [emptyCard(list.label || name, filtering())]));
}

function renderAll() {
  for (const name of TABS) render(name);
  updateCounts();
}

function prepend(name, item) {
  const list = lists[name];
  const node = list.node();
  const empty = node.querySelector(":scope > .empty-state");
  if (empty) empty.remove();
  const card = list.card(item);
  card.classList.add("fresh");
  card.addEventListener("animationend", () => card.classList.remove("fresh"), { once: true });
  node.prepend(card);
  while (node.children.length > KEEP) node.lastElementChild.remove();
}

// --- state changes ---------------------------------------------------------------------------

function addMessage(m) {
  if (state.messageIds.has(m.id)) return;
  state.messageIds.add(m.id);
  state.messages.unshift(m);
  if (state.messages.length > KEEP) state.messageIds.delete(state.messages.pop().id);
  if (showMessage(m)) prepend("messages", m);
  countLater();
}

function addRequest(r) {
  if (state.requestIds.has(r.id)) return;
  state.requestIds.add(r.id);
  state.requests.unshift(r);
  if (state.requests.length > KEEP) state.requestIds.delete(state.requests.pop().id);
  if (showRequest(r)) {
    prepend("requests", r);
    if (rejected(r)) prepend("rejected", r);
  }
  countLater();
}

function cleared(what) {
  if (what.messages) {
    state.messages = [];
    state.messageIds.clear();
  }
  if (what.requests) {
    state.requests = [];
    state.requestIds.clear();
  }
  renderAll();
  if (fetched[state.tab]) loadTab(state.tab); // a reset brings the configured rules back
}

function showHealth(health) {
  const errors = Object.entries((health && health.rules_errors) || {});
  const banner = $("banner");
  $("banner-list").replaceChildren(
    ...errors.map(([path, error]) => h("li", null, h("code", null, path), ": ", error)),
  );
  banner.hidden = errors.length === 0;
}

function showLoadError(text) {
  const node = $("load-error");
  node.textContent = text;
  node.hidden = !text;
}

// --- tabs and filter inputs ------------------------------------------------------------------

function selectTab(name) {
  if (!ALL_TABS.includes(name)) name = "messages";
  state.tab = name;
  if (fetched[name]) loadTab(name);
  $("filters").hidden = Boolean(fetched[name]); // the filters are the lists' (number, header, text)
  for (const tab of ALL_TABS) {
    $(`tab-${tab}`).setAttribute("aria-selected", String(tab === name));
    $(`panel-${tab}`).hidden = tab !== name;
  }
  const hash = name === "messages" ? "" : `#${name}`;
  if (location.hash !== hash) history.replaceState(null, "", `${location.pathname}${location.search}${hash}`);
}

function readFilter() {
  state.filter = { to: $("filter-to").value.trim(), header: $("filter-header").value.trim(), text: $("filter-text").value };
  const query = new URLSearchParams();
  if (SCOPE) query.set("scope", SCOPE);
  for (const [key, value] of Object.entries(state.filter)) if (value) query.set(key, value);
  const search = query.toString() ? `?${query}` : "";
  history.replaceState(null, "", `${location.pathname}${search}${location.hash}`);
  renderAll();
}

function wireControls() {
  const query = new URLSearchParams(location.search);
  $("filter-to").value = query.get("to") || "";
  $("filter-header").value = query.get("header") || "";
  $("filter-text").value = query.get("text") || "";
  state.filter = { to: $("filter-to").value.trim(), header: $("filter-header").value.trim(), text: $("filter-text").value };
  const form = $("filters");
  form.addEventListener("input", readFilter);
  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("reset", () => setTimeout(readFilter, 0));
  for (const tab of ALL_TABS) $(`tab-${tab}`).addEventListener("click", () => selectTab(tab));
  selectTab(location.hash.slice(1) || "messages");
  document.addEventListener("keydown", (event) => {
    const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement;
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      $("filter-text").focus();
    }
  });
}

// --- loading and refreshing ------------------------------------------------------------------

// Delivery is simulated on the server's clock: a "sent" or "scheduled" message becomes
// "delivered" later without any new event, so those are looked at again every few seconds.
const UNSETTLED = new Set(["sent", "scheduled"]);

async function refreshUnsettled() {
  const waiting = state.messages.filter((m) => UNSETTLED.has(m.status));
  if (!waiting.length) return;
  const oldest = Math.min(...waiting.map((m) => m.id));
  let fresh;
  try {
    fresh = await getJSON(api(`api/messages?after=${oldest - 1}&limit=${LOAD_LIMIT}`));
  } catch (error) {
    return; // the stream's own reconnecting shows a server that is gone
  }
  const byId = new Map(fresh.map((m) => [m.id, m]));
  state.messages = state.messages.map((m) => {
    const now = byId.get(m.id);
    if (!now || (now.status === m.status && now.pending === m.pending)) return m;
    const card = $("messages").querySelector(`:scope > .msg[data-id="${m.id}"]`);
    if (card) card.replaceWith(messageCard(now));
    return now;
  });
}

function showScope() {
  if (!SCOPE) return;
  const badge = $("scope");
  badge.textContent = `scope ${SCOPE}`;
  badge.hidden = false;
  document.title = `Inbox · ${SCOPE} · iSmart SMS emulator`;
  for (const link of document.querySelectorAll(".links a")) link.href = api(link.getAttribute("href"));
}

async function load() {
  showScope();
  showClock(null);
  wireControls();
  wireActions();
  setInterval(refreshUnsettled, REFRESH_MS);
  setLive("connecting");
  try {
    const [health, messages, requests] = await Promise.all([
      getJSON("api/health"),
      getJSON(api(`api/messages?limit=${LOAD_LIMIT}`)),
      getJSON(api(`api/requests?limit=${LOAD_LIMIT}`)),
    ]);
    showHealth(health);
    showClock(health.gateway_clock);
    for (const m of messages.slice().reverse()) {
      state.messageIds.add(m.id);
      state.messages.unshift(m);
    }
    for (const r of requests.slice().reverse()) {
      state.requestIds.add(r.id);
      state.requests.unshift(r);
    }
    state.cursor = { message: messages.length ? messages[0].id : 0, request: requests.length ? requests[0].id : 0 };
    showLoadError("");
  } catch (error) {
    showLoadError(`Could not load the inbox: ${error.message}`);
  }
  renderAll();
  follow(state.cursor, { message: addMessage, request: addRequest, cleared, health: showHealth });
}

document.addEventListener("DOMContentLoaded", load);
