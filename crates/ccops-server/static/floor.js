// Live floor: renders the snapshot, then applies agent state events from the SSE stream.
// Events are applied by their own timestamp, so a late or repeated event never overwrites a
// newer state (the same rule as the server's timelines).
window.addEventListener("error", (e) => { document.body.dataset.floorError = String(e.message); });
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("floor-data").textContent);
  const labels = JSON.parse(document.getElementById("floor-labels").textContent);
  const tz = JSON.parse(document.getElementById("floor-tz").textContent);
  const ACCEPTS = { work: ["ready", "talking", "acw"], break: ["break", "lunch", "logout"], lunch: ["lunch", "break", "logout"],
    training: ["training"], meeting: ["meeting", "training"] };
  const tiles = new Map();
  const teamsEl = document.getElementById("floor-teams");
  let cursor = data.cursor || 0;
  const timeFmt = new Intl.DateTimeFormat(undefined, { timeZone: tz, hour: "2-digit", minute: "2-digit", hour12: false });

  function scheduledAt(t, now) {
    for (const [s, e, a] of t.schedule || []) if (s <= now && now < e) return a === "off" ? null : a;
    return null;
  }
  function adherent(t, now) {
    const a = scheduledAt(t, now);
    return !a || (ACCEPTS[a] || []).includes(t.state);
  }
  function dur(ms) {
    const s = Math.max(0, Math.floor(ms / 1000)), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), x = s % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(x).padStart(2, "0");
  }
  function teamSection(team) {
    const id = "team-" + team.replace(/[^A-Za-z0-9_-]/g, "_");
    let sec = document.getElementById(id);
    if (!sec) {
      sec = document.createElement("section");
      sec.className = "card floor-team"; sec.id = id;
      sec.innerHTML = '<h2><span class="team-name"></span> <small class="muted team-sum"></small></h2><div class="floor-tiles"></div>';
      sec.querySelector(".team-name").textContent = team;
      teamsEl.appendChild(sec);
    }
    return sec;
  }
  function makeTile(t) {
    const el = document.createElement("div");
    el.className = "agent"; el.id = "agent-" + t.code; el.dataset.code = t.code;
    el.innerHTML = '<div class="nm"></div><div class="st"></div><div class="tm"></div><div class="sc muted"></div>';
    el.querySelector(".nm").textContent = t.name;
    el.title = t.code;
    teamSection(t.team).querySelector(".floor-tiles").appendChild(el);
    t.el = el;
  }
  function paint(t, now) {
    const ok = adherent(t, now), sc = scheduledAt(t, now);
    t.el.className = "agent st-" + t.state + (ok ? "" : " oa");
    t.el.dataset.state = t.state;
    t.el.dataset.adherent = ok ? "1" : "0";
    t.el.querySelector(".st").textContent = labels[t.state] || t.state;
    t.el.querySelector(".tm").textContent = dur(now - t.since_ms);
    t.el.querySelector(".sc").textContent = sc ? sc + (t.adherence != null ? " · " + (t.adherence * 100).toFixed(0) + "%" : "") : "—";
  }
  function summaries(now) {
    const site = { logged_in: 0, in: 0, out: 0, states: {} }, teams = {};
    for (const t of tiles.values()) {
      const s = teams[t.team] || (teams[t.team] = { n: 0, on: 0, out: 0 });
      s.n++;
      if (t.state !== "logout") { site.logged_in++; s.on++; }
      site.states[t.state] = (site.states[t.state] || 0) + 1;
      if (scheduledAt(t, now)) { if (adherent(t, now)) site.in++; else { site.out++; s.out++; } }
    }
    // Agents first seen in an event after the page loaded count too (tiles.size, not the page's total).
    for (const [k, v] of Object.entries({ logged_in: site.logged_in, agents: tiles.size, in: site.in, out: site.out })) {
      const el = document.querySelector('[data-sum="' + k + '"]'); if (el) el.textContent = v;
    }
    document.getElementById("floor-states").textContent =
      Object.entries(site.states).map(([k, v]) => (labels[k] || k) + " " + v).join(" · ");
    for (const [team, s] of Object.entries(teams)) {
      const el = teamSection(team).querySelector(".team-sum");
      el.textContent = s.on + "/" + s.n + (s.out ? " · ⚠ " + s.out : "");
    }
  }
  for (const t of data.tiles) { t.last = t.since_ms; tiles.set(t.code, t); makeTile(t); }
  const tick = () => { const now = Date.now(); for (const t of tiles.values()) paint(t, now); summaries(now); };
  tick();
  setInterval(tick, 1000);

  function apply(msg) {
    const now = Date.now();
    if (msg.cursor > cursor) cursor = msg.cursor;
    for (const ev of msg.events) {
      let t = tiles.get(ev.a);
      if (!t) {
        t = { code: ev.a, name: ev.a, team: "(unassigned)", state: ev.s, since_ms: ev.t, last: -Infinity, schedule: [] };
        tiles.set(ev.a, t); makeTile(t);
      }
      if (ev.t >= t.last) { t.state = ev.s; t.since_ms = ev.t; t.last = ev.t; paint(t, now); }
      document.body.dataset.lastEvent = ev.e;
    }
    document.body.dataset.cursor = String(cursor);
  }
  function connect() {
    const es = new EventSource("/api/v1/floor/stream?since=" + cursor);
    const conn = document.getElementById("floor-conn");
    es.onopen = () => { conn.className = "conn up"; document.body.dataset.stream = "open"; };
    es.addEventListener("states", (e) => apply(JSON.parse(e.data)));
    es.addEventListener("resync", () => location.reload());
    es.onerror = () => { conn.className = "conn down"; };
  }
  connect();

  // UI notification of alerts raised in the last 30 minutes and not yet acknowledged.
  async function alerts() {
    try {
      const r = await fetch("/api/v1/floor/alerts", { credentials: "same-origin" });
      if (!r.ok) return;
      const list = (await r.json()).filter((a) => !a.acknowledged_by && Date.now() - a.raised_ms < 30 * 60 * 1000);
      const b = document.getElementById("floor-alert-banner");
      b.hidden = list.length === 0;
      b.innerHTML = "";
      for (const a of list.slice(0, 3)) {
        const p = document.createElement("div");
        const link = document.createElement("a"); link.href = "/floor/alerts"; link.textContent = "⚠ " + timeFmt.format(new Date(a.raised_ms)) + " " + a.message;
        p.appendChild(link); b.appendChild(p);
      }
    } catch (_) { /* offline: try again later */ }
  }
  alerts();
  setInterval(alerts, 10000);
})();
