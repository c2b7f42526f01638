// Statistics: events by day and type, by camera, and response times.
import { api } from "../api.js";
import { horizontalBars, stackedColumns } from "../charts.js";
import { $, h } from "../dom.js";
import { camName, typeName } from "../format.js";
import { t } from "../i18n.js";

export async function loadStats() {
  const s = await api(`/api/stats?days=${$("#stats-days").value}`);
  const legend = stackedColumns($("#chart-days"), s.days, s.by_type_day, typeName);
  $("#legend").replaceChildren(...legend.map((l) => h("span", {}, h("i", { style: `background:${l.colour}` }), l.name)));
  horizontalBars($("#chart-cameras"), Object.entries(s.by_camera).map(([k, v]) => [camName(k), v]));
  const sec = (v) => (v == null ? t("stats.none") : `${v.toFixed(1)} s`);
  $("#response").replaceChildren(h("dl", { class: "facts" },
    h("dt", {}, t("stats.ack_median")), h("dd", {}, sec(s.ack_median_s)),
    h("dt", {}, t("stats.ack_p90")), h("dd", {}, sec(s.ack_p90_s)),
    h("dt", {}, t("stats.close_median")), h("dd", {}, sec(s.close_median_s)),
    ...Object.entries(s.response_by_type).flatMap(([k, v]) => [h("dt", {}, typeName(k)), h("dd", {}, sec(v))])));
}
$("#stats-days").addEventListener("change", loadStats);
