// BackStride admin console: a Telegram Mini App. Plain ES2020, no framework, no innerHTML:
// every piece of text goes in with textContent, so it runs under a strict CSP
// (default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self').
"use strict";

(() => {
  // ---------------------------------------------------------------- state
  const state = {
    csrf: null,
    admin: null,
    initData: null,
    resigning: null,
    route: null,
    routeToken: 0,
    cleanups: [],
    authFailed: false,
    lastInitData: null,
  };
  const STORE_KEY = "bs_console_initdata";
  const SECTIONS = [
    ["dashboard", "Dashboard"],
    ["slots", "Slots"],
    ["tips", "Tips"],
    ["reimport", "Re-import"],
    ["announcements", "Announce"],
    ["audit", "Audit"],
  ];
  const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  const WEEKDAY_NAMES = { mon: "Mon", tue: "Tue", wed: "Wed", thu: "Thu", fri: "Fri", sat: "Sat", sun: "Sun" };
  const DAYS_KINDS = [
    ["run_days", "Run days"],
    ["rest_days", "Rest days"],
    ["every_day", "Every day"],
    ["strength_days", "Strength days"],
    ["quiet_days", "Quiet days"],
    ["weekdays", "Chosen weekdays"],
  ];
  const ANCHOR_KINDS = [
    ["run_time", "Before / after the run"],
    ["tip_time", "The runner's tip time"],
    ["fixed", "A fixed time"],
  ];
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  // ---------------------------------------------------------------- DOM helpers
  // h("div", {class: "x", dataset: {...}, test: "name", on: {click: fn}}, child, "text", ...)
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === "class") el.className = v;
        else if (k === "test") el.setAttribute("data-test", v);
        else if (k === "text") el.textContent = v;
        else if (k === "on") for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
        else if (k === "value") el.value = v;
        else if (k === "checked") el.checked = !!v;
        else if (k === "disabled") el.disabled = !!v;
        else if (k === "hidden") el.hidden = !!v;
        else el.setAttribute(k, v === true ? "" : String(v));
      }
    }
    append(el, children);
    return el;
  }
  function append(el, children) {
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }
  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
  }
  const SVGNS = "http://www.w3.org/2000/svg";
  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") el.textContent = v;
      else if (k === "test") el.setAttribute("data-test", v);
      else el.setAttribute(k, String(v));
    }
    for (const c of children.flat()) if (c) el.appendChild(c);
    return el;
  }
  function debounce(fn, ms) {
    let t = null;
    const d = (...args) => {
      clearTimeout(t);
      t = setTimeout(() => fn(...args), ms);
    };
    d.cancel = () => clearTimeout(t);
    return d;
  }
  const plural = (n, one, many) => `${n} ${n === 1 ? one : many || one + "s"}`;
  const main = () => document.getElementById("main");

  function toast(text, test = "saved", kind = "ok") {
    const box = document.getElementById("toasts");
    const t = h("div", { class: `toast toast-${kind}`, test, role: "status" }, text);
    box.appendChild(t);
    setTimeout(() => t.classList.add("toast-out"), 2600);
    setTimeout(() => t.remove(), 3000);
  }

  // ---------------------------------------------------------------- Telegram HTML -> DOM
  // Only <b> <strong> <i> <em> <u> <s> <code> <pre> and <a href="http(s)://..."> become
  // elements; the entities &lt; &gt; &amp; &quot; (and numeric ones, as Telegram accepts
  // them) become characters; everything else stays literal text.
  const TG_TAGS = new Set(["b", "strong", "i", "em", "u", "s", "code", "pre", "a"]);
  const NAMED_ENTITIES = { lt: "<", gt: ">", amp: "&", quot: '"' };
  function decodeEntities(text) {
    return text.replace(/&(lt|gt|amp|quot|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});/g, (m, name) => {
      if (name[0] !== "#") return NAMED_ENTITIES[name];
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      if (!code || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return m;
      return String.fromCodePoint(code);
    });
  }
  function renderTelegramHtml(html) {
    const root = document.createDocumentFragment();
    const stack = [{ tag: null, el: root }];
    const top = () => stack[stack.length - 1].el;
    const tagRe = /^<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)\s*>/;
    let i = 0;
    let text = "";
    const flush = () => {
      if (text) top().appendChild(document.createTextNode(decodeEntities(text)));
      text = "";
    };
    const src = String(html || "");
    while (i < src.length) {
      const lt = src.indexOf("<", i);
      if (lt === -1) {
        text += src.slice(i);
        break;
      }
      text += src.slice(i, lt);
      const m = tagRe.exec(src.slice(lt));
      const name = m && m[2].toLowerCase();
      if (!m || !TG_TAGS.has(name)) {
        text += "<";
        i = lt + 1;
        continue;
      }
      const closing = m[1] === "/";
      if (closing) {
        const at = stack.map((f) => f.tag).lastIndexOf(name);
        if (at <= 0) {
          text += m[0];
        } else {
          flush();
          stack.length = at;
        }
      } else {
        flush();
        let el;
        if (name === "a") {
          const hm = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')/i.exec(m[3] || "");
          const href = hm ? decodeEntities(hm[1] !== undefined ? hm[1] : hm[2]) : "";
          if (/^https?:\/\/[^\s]+$/i.test(href)) {
            el = h("a", { href, target: "_blank", rel: "noopener noreferrer nofollow" });
          } else {
            el = h("span", { class: "tg-badlink" });
          }
        } else {
          el = document.createElement(name === "strong" ? "b" : name === "em" ? "i" : name);
        }
        top().appendChild(el);
        stack.push({ tag: name, el });
      }
      i = lt + m[0].length;
    }
    flush();
    return root;
  }

  // ---------------------------------------------------------------- API
  const apiUrl = (path) => new URL(path.replace(/^\//, ""), document.baseURI).toString();

  async function api(method, path, body, { retry = true } = {}) {
    const opts = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (method !== "GET") {
      opts.headers["Content-Type"] = "application/json";
      if (state.csrf) opts.headers["X-CSRF-Token"] = state.csrf;
      opts.body = JSON.stringify(body || {});
    }
    let resp;
    try {
      resp = await fetch(apiUrl(path), opts);
    } catch (e) {
      return { ok: false, status: 0, data: { error: "The console can't reach the bot: check the connection." } };
    }
    let data = null;
    try {
      data = await resp.json();
    } catch (e) {
      data = null;
    }
    const isCsrf = resp.status === 403 && data && data.error === "csrf";
    if ((resp.status === 401 || isCsrf) && retry && state.initData) {
      // The 30-minute session ran out (or the csrf was lost): sign in again with the same
      // initData while Telegram's signature is still young enough, then retry once.
      if (await signIn(state.initData, { quiet: true })) return api(method, path, body, { retry: false });
    }
    if (resp.status === 401 || resp.status === 403) {
      showAuthError(resp.status, data);
      return { ok: false, status: resp.status, data, auth: true };
    }
    return { ok: resp.ok, status: resp.status, data };
  }

  function problemText(r) {
    if (r.status === 0) return r.data.error;
    if (r.data && r.data.error) return `${r.data.error}`;
    if (r.status === 404) return "Not found.";
    return `Something went wrong (HTTP ${r.status}).`;
  }
  function errorBox(text, test = "error") {
    return h("div", { class: "alert alert-error", test, role: "alert" }, text);
  }

  // ---------------------------------------------------------------- sign-in
  function readInitData() {
    const tg = window.Telegram && window.Telegram.WebApp;
    if (tg && typeof tg.initData === "string" && tg.initData) return { initData: tg.initData, fromHash: false };
    const hash = location.hash.replace(/^#/, "");
    if (hash.includes("tgWebAppData=")) {
      const params = new URLSearchParams(hash);
      const data = params.get("tgWebAppData");
      let theme = null;
      try {
        theme = JSON.parse(params.get("tgWebAppThemeParams") || "null");
      } catch (e) {
        theme = null;
      }
      if (data) return { initData: data, fromHash: true, theme };
    }
    try {
      const stored = sessionStorage.getItem(STORE_KEY);
      if (stored) return { initData: stored, fromHash: false };
    } catch (e) {
      /* storage may be off */
    }
    return null;
  }

  async function signIn(initData, { quiet = false } = {}) {
    if (state.resigning) return state.resigning;
    state.lastInitData = initData;
    state.resigning = (async () => {
      let resp;
      let data = null;
      try {
        resp = await fetch(apiUrl("/api/session"), {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify({ initData }),
        });
        data = await resp.json().catch(() => null);
      } catch (e) {
        if (!quiet) showFatal("The console can't reach the bot: check the connection and open it again.");
        return false;
      }
      if (resp.ok && data && data.csrf) {
        state.csrf = data.csrf;
        state.admin = data.admin || null;
        return true;
      }
      if (resp.status === 401 || resp.status === 403) {
        try {
          sessionStorage.removeItem(STORE_KEY);
        } catch (e) {
          /* ignore */
        }
        state.initData = null;
        if (!quiet) showAuthError(resp.status, data);
        return false;
      }
      if (!quiet) showFatal(`Signing in failed (HTTP ${resp.status}).`);
      return false;
    })();
    try {
      return await state.resigning;
    } finally {
      state.resigning = null;
    }
  }

  function fullPage(test, title, ...lines) {
    state.authFailed = true;
    runCleanups();
    document.getElementById("top").hidden = true;
    const m = clear(main());
    m.appendChild(
      h("section", { class: "fullpage", test, role: "alert" }, h("h1", { text: title }), lines.map((l) => h("p", {}, l)))
    );
  }
  function showAuthError(status, data) {
    if (status === 401) {
      fullPage(
        "auth-error",
        "This link is not valid any more",
        "This link has expired or is not valid: open the console again from /admin in Telegram."
      );
    } else if (data && data.error === "csrf") {
      fullPage("auth-error", "Session mismatch", "This page lost its session: open the console again from /admin in Telegram.");
    } else {
      fullPage(
        "auth-error",
        "Not an admin",
        "Your Telegram account is not an admin of this bot.",
        `Ask the bot's operator to add your Telegram id${initDataUserId() ? " (" + initDataUserId() + ")" : ""} to ADMIN_IDS.`
      );
    }
  }
  function initDataUserId() {
    try {
      const user = JSON.parse(new URLSearchParams(state.lastInitData || "").get("user") || "null");
      return user && user.id ? String(user.id) : "";
    } catch (e) {
      return "";
    }
  }
  function showFatal(text) {
    fullPage("fatal-error", "The console can't start", text);
  }
  function showNoInitData() {
    fullPage(
      "auth-missing",
      "Open the console from Telegram",
      "This page signs you in with the data Telegram passes to a Mini App, and there is none here.",
      "Send /admin to the bot in Telegram and tap \u201cOpen console\u201d.",
      "In the sandbox, open the signed console link it prints instead."
    );
  }

  // ---------------------------------------------------------------- theme
  function applyTheme(fromHash) {
    const tg = window.Telegram && window.Telegram.WebApp;
    const p = (tg && tg.themeParams) || fromHash;
    if (!p || typeof p !== "object") return;
    const map = {
      bg_color: "--bg",
      secondary_bg_color: "--bg2",
      text_color: "--fg",
      hint_color: "--muted",
      link_color: "--link",
      button_color: "--accent",
      button_text_color: "--accent-fg",
      section_bg_color: "--card",
      destructive_text_color: "--danger",
    };
    const root = document.documentElement;
    let any = false;
    for (const [k, v] of Object.entries(map)) {
      if (typeof p[k] === "string" && /^#[0-9a-fA-F]{3,8}$/.test(p[k])) {
        root.style.setProperty(v, p[k]);
        any = true;
      }
    }
    if (any && !p.section_bg_color && p.bg_color) root.style.setProperty("--card", p.bg_color);
    if (any) root.classList.add("tg-theme");
    const bg = /^#([0-9a-f]{6})$/i.exec(p.bg_color || "");
    if (bg) {
      const n = parseInt(bg[1], 16);
      const lum = (0.2126 * ((n >> 16) & 255) + 0.7152 * ((n >> 8) & 255) + 0.0722 * (n & 255)) / 255;
      if (lum < 0.45) root.classList.add("dark");
    }
  }

  // ---------------------------------------------------------------- routing
  function parseRoute() {
    const raw = location.hash.replace(/^#\/?/, "");
    const [path] = raw.split("?");
    const parts = path.split("/").filter(Boolean).map((p) => {
      try {
        return decodeURIComponent(p);
      } catch (e) {
        return p;
      }
    });
    const name = parts[0] || "dashboard";
    return { name, parts };
  }
  function runCleanups() {
    for (const fn of state.cleanups.splice(0)) {
      try {
        fn();
      } catch (e) {
        /* ignore */
      }
    }
  }
  function onCleanup(fn) {
    state.cleanups.push(fn);
  }
  function buildNav() {
    const nav = clear(document.getElementById("nav"));
    for (const [key, label] of SECTIONS) {
      nav.appendChild(h("a", { href: `#/${key}`, class: "nav-link", test: `nav-${key}`, "data-section": key }, label));
    }
  }
  function render() {
    if (state.authFailed) return;
    runCleanups();
    const token = ++state.routeToken;
    const route = parseRoute();
    state.route = route;
    for (const a of document.querySelectorAll(".nav-link")) {
      if (a.dataset.section === route.name) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    const m = clear(main());
    m.setAttribute("data-route", route.name);
    const alive = () => token === state.routeToken && !state.authFailed;
    const pages = {
      dashboard: pageDashboard,
      slots: pageSlots,
      tips: route.parts[1] === "new" ? pageTipNew : route.parts[1] ? pageTip : pageTips,
      reimport: pageReimport,
      announcements: pageAnnouncements,
      audit: pageAudit,
    };
    const page = pages[route.name];
    if (!page) {
      m.appendChild(h("section", { class: "page", test: "not-found" }, h("h1", { text: "No such page" }), h("p", {}, h("a", { href: "#/dashboard" }, "Back to the dashboard"))));
      return;
    }
    window.scrollTo(0, 0);
    page(m, route, alive).catch((e) => {
      console.error(e);
      if (alive()) m.appendChild(errorBox("This page failed to load: " + (e && e.message ? e.message : e)));
    });
  }
  function loading(m) {
    const l = h("p", { class: "loading", test: "loading" }, "Loading…");
    m.appendChild(l);
    return () => l.remove();
  }
  function pageHeader(title, ...extra) {
    return h("div", { class: "page-head" }, h("h1", { text: title }), extra);
  }

  // ---------------------------------------------------------------- field errors
  // A form keeps its field groups by name; a 422's errors go under the group their field
  // names (exactly as the API spelled it, e.g. data-test="field-error-body"), the rest at
  // the top of the form (data-test="form-error").
  function makeErrors(formEl, groups, aliases = {}) {
    const formErr = h("div", { class: "form-errors", test: "form-errors", hidden: true });
    formEl.prepend(formErr);
    return {
      clear() {
        for (const e of formEl.querySelectorAll(".field-error")) e.remove();
        for (const g of Object.values(groups)) g.classList.remove("has-error");
        clear(formErr).hidden = true;
      },
      show(errors) {
        this.clear();
        for (const err of errors || []) {
          const field = String(err.field || "");
          const problem = String(err.problem || err.error || "is not valid");
          const base = field.split(/[.[\s]/)[0];
          const key = groups[field] ? field : aliases[field] || (groups[base] ? base : aliases[base]);
          const node = h("p", { class: "field-error", test: `field-error-${field || "form"}`, role: "alert" }, problem);
          if (key && groups[key]) {
            groups[key].classList.add("has-error");
            const ctl = groups[key].querySelector(":scope > input, :scope > select, :scope > textarea");
            if (ctl) ctl.after(node);
            else groups[key].appendChild(node);
          } else {
            formErr.hidden = false;
            node.classList.add("form-error");
            node.setAttribute("data-test", field ? `field-error-${field}` : "form-error");
            if (field) node.textContent = `${field}: ${problem}`;
            formErr.appendChild(node);
          }
        }
        const first = formEl.querySelector(".field-error");
        if (first && first.scrollIntoView) first.scrollIntoView({ block: "nearest" });
      },
    };
  }

  // ---------------------------------------------------------------- charts (inline SVG)
  function shortDate(iso) {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
    if (!m) return String(iso || "");
    return `${+m[3]} ${MONTHS[+m[2] - 1] || m[2]}`;
  }
  function niceScale(v) {
    if (!(v > 0)) return { max: 1, step: 1 };
    const rough = v / 4;
    const p = Math.pow(10, Math.floor(Math.log10(rough)));
    let step = 10 * p;
    for (const f of p >= 10 ? [1, 2, 2.5, 5] : [1, 2, 5]) {
      if (f * p >= rough) {
        step = f * p;
        break;
      }
    }
    step = Math.max(1, step);
    return { max: Math.ceil(v / step) * step, step };
  }
  function fmtNum(n) {
    return n >= 10000 ? `${Math.round(n / 1000)}k` : n >= 1000 ? `${(n / 1000).toFixed(1).replace(/\.0$/, "")}k` : String(Math.round(n * 10) / 10);
  }
  // rows: [{label, values: {key: n}}]; series: [{key, label, color}]
  function barChart({ test, title, rows, series, xTitle, yTitle, labelEvery }) {
    const W = 360;
    const H = 210;
    const pad = { l: 40, r: 8, t: 12, b: 46 };
    const iw = W - pad.l - pad.r;
    const ih = H - pad.t - pad.b;
    const totals = rows.map((r) => series.reduce((a, sr) => a + (Number(r.values[sr.key]) || 0), 0));
    const { max, step } = niceScale(Math.max(0, ...totals));
    const svg = s("svg", {
      viewBox: `0 0 ${W} ${H}`,
      class: "chart-svg",
      role: "img",
      "aria-label": title,
      preserveAspectRatio: "xMidYMid meet",
    });
    svg.appendChild(s("title", { text: title }));
    const ticks = [];
    for (let t = 0; t <= max + 1e-9; t += step) ticks.push(t);
    for (const t of ticks) {
      const y = pad.t + ih - (t / max) * ih;
      svg.appendChild(s("line", { x1: pad.l, x2: W - pad.r, y1: y, y2: y, class: t === 0 ? "axis" : "grid" }));
      svg.appendChild(s("text", { x: pad.l - 5, y: y + 4, "text-anchor": "end", class: "tick", text: fmtNum(t) }));
    }
    const n = Math.max(rows.length, 1);
    const slot = iw / n;
    const bw = Math.max(4, Math.min(28, slot * 0.7));
    const every = labelEvery || Math.max(1, Math.ceil(n / 6));
    rows.forEach((r, i) => {
      const x = pad.l + i * slot + (slot - bw) / 2;
      let y = pad.t + ih;
      const g = s("g", { class: "bar", "data-label": r.label });
      const tip = [r.title || r.label, ...series.map((sr) => `${sr.label}: ${Number(r.values[sr.key]) || 0}`)].join("\n");
      g.appendChild(s("title", { text: tip }));
      for (const sr of series) {
        const v = Number(r.values[sr.key]) || 0;
        if (v <= 0) continue;
        const hgt = (v / max) * ih;
        y -= hgt;
        g.appendChild(s("rect", { x: x.toFixed(1), y: y.toFixed(1), width: bw.toFixed(1), height: Math.max(0.5, hgt).toFixed(1), fill: sr.color, "data-series": sr.key, "data-value": v }));
      }
      // an invisible full-height hit area so the tooltip works on thin bars
      g.appendChild(s("rect", { x: (pad.l + i * slot).toFixed(1), y: pad.t, width: slot.toFixed(1), height: ih, fill: "transparent" }));
      svg.appendChild(g);
      if ((n - 1 - i) % every === 0) {
        svg.appendChild(
          s("text", { x: (pad.l + i * slot + slot / 2).toFixed(1), y: pad.t + ih + 15, "text-anchor": "middle", class: "tick", text: r.label })
        );
      }
    });
    if (xTitle) svg.appendChild(s("text", { x: pad.l + iw / 2, y: H - 6, "text-anchor": "middle", class: "axis-title", text: xTitle }));
    if (yTitle)
      svg.appendChild(
        s("text", { x: 11, y: pad.t + ih / 2, "text-anchor": "middle", class: "axis-title", transform: `rotate(-90 11 ${pad.t + ih / 2})`, text: yTitle })
      );
    const legend = h(
      "ul",
      { class: "legend", test: `${test}-legend` },
      series.map((sr) => {
        const sw = h("span", { class: "swatch" });
        sw.style.backgroundColor = sr.color;
        return h("li", {}, sw, sr.label);
      })
    );
    const total = totals.reduce((a, b) => a + b, 0);
    return h(
      "figure",
      { class: "card chart", test },
      h("figcaption", {}, h("span", { class: "chart-title" }, title), h("span", { class: "chart-total" }, `total ${total}`)),
      svg,
      legend,
      total === 0 ? h("p", { class: "muted small" }, "Nothing yet in this period.") : null
    );
  }

  // ---------------------------------------------------------------- dashboard
  async function pageDashboard(m, route, alive) {
    m.appendChild(pageHeader("Dashboard"));
    const done = loading(m);
    const r = await api("GET", "/api/dashboard");
    if (!alive()) return;
    done();
    if (!r.ok) {
      if (!r.auth) m.appendChild(errorBox(problemText(r)));
      return;
    }
    const d = r.data || {};
    const wrap = h("div", { class: "dashboard", test: "dashboard" });
    const byStatus = d.runners_by_status || {};
    const statusOrder = ["active", "onboarding", "paused", "stopped", "blocked"];
    const keys = [...statusOrder.filter((k) => k in byStatus), ...Object.keys(byStatus).filter((k) => !statusOrder.includes(k))];
    const totalRunners = keys.reduce((a, k) => a + (Number(byStatus[k]) || 0), 0);
    const cards = h("div", { class: "cards" });
    cards.appendChild(
      h(
        "section",
        { class: "card card-wide", test: "card-runners" },
        h("h2", { class: "card-title" }, "Runners", h("span", { class: "card-sub" }, ` ${totalRunners} in all`)),
        h(
          "dl",
          { class: "statuses" },
          keys.map((k) =>
            h("div", { class: `status status-${k}`, test: `runners-${k}` }, h("dt", {}, k[0].toUpperCase() + k.slice(1)), h("dd", {}, String(byStatus[k] ?? 0)))
          )
        )
      )
    );
    const esc = Number(d.open_escalations) || 0;
    cards.appendChild(stat("card-escalations", "Open escalations", String(esc), esc > 0 ? "warn" : "", esc > 0 ? "need a clinician's follow-up" : "none open"));
    const depth = Number(d.outbox_depth) || 0;
    cards.appendChild(stat("card-outbox", "Outbox", String(depth), depth > 500 ? "warn" : "", "messages waiting to go"));
    const age = d.last_tick_age_seconds;
    const stale = age === null || age === undefined || Number(age) > 120;
    cards.appendChild(
      stat(
        "card-tick",
        "Last scheduler tick",
        age === null || age === undefined ? "never" : ageText(Number(age)),
        stale ? "warn" : "ok",
        stale ? "the scheduler looks stuck (over 2 min)" : "the scheduler is running"
      )
    );
    wrap.appendChild(cards);

    const charts = h("div", { class: "charts" });
    charts.appendChild(
      barChart({
        test: "chart-new",
        title: "New subscribers per week",
        rows: (d.new_per_week || []).map((w) => ({ label: shortDate(w.week), title: `Week of ${shortDate(w.week)}`, values: { n: w.n } })),
        series: [{ key: "n", label: "New runners", color: "#2f6fdf" }],
        xTitle: "week starting (Monday)",
        yTitle: "runners",
        labelEvery: 3,
      })
    );
    charts.appendChild(
      barChart({
        test: "chart-deliveries",
        title: "Deliveries per day",
        rows: (d.deliveries_per_day || []).map((x) => ({ label: shortDate(x.day), title: shortDate(x.day), values: x })),
        series: [
          { key: "sent", label: "Sent", color: "#2e9d57" },
          { key: "failed", label: "Failed", color: "#d64545" },
          { key: "dropped", label: "Dropped", color: "#9aa3ad" },
        ],
        xTitle: "day",
        yTitle: "messages",
        labelEvery: 3,
      })
    );
    charts.appendChild(
      barChart({
        test: "chart-verdicts",
        title: "Check-in verdicts per week",
        rows: (d.verdicts_per_week || []).map((w) => ({ label: shortDate(w.week), title: `Week of ${shortDate(w.week)}`, values: w })),
        series: [
          { key: "ok", label: "OK", color: "#2e9d57" },
          { key: "self_care", label: "Self-care", color: "#3b82c4" },
          { key: "see_clinician", label: "See a clinician", color: "#e0a526" },
          { key: "urgent", label: "Urgent", color: "#e8692c" },
          { key: "emergency", label: "Emergency", color: "#b3261e" },
        ],
        xTitle: "week starting (Monday)",
        yTitle: "verdicts",
        labelEvery: 3,
      })
    );
    wrap.appendChild(charts);
    wrap.appendChild(
      h(
        "p",
        { class: "footer-actions" },
        h("button", { type: "button", class: "btn btn-secondary", test: "dashboard-refresh", on: { click: () => render() } }, "Refresh"),
        h("button", { type: "button", class: "btn btn-secondary", test: "logout", on: { click: logout } }, "Sign out")
      )
    );
    m.appendChild(wrap);
  }
  function stat(test, title, value, cls, note) {
    return h(
      "section",
      { class: `card stat ${cls ? "stat-" + cls : ""}`, test, "data-state": cls || "normal" },
      h("h2", { class: "card-title" }, title),
      h("p", { class: "stat-value", test: `${test}-value` }, value),
      note ? h("p", { class: "stat-note" }, note) : null
    );
  }
  function ageText(sec) {
    if (!isFinite(sec)) return "?";
    if (sec < 90) return `${Math.round(sec)} s ago`;
    if (sec < 5400) return `${Math.round(sec / 60)} min ago`;
    if (sec < 172800) return `${Math.round(sec / 3600)} h ago`;
    return `${Math.round(sec / 86400)} days ago`;
  }
  async function logout() {
    await api("POST", "/api/logout", {}, { retry: false });
    try {
      sessionStorage.removeItem(STORE_KEY);
    } catch (e) {
      /* ignore */
    }
    state.csrf = null;
    state.initData = null;
    fullPage("signed-out", "Signed out", "Open the console again from /admin in Telegram.");
  }

  // ---------------------------------------------------------------- slots
  function durationText(min) {
    const a = Math.abs(min);
    const hh = Math.floor(a / 60);
    const mm = a % 60;
    if (hh && mm) return `${hh} h ${mm} min`;
    if (hh) return `${hh} h`;
    return `${mm} min`;
  }
  function whenText(anchor) {
    if (!anchor) return "?";
    const off = Number(anchor.offset_minutes) || 0;
    if (anchor.kind === "fixed") return anchor.time || "?";
    if (anchor.kind === "run_time") {
      if (off === 0) return "at the run time";
      return `${durationText(off)} ${off < 0 ? "before" : "after"} the run`;
    }
    if (anchor.kind === "tip_time") {
      if (off === 0) return "tip time";
      return `${durationText(off)} ${off < 0 ? "before" : "after"} tip time`;
    }
    return String(anchor.kind);
  }
  function daysText(days) {
    if (!days) return "?";
    let t;
    if (days.kind === "weekdays") {
      const list = (days.weekdays || []).map((d) => WEEKDAY_NAMES[d] || d);
      t = list.length ? list.join(", ") : "no weekday chosen";
    } else {
      const k = DAYS_KINDS.find(([key]) => key === days.kind);
      t = k ? k[1] : String(days.kind);
    }
    return days.weekly ? `${t}, once a week` : t;
  }

  async function pageSlots(m, route, alive) {
    m.appendChild(pageHeader("Slots", h("p", { class: "muted" }, "When each kind of message goes out. Changes are live at the next tick.")));
    const done = loading(m);
    const r = await api("GET", "/api/slots");
    if (!alive()) return;
    done();
    if (!r.ok) {
      if (!r.auth) m.appendChild(errorBox(problemText(r)));
      return;
    }
    const list = h("ul", { class: "list slots", test: "slot-list" });
    const slots = Array.isArray(r.data) ? r.data : [];
    if (!slots.length) list.appendChild(h("li", { class: "muted" }, "No slots."));
    for (const slot of slots) list.appendChild(slotRow(slot, alive));
    m.appendChild(list);
  }

  function slotRow(slot, alive) {
    const li = h("li", { class: "slot-item" });
    const paint = () => {
      clear(li);
      li.classList.remove("is-open");
      li.appendChild(
        h(
          "div",
          { class: `row slot-row ${slot.enabled ? "" : "is-off"}`, test: `slot-row-${slot.id}`, "data-id": slot.id },
          h(
            "div",
            { class: "row-main" },
            h("div", { class: "row-title", test: "slot-title" }, slot.title || slot.id),
            h(
              "div",
              { class: "row-meta" },
              h("span", { class: "meta-item", test: "slot-when" }, whenText(slot.anchor)),
              h("span", { class: "meta-sep", "aria-hidden": "true" }, "·"),
              h("span", { class: "meta-item", test: "slot-days" }, daysText(slot.days))
            ),
            h(
              "div",
              { class: "row-meta small" },
              h("span", { class: "kind-tag" }, slot.kind || ""),
              slot.reach !== undefined ? h("span", { class: "meta-item", test: "slot-row-reach" }, `reaches ${plural(Number(slot.reach) || 0, "runner")}`) : null
            )
          ),
          h(
            "div",
            { class: "row-side" },
            h("span", { class: `badge ${slot.enabled ? "badge-on" : "badge-off"}`, test: "slot-enabled-badge" }, slot.enabled ? "On" : "Off"),
            h("button", { type: "button", class: "btn btn-small", test: `slot-edit-${slot.id}`, "aria-expanded": "false", on: { click: openForm } }, "Edit")
          )
        )
      );
    };
    function openForm() {
      for (const other of document.querySelectorAll(".slot-form")) other.dispatchEvent(new Event("bs-close"));
      const btn = li.querySelector(`[data-test="slot-edit-${CSS.escape(slot.id)}"]`);
      li.classList.add("is-open");
      if (btn) {
        btn.setAttribute("aria-expanded", "true");
        btn.disabled = true;
      }
      li.appendChild(
        slotForm(slot, alive, (updated) => {
          if (updated) Object.assign(slot, updated);
          paint();
        })
      );
    }
    paint();
    return li;
  }

  function slotForm(slot, alive, close) {
    const a0 = slot.anchor || { kind: "run_time", offset_minutes: 0, time: null };
    const d0 = slot.days || { kind: "every_day", weekdays: [], weekly: false };
    const form = h("form", { class: "form slot-form card", test: "slot-form", "data-id": slot.id, novalidate: true });
    const uid = `s-${slot.id}`.replace(/[^a-zA-Z0-9_-]/g, "_");

    const anchorKind = h(
      "select",
      { id: `${uid}-ak`, test: "slot-anchor-kind" },
      ANCHOR_KINDS.map(([k, label]) => h("option", { value: k }, label))
    );
    anchorKind.value = a0.kind;
    const offset = h("input", {
      id: `${uid}-off`,
      type: "number",
      inputmode: "numeric",
      step: "5",
      min: "-720",
      max: "720",
      test: "slot-offset",
      value: String(a0.offset_minutes ?? 0),
    });
    const offsetHint = h("span", { class: "hint", test: "slot-offset-text" });
    const time = h("input", { id: `${uid}-time`, type: "time", test: "slot-time", value: a0.time || "12:00" });
    const offsetWrap = h("div", { class: "field" }, h("label", { for: `${uid}-off` }, "Minutes (negative = before)"), offset, offsetHint);
    const timeWrap = h("div", { class: "field" }, h("label", { for: `${uid}-time` }, "Local time"), time);
    const anchorGroup = h(
      "fieldset",
      { class: "group", test: "slot-anchor" },
      h("legend", {}, "When"),
      h("div", { class: "field" }, h("label", { for: `${uid}-ak` }, "Anchored to"), anchorKind),
      offsetWrap,
      timeWrap
    );

    const daysKind = h("select", { id: `${uid}-dk`, test: "slot-days-kind" }, DAYS_KINDS.map(([k, label]) => h("option", { value: k }, label)));
    daysKind.value = d0.kind;
    const dayBoxes = {};
    const weekdayWrap = h(
      "div",
      { class: "weekdays", test: "slot-weekdays" },
      WEEKDAYS.map((wd) => {
        const cb = h("input", { type: "checkbox", value: wd, test: `slot-day-${wd}`, checked: (d0.weekdays || []).includes(wd) });
        dayBoxes[wd] = cb;
        return h("label", { class: "chip" }, cb, h("span", {}, WEEKDAY_NAMES[wd]));
      })
    );
    const weekly = h("input", { type: "checkbox", test: "slot-weekly", checked: !!d0.weekly });
    const daysGroup = h(
      "fieldset",
      { class: "group", test: "slot-days-group" },
      h("legend", {}, "Days"),
      h("div", { class: "field" }, h("label", { for: `${uid}-dk` }, "Which days"), daysKind),
      weekdayWrap,
      h("label", { class: "check" }, weekly, h("span", {}, "Only the first matching day of each week (Mon–Sun)"))
    );
    const enabled = h("input", { type: "checkbox", test: "slot-enabled", checked: slot.enabled !== false });
    const enabledGroup = h("div", { class: "group group-plain" }, h("label", { class: "check" }, enabled, h("span", {}, "Enabled")));

    const reach = h("p", { class: "reach", test: "slot-reach", "aria-live": "polite" }, reachText(slot.reach));
    const save = h("button", { type: "submit", class: "btn btn-primary", test: "slot-save" }, "Save");
    const cancel = h("button", { type: "button", class: "btn btn-secondary", test: "slot-cancel", on: { click: () => finish(null) } }, "Cancel");
    append(form, [anchorGroup, daysGroup, enabledGroup, reach, h("div", { class: "actions" }, save, cancel)]);
    const errors = makeErrors(form, { anchor: anchorGroup, days: daysGroup, enabled: enabledGroup }, {
      offset_minutes: "anchor",
      time: "anchor",
      kind: "anchor",
      weekdays: "days",
      weekly: "days",
    });

    function current() {
      const ak = anchorKind.value;
      const anchor = { kind: ak, offset_minutes: ak === "fixed" ? 0 : parseInt(offset.value, 10), time: ak === "fixed" ? time.value || null : null };
      if (ak !== "fixed" && Number.isNaN(anchor.offset_minutes)) anchor.offset_minutes = offset.value === "" ? 0 : offset.value;
      const dk = daysKind.value;
      const days = { kind: dk, weekdays: dk === "weekdays" ? WEEKDAYS.filter((w) => dayBoxes[w].checked) : [], weekly: weekly.checked };
      return { anchor, days, enabled: enabled.checked };
    }
    function sameAnchor(a, b) {
      return a.kind === b.kind && (a.kind === "fixed" ? (a.time || "") === (b.time || "") : Number(a.offset_minutes) === Number(b.offset_minutes));
    }
    function sameDays(a, b) {
      const wa = a.kind === "weekdays" ? [...(a.weekdays || [])].sort().join() : "";
      const wb = b.kind === "weekdays" ? [...(b.weekdays || [])].sort().join() : "";
      return a.kind === b.kind && wa === wb && !!a.weekly === !!b.weekly;
    }
    function changes() {
      const c = current();
      const out = {};
      if (!sameAnchor(c.anchor, slot.anchor || a0)) out.anchor = c.anchor;
      if (!sameDays(c.days, slot.days || d0)) out.days = c.days;
      if (c.enabled !== (slot.enabled !== false)) out.enabled = c.enabled;
      return out;
    }
    function sync() {
      const ak = anchorKind.value;
      offsetWrap.hidden = ak === "fixed";
      timeWrap.hidden = ak !== "fixed";
      weekdayWrap.hidden = daysKind.value !== "weekdays";
      const c = current();
      offsetHint.textContent = ak === "fixed" ? "" : `= ${whenText(c.anchor)}`;
    }
    let reachSeq = 0;
    const updateReach = debounce(async () => {
      const seq = ++reachSeq;
      reach.classList.add("pending");
      const r = await api("POST", `/api/slots/${encodeURIComponent(slot.id)}/reach`, current());
      if (!alive() || seq !== reachSeq) return;
      reach.classList.remove("pending");
      if (r.ok) {
        errors.clear();
        reach.textContent = reachText(r.data && r.data.reach);
      } else if (r.status === 422) {
        reach.textContent = "Reaches: fix the problems above first";
        errors.show(r.data && r.data.errors);
      } else if (!r.auth) {
        reach.textContent = "Reach unknown: " + problemText(r);
      }
    }, 350);
    onCleanup(() => updateReach.cancel());
    const changed = () => {
      sync();
      reach.classList.add("pending");
      updateReach();
    };
    for (const el of [anchorKind, offset, time, daysKind, weekly, enabled, ...Object.values(dayBoxes)]) {
      el.addEventListener("input", changed);
      el.addEventListener("change", changed);
    }
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const body = changes();
      if (!Object.keys(body).length) {
        toast("No changes to save", "no-changes", "info");
        return;
      }
      save.disabled = true;
      save.textContent = "Saving…";
      const r = await api("POST", `/api/slots/${encodeURIComponent(slot.id)}`, body);
      if (!alive()) return;
      save.disabled = false;
      save.textContent = "Save";
      if (r.ok) {
        const updated = Object.assign({}, (r.data && r.data.slot) || {}, {});
        if (r.data && r.data.reach !== undefined) updated.reach = r.data.reach;
        toast("Saved");
        finish(updated);
      } else if (r.status === 422) {
        errors.show(r.data && r.data.errors);
      } else if (!r.auth) {
        errors.show([{ field: "", problem: problemText(r) }]);
      }
    });
    function finish(updated) {
      updateReach.cancel();
      reachSeq++;
      form.remove();
      close(updated);
    }
    form.addEventListener("bs-close", () => finish(null));
    sync();
    setTimeout(() => anchorKind.focus({ preventScroll: true }), 0);
    return form;
  }
  function reachText(n) {
    if (n === undefined || n === null) return "Reaches …";
    return `Reaches ${plural(Number(n) || 0, "runner")}`;
  }

  // ---------------------------------------------------------------- tips
  const tipsFilter = { q: "", category: "", family: "", active: "" };
  let metaCache = null;
  async function tipMeta() {
    if (metaCache) return metaCache;
    const [c, f] = await Promise.all([api("GET", "/api/categories"), api("GET", "/api/families")]);
    const meta = { categories: c.ok && Array.isArray(c.data) ? c.data : [], families: f.ok && Array.isArray(f.data) ? f.data : [] };
    if (c.ok && f.ok) metaCache = meta;
    return meta;
  }
  function catLabel(id) {
    return String(id || "").replace(/_/g, " ");
  }

  async function pageTips(m, route, alive) {
    m.appendChild(pageHeader("Tips", h("a", { href: "#/tips/new", class: "btn btn-primary", test: "tip-add" }, "Add a tip")));
    const search = h("input", { type: "search", placeholder: "Search id, title or text", test: "tip-search", value: tipsFilter.q, "aria-label": "Search tips", enterkeyhint: "search" });
    const cat = h("select", { class: "filter-category", test: "tip-filter-category", "aria-label": "Category" }, h("option", { value: "" }, "All categories"));
    const fam = h("select", { class: "filter-family", test: "tip-filter-family", "aria-label": "Exercise family" }, h("option", { value: "" }, "All families"));
    const act = h(
      "select",
      { class: "filter-active", test: "tip-filter-active", "aria-label": "Active or retired" },
      h("option", { value: "" }, "All states"),
      h("option", { value: "1" }, "Active only"),
      h("option", { value: "0" }, "Retired only")
    );
    act.value = tipsFilter.active;
    const filters = h("div", { class: "filters tip-filters", test: "tip-filters" }, h("div", { class: "filter-search" }, search), cat, fam, act);
    const count = h("p", { class: "muted small", test: "tip-count", "aria-live": "polite" });
    const list = h("ul", { class: "list tips", test: "tip-list" });
    append(m, [filters, count, list]);

    tipMeta().then((meta) => {
      if (!alive()) return;
      for (const c of meta.categories) cat.appendChild(h("option", { value: c.id }, `${catLabel(c.id)} (${c.active ?? c.tips}${c.tips !== undefined && c.active !== undefined && c.tips !== c.active ? "/" + c.tips : ""})`));
      for (const f of meta.families) fam.appendChild(h("option", { value: f.family }, `${f.family} (${plural(Number(f.levels) || 0, "level")})`));
      cat.value = tipsFilter.category;
      fam.value = tipsFilter.family;
    });

    let seq = 0;
    async function load() {
      const mySeq = ++seq;
      const qs = new URLSearchParams();
      for (const k of ["q", "category", "family", "active"]) if (tipsFilter[k]) qs.set(k, tipsFilter[k]);
      list.classList.add("pending");
      const r = await api("GET", `/api/tips${qs.toString() ? "?" + qs : ""}`);
      if (!alive() || mySeq !== seq) return;
      list.classList.remove("pending");
      clear(list);
      if (!r.ok) {
        if (!r.auth) list.appendChild(h("li", {}, errorBox(problemText(r))));
        count.textContent = "";
        return;
      }
      const tips = Array.isArray(r.data) ? r.data : [];
      count.textContent = tips.length ? plural(tips.length, "tip") : "";
      if (!tips.length) list.appendChild(h("li", { class: "empty", test: "tip-empty" }, "No tips match."));
      for (const t of tips) list.appendChild(h("li", {}, tipRow(t)));
    }
    const later = debounce(load, 300);
    onCleanup(() => later.cancel());
    search.addEventListener("input", () => {
      tipsFilter.q = search.value.trim();
      later();
    });
    for (const [el, key] of [
      [cat, "category"],
      [fam, "family"],
      [act, "active"],
    ]) {
      el.addEventListener("change", () => {
        tipsFilter[key] = el.value;
        load();
      });
    }
    await load();
  }
  function tipRow(t) {
    return h(
      "a",
      { href: `#/tips/${encodeURIComponent(t.id)}`, class: `row tip-row ${t.active === false ? "is-off" : ""}`, test: `tip-row-${t.id}`, "data-id": t.id },
      h(
        "div",
        { class: "row-main" },
        h("div", { class: "row-title" }, t.title || t.id),
        h(
          "div",
          { class: "row-meta small" },
          h("span", { class: "mono" }, t.id),
          h("span", { class: "kind-tag" }, catLabel(t.category)),
          t.family ? h("span", { class: "kind-tag" }, `${t.family}${t.level ? " L" + t.level : ""}`) : null
        )
      ),
      h("div", { class: "row-side" }, t.active === false ? h("span", { class: "badge badge-off", test: "tip-retired-badge" }, "Retired") : null, h("span", { class: "chev", "aria-hidden": "true" }, "›"))
    );
  }

  async function pageTip(m, route, alive) {
    const id = route.parts[1];
    m.appendChild(h("p", { class: "crumbs" }, h("a", { href: "#/tips", test: "tips-back" }, "‹ All tips")));
    const done = loading(m);
    const r = await api("GET", `/api/tips/${encodeURIComponent(id)}`);
    if (!alive()) return;
    done();
    if (!r.ok) {
      if (!r.auth) m.appendChild(errorBox(r.status === 404 ? `There is no tip ${id}.` : problemText(r), r.status === 404 ? "not-found" : "error"));
      return;
    }
    tipEditor(m, r.data && r.data.tip ? r.data.tip : r.data, alive);
  }
  async function pageTipNew(m, route, alive) {
    m.appendChild(h("p", { class: "crumbs" }, h("a", { href: "#/tips", test: "tips-back" }, "‹ All tips")));
    const meta = await tipMeta();
    if (!alive()) return;
    tipEditor(m, null, alive, meta);
  }

  function autoGrow(ta) {
    const grow = () => {
      ta.style.height = "auto";
      ta.style.height = Math.min(ta.scrollHeight + 2, 640) + "px";
    };
    ta.addEventListener("input", grow);
    requestAnimationFrame(grow);
  }

  function tipEditor(m, tip, alive, meta) {
    const isNew = !tip;
    let current = tip ? Object.assign({}, tip) : null;
    const title = h("h1", { test: "tip-heading" }, isNew ? "Add a tip" : current.title || current.id);
    const status = h("div", { class: "tip-status row-meta" });
    const paintStatus = () => {
      clear(status);
      if (isNew) return;
      append(status, [
        h("span", { class: "mono", test: "tip-id" }, current.id),
        h("span", { class: "kind-tag", test: "tip-category-label" }, catLabel(current.category)),
        current.family ? h("span", { class: "kind-tag" }, `${current.family}${current.level ? " level " + current.level : ""}`) : null,
        current.version !== undefined ? h("span", { class: "muted small" }, `version ${current.version}`) : null,
        h("span", { class: `badge ${current.active === false ? "badge-off" : "badge-on"}`, test: "tip-state" }, current.active === false ? "Retired" : "Active"),
      ]);
    };
    paintStatus();
    m.appendChild(h("div", { class: "page-head" }, title, status));

    const form = h("form", { class: "form tip-form", test: "tip-form", novalidate: true });
    const groups = {};
    const field = (name, label, control, hint) => {
      control.id = `tip-${name}`;
      const g = h("div", { class: "field", "data-field": name }, h("label", { for: control.id }, label), control, hint ? h("p", { class: "hint" }, hint) : null);
      groups[name] = g;
      return g;
    };
    let category = null;
    if (isNew) {
      category = h("select", { test: "tip-category" }, h("option", { value: "" }, "Choose a category"), (meta.categories || []).map((c) => h("option", { value: c.id }, catLabel(c.id))));
      form.appendChild(field("category", "Category", category, "A new tip goes last in its category."));
    }
    const tTitle = h("input", { type: "text", test: "tip-title", maxlength: "200", value: current ? current.title || "" : "" });
    const tBody = h("textarea", { test: "tip-body", rows: "8" });
    tBody.value = current ? current.body || "" : "";
    const tWhy = h("textarea", { test: "tip-why", rows: "3" });
    tWhy.value = current ? current.why || "" : "";
    const tSource = h("input", { type: "text", test: "tip-source", value: current ? current.source || "" : "" });
    append(form, [
      field("title", "Title", tTitle),
      field("body", "Body", tBody, "Telegram HTML: <b>, <i>, <a href=\"https://…\">; the preview shows it as the runner sees it."),
      field("why", "Why (optional)", tWhy),
      field("source", "Source (optional)", tSource, "Where the advice comes from."),
    ]);
    autoGrow(tBody);
    autoGrow(tWhy);
    const errors = makeErrors(form, groups);

    const previewBox = h("div", { class: "tg-message", test: "tip-preview", "aria-live": "polite" });
    const problems = h("ul", { class: "problems", test: "preview-problems", hidden: true });
    const preview = h(
      "section",
      { class: "preview card" },
      h("h2", { class: "card-title" }, "Preview", h("span", { class: "card-sub" }, " as the runner sees it")),
      h("div", { class: "tg-chat" }, previewBox),
      problems
    );

    const save = h("button", { type: "submit", class: "btn btn-primary", test: "tip-save" }, isNew ? "Add the tip" : "Save");
    const actions = h("div", { class: "actions" }, save);
    let toggle = null;
    const starved = h("div", { class: "alert alert-warn", test: "starved-slots", hidden: true });
    const paintToggle = () => {
      if (isNew) return;
      if (toggle) toggle.remove();
      const retired = current.active === false;
      toggle = h(
        "button",
        { type: "button", class: `btn ${retired ? "btn-secondary" : "btn-danger"}`, test: retired ? "tip-reactivate" : "tip-retire", on: { click: doToggle } },
        retired ? "Reactivate" : "Retire"
      );
      actions.appendChild(toggle);
    };
    paintToggle();
    form.appendChild(actions);
    form.appendChild(starved);

    const layout = h("div", { class: "editor" }, form, preview);
    m.appendChild(layout);
    // On a phone the preview sits right under the body (visible while typing it); wider, it
    // stays beside the form.
    const narrow = window.matchMedia("(max-width: 819.98px)");
    const placePreview = () => {
      if (narrow.matches) {
        preview.classList.add("preview-inline");
        tBody.after(preview);
      } else {
        preview.classList.remove("preview-inline");
        layout.appendChild(preview);
      }
      // A shorter body field on a phone (it still grows with the text) keeps the preview
      // above the keyboard.
      tBody.rows = narrow.matches ? 4 : 8;
      tBody.style.height = "auto";
      tBody.style.height = Math.min(tBody.scrollHeight + 2, 640) + "px";
    };
    placePreview();
    narrow.addEventListener("change", placePreview);
    onCleanup(() => narrow.removeEventListener("change", placePreview));

    let seq = 0;
    const runPreview = debounce(async () => {
      const mySeq = ++seq;
      const body = { title: tTitle.value, body: tBody.value, why: tWhy.value };
      const r = await api("POST", "/api/preview", body);
      if (!alive() || mySeq !== seq) return;
      previewBox.classList.remove("pending");
      if (r.ok) {
        clear(previewBox).appendChild(renderTelegramHtml(r.data && r.data.html));
        showProblems(problems, r.data && r.data.problems);
      } else if (r.status === 422) {
        showProblems(problems, r.data && r.data.errors);
      } else if (!r.auth) {
        showProblems(problems, [{ field: "", problem: "Preview unavailable: " + problemText(r) }]);
      }
    }, 300);
    onCleanup(() => runPreview.cancel());
    for (const el of [tTitle, tBody, tWhy]) {
      el.addEventListener("input", () => {
        previewBox.classList.add("pending");
        runPreview();
      });
    }
    runPreview();

    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      errors.clear();
      let body;
      if (isNew) {
        body = { category: category.value, title: tTitle.value, body: tBody.value };
        if (tWhy.value) body.why = tWhy.value;
        if (tSource.value) body.source = tSource.value;
      } else {
        body = {};
        for (const [k, el] of [
          ["title", tTitle],
          ["body", tBody],
          ["why", tWhy],
          ["source", tSource],
        ])
          if ((current[k] || "") !== el.value) body[k] = el.value;
        if (!Object.keys(body).length) {
          toast("No changes to save", "no-changes", "info");
          return;
        }
      }
      save.disabled = true;
      const r = await api("POST", isNew ? "/api/tips" : `/api/tips/${encodeURIComponent(current.id)}`, body);
      if (!alive()) return;
      save.disabled = false;
      if (r.ok) {
        const t = (r.data && r.data.tip) || r.data || {};
        toast("Saved");
        const kept = (r.data && r.data.translated) || [];
        if (kept.length) {
          toast(`Runners who read ${kept.join(", ")} keep this tip's words from schedules/tips/<language>/: change them there and re-import.`, "translations-kept", "info");
        }
        if (isNew) {
          if (t.id) location.hash = `#/tips/${encodeURIComponent(t.id)}`;
          else location.hash = "#/tips";
          return;
        }
        current = Object.assign(current, t);
        title.textContent = current.title || current.id;
        paintStatus();
      } else if (r.status === 422) {
        errors.show(r.data && r.data.errors);
      } else if (!r.auth) {
        errors.show([{ field: "", problem: problemText(r) }]);
      }
    });

    async function doToggle() {
      const retire = current.active !== false;
      toggle.disabled = true;
      const r = await api("POST", `/api/tips/${encodeURIComponent(current.id)}/${retire ? "retire" : "reactivate"}`, {});
      if (!alive()) return;
      toggle.disabled = false;
      if (r.ok) {
        Object.assign(current, (r.data && r.data.tip) || { active: !retire });
        if (r.data && !r.data.tip) current.active = !retire;
        paintStatus();
        paintToggle();
        toast(retire ? "Retired" : "Reactivated");
        const st = (r.data && r.data.starved_slots) || [];
        clear(starved);
        starved.hidden = !st.length;
        if (st.length) {
          append(starved, [
            h("strong", {}, "No active tip left for: "),
            st.map((x) => (typeof x === "string" ? x : x.title || x.id || JSON.stringify(x))).join(", "),
            ". These slots will send nothing until a tip is reactivated or added.",
          ]);
        }
      } else if (!r.auth) {
        errors.show(r.status === 422 ? r.data && r.data.errors : [{ field: "", problem: problemText(r) }]);
      }
    }
  }
  function showProblems(ul, list) {
    clear(ul);
    const items = Array.isArray(list) ? list : [];
    ul.hidden = !items.length;
    for (const p of items) {
      ul.appendChild(h("li", { test: `preview-problem-${p.field || "form"}` }, p.field ? h("strong", {}, `${p.field}: `) : null, String(p.problem || p.error || p)));
    }
  }

  // ---------------------------------------------------------------- reimport
  const DIFF_GROUPS = [
    ["slots_added", "Slots added"],
    ["slots_changed", "Slots changed"],
    ["slots_disabled", "Slots disabled"],
    ["tips_added", "Tips added"],
    ["tips_changed", "Tips changed"],
    ["tips_retired", "Tips retired"],
    ["reordered", "New order in"],
    ["translations_changed", "Tip translations new or changed"],
    ["translations_removed", "Tip translations no longer in the files"],
  ];
  function itemText(x) {
    if (x === null || x === undefined) return "";
    if (typeof x !== "object") return String(x);
    const head = [x.id, x.title && x.title !== x.id ? x.title : null].filter(Boolean).join(" — ");
    const rest = [];
    const ch = x.changes || x.fields || x.changed;
    if (Array.isArray(ch)) rest.push(ch.map((c) => (typeof c === "object" ? itemText(c) : String(c))).join(", "));
    else if (ch && typeof ch === "object") rest.push(Object.keys(ch).join(", "));
    if (x.field) rest.push(`${x.field}${x.old !== undefined ? `: ${x.old} → ${x.new}` : ""}`);
    if (!head && !rest.length) return JSON.stringify(x);
    return rest.length ? `${head}${head ? ": " : ""}${rest.join("; ")}` : head;
  }
  // The detailed form of a changed group's ids: {id, title, changes: [{field, before, after}]}.
  const DIFF_DETAILS = { slots_changed: "slot_changes", tips_changed: "tip_changes" };
  function fieldChange(c) {
    const field = String(c.field || "");
    const before = String(c.before ?? "");
    const after = String(c.after ?? "");
    const long = before.length + after.length > 56;
    if (!long) {
      return h(
        "li",
        { class: "diff-field", test: `reimport-change-${field}` },
        h("span", { class: "diff-name" }, `${field}: `),
        h("span", { class: "diff-before", test: "change-before" }, before),
        h("span", { class: "diff-arrow", "aria-label": "becomes" }, " → "),
        h("span", { class: "diff-after", test: "change-after" }, after)
      );
    }
    return h(
      "li",
      { class: "diff-field diff-field-long", test: `reimport-change-${field}` },
      h("span", { class: "diff-name" }, `${field}: changed`),
      h("span", { class: "diff-line" }, h("span", { class: "diff-tag" }, "was "), h("span", { class: "diff-before", test: "change-before" }, before)),
      h("span", { class: "diff-line" }, h("span", { class: "diff-tag" }, "now "), h("span", { class: "diff-after", test: "change-after" }, after))
    );
  }
  function changedItem(x) {
    const changes = Array.isArray(x.changes) ? x.changes : [];
    return h(
      "li",
      { class: "diff-item", test: "reimport-item" },
      h("div", { class: "diff-head" }, h("span", { class: "mono" }, String(x.id || "")), x.title && x.title !== x.id ? h("span", { class: "diff-title" }, ` — ${x.title}`) : null),
      changes.length ? h("ul", { class: "diff-fields", test: `reimport-changes-${x.id}` }, changes.map(fieldChange)) : null
    );
  }
  function diffView(diff, test) {
    const box = h("div", { class: "diff", test });
    let any = false;
    for (const [key, label] of DIFF_GROUPS) {
      let items = Array.isArray(diff[key]) ? diff[key] : [];
      if (!items.length) continue;
      any = true;
      const detail = DIFF_DETAILS[key] && Array.isArray(diff[DIFF_DETAILS[key]]) ? diff[DIFF_DETAILS[key]] : null;
      if (detail && detail.length === items.length) items = detail;
      box.appendChild(
        h(
          "section",
          { class: `card diff-group diff-${key}`, test: `reimport-group-${key}` },
          h("h2", { class: "card-title" }, label, h("span", { class: "count" }, String(items.length))),
          h("ul", { class: `diff-items${detail ? " diff-detailed" : ""}` }, items.map((x) => (detail ? changedItem(x) : h("li", { test: "reimport-item" }, itemText(x)))))
        )
      );
    }
    if (!any) box.appendChild(h("p", { class: "muted" }, "No differences."));
    return box;
  }
  async function pageReimport(m, route, alive) {
    m.appendChild(pageHeader("Re-import", h("p", { class: "muted" }, "What the schedule and tip files on disk would change in the running plan.")));
    const body = h("div", {});
    m.appendChild(body);
    const done = loading(body);
    const r = await api("GET", "/api/reimport");
    if (!alive()) return;
    done();
    const again = () =>
      h("button", { type: "button", class: "btn btn-secondary", test: "reimport-reload", on: { click: () => render() } }, "Look again");
    if (r.status === 422) {
      body.appendChild(validationList(r.data && r.data.errors));
      body.appendChild(h("div", { class: "actions" }, again()));
      return;
    }
    if (!r.ok) {
      if (!r.auth) body.appendChild(errorBox(problemText(r)));
      return;
    }
    const diff = r.data || {};
    const isEmpty = diff.empty === true || DIFF_GROUPS.every(([k]) => !(Array.isArray(diff[k]) && diff[k].length));
    if (isEmpty) {
      body.appendChild(h("div", { class: "alert alert-ok", test: "reimport-empty" }, "Nothing to import: the files match the running plan."));
      body.appendChild(h("div", { class: "actions" }, again()));
      return;
    }
    body.appendChild(diffView(diff, "reimport-diff"));
    body.appendChild(
      h(
        "div",
        { class: "alert alert-warn", test: "reimport-warning", role: "note" },
        h("strong", {}, "This puts back the files' version of these entries. "),
        "Edits made in the console or in the chat since the last import are replaced; keep them by copying them into the files first."
      )
    );
    const confirm = h("button", { type: "button", class: "btn btn-primary", test: "reimport-confirm" }, "Confirm: apply these changes");
    const outcome = h("div", { class: "outcome" });
    const actions = h("div", { class: "actions" }, confirm, again());
    append(body, [actions, outcome]);
    confirm.addEventListener("click", async () => {
      confirm.disabled = true;
      confirm.textContent = "Applying…";
      const p = await api("POST", "/api/reimport", { fingerprint: diff.fingerprint });
      if (!alive()) return;
      clear(outcome);
      if (p.ok) {
        actions.remove();
        body.querySelector('[data-test="reimport-diff"]')?.remove();
        body.querySelector('[data-test="reimport-warning"]')?.remove();
        toast("Saved");
        append(outcome, [
          h("div", { class: "alert alert-ok", test: "reimport-done" }, "Re-imported: live at the next tick."),
          diffView(p.data || {}, "reimport-result"),
          h("div", { class: "actions" }, again()),
        ]);
      } else if (p.status === 409) {
        confirm.remove();
        outcome.appendChild(h("div", { class: "alert alert-warn", test: "reimport-conflict", role: "alert" }, "The files changed since this preview: look again before confirming."));
      } else if (p.status === 422) {
        confirm.disabled = false;
        confirm.textContent = "Confirm: apply these changes";
        outcome.appendChild(validationList(p.data && p.data.errors));
      } else if (!p.auth) {
        confirm.disabled = false;
        confirm.textContent = "Confirm: apply these changes";
        outcome.appendChild(errorBox(problemText(p)));
      }
    });
  }
  function validationList(errors) {
    const list = Array.isArray(errors) ? errors : [];
    return h(
      "section",
      { class: "alert alert-error", test: "reimport-errors", role: "alert" },
      h("strong", {}, `The files don't validate (${plural(list.length, "problem")}); the running plan stays as it is.`),
      h("ul", { class: "error-list" }, list.map((e) => h("li", { test: "reimport-error" }, e.field ? h("span", { class: "mono" }, `${e.field}: `) : null, String(e.problem || ""))))
    );
  }

  // ---------------------------------------------------------------- announcements
  const announceDraft = { text: "" };
  function inProgress(a) {
    if (a.cancelled) return false;
    if (typeof a.pending === "number") return a.pending > 0;
    if (a.done === true || a.finished === true) return false;
    const handled = (Number(a.sent) || 0) + (Number(a.failed) || 0) + (Number(a.dropped) || 0);
    return handled < (Number(a.queued) || 0);
  }
  async function pageAnnouncements(m, route, alive) {
    m.appendChild(pageHeader("Announcements", h("p", { class: "muted" }, "A message to every active runner. Preview it, then confirm the number of recipients.")));
    const form = h("form", { class: "form card announce-form", test: "announce-form", novalidate: true });
    const text = h("textarea", { id: "announce-text", test: "announce-text", rows: "6", placeholder: "What do you want to tell the runners?" });
    text.value = announceDraft.text;
    const textGroup = h("div", { class: "field" }, h("label", { for: "announce-text" }, "Message"), text, h("p", { class: "hint" }, "Telegram HTML: <b>, <i>, <a href=\"https://…\">."));
    const previewBtn = h("button", { type: "submit", class: "btn btn-secondary", test: "announce-preview" }, "Preview");
    const confirmBtn = h("button", { type: "button", class: "btn btn-primary", test: "announce-confirm", hidden: true });
    const previewArea = h("div", { class: "announce-preview", hidden: true });
    const rendered = h("div", { class: "tg-message", test: "announce-rendered" });
    const recipients = h("p", { class: "recipients", test: "announce-recipients" });
    const problems = h("ul", { class: "problems", test: "announce-problems", hidden: true });
    append(previewArea, [h("div", { class: "tg-chat" }, rendered), recipients, problems]);
    append(form, [textGroup, h("div", { class: "actions" }, previewBtn), previewArea, h("div", { class: "actions" }, confirmBtn)]);
    const errors = makeErrors(form, { text: textGroup });
    m.appendChild(form);
    autoGrow(text);

    let previewed = null; // {text, recipients}
    text.addEventListener("input", () => {
      announceDraft.text = text.value;
      if (previewed && text.value !== previewed.text) {
        previewed = null;
        confirmBtn.hidden = true;
        previewArea.classList.add("stale");
      }
    });
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      errors.clear();
      previewBtn.disabled = true;
      const sent = text.value;
      const r = await api("POST", "/api/announcements/preview", { text: sent });
      if (!alive()) return;
      previewBtn.disabled = false;
      if (r.ok) {
        const d = r.data || {};
        previewArea.hidden = false;
        previewArea.classList.remove("stale");
        clear(rendered).appendChild(renderTelegramHtml(d.html));
        const n = Number(d.recipients) || 0;
        recipients.textContent = `Goes to ${plural(n, "runner")}.`;
        showProblems(problems, d.problems);
        const blocking = Array.isArray(d.problems) && d.problems.length > 0;
        if (text.value === sent && !blocking) {
          previewed = { text: sent, recipients: n };
          confirmBtn.hidden = false;
          confirmBtn.disabled = false;
          confirmBtn.textContent = `Confirm: send to ${plural(n, "runner")}`;
        } else {
          previewed = null;
          confirmBtn.hidden = true;
        }
      } else if (r.status === 422) {
        errors.show(r.data && r.data.errors);
      } else if (!r.auth) {
        errors.show([{ field: "", problem: problemText(r) }]);
      }
    });
    confirmBtn.addEventListener("click", async () => {
      if (!previewed) return;
      confirmBtn.disabled = true;
      const r = await api("POST", "/api/announcements", { text: previewed.text, recipients: previewed.recipients });
      if (!alive()) return;
      if (r.ok) {
        toast(`Announcement ${r.data && r.data.number !== undefined ? "#" + r.data.number + " " : ""}queued`, "saved");
        text.value = announceDraft.text = "";
        text.dispatchEvent(new Event("input"));
        previewed = null;
        confirmBtn.hidden = true;
        previewArea.hidden = true;
        refresh();
      } else if (r.status === 422) {
        // e.g. "recipients": the number of runners changed since the preview: preview again
        previewed = null;
        confirmBtn.hidden = true;
        errors.show(r.data && r.data.errors);
      } else if (!r.auth) {
        confirmBtn.disabled = false;
        errors.show([{ field: "", problem: problemText(r) }]);
      }
    });

    m.appendChild(h("h2", { class: "section-title" }, "Sent and sending"));
    const list = h("ul", { class: "list announcements", test: "announce-list" });
    m.appendChild(list);
    let timer = null;
    onCleanup(() => clearTimeout(timer));
    const rows = new Map();
    async function refresh() {
      clearTimeout(timer);
      const r = await api("GET", "/api/announcements");
      if (!alive()) return;
      if (!r.ok) {
        if (!r.auth) {
          clear(list).appendChild(h("li", {}, errorBox(problemText(r))));
          timer = setTimeout(refresh, 5000);
        }
        return;
      }
      const items = Array.isArray(r.data) ? r.data : [];
      clear(list);
      if (!items.length) list.appendChild(h("li", { class: "empty muted" }, "No announcements yet."));
      for (const a of items) list.appendChild(announceRow(a, rows, refresh));
      if (items.some(inProgress)) timer = setTimeout(refresh, 2000);
    }
    await refresh();
  }
  function announceRow(a, rows, refresh) {
    const queued = Number(a.queued) || 0;
    const sent = Number(a.sent) || 0;
    const failed = Number(a.failed) || 0;
    const dropped = Number(a.dropped) || 0;
    const going = inProgress(a);
    const state_ = a.cancelled ? "cancelled" : going ? "sending" : "done";
    const bar = h("div", { class: "progress", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": String(queued), "aria-valuenow": String(sent + failed + dropped) });
    for (const [cls, v] of [
      ["p-sent", sent],
      ["p-failed", failed],
      ["p-dropped", dropped],
    ]) {
      const seg = h("span", { class: cls });
      seg.style.width = `${queued ? (100 * v) / queued : 0}%`;
      bar.appendChild(seg);
    }
    const li = h(
      "li",
      { class: `row announce-row is-${state_}`, test: `announce-row-${a.number}`, "data-state": state_ },
      h(
        "div",
        { class: "row-main" },
        h(
          "div",
          { class: "row-title" },
          h("span", { class: "mono" }, `#${a.number}`),
          " ",
          h("span", { class: `badge ${state_ === "sending" ? "badge-busy" : state_ === "cancelled" ? "badge-off" : "badge-on"}`, test: "announce-state" }, state_ === "sending" ? "Sending" : state_ === "cancelled" ? "Cancelled" : "Done"),
          a.at ? h("span", { class: "muted small" }, ` ${fmtTime(a.at)}`) : null
        ),
        h("p", { class: "announce-text" }, a.text_preview || ""),
        bar,
        h(
          "p",
          { class: "row-meta small", test: "announce-counts" },
          `${sent} sent of ${queued}`,
          failed ? ` · ${failed} failed` : "",
          dropped ? ` · ${dropped} dropped` : ""
        )
      ),
      going
        ? h(
            "div",
            { class: "row-side" },
            h(
              "button",
              {
                type: "button",
                class: "btn btn-danger btn-small",
                test: `announce-cancel-${a.number}`,
                on: {
                  click: async (ev) => {
                    ev.currentTarget.disabled = true;
                    const r = await api("POST", `/api/announcements/${encodeURIComponent(a.number)}/cancel`, {});
                    if (r.ok) toast(`Announcement #${a.number} cancelled`, "cancelled", "info");
                    else if (!r.auth) toast(problemText(r), "error", "error");
                    refresh();
                  },
                },
              },
              "Cancel"
            )
          )
        : null
    );
    return li;
  }
  function fmtTime(iso) {
    const d = new Date(iso);
    if (isNaN(d)) return String(iso);
    const p = (n) => String(n).padStart(2, "0");
    return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${p(d.getUTCHours())}:${p(d.getUTCMinutes())} UTC`;
  }

  // ---------------------------------------------------------------- audit
  const auditFilter = { admin: "", action: "", since: "", until: "", page: 1 };
  async function pageAudit(m, route, alive) {
    m.appendChild(pageHeader("Audit log", h("p", { class: "muted" }, "Every change made from the console or the bot's admin commands, newest first.")));
    const admin = h("input", { type: "text", inputmode: "numeric", id: "audit-admin", test: "audit-filter-admin", placeholder: "any", value: auditFilter.admin });
    const action = h("select", { id: "audit-action", test: "audit-filter-action" }, h("option", { value: "" }, "Any action"));
    const since = h("input", { type: "date", id: "audit-since", test: "audit-filter-since", value: auditFilter.since });
    const until = h("input", { type: "date", id: "audit-until", test: "audit-filter-until", value: auditFilter.until });
    const apply = h("button", { type: "submit", class: "btn btn-secondary", test: "audit-apply" }, "Filter");
    const reset = h("button", { type: "button", class: "btn btn-plain", test: "audit-reset" }, "Clear");
    const lab = (forId, text, el) => h("div", { class: "field" }, h("label", { for: forId }, text), el);
    const form = h(
      "form",
      { class: "filters audit-filters", test: "audit-filters", novalidate: true },
      lab("audit-admin", "Admin id", admin),
      lab("audit-action", "Action", action),
      lab("audit-since", "Since", since),
      lab("audit-until", "Until", until),
      h("div", { class: "actions" }, apply, reset)
    );
    const list = h("ul", { class: "list audit", test: "audit-list" });
    const pager = h("nav", { class: "pager", "aria-label": "Pages" });
    append(m, [form, list, pager]);

    api("GET", "/api/audit/actions").then((r) => {
      if (!alive() || !r.ok) return;
      const acts = Array.isArray(r.data) ? r.data : (r.data && r.data.actions) || [];
      for (const a of acts) {
        const v = typeof a === "string" ? a : a.action;
        action.appendChild(h("option", { value: v }, v));
      }
      action.value = auditFilter.action;
    });

    let seq = 0;
    async function load() {
      const mySeq = ++seq;
      const qs = new URLSearchParams();
      for (const k of ["admin", "action", "since", "until"]) if (auditFilter[k]) qs.set(k, auditFilter[k]);
      qs.set("page", String(auditFilter.page));
      list.classList.add("pending");
      const r = await api("GET", `/api/audit?${qs}`);
      if (!alive() || mySeq !== seq) return;
      list.classList.remove("pending");
      clear(list);
      clear(pager);
      if (!r.ok) {
        if (r.status === 422) list.appendChild(h("li", {}, errorBox(((r.data && r.data.errors) || []).map((e) => `${e.field ? e.field + ": " : ""}${e.problem}`).join("; ") || "Check the filters.", "audit-error")));
        else if (!r.auth) list.appendChild(h("li", {}, errorBox(problemText(r))));
        return;
      }
      const d = r.data || {};
      const rowsData = Array.isArray(d.rows) ? d.rows : [];
      if (!rowsData.length) list.appendChild(h("li", { class: "empty muted", test: "audit-empty" }, "Nothing logged matches."));
      for (const row of rowsData) {
        list.appendChild(
          h(
            "li",
            { class: "audit-row", test: "audit-row", "data-id": row.id, "data-action": row.action },
            h(
              "div",
              { class: "audit-head" },
              h("span", { class: "audit-action mono", test: "audit-action" }, row.action),
              h("time", { datetime: row.at, class: "muted small" }, fmtTime(row.at))
            ),
            h("p", { class: "audit-summary", test: "audit-summary" }, row.summary || ""),
            h(
              "p",
              { class: "row-meta small" },
              row.target ? h("span", { test: "audit-target" }, `on ${row.target}`) : null,
              h("span", { test: "audit-admin" }, `by admin ${row.admin_id}`)
            )
          )
        );
      }
      const page = Number(d.page) || 1;
      const pages = Math.max(1, Number(d.pages) || 1);
      const prev = h("button", { type: "button", class: "btn btn-secondary", test: "audit-prev", disabled: page <= 1, on: { click: () => go(page - 1) } }, "‹ Newer");
      const next = h("button", { type: "button", class: "btn btn-secondary", test: "audit-next", disabled: page >= pages, on: { click: () => go(page + 1) } }, "Older ›");
      append(pager, [prev, h("span", { class: "pager-label", test: "audit-page" }, `Page ${page} of ${pages}`), next]);
    }
    function go(p) {
      auditFilter.page = p;
      load();
      window.scrollTo(0, 0);
    }
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const id = admin.value.trim();
      if (id && !/^\d+$/.test(id)) {
        clear(list).appendChild(h("li", {}, errorBox("The admin id is a number (a Telegram user id).", "field-error-admin")));
        return;
      }
      Object.assign(auditFilter, { admin: id, action: action.value, since: since.value, until: until.value, page: 1 });
      load();
    });
    action.addEventListener("change", () => form.requestSubmit());
    reset.addEventListener("click", () => {
      Object.assign(auditFilter, { admin: "", action: "", since: "", until: "", page: 1 });
      admin.value = action.value = since.value = until.value = "";
      load();
    });
    await load();
  }

  // ---------------------------------------------------------------- start
  async function start() {
    const found = readInitData();
    applyTheme(found && found.theme);
    const tg = window.Telegram && window.Telegram.WebApp;
    if (tg && typeof tg.ready === "function") {
      try {
        tg.ready();
        if (typeof tg.expand === "function") tg.expand();
      } catch (e) {
        /* not inside Telegram */
      }
    }
    if (!found) {
      showNoInitData();
      return;
    }
    state.initData = found.initData;
    if (found.fromHash) {
      // The hash held Telegram's launch parameters: swap them for the default route so they
      // don't linger in the address bar or history.
      history.replaceState(null, "", `${location.pathname}${location.search}#/dashboard`);
    }
    const ok = await signIn(found.initData);
    if (!ok) return;
    try {
      sessionStorage.setItem(STORE_KEY, found.initData);
    } catch (e) {
      /* ignore */
    }
    document.getElementById("top").hidden = false;
    const nameEl = document.getElementById("admin-name");
    if (state.admin) nameEl.textContent = state.admin.name || `admin ${state.admin.id}`;
    buildNav();
    window.addEventListener("hashchange", render);
    render();
  }

  // exposed for the browser tests of the parser (pure function, no network)
  window.BackStrideConsole = { renderTelegramHtml };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
