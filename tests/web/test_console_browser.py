"""The console in a real browser (Debian's Chromium driven by Playwright) against a real center
process: log in, see the wall's live view, receive a live alert from the running pipeline,
acknowledge and resolve it; each role's own navigation with no page error; a closed tab leaves
duty. Screenshots go to test-artifacts/console/."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from conftest import PRESENCE_S
from support.shared import SHARED

pytestmark = [pytest.mark.slow, pytest.mark.browser]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield b
        b.close()


def test_operator_receives_acknowledges_and_resolves_a_live_event(browser, live_center) -> None:
    page = browser.new_page(viewport={"width": 1500, "height": 900}, locale="ko-KR", bypass_csp=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_center.base + "/")
    page.wait_for_selector("#login-form")
    assert page.inner_text("#login-form button[type=submit]") == "로그인"  # Korean by default
    page.fill("input[name=username]", "kim")
    page.fill("input[name=password]", "wrong password")
    page.click("#login-form button[type=submit]")
    page.wait_for_function("document.querySelector('#login-error').textContent.length > 0")
    page.screenshot(path=ARTIFACTS / "01-login-failed.png")
    page.fill("input[name=password]", "correct horse battery")
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#app:not([hidden])")

    # the wall fills itself (selective monitoring): the camera with an intrusion comes up, its tile
    # saying why, with the annotated live view
    why = page.locator("#wall .tile.auto[data-camera='cam-a'] .why")
    why.wait_for(timeout=90_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('#wall img.live')].some(i => i.naturalWidth > 0)", timeout=60_000
    )
    assert "침입" in why.inner_text() and "lawn" in why.inner_text()
    # the alert of the running pipeline is in the queue (a first hit or one joining it arrives
    # over the stream)
    page.wait_for_function("() => (window.gwanjeReceived || []).length > 0", timeout=90_000)
    event_id = page.evaluate("window.gwanjeReceived[0].id")
    item = page.locator(f"#queue li[data-alert='{event_id}']")
    item.wait_for()
    # the badge is the store's count (the stream's counts follow each change within a second)
    api = live_center.login("park")
    deadline = time.monotonic() + 10
    while page.inner_text("#queue-count") != str(api.get("/api/alerts/counts").json()["open"]):
        assert time.monotonic() < deadline, "the queue's badge is not the store's count of open alerts"
        page.wait_for_timeout(300)
    page.screenshot(path=ARTIFACTS / "02-wall-with-live-event.png")

    item.click()
    page.wait_for_selector("#drawer:not([hidden])")
    page.wait_for_function("document.querySelector('#d-snapshot').naturalWidth > 0")
    page.check("#d-sop input[data-step='0']")
    page.wait_for_function("document.querySelector('#d-sop').textContent.includes('kim')")
    page.click("#d-actions [data-act=acknowledge]")
    page.wait_for_function("document.querySelector('#d-facts').textContent.includes('접수')")
    page.screenshot(path=ARTIFACTS / "03-event-acknowledged.png")
    page.fill("#d-note", "현장 확인 완료")
    page.click("#d-actions [data-act=resolve]")
    page.wait_for_function("document.querySelector('#d-facts').textContent.includes('종결')")
    page.screenshot(path=ARTIFACTS / "04-event-resolved.png")

    api = live_center.login("park")
    stored = api.get(f"/api/alerts/{event_id}").json()
    assert (
        stored["status"] == "resolved"
        and stored["closed_by"] == "kim"
        and stored["closing_note"] == "현장 확인 완료"
    )
    assert [a["to_status"] for a in stored["actions"]] == ["acknowledged", "resolved"]
    assert stored["sop"][0]["done_by"] == "kim" and stored["hits"]

    # the other pages render, and the console switches to English
    page.click("#d-close")
    for name in ("events", "cameras", "map", "stats"):
        page.goto(f"{live_center.base}/#{name}")
        page.wait_for_selector(f"#page-{name}:not([hidden])")
        page.wait_for_timeout(700)
        page.screenshot(path=ARTIFACTS / f"05-{name}.png")
    assert page.locator("#map .cam-marker").count() >= 1  # Leaflet, from node_modules
    page.click(".who .lang-toggle")
    assert page.inner_text("nav a[href='#stats']") == "Statistics"
    page.screenshot(path=ARTIFACTS / "06-stats-english.png")
    assert errors == []
    page.close()

    # the supervisor sees every operator's wall and its load
    sup = browser.new_page(viewport={"width": 1500, "height": 900}, bypass_csp=True)
    sup.goto(live_center.base + "/#supervise")
    sup.fill("input[name=username]", "park")
    sup.fill("input[name=password]", "correct horse battery")
    sup.click("#login-form button[type=submit]")
    sup.locator("#sup-walls [data-operator='kim']").wait_for(timeout=30_000)
    sup.screenshot(path=ARTIFACTS / "07-supervision.png")
    sup.close()


ROLE_PAGES = {
    "kim": (["wall", "events", "cameras", "map", "playback", "search", "evidence", "stats"], "wall"),
    "park": (
        ["wall", "events", "cameras", "map", "playback", "search", "evidence", "stats", "supervise", "audit"],
        "wall",
    ),
    "police": (["dispatched", "evidence", "stats"], "dispatched"),
    "admin": (
        [
            "wall",
            "events",
            "cameras",
            "map",
            "playback",
            "search",
            "evidence",
            "stats",
            "supervise",
            "audit",
            "admin",
            "nodes",
        ],
        "wall",
    ),
}


def _sign_in(page, base: str, user: str, hash_: str = "") -> None:
    page.goto(f"{base}/{hash_}")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", "correct horse battery")
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#app:not([hidden])")


def test_each_role_sees_its_own_console_and_a_closed_tab_leaves_duty(browser, live_center) -> None:
    import threading

    supervisor = live_center.login("park")

    def walk(user: str) -> None:  # the role's own pages (only those), with no page error
        pages, landing = ROLE_PAGES[user]
        # this page keeps the console's Content-Security-Policy (the others bypass it, as Playwright's
        # wait_for_function evaluates strings, which the policy rightly refuses)
        page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="ko-KR", bypass_csp=False)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        # what the Content-Security-Policy refused would show here (the console has no inline code)
        page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
        _sign_in(page, live_center.base, user, "#admin" if user != "admin" else "")
        # a page it cannot use sends it home (once the console has loaded its first data)
        deadline = time.monotonic() + 15
        while not page.url.endswith(f"#{landing}"):
            assert time.monotonic() < deadline, page.url
            page.wait_for_timeout(200)
        visible = [a.get_attribute("href")[1:] for a in page.query_selector_all("#nav a") if a.is_visible()]
        assert visible == pages
        for name in pages:
            page.click(f"#nav a[href='#{name}']")
            page.wait_for_selector(f"#page-{name}:not([hidden])")
            page.wait_for_timeout(500)
        page.screenshot(path=ARTIFACTS / f"08-role-{user}.png")
        assert errors == [], f"{user}: {errors}"
        page.close()

    walk("kim")
    # the operator opens the console: on duty while it is open
    tab = browser.new_page(viewport={"width": 1400, "height": 900}, locale="ko-KR", bypass_csp=True)
    _sign_in(tab, live_center.base, "kim")
    tab.wait_for_selector("#wall .tile")
    present = {p["username"] for p in supervisor.get("/api/walls").json()["present"]}
    assert "kim" in present
    tab.close()
    closed = time.monotonic()
    left: list[float] = []

    def watch() -> None:  # when the supervisor's overview stops listing the operator
        watcher = live_center.login("park")
        while time.monotonic() - closed < PRESENCE_S + 15:
            if "kim" not in {p["username"] for p in watcher.get("/api/walls").json()["present"]}:
                left.append(time.monotonic() - closed)
                return
            time.sleep(0.5)

    watching = threading.Thread(target=watch)
    watching.start()
    for user in ("park", "police", "admin"):  # meanwhile, the other roles
        walk(user)
    # the operator's closed tab stops counting within presence_s (10 s here)
    watching.join()
    assert left and left[0] <= PRESENCE_S + 1, f"the closed tab still counted after {left or 45} s"


def test_a_recorded_range_across_three_segments_plays_in_the_browser(browser, live_center) -> None:
    """The camera records as it is analysed; a range over three of its segments plays in
    Chromium's own <video> (H.264 remuxed, no plugin) with the range's duration, and the page's
    timeline plays from where it is clicked."""
    from datetime import UTC, datetime, timedelta

    kim = live_center.login("kim")
    now = datetime.now(UTC)
    window = {
        "start": (now - timedelta(minutes=30)).isoformat(),
        "end": (now + timedelta(minutes=1)).isoformat(),
    }
    deadline = time.monotonic() + 90
    while True:  # 4-s segments: three closed ones after about 15 s of the camera
        recorded = kim.get("/api/recordings/cam-a/timeline", params=window).json()["recorded"]
        spans = [(datetime.fromisoformat(r["start"]), datetime.fromisoformat(r["end"])) for r in recorded]
        if spans and (spans[-1][1] - spans[-1][0]).total_seconds() >= 13:
            break
        assert time.monotonic() < deadline, f"no 13 s of recording: {recorded}"
        time.sleep(2)
    start, end = spans[-1][0] + timedelta(seconds=1), spans[-1][1] - timedelta(seconds=0.5)
    page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="ko-KR", bypass_csp=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _sign_in(page, live_center.base, "kim", "#playback")
    page.wait_for_selector("#pb-timeline .pb-rec")
    got = page.evaluate(
        """async ([start, end]) => {
            const r = await fetch(`/api/recordings/cam-a/clip?start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}&purpose=test`);
            const clip = await r.json();
            const v = document.createElement("video");
            v.muted = true; v.src = clip.url; document.body.append(v);
            await new Promise((ok, bad) => { v.onloadedmetadata = ok; v.onerror = () => bad(new Error("video error " + v.error?.code)); });
            v.currentTime = clip.offset_s;
            await v.play();
            const t0 = v.currentTime;
            await new Promise((ok) => setTimeout(ok, 1500));
            return { duration: v.duration, offset: clip.offset_s, t0, t1: v.currentTime };
        }""",
        [start.isoformat(), end.isoformat()],
    )
    asked = (end - start).total_seconds()
    # the clip starts at the keyframe at or before the asked start (a second at most here)
    assert abs(got["duration"] - got["offset"] - asked) <= 0.5, (got, asked)
    assert got["t1"] > got["t0"] + 0.5, got
    # the page itself: a click on the timeline plays from there, once the purpose is said
    box = page.locator("#pb-timeline .pb-rec").last.bounding_box()  # the last recorded span
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#banner:not([hidden])", timeout=5_000)
    assert page.locator("#pb-players video").count() == 0  # no purpose: nothing asked of the server
    page.fill("#pb-purpose", "순찰 중 확인")
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function(
        "() => { const v = document.querySelector('#pb-players video'); return v && v.currentTime > 0.3; }",
        timeout=20_000,
    )
    page.screenshot(path=ARTIFACTS / "09-playback.png")
    assert errors == []
    audit = live_center.login("park").get("/api/audit", params={"action": "view_recording"}).json()
    assert {a["username"] for a in audit} == {"kim"}
    assert {a["detail"]["purpose"] for a in audit} == {"test", "순찰 중 확인"}


def test_evidence_provision_through_the_console(browser, live_center, tmp_path) -> None:
    """Police file a request for the camera's recent footage, the supervisor clicks a tracked
    person as the subject, watches the masked preview and approves; police download the package
    and it verifies offline against the key the admin page shows."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from typer.testing import CliRunner

    from gwanje.cli.main import app as cli

    kim, park = live_center.login("kim"), live_center.login("park")
    now = datetime.now(UTC)
    window = {
        "start": (now - timedelta(minutes=30)).isoformat(),
        "end": (now + timedelta(minutes=10)).isoformat(),
    }
    deadline = time.monotonic() + 90
    while True:  # a recorded span of 10 s
        recorded = kim.get("/api/recordings/cam-a/timeline", params=window).json()["recorded"]
        spans = [(datetime.fromisoformat(r["start"]), datetime.fromisoformat(r["end"])) for r in recorded]
        if spans and (spans[-1][1] - spans[-1][0]).total_seconds() >= 10:
            break
        assert time.monotonic() < deadline, f"no 10 s of recording: {recorded}"
        time.sleep(2)
    # an alert of its own on the camera (the pipeline's alerts are left to the other tests),
    # dispatched to police: so police may ask for that camera's footage
    admin_api = live_center.login("admin")
    r = admin_api.post("/api/events", json={"camera_id": "cam-a", "type": "fight", "severity": "high"})
    assert r.status_code == 201, r.text
    alert_id = r.json()["created"][0]  # a new alert takes its first hit's id
    assert kim.post(f"/api/alerts/{alert_id}/acknowledge", json={}).status_code == 200
    r = kim.post(f"/api/alerts/{alert_id}/dispatch", json={"agency": "police", "note": "영상 요청 예정"})
    assert r.status_code == 200, r.text
    seoul = ZoneInfo("Asia/Seoul")
    start, end = spans[-1][1] - timedelta(seconds=8), spans[-1][1] - timedelta(seconds=1)
    local = lambda t: t.astimezone(seoul).strftime("%Y-%m-%dT%H:%M:%S")  # noqa: E731

    errors: list[str] = []
    police = browser.new_page(
        viewport={"width": 1400, "height": 1000}, locale="ko-KR", accept_downloads=True, bypass_csp=True
    )
    police.on("pageerror", lambda e: errors.append(str(e)))
    _sign_in(police, live_center.base, "police", "#evidence")
    police.wait_for_selector("#page-evidence:not([hidden])")
    police.click("#ev-new")
    police.fill("#ev-form input[name=officer]", "오산경찰서 형사과 김경위")
    police.fill("#ev-form input[name=case_number]", "2026-형-0142")
    police.fill("#ev-form input[name=purpose]", "폭행 사건 피의자 동선 확인")
    police.check("#ev-cameras input[value=cam-a]")
    police.fill("#ev-form input[name=start]", local(start))
    police.fill("#ev-form input[name=end]", local(end))
    police.screenshot(path=ARTIFACTS / "10-evidence-request-form.png")
    police.click("#ev-form button[type=submit]")
    police.wait_for_selector("#ev-detail:not([hidden]) h3")
    number = police.inner_text("#ev-detail h3").split()[-1]
    pid = next(r["id"] for r in park.get("/api/provisions").json() if r["number"] == number)

    sup = browser.new_page(viewport={"width": 1400, "height": 1100}, locale="ko-KR", bypass_csp=True)
    sup.on("pageerror", lambda e: errors.append(str(e)))
    _sign_in(sup, live_center.base, "park", "#evidence")
    sup.click(f"#ev-body tr[data-id='{pid}']")
    person = sup.locator("#ev-picks .ev-person").first
    person.wait_for(timeout=120_000)
    track = int(person.get_attribute("data-track"))
    person.click()
    sup.wait_for_selector("#ev-picks .ev-person.chosen")
    sup.click("#ev-apply")
    # the preview made before (nobody unmasked) was ready too: wait for the one with the subject
    deadline = time.monotonic() + 120
    while True:
        now = park.get(f"/api/provisions/{pid}").json()
        if now["subjects"] and now["job"] is None and now["preview_ready"]:
            break
        assert time.monotonic() < deadline, now
        time.sleep(0.3)
    sup.wait_for_selector("#ev-detail .ev-person.chosen", timeout=20_000)  # the page shows it again
    sup.wait_for_selector("#ev-approve:not([disabled])", timeout=20_000)
    sup.locator("#ev-detail button.secondary").first.click()
    sup.wait_for_function(
        "() => { const v = document.querySelector('#ev-preview video'); return v && v.readyState >= 2; }",
        timeout=20_000,
    )
    sup.wait_for_timeout(800)
    sup.screenshot(path=ARTIFACTS / "11-evidence-review.png", full_page=True)
    sup.click("#ev-approve")
    deadline = time.monotonic() + 120
    while park.get(f"/api/provisions/{pid}").json()["state"] != "exported":
        assert time.monotonic() < deadline, park.get(f"/api/provisions/{pid}").json()
        time.sleep(0.5)

    police.click(f"#ev-body tr[data-id='{pid}']")
    police.wait_for_selector("#ev-download", timeout=20_000)
    with police.expect_download() as got:
        police.click("#ev-download")
    package = tmp_path / "package.zip"
    got.value.save_as(package)
    police.wait_for_function("document.querySelector('#ev-detail').textContent.includes('제공 완료')")
    police.screenshot(path=ARTIFACTS / "12-evidence-police-download.png")

    admin = browser.new_page(viewport={"width": 1400, "height": 900}, locale="ko-KR", bypass_csp=True)
    admin.on("pageerror", lambda e: errors.append(str(e)))
    _sign_in(admin, live_center.base, "admin", "#admin")
    admin.wait_for_function("document.querySelector('#admin-key-fp').textContent.length > 20")
    fingerprint = admin.inner_text("#admin-key-fp")
    result = CliRunner().invoke(cli, ["evidence", "verify", str(package), "--key", fingerprint])
    assert result.exit_code == 0 and result.output.startswith("OK"), result.output
    sup.reload()
    sup.wait_for_selector("#ledger-body tr")
    sup.screenshot(path=ARTIFACTS / "13-evidence-ledger.png", full_page=True)
    kinds = {r["kind"] for r in park.get("/api/ledger").json()}
    assert {"view", "provide"} <= kinds
    manifest = park.get(f"/api/provisions/{pid}").json()
    assert manifest["subjects"] == [{"camera_id": "cam-a", "track_id": track}]
    assert errors == []


def test_weather_panel_beside_the_map(browser, live_center) -> None:
    """The KMA widget's form: each place with its word and temperature, details on hover, the
    credit, and that this is a recorded sample (the center has no key); the 94 stations preset."""
    if not (SHARED / "weather_kma").exists():
        pytest.skip("../shared/data/weather_kma missing")
    page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="ko-KR", bypass_csp=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _sign_in(page, live_center.base, "kim", "#map")
    page.wait_for_selector("#weather-panel .wx-station")
    stations = page.query_selector_all("#weather-panel .wx-station")
    shown = [
        (s.query_selector(".wx-name").inner_text(), s.query_selector(".wx-temp").inner_text())
        for s in stations
    ]
    assert shown == [("오산", "23.6℃"), ("수원", "23.6℃")]
    assert all(s.query_selector(".wx-word").inner_text() == "강수 없음" for s in stations)
    assert "습도 89" in stations[0].get_attribute("title") and "풍속 5" in stations[0].get_attribute("title")
    panel = page.inner_text("#weather-panel")
    assert "기상청 제공" in panel and "기록된 기상청 응답" in panel and "2023" in panel
    page.wait_for_selector(".wx-label")  # the places on the map too
    page.screenshot(path=ARTIFACTS / "14-weather-panel.png")
    page.select_option("#weather-preset", "kma94")
    page.wait_for_function("document.querySelectorAll('#weather-panel .wx-station').length === 94")
    assert page.query_selector("#weather-panel .wx-station .wx-name").inner_text() == "속초"
    page.screenshot(path=ARTIFACTS / "15-weather-kma94.png")
    assert errors == []
    page.close()


def test_an_emergency_bell_comes_onto_the_operators_wall_within_two_seconds(browser, live_center) -> None:
    """A bell system's alarm (API key, HTTP) on a pole camera: its tile, saying 비상벨, on the
    operator's wall in the browser within 2 s of the alarm being accepted."""
    import httpx

    admin = live_center.login("admin")
    r = admin.put("/api/cameras/pole-7", json={"name": "비상벨 7번 기둥", "url": "rtsp://127.0.0.1:9/none"})
    assert r.status_code == 200, r.text
    r = admin.post(
        "/api/exchange/keys", json={"source": "bell-osan", "scopes": ["alarms"], "cameras": ["pole-7"]}
    )
    key = r.json()["key"]
    page = browser.new_page(viewport={"width": 1500, "height": 900}, locale="ko-KR", bypass_csp=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _sign_in(page, live_center.base, "kim")
    page.wait_for_selector("#wall .tile")
    page.wait_for_timeout(1500)  # on duty (the console's stream), the wall as it was
    alarm = {"camera_ids": ["pole-7"], "type": "emergency_bell", "reference": f"B-{time.time():.0f}"}
    r = httpx.post(
        f"{live_center.base}/api/ingest/alarms", json=alarm, headers={"Authorization": f"Bearer {key}"}
    )
    accepted = time.monotonic()
    assert r.status_code == 201, r.text
    why = page.locator("#wall .tile[data-camera='pole-7'] .why")
    why.wait_for(timeout=5_000)
    took = time.monotonic() - accepted
    page.screenshot(path=ARTIFACTS / "11-emergency-bell.png")
    assert "비상벨" in why.inner_text()
    assert took <= 2.0, f"the bell's camera came up {took:.2f} s after the alarm"
    assert errors == []
    page.close()
    admin.delete("/api/cameras/pole-7")


def test_a_patrol_officers_phone_watches_a_shared_live_view_until_it_is_revoked(browser, live_center) -> None:
    """A supervisor shares cam-a by a one-time code; the phone page takes the code and shows the
    live picture; when the supervisor stops sharing, the phone says it has ended."""
    park = live_center.login("park")
    deadline = time.monotonic() + 90
    while not (alerts := park.get("/api/alerts?limit=1").json()["items"]):  # the clip's first intrusion
        assert time.monotonic() < deadline, "the live center raised no alert in 90 s"
        time.sleep(1)
    link = park.post(
        "/api/live-links",
        json={
            "agency": "police",
            "by_code": True,
            "cameras": ["cam-a"],
            "alert_id": alerts[0]["id"],
            "purpose": "순찰차 현장 확인",
        },
    ).json()
    phone = browser.new_page(
        viewport={"width": 412, "height": 860}, locale="ko-KR", is_mobile=True, bypass_csp=False
    )
    errors: list[str] = []
    phone.on("pageerror", lambda e: errors.append(str(e)))
    phone.goto(f"{live_center.base}{link['url']}")
    phone.fill("input[name=code]", "WRONG123")
    phone.click("#code-form button[type=submit]")
    phone.wait_for_selector("#code-error:has-text('1 of 5')")
    phone.fill("input[name=code]", link["code"])
    phone.click("#code-form button[type=submit]")
    phone.wait_for_selector("#watch-step:not([hidden])")
    phone.wait_for_function(
        "() => [...document.querySelectorAll('#link-cameras img')].some(i => i.naturalWidth > 0)",
        timeout=30_000,
    )
    phone.screenshot(path=ARTIFACTS / "12-live-link-phone.png")
    sup = browser.new_page(viewport={"width": 1500, "height": 1400}, locale="ko-KR", bypass_csp=True)
    _sign_in(sup, live_center.base, "park", "#supervise")
    sup.wait_for_selector(f"#ls-links tr[data-link='{link['id']}']")
    sup.screenshot(path=ARTIFACTS / "13-live-links-supervisor.png", full_page=True)
    park.delete(f"/api/live-links/{link['id']}")
    phone.wait_for_selector("#link-ended:not([hidden])", timeout=10_000)
    phone.screenshot(path=ARTIFACTS / "14-live-link-ended.png")
    # the same to a police liaison's account: on their page, watched in place
    link = park.post(
        "/api/live-links",
        json={
            "agency": "police",
            "username": "police",
            "cameras": ["cam-a"],
            "alert_id": alerts[0]["id"],
            "purpose": "112 상황실 영상 확인",
        },
    ).json()
    liaison = browser.new_page(viewport={"width": 1400, "height": 900}, locale="ko-KR", bypass_csp=True)
    liaison.on("pageerror", lambda e: errors.append(str(e)))
    _sign_in(liaison, live_center.base, "police", "#dispatched")
    liaison.click(f"#my-links [data-link='{link['id']}'] button")
    liaison.wait_for_function(
        "() => [...document.querySelectorAll('#my-links img')].some(i => i.naturalWidth > 0)", timeout=30_000
    )
    liaison.screenshot(path=ARTIFACTS / "16-live-link-liaison.png")
    park.delete(f"/api/live-links/{link['id']}")
    assert errors == []


def test_a_112_incident_shows_on_the_map_with_its_cameras(browser, live_center) -> None:
    """The police situation room's system opens a 112 video-support incident near cam-a: the map
    draws its circle, and its popup names the service, the case and the camera."""
    import httpx

    admin = live_center.login("admin")
    key = admin.post("/api/exchange/keys", json={"source": "police-112", "scopes": ["incidents"]}).json()[
        "key"
    ]
    body = {
        "kind": "police_video",
        "lat": 37.1502,
        "lon": 127.0702,
        "reference": "2026-112-004417",
        "note": "폭행 신고",
    }
    r = httpx.post(f"{live_center.base}/api/incidents", json=body, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 201 and r.json()["cameras"] == ["cam-a"], r.text
    incident = r.json()
    page = browser.new_page(viewport={"width": 1500, "height": 900}, locale="ko-KR", bypass_csp=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _sign_in(page, live_center.base, "kim", "#map")
    circle = page.locator(f".incident-{incident['id']}")
    circle.wait_for(timeout=15_000)
    circle.click(force=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    text = popup.inner_text()
    page.wait_for_timeout(400)  # the popup's fade-in
    page.screenshot(path=ARTIFACTS / "15-incident-map.png")
    assert "112 긴급영상 지원" in text and "2026-112-004417" in text and "테스트 cam-a" in text
    assert errors == []
    admin.post(f"/api/incidents/{incident['id']}/close", json={})
