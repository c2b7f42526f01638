// The live event stream (server-sent events): the page passes one handler per message kind.
import { $ } from "./dom.js";
import { t } from "./i18n.js";
import { state } from "./state.js";

export function connectStream(handlers) {
  if (state.stream) state.stream.close();
  const es = new EventSource("/api/stream");
  state.stream = es;
  es.addEventListener("hello", () => setConn(true));
  es.onerror = () => setConn(false);
  // the server ends the stream when the session ends (logout elsewhere, expiry, idle, disabled)
  es.addEventListener("signed_out", () => { closeStream(); document.dispatchEvent(new Event("gwanje:signed-out")); });
  for (const [kind, handle] of Object.entries(handlers)) {
    es.addEventListener(kind, (m) => handle(m.data ? JSON.parse(m.data) : null));
  }
}

export function closeStream() {
  if (state.stream) { state.stream.close(); state.stream = null; }
}

function setConn(ok) {
  const dot = $("#conn");
  dot.className = `dot ${ok ? "ok" : "bad"}`;
  dot.title = t(ok ? "conn.live" : "conn.lost");
}
