// How things read: times in the center's time zone (오늘 14:05:32; the date only when not today),
// type, camera, role and audit names, ages, tile reasons.
import { has, LANG, t } from "./i18n.js";
import { state } from "./state.js";

function parts(date) {
  const f = new Intl.DateTimeFormat("en-CA", {
    timeZone: state.timezone || undefined, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  });
  return Object.fromEntries(f.formatToParts(date).map((p) => [p.type, p.value]));
}

// times are shown in the center's time zone (Asia/Seoul by default), whatever the browser's
export function fmtTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  const p = parts(d), now = parts(new Date());
  const clock = `${p.hour}:${p.minute}:${p.second}`;
  if (p.year === now.year && p.month === now.month && p.day === now.day) return `${t("today")} ${clock}`;
  const sameYear = p.year === now.year;
  if (LANG === "ko") return `${sameYear ? "" : p.year + "년 "}${Number(p.month)}월 ${Number(p.day)}일 ${clock}`;
  const month = new Intl.DateTimeFormat("en-GB", { month: "short", timeZone: state.timezone || undefined }).format(d);
  return `${Number(p.day)} ${month}${sameYear ? "" : " " + p.year} ${clock}`;
}

// <input type="datetime-local"> value (the center's local time) → ISO in UTC
export function localInputToIso(value) {
  if (!value) return null;
  const guess = new Date(value + "Z");  // as if UTC, then shift by the center's offset then
  const p = parts(guess);
  const asLocal = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return new Date(guess.getTime() - (asLocal - guess.getTime())).toISOString();
}

export const typeName = (ty) => t(`type.${ty}`);
export const camName = (id) => state.cameras.find((c) => c.id === id)?.name || id;
export const roleName = (role) => t(`role.${role}`);
export const auditName = (action) => (has(`audit.${action}`) ? t(`audit.${action}`) : action);

export function ago(iso) {
  if (!iso) return t("never");
  return `${Math.max(0, Math.round((Date.now() - new Date(iso)) / 1000))} ${t("ago.s")}`;
}

// why a camera is on a wall: "침입 14초 · 잔디밭"
export function reasonText(r, now = Date.now() / 1000) {
  if (!r) return "";
  const age = Math.max(0, Math.round(now - r.since));
  if (r.kind === "incident") return `${t("reason.incident")}${r.detail ? " · " + r.detail : ""}`;
  if (r.kind === "offline") return `${t("reason.offline")} ${age}${t("sec")}`;
  if (r.kind === "weather") return r.detail || t("reason.weather");
  const what = `${typeName(r.type)}${r.detail ? " " + r.detail : ""}`;
  return `${what} ${age}${t("sec")}${r.zone ? " · " + r.zone : ""}`;
}

// ISO (or a Date) → <input type="datetime-local"> value in the center's local time
export function isoToLocalInput(iso) {
  const p = parts(new Date(iso));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
}

// the clock in the center's time zone, e.g. "14:05:32"
export function clockOf(date) {
  const p = parts(date);
  return `${p.hour}:${p.minute}:${p.second}`;
}
