// The audit trail, for supervisors: who did what, when, from where.
import { api } from "../api.js";
import { $, h } from "../dom.js";
import { fmtTime } from "../format.js";

export async function loadAudit() {
  const rows = await api("/api/audit?limit=300");
  $("#audit-body").replaceChildren(...rows.map((r) => h("tr", {},
    h("td", {}, fmtTime(r.at)), h("td", {}, r.username), h("td", {}, r.action), h("td", {}, r.target || ""), h("td", {}, r.ip || ""))));
}
