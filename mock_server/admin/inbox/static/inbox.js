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
"use strict";

(() => {
  const KEEP = 1000; // items kept per list; older ones leave the page (the API still has them)
  const LOAD_LIMIT = 200;
  const SEND_PATH = "/iBulkSMS/HttpWS/SMSDynamicRefIntlAPI.aspx";
  const ENCODINGS = { GSM7: "GSM-7", UCS2: "UCS-2" };
  const INTERFACES = { form: "HTTP API", rest: "REST", soap: "SOAP" };
  const TABS = ["messages", "rejected", "requests"]; // the live lists
  const ALL_TABS = [...TABS, "rules", "accounts"]; // rules and accounts are fetched when shown
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
    clock: { utc_offset_minutes: 240, label: "Asia/Muscat, UTC+4" }, // api/health's gateway_clock
    confirmTimer: null,
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

  // A moment on the gateway's clock: its UTC fields, shifted by the gateway's offset.
  const onGatewayClock = (d) => new Date(d.getTime() + state.clock.utc_offset_minutes * 60000);
  const zone = () => state.clock.label.split(", ").pop(); // "UTC+4"

  function formatTime(iso, withDate) {
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

  const clockTitle = (iso) => `on the gateway's clock (${state.clock.label}); your clock: ${browserTime(iso)}`;

  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const token = (s) => String(s).toLowerCase().replace(/[^a-z0-9-]/g, "");

  function timeNode(iso, label) {
    return h("time", { datetime: iso, title: `${label} ${clockTitle(iso)}` }, formatTime(iso));
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

  // A card shows the fields it knows in their places; every other field the server sends (one
  // a newer emulator's model added) follows them in the meta line as "name value", so a field
  // added to the model needs no edit here. The card's build function sees the item through a
  // Proxy that notes which fields it read; what it did not read is "other".
  function withOtherFields(build) {
    return (item) => {
      const read = new Set();
      const noted = new Proxy(item, {
        get(target, key) {
          if (typeof key === "string") read.add(key);
          return target[key];
        },
      });
      const card = build(noted);
      const others = Object.entries(item).filter(([key, value]) => !read.has(key) && shown(value));
      if (others.length) {
        card.querySelector(".meta-row").append(
          ...others.map(([key, value]) => meta(key, value === true ? words(key) : `${words(key)} ${listed(value)}`, key)),
        );
      }
      return card;
    };
  }

  const words = (key) => key.replace(/_/g, " ");
  const listed = (value) => (Array.isArray(value) ? value.map(asText).join(", ") : asText(value));
  const shown = (value) => value !== null && value !== undefined && value !== false && value !== "" && !(Array.isArray(value) && !value.length);
  const asText = (value) => (value !== null && typeof value === "object" ? JSON.stringify(value) : String(value));

  const messageCard = withOtherFields((m) => {
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
          ? chip("status", m.status, statusTitle(m.status_at), `status status-${token(m.status)}`)
          : null,
        m.flash ? chip("flash", "Flash", "Flash SMS (FLashSMS=Y)") : null,
        m.header_defaulted
          ? chip("default-sender", "Default sender", "The request had no Header: sent under the account's default sender")
          : null,
        h("span", { class: "spacer" }),
        timeNode(m.received_at, "Received"),
        h("button", { type: "button", class: "delete", data: { action: "delete", id: m.id }, title: "Delete this message", "aria-label": "Delete this message" }, "Delete"),
      ),
      h("p", { class: "text", dir: "auto", lang: arabic ? "ar" : null, data: { field: "text" } }, m.text),
      metaLine(
        meta("encoding", encoding, encoding === "UCS-2" ? "UTF-16: 70 per part, 67 when split" : "GSM 03.38: 160 per part, 153 when split"),
        meta("parts", plural(m.parts, "part")),
        meta("units", plural(m.units, "unit"), encoding === "UCS-2" ? "UTF-16 code units" : "GSM-7 septets"),
        meta("lang", `Lang ${m.lang}${arabic ? " (Arabic)" : ""}`),
        m.push_at
          ? meta("push-at", `${m.pending ? "due" : "push time"} ${formatTime(m.push_at, true)} ${zone()}`, `PushDateTime ${clockTitle(m.push_at)}`)
          : null,
        meta("user", `user ${m.user_id}`),
        m.reference_id ? meta("reference", `ref ${m.reference_id}`) : null,
        meta("request", `request #${m.request_id}`),
        meta("endpoint", m.endpoint),
        meta("interface", INTERFACES[m.interface] || m.interface, "The interface the message came through"),
        m.scope ? meta("scope", `scope ${m.scope}`) : null,
      ),
    );
  });

  const statusTitle = (at) => (at ? `Delivery state, since ${formatTime(at, true)} ${zone()}` : "Delivery state");

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

  const requestCard = withOtherFields((r) => {
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
  });

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
            "  -d Message=TestMessage -d Lang=0 -d Header=AnyHeader -d referenceIds=101",
        ),
        h("p", null, "It answers 1: Message Pushed successfully."),
      );
    }
    return h("div", { class: "empty-state" }, h("p", { class: "empty-title" }, `No ${kind} yet.`));
  }

  // --- rules and accounts (fetched when their tab is shown, and every few seconds while it is) --

  function keysList(field, entries, none) {
    if (!entries.length) return h("span", { class: "empty" }, none);
    return entries.map(([key, value], i) => [i ? ", " : "", h("code", null, `${key}: ${asText(value)}`)]);
  }

  function ruleCard(r) {
    const fromApi = r.source === "api";
    return h(
      "article",
      { class: "card rule", data: { id: r.id } },
      h(
        "div",
        { class: "card-head" },
        h("span", { class: "rule-name", data: { field: "rule-name" } }, r.name || `rule #${r.id}`),
        chip("source", fromApi ? "added at run time" : `from ${r.source}`, "Where the rule comes from", "source"),
        r.scope ? chip("scope", `scope ${r.scope}`, "Applies to this scope's requests only", "source") : null,
        h("span", { class: "spacer" }),
        h("span", { class: "hits", data: { field: "hits" }, title: "Requests it decided, of those that matched its keys" }, `${plural(r.hits, "hit")}, ${r.seen} seen`),
        fromApi
          ? h("button", { type: "button", class: "delete", data: { action: "remove-rule", id: r.id }, title: "Remove this rule" }, "Remove")
          : null,
      ),
      h(
        "dl",
        { class: "params rule-keys" },
        h("dt", null, "match"),
        h("dd", { data: { field: "match" } }, keysList("match", Object.entries(r.match || {}), "every request")),
        h("dt", null, "action"),
        h("dd", { data: { field: "action" } }, keysList("action", Object.entries(r.action || {}), "nothing")),
      ),
      metaLine(
        meta("rule-id", `rule #${r.id}`),
        meta("priority", `priority ${r.priority}`),
        r.times !== null && r.times !== undefined ? meta("times", `${r.remaining} of ${plural(r.times, "use")} left`) : null,
      ),
    );
  }

  // What is special about an account, in the words of the demo accounts' table.
  function accountFacts(a) {
    const facts = [];
    if (a.simulate_internal_error) facts.push("fails inside the gateway (11)");
    if (!a.web_service) facts.push("not registered for the web service (17)");
    if (!a.http_get) facts.push("may not use HTTP GET (18)");
    if (a.oman_only) facts.push("clients inside Oman only (21)");
    if (!a.delivery_reports) facts.push("no delivery reports (31)");
    if (a.allowed_ips && a.allowed_ips.length) facts.push(`only from ${a.allowed_ips.join(", ")}`);
    if (a.blocked_ips && a.blocked_ips.length) facts.push(`never from ${a.blocked_ips.join(", ")}`);
    const when = (iso, what, future, past, code) => {
      const ahead = new Date(iso) > new Date();
      return `${what} ${ahead ? future : past} ${formatTime(iso, true)} ${zone()}${ahead ? "" : ` (${code})`}`;
    };
    if (a.expires_at) facts.push(when(a.expires_at, "account", "expires", "expired", 13));
    if (a.credit_expires_at) facts.push(when(a.credit_expires_at, "credit", "expires", "expired", 14));
    if (a.api_expires_at) facts.push(when(a.api_expires_at, "SMS API subscription", "ends", "ended", 25));
    if (a.opted_out && a.opted_out.length) facts.push(`${plural(a.opted_out.length, "number")} opted out`);
    return facts;
  }

  function accountCard(a) {
    const facts = accountFacts(a);
    return h(
      "article",
      { class: "card account", data: { id: a.user_id } },
      h(
        "div",
        { class: "card-head" },
        h("span", { class: "user-id", data: { field: "user-id" } }, a.user_id),
        h("span", { class: "company", data: { field: "company" } }, a.company),
        chip("account-status", a.status, "Account status", `status status-${token(a.status)}`),
        a.scope ? chip("scope", `scope ${a.scope}`, "Its requests belong to this scope", "source") : null,
        h("span", { class: "spacer" }),
        h("span", { class: "credit", data: { field: "credit" } }, `${Number(a.credit).toLocaleString("en")} credit${a.credit === 1 ? "" : "s"}`),
      ),
      metaLine(
        meta("headers", `headers ${a.headers.join(", ") || "none"}`),
        meta("logins", `${a.failed_logins} of ${a.lockout_threshold} wrong passwords before it locks`),
      ),
      facts.length ? h("p", { class: "facts", data: { field: "facts" } }, facts.join(" · ")) : null,
    );
  }

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

  function showClock(clock) {
    if (clock && Number.isInteger(clock.utc_offset_minutes) && clock.label) state.clock = clock;
    const node = $("clock");
    node.textContent = `times: gateway clock, ${state.clock.label}`;
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
    connect();
  }

  document.addEventListener("DOMContentLoaded", load);
})();
