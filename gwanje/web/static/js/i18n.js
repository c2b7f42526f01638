// Console texts in Korean (default) and English. Keys are dotted; missing keys show the key.
const TEXTS = {
  ko: {
    "login.subtitle": "CCTV 통합관제센터 — 선별관제 콘솔",
    "login.username": "아이디", "login.password": "비밀번호", "login.submit": "로그인",
    "login.failed": "아이디 또는 비밀번호가 틀립니다", "login.throttled": "로그인 시도가 너무 많습니다. 잠시 후 다시 시도하세요",
    "nav.wall": "영상벽", "nav.events": "이벤트", "nav.cameras": "카메라", "nav.map": "지도", "nav.stats": "통계",
    "nav.audit": "감사기록", "nav.logout": "로그아웃", "lang.switch": "English",
    "wall.layout": "화면 분할", "wall.hint": "각 화면의 카메라를 선택하세요", "wall.empty": "— 카메라 선택 —",
    "queue.title": "이벤트 대기열", "queue.empty": "처리할 이벤트가 없습니다",
    "events.show": "표시", "events.open": "미처리", "events.all": "전체",
    "col.time": "시각", "col.camera": "카메라", "col.type": "유형", "col.severity": "중요도", "col.zone": "구역",
    "col.status": "상태", "col.sop": "조치", "col.name": "이름", "col.lag": "지연(초)", "col.last_frame": "마지막 프레임",
    "col.worker": "작업자", "col.error": "오류", "col.user": "사용자", "col.action": "작업", "col.target": "대상",
    "cameras.add": "카메라 추가/변경", "cameras.extra": "추가 설정(JSON)", "cameras.save": "저장", "cameras.remove": "삭제",
    "cameras.confirm_remove": "카메라를 삭제할까요?", "cameras.view": "보기",
    "stats.days": "기간(일)", "stats.by_day": "일별·유형별 이벤트", "stats.by_camera": "카메라별 이벤트",
    "stats.response": "대응 시간", "stats.ack_median": "접수까지 (중앙값)", "stats.ack_p90": "접수까지 (90%)",
    "stats.close_median": "종결까지 (중앙값)", "stats.none": "자료 없음",
    "detail.sop": "표준 조치 절차 (SOP)", "detail.history": "처리 이력", "detail.note": "메모",
    "detail.started": "발생", "detail.confidence": "신뢰도", "detail.dispatched": "출동 요청", "detail.escalated": "상급자 보고",
    "act.acknowledge": "접수", "act.dispatch": "출동 요청", "act.resolve": "종결", "act.false_alarm": "오탐",
    "agency.police": "경찰 (112)", "agency.fire": "소방 (119)", "agency.ambulance": "구급", "agency.district": "구청/시청",
    "status.new": "신규", "status.acknowledged": "접수", "status.dispatched": "출동", "status.resolved": "종결",
    "status.false_alarm": "오탐", "status.online": "정상", "status.offline": "끊김", "status.reconnecting": "재연결 중",
    "status.connecting": "연결 중",
    "sev.critical": "긴급", "sev.high": "높음", "sev.medium": "보통", "sev.low": "낮음", "sev.info": "정보",
    "type.intrusion": "침입", "type.loitering": "배회", "type.line_crossing": "선 통과", "type.crowd": "군중 밀집",
    "type.crowd_trend": "밀집 증가", "type.tamper": "카메라 훼손/이상", "type.fall": "쓰러짐", "type.fight": "싸움",
    "type.fire": "화재", "type.abandoned_object": "유기물", "type.illegal_parking": "불법 주정차", "type.car_break_in": "차량 털이",
    "escalation": "상급자 보고: 미접수 이벤트", "conn.live": "실시간 연결됨", "conn.lost": "연결 끊김 — 재연결 중",
    "missed": "일부 알림을 놓쳐 목록을 새로 고쳤습니다", "ago.s": "초 전", "never": "없음",
    "wall.mode": "모드", "wall.auto": "자동 (선별관제)", "wall.manual": "수동", "wall.idle": "대기 — 표시할 카메라 없음",
    "tile.pin": "고정", "tile.unpin": "고정 해제", "tile.dismiss": "제외", "tile.ack": "접수", "tile.pinned": "고정됨",
    "reason.incident": "신고 지점 인근", "reason.offline": "카메라 끊김", "sec": "초", "nav.supervise": "관제 현황",
    "sup.operator": "관제요원", "sup.tiles": "화면", "sup.open": "미처리 이벤트", "sup.worth": "표시 대상 카메라",
    "sup.shown": "표시 중", "sup.compute": "배정 계산", "escalated": "상급자 보고",
  },
  en: {
    "login.subtitle": "CCTV integrated control center — selective monitoring console",
    "login.username": "Username", "login.password": "Password", "login.submit": "Sign in",
    "login.failed": "Wrong username or password", "login.throttled": "Too many attempts; try again later",
    "nav.wall": "Video wall", "nav.events": "Events", "nav.cameras": "Cameras", "nav.map": "Map", "nav.stats": "Statistics",
    "nav.audit": "Audit", "nav.logout": "Sign out", "lang.switch": "한국어",
    "wall.layout": "Layout", "wall.hint": "Pick a camera for each tile", "wall.empty": "— pick a camera —",
    "queue.title": "Event queue", "queue.empty": "Nothing waiting",
    "events.show": "Show", "events.open": "Open", "events.all": "All",
    "col.time": "Time", "col.camera": "Camera", "col.type": "Type", "col.severity": "Severity", "col.zone": "Zone",
    "col.status": "Status", "col.sop": "SOP", "col.name": "Name", "col.lag": "Lag (s)", "col.last_frame": "Last frame",
    "col.worker": "Worker", "col.error": "Error", "col.user": "User", "col.action": "Action", "col.target": "Target",
    "cameras.add": "Add or change a camera", "cameras.extra": "More settings (JSON)", "cameras.save": "Save",
    "cameras.remove": "Remove", "cameras.confirm_remove": "Remove this camera?", "cameras.view": "View",
    "stats.days": "Days", "stats.by_day": "Events by day and type", "stats.by_camera": "Events by camera",
    "stats.response": "Response times", "stats.ack_median": "To acknowledge (median)", "stats.ack_p90": "To acknowledge (90%)",
    "stats.close_median": "To close (median)", "stats.none": "no data",
    "detail.sop": "Standard operating procedure", "detail.history": "History", "detail.note": "Note",
    "detail.started": "Started", "detail.confidence": "Confidence", "detail.dispatched": "Dispatched", "detail.escalated": "Escalated",
    "act.acknowledge": "Acknowledge", "act.dispatch": "Dispatch", "act.resolve": "Resolve", "act.false_alarm": "False alarm",
    "agency.police": "Police (112)", "agency.fire": "Fire (119)", "agency.ambulance": "Ambulance", "agency.district": "District office",
    "status.new": "New", "status.acknowledged": "Acknowledged", "status.dispatched": "Dispatched", "status.resolved": "Resolved",
    "status.false_alarm": "False alarm", "status.online": "Online", "status.offline": "Offline",
    "status.reconnecting": "Reconnecting", "status.connecting": "Connecting",
    "sev.critical": "Critical", "sev.high": "High", "sev.medium": "Medium", "sev.low": "Low", "sev.info": "Info",
    "type.intrusion": "Intrusion", "type.loitering": "Loitering", "type.line_crossing": "Line crossing", "type.crowd": "Crowd density",
    "type.crowd_trend": "Crowd rising", "type.tamper": "Camera tampering", "type.fall": "Fall", "type.fight": "Fight",
    "type.fire": "Fire", "type.abandoned_object": "Abandoned object", "type.illegal_parking": "Illegal parking",
    "type.car_break_in": "Car break-in", "escalation": "Escalated: event not acknowledged in time",
    "conn.live": "Live", "conn.lost": "Connection lost — reconnecting", "missed": "Some updates were missed; list reloaded",
    "ago.s": "s ago", "never": "never",
    "wall.mode": "Mode", "wall.auto": "Automatic (selective)", "wall.manual": "Manual", "wall.idle": "Idle — nothing to show",
    "tile.pin": "Pin", "tile.unpin": "Unpin", "tile.dismiss": "Dismiss", "tile.ack": "Acknowledge", "tile.pinned": "pinned",
    "reason.incident": "near a reported incident", "reason.offline": "camera offline", "sec": "s", "nav.supervise": "Supervision",
    "sup.operator": "Operator", "sup.tiles": "Tiles", "sup.open": "Open events", "sup.worth": "Cameras worth showing",
    "sup.shown": "Shown", "sup.compute": "Allocation time", "escalated": "escalated",
  },
};

export let LANG = localStorage.getItem("gwanje.lang") || "ko";

export function t(key) {
  return (TEXTS[LANG] && TEXTS[LANG][key]) || TEXTS.en[key] || key;
}

export function applyTexts(root = document) {
  document.documentElement.lang = LANG;
  root.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  root.querySelectorAll("[data-i18n-placeholder]").forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
  root.querySelectorAll(".lang-toggle").forEach((el) => { el.textContent = t("lang.switch"); });
}

export function switchLanguage() {
  LANG = LANG === "ko" ? "en" : "ko";
  localStorage.setItem("gwanje.lang", LANG);
  applyTexts();
  document.dispatchEvent(new Event("languagechange"));
}
