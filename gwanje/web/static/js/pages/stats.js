// Statistics: events (alerts) by day and type, by camera, response times, and the noisiest rules.
import { api } from "../api.js";
import { horizontalBars, stackedColumns } from "../charts.js";
import { $, h } from "../dom.js";
import { camName, typeName } from "../format.js";
import { t } from "../i18n.js";
import { STAFF, state } from "../state.js";

// a colour set through the style object, not a style attribute (the Content-Security-Policy
// refuses inline styles)
function swatch(colour) {
  const i = h("i");
  i.style.background = colour;
  return i;
}

export async function loadStats() {
  const s = await api(`/api/stats?days=${$("#stats-days").value}`);
  const legend = stackedColumns($("#chart-days"), s.days, s.by_type_day, typeName);
  $("#legend").replaceChildren(...legend.map((l) => h("span", {}, swatch(l.colour), l.name)));
  horizontalBars($("#chart-cameras"), Object.entries(s.by_camera).map(([k, v]) => [camName(k), v]));
  const sec = (v) => (v == null ? t("stats.none") : `${v.toFixed(1)} ${t("stats.sec")}`);
  $("#response").replaceChildren(h("dl", { class: "facts" },
    h("dt", {}, t("stats.ack_median")), h("dd", {}, sec(s.ack_median_s)),
    h("dt", {}, t("stats.ack_p90")), h("dd", {}, sec(s.ack_p90_s)),
    h("dt", {}, t("stats.close_median")), h("dd", {}, sec(s.close_median_s)),
    ...Object.entries(s.response_by_type).flatMap(([k, v]) => [h("dt", {}, typeName(k)), h("dd", {}, sec(v))])));
  if (!STAFF.has(state.user.role)) return;
  const noisy = await api("/api/stats/noisy?days=7");
  $("#noisy-body").replaceChildren(...noisy.map((n) => h("tr", {},
    h("td", {}, camName(n.camera_id)), h("td", {}, typeName(n.type)), h("td", {}, n.hits), h("td", {}, n.alerts),
    h("td", {}, n.false_alarms), h("td", {}, n.shelved), h("td", {}, n.recorded))));
}
$("#stats-days").addEventListener("change", loadStats);
