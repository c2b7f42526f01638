// The API client: JSON in and out, the CSRF header on changes, errors with the server's detail.
// A 401 tells the page (event "gwanje:signed-out") so it shows the login form.
import { t } from "./i18n.js";
import { state } from "./state.js";

export async function api(path, options = {}) {
  const opts = { credentials: "same-origin", ...options, headers: { ...(options.headers || {}) } };
  if (opts.body !== undefined && typeof opts.body !== "string" && !(opts.body instanceof Blob)) {
    opts.body = JSON.stringify(opts.body);
    opts.headers["Content-Type"] = "application/json";
  }
  if (opts.method && opts.method !== "GET") opts.headers["X-CSRF-Token"] = state.csrf || "";
  const res = await fetch(path, opts);
  if (res.status === 401 && path !== "/api/auth/login") {
    document.dispatchEvent(new Event("gwanje:signed-out"));
    throw new Error("401");
  }
  const data = res.headers.get("content-type")?.includes("json") ? await res.json() : null;
  if (!res.ok) {
    const detail = data && data.detail;
    const text = typeof detail === "string" ? detail : JSON.stringify(detail || res.status);
    // a move someone else made first reads in the console's language (the server's words follow)
    const err = new Error(res.status === 409 && path.startsWith("/api/alerts/") ? `${t("error.conflict")} (${text})` : text);
    err.status = res.status;
    throw err;
  }
  return data;
}
