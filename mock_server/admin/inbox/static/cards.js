// The cards of the inbox's lists: a message, a journal entry, a fault rule, an account, and the
// empty states.

import { SCOPE, h, formatTime, zone, clockTitle, plural, token, timeNode, metaLine, meta, chip } from "./page.js";

const SEND_PATH = "/iBulkSMS/HttpWS/SMSDynamicRefIntlAPI.aspx";
const ENCODINGS = { GSM7: "GSM-7", UCS2: "UCS-2" };
const INTERFACES = { form: "HTTP API", rest: "REST", soap: "SOAP" };

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

export const messageCard = withOtherFields((m) => {
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

export const requestCard = withOtherFields((r) => {
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

export function emptyCard(kind, filtered) {
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

export function ruleCard(r) {
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

export function accountCard(a) {
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

// A request that was refused: not answered 1 (a delivery report answered with its records has
// no code, and was not refused).
export const rejected = (r) => r.code !== 1 && r.decided_by !== "report";
