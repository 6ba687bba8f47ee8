// The inbox of the iSmart SMS emulator: captured messages and the request journal, live.
//
// On load it fetches the newest messages and journal entries from the admin API, then follows
// the server-sent events of api/events from the newest ids it has. Every value that comes from
// the server goes into the page as text (createElement + text nodes), never as HTML.
"use strict";

(() => {
  const KEEP = 1000; // items kept per list; older ones leave the page (the API still has them)
  const LOAD_LIMIT = 200;
  const SEND_PATH = "/iBulkSMS/HttpWS/SMSDynamicRefIntlAPI.aspx";
  const ENCODINGS = { GSM7: "GSM-7", UCS2: "UCS-2" };
  const INTERFACES = { form: "HTTP API", rest: "REST", soap: "SOAP" };
  const TABS = ["messages", "rejected", "requests"];
  const REFRESH_MS = 2000;
  // ?scope=NAME: the inbox of one scope (X-Mock-Scope), as every admin call with ?scope= sees it.
  const SCOPE = new URLSearchParams(location.search).get("scope") || "";

  // An admin API path, limited to the page's scope if it has one.
  function api(path) {
    if (!SCOPE) return path;
    return `${path}${path.includes("?") ? "&" : "?"}scope=${encodeURIComponent(SCOPE)}`;
  }

  const state = {
    messages: [], // newest first
    requests: [], // newest first (journal order, reversed)
    messageIds: new Set(),
    requestIds: new Set(),
    filter: { to: "", header: "", text: "" },
    tab: "messages",
    cursor: { message: 0, request: 0 },
    source: null,
    retryTimer: null,
    countsPending: false,
  };

  const $ = (id) => document.getElementById(id);

  // --- building nodes: text only ---------------------------------------------------------------

  function h(tag, props, ...children) {
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

  function formatTime(iso, withDate) {
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return String(iso);
    const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    if (!withDate && d.toDateString() === new Date().toDateString()) return time;
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
  }

  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const token = (s) => String(s).toLowerCase().replace(/[^a-z0-9-]/g, "");

  function timeNode(iso, label) {
    return h("time", { datetime: iso, title: `${label} ${iso}` }, formatTime(iso));
  }

  // The meta line: items separated by dots; a dot that starts a wrapped line is clipped off.
  function metaLine(...items) {
    return h("div", { class: "meta" }, h("div", { class: "meta-row" }, items));
  }

  function meta(field, text, title) {
    return h("span", { class: "meta-item", data: { field }, title }, text);
  }

  function chip(field, text, title, variant) {
    return h("span", { class: `chip chip-${variant || field}`, data: { field }, title }, text);
  }

  // --- cards -----------------------------------------------------------------------------------

  function messageCard(m) {
    const arabic = m.lang === 64;
    const encoding = ENCODINGS[m.encoding] || m.encoding;
    return h(
      "article",
      { class: "card msg", data: { id: m.id } },
      h(
        "div",
        { class: "card-head" },
        h("span", { class: "to", data: { field: "to" }, title: "Recipient" }, m.to),
        h("span", { class: "sender", data: { field: "header" }, title: "Header (sender name)" }, m.header),
        m.pending ? chip("scheduled", "Scheduled", `Held until ${m.push_at}`) : null,
        m.status && m.status !== "scheduled"  // the Scheduled chip already says so
          ? chip("status", m.status, "Delivery state", `status status-${token(m.status)}`)
          : null,
        m.flash ? chip("flash", "Flash", "Flash SMS (FLashSMS=Y)") : null,
        m.header_defaulted
          ? chip("default-sender", "Default sender", "The request had no Header: sent under the account's default sender")
          : null,
        h("span", { class: "spacer" }),
        timeNode(m.received_at, "Received"),
      ),
      h("p", { class: "text", dir: "auto", lang: arabic ? "ar" : null, data: { field: "text" } }, m.text),
      metaLine(
        meta("encoding", encoding, encoding === "UCS-2" ? "UTF-16: 70 per part, 67 when split" : "GSM 03.38: 160 per part, 153 when split"),
        meta("parts", plural(m.parts, "part")),
        meta("units", plural(m.units, "unit"), encoding === "UCS-2" ? "UTF-16 code units" : "GSM-7 septets"),
        meta("lang", `Lang ${m.lang}${arabic ? " (Arabic)" : ""}`),
        m.push_at
          ? meta("push-at", `${m.pending ? "due" : "push time"} ${formatTime(m.push_at, true)}`, `PushDateTime ${m.push_at}`)
          : null,
        meta("user", `user ${m.user_id}`),
        m.reference_id ? meta("reference", `ref ${m.reference_id}`) : null,
        meta("request", `request #${m.request_id}`),
        meta("endpoint", m.endpoint),
        meta("interface", INTERFACES[m.interface] || m.interface, "The interface the message came through"),
        m.scope ? meta("scope", `scope ${m.scope}`) : null,
      ),
    );
  }

  function answerOf(r) {
    if (r.decided_by === "report") {
      return { code: "records", description: "A delivery report, answered with its records" };
    }
    if (r.code !== null && r.code !== undefined) {
      return { code: String(r.code), description: r.description || "" };
    }
    if (r.http_status) {
      return { code: `HTTP ${r.http_status}`, description: "An HTTP answer from a fault rule, no return code" };
    }
    return { code: "no answer", description: "The connection was dropped or left hanging by a fault rule" };
  }

  function paramsList(params) {
    const entries = Object.entries(params || {});
    if (!entries.length) return h("p", { class: "params-none" }, "no parameters");
    return h(
      "dl",
      { class: "params", data: { field: "params" } },
      entries.map(([key, value]) => [
        h("dt", null, key),
        h("dd", { dir: "auto" }, value === "" ? h("span", { class: "empty" }, "(empty)") : value),
      ]),
    );
  }

  function requestCard(r) {
    const answer = answerOf(r);
    const ok = !rejected(r);
    const kind = ok ? "ok" : r.code === null || r.code === undefined ? "http" : "bad";
    return h(
      "article",
      { class: `card req req-${kind}`, data: { id: r.id } },
      h(
        "div",
        { class: "card-head" },
        h("span", { class: `code code-${kind}`, data: { field: "code" }, title: "The answer" }, answer.code),
        h("span", { class: "description", data: { field: "description" } }, answer.description),
        h("span", { class: "spacer" }),
        timeNode(r.time, "Answered"),
      ),
      h(
        "div",
        { class: "why" },
        h("span", { class: "decided-by", data: { field: "decided-by" }, title: "What decided the answer" }, r.decided_by),
        h("span", { class: "reason", data: { field: "reason" } }, r.reason),
      ),
      metaLine(
        meta("method", r.method),
        meta("endpoint", r.endpoint),
        meta("interface", INTERFACES[r.interface] || r.interface, "The interface the request came through"),
        meta("client-ip", `from ${r.client_ip}`),
        r.user_id ? meta("user", `user ${r.user_id}`) : null,
        meta("request", `request #${r.id}`),
        r.http_status && r.http_status !== 200 ? meta("http-status", `HTTP ${r.http_status}`) : null,
        r.messages && r.messages.length ? meta("messages", plural(r.messages.length, "message")) : null,
        r.scope ? meta("scope", `scope ${r.scope}`) : null,
      ),
      paramsList(r.params),
    );
  }

  function emptyCard(kind, filtered) {
    if (filtered) {
      return h("div", { class: "empty-state" }, h("p", { class: "empty-title" }, `No ${kind} match the filter.`));
    }
    if (kind === "messages") {
      const url = `${location.origin}${SEND_PATH}`;
      return h(
        "div",
        { class: "empty-state" },
        h("p", { class: "empty-title" }, "No messages yet."),
        h("p", null, "Send one to the gateway and it appears here at once, no reload needed:"),
        h(
          "pre",
          null,
          `curl -s ${url} \\\n` +
            (SCOPE ? `  -H 'X-Mock-Scope: ${SCOPE}' \\\n` : "") +
            "  -d UserId=ismartsms -d Password=ismartsms -d MobileNo=96899123456 \\\n" +
            "  -d Message=TestMessage -d Lang=0 -d Header=AnyHeader",
        ),
      );
    }
    return h("div", { class: "empty-state" }, h("p", { class: "empty-title" }, `No ${kind} yet.`));
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
  // a delivery report answered with its records has no code, and was not refused
  const rejected = (r) => r.code !== 1 && r.decided_by !== "report";
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
    if (!TABS.includes(name)) name = "messages";
    state.tab = name;
    for (const tab of TABS) {
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
    for (const tab of TABS) $(`tab-${tab}`).addEventListener("click", () => selectTab(tab));
    selectTab(location.hash.slice(1) || "messages");
    document.addEventListener("keydown", (event) => {
      const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement;
      if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        $("filter-text").focus();
      }
    });
  }

  // --- loading and the live stream -------------------------------------------------------------

  async function getJSON(path) {
    const response = await fetch(path, { headers: { Accept: "application/json" }, cache: "no-store" });
    if (!response.ok) throw new Error(`${path} answered HTTP ${response.status}`);
    return response.json();
  }

  function setLive(mode) {
    const node = $("live");
    node.dataset.state = mode;
    node.textContent = { live: "live", connecting: "connecting…", reconnecting: "reconnecting…" }[mode] || mode;
  }

  function follow(event) {
    const [message, request] = String(event.lastEventId || "").split("-");
    if (request !== undefined) state.cursor = { message: Number(message) || 0, request: Number(request) || 0 };
  }

  function on(source, type, handle) {
    source.addEventListener(type, (event) => {
      follow(event);
      handle(JSON.parse(event.data));
    });
  }

  function connect() {
    clearTimeout(state.retryTimer);
    const source = new EventSource(api(`api/events?after=${state.cursor.message}-${state.cursor.request}`));
    state.source = source;
    source.addEventListener("open", () => setLive("live"));
    source.addEventListener("error", () => {
      if (source.readyState !== EventSource.CLOSED) {
        setLive("reconnecting");
        return;
      }
      // Refused (an HTTP error): the browser gives up, so try again from where we were.
      setLive("reconnecting");
      source.close();
      state.retryTimer = setTimeout(connect, 3000);
    });
    on(source, "message", addMessage);
    on(source, "request", addRequest);
    on(source, "cleared", cleared);
    on(source, "health", showHealth);
  }

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
    wireControls();
    setInterval(refreshUnsettled, REFRESH_MS);
    setLive("connecting");
    try {
      const [health, messages, requests] = await Promise.all([
        getJSON("api/health"),
        getJSON(api(`api/messages?limit=${LOAD_LIMIT}`)),
        getJSON(api(`api/requests?limit=${LOAD_LIMIT}`)),
      ]);
      showHealth(health);
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
    connect();
  }

  document.addEventListener("DOMContentLoaded", load);
})();
