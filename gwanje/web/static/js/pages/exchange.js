// The webhook receivers on the supervision page: what waits, what was delivered, and the dead
// letters (deliveries that failed for good), each replayable or discardable with a reason.
import { api } from "../api.js";
import { banner } from "../banner.js";
import { $, h } from "../dom.js";
import { camName, fmtTime } from "../format.js";
import { t } from "../i18n.js";

export async function loadExchange() {
  const [hooks, dead] = await Promise.all([api("/api/exchange/webhooks"), api("/api/exchange/deliveries?state=dead&limit=100")]);
  $("#xch-card").hidden = hooks.length === 0 && dead.total === 0;
  $("#xch-hooks").replaceChildren(...hooks.map((w) => h("tr", { "data-webhook": w.name },
    h("td", {}, w.name), h("td", { class: "muted" }, w.url), h("td", {}, w.pending), h("td", {}, w.delivered),
    h("td", { class: w.dead ? "error" : "" }, w.dead))));
  $("#xch-dead-count").textContent = `${t("xch.dead")}: ${dead.total}`;
  $("#xch-replay-all").hidden = dead.total === 0;
  $("#xch-dead").replaceChildren(...(dead.items.length ? dead.items.map((d) => h("tr", { "data-delivery": d.id },
    h("td", {}, fmtTime(d.created_at)), h("td", {}, d.webhook), h("td", {}, d.camera_id ? camName(d.camera_id) : "—"),
    h("td", {}, d.type.replace(/^kr\.gwanje\./, "")), h("td", {}, d.attempts),
    h("td", { class: "note" }, d.last_error || "—"),
    h("td", {}, h("button", { type: "button", class: "link", onclick: () => act("replay", [d.id]) }, t("xch.replay")), " ",
      h("button", { type: "button", class: "link", onclick: () => act("discard", [d.id]) }, t("xch.discard")))))
    : [h("tr", {}, h("td", { colspan: 7, class: "muted" }, t("xch.none")))]));
}

async function act(what, ids) {
  const reason = $("#xch-reason").value.trim();
  if (!reason) { $("#xch-reason").focus(); banner(t("xch.reason_needed")); return; }
  try {
    await api(`/api/exchange/deliveries/${what}`, { method: "POST", body: { ids, reason } });
    loadExchange();
  } catch (e) { banner(e.message); }
}

$("#xch-replay-all").addEventListener("click", () => act("replay", null));
