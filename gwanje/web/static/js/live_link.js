// The page a patrol officer's phone opens from a live-view link (/live/<id>): the one-time code,
// then the link's cameras, live, until the link ends. Standalone: no console session.
const $ = (sel) => document.querySelector(sel);
const linkId = location.pathname.split("/").pop();
const base = `/api/live-links/${encodeURIComponent(linkId)}`;
let timer = null;
const AGENCY = { police: "경찰(112)", fire: "소방(119)", ambulance: "구급(119)", district: "시청·구청" };

function show(link) {
  $("#code-step").hidden = true;
  $("#watch-step").hidden = false;
  $("#link-purpose").textContent = `${AGENCY[link.agency] || link.agency} · ${link.purpose}`;
  const until = new Date(link.expires_at);
  const tick = () => {
    const left = Math.max(0, Math.round((until - Date.now()) / 1000));
    $("#link-until").textContent = `남은 시간 ${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    if (left === 0) ended();
  };
  let n = 0;
  tick();
  timer = setInterval(() => {
    tick();
    // a stream that ends leaves its last picture: ask every 3 s whether the link still holds, and
    // which cameras it shows (a shared follow moves on to the camera the person is on)
    if (++n % 3 === 0) {
      fetch(`${base}/view`).then((r) => {
        if (!r.ok) { ended(); return null; }
        return r.json();
      }).then((now) => { if (now && now.cameras.join() !== shown.join()) cameras(now.cameras); }).catch(() => {});
    }
  }, 1000);
  cameras(link.cameras);
}

let shown = [];
function cameras(list) {
  shown = list;
  $("#link-cameras").replaceChildren(...list.map((cam) => {
    const box = document.createElement("figure");
    const img = document.createElement("img");
    img.alt = cam;
    img.src = `${base}/cameras/${encodeURIComponent(cam)}/live.mjpg`;
    img.addEventListener("error", () => { if (img.isConnected) ended(); });  // (a camera moved away from is no error)
    const cap = document.createElement("figcaption");
    cap.textContent = cam;
    box.append(img, cap);
    return box;
  }));
}

function ended() {
  clearInterval(timer);
  $("#link-ended").hidden = false;
  $("#link-until").textContent = "종료 · ended";
  $("#link-cameras").replaceChildren();
}

// a phone that redeemed its code already (a reload) goes straight to the cameras
fetch(`${base}/view`).then((r) => (r.ok ? r.json().then(show) : null)).catch(() => {});

$("#code-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("#code-error").textContent = "";
  const code = new FormData(ev.target).get("code");
  const r = await fetch(`${base}/redeem`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ code }) });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) { $("#code-error").textContent = body.detail || `HTTP ${r.status}`; return; }
  show(body);
});
