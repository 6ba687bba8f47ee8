// The inbox's live feed: the server-sent events of api/events, followed from a cursor (the ids
// of the newest message and journal entry the page has), which each event moves on, so that a
// stream that is refused and opened again resumes where it was.

import { api, $ } from "./page.js";

export function setLive(mode) {
  const node = $("live");
  node.dataset.state = mode;
  node.textContent = { live: "live", connecting: "connecting…", reconnecting: "reconnecting…" }[mode] || mode;
}

// Follow the stream from `cursor` ({ message, request }, updated in place); `handlers` maps an
// event type (message, request, cleared, health) to what to do with its data.
export function follow(cursor, handlers) {
  const source = new EventSource(api(`api/events?after=${cursor.message}-${cursor.request}`));
  source.addEventListener("open", () => setLive("live"));
  source.addEventListener("error", () => {
    setLive("reconnecting");
    if (source.readyState !== EventSource.CLOSED) return; // the browser reconnects by itself
    // Refused (an HTTP error): the browser gives up, so try again from where we were.
    source.close();
    setTimeout(() => follow(cursor, handlers), 3000);
  });
  for (const [type, handle] of Object.entries(handlers)) {
    source.addEventListener(type, (event) => {
      const [message, request] = String(event.lastEventId || "").split("-");
      if (request !== undefined) Object.assign(cursor, { message: Number(message) || 0, request: Number(request) || 0 });
      handle(JSON.parse(event.data));
    });
  }
}
