/* Qualibot staff console: search the catalog as you type, read every fact of a row with the clauses that
 * apply, copy the approved answers (口径) the applicant gets, and read the unanswered-question log.
 * All text goes into the page through textContent; nothing is built with innerHTML. */
(function () {
  "use strict";

  var API = "../api/";
  var DEBOUNCE_MS = 150;
  var TOKEN_KEY = "qualibot.console.token";
  var LANG_KEY = "qualibot.console.lang";

  var I18N = {
    zh: {
      htmlLang: "zh-CN", docTitle: "资格目录工作台", title: "资格目录工作台", skip: "跳到搜索框",
      switchTo: "English", switchLabel: "Switch to English", tabs: "工作台",
      tabSearch: "查询", tabLog: "未答问题",
      version: "目录版本 {v}，共 {n} 项",
      searchLabel: "搜索证书：中文、英文、缩写或编号", filters: "筛选",
      filterList: "清单", filterField: "领域", filterCountry: "国家（地区）", all: "全部", clear: "清除",
      resultsCaption: "搜索结果", colId: "编号", colName: "名称", colWhere: "地区／机构", colList: "清单",
      urgent: "急需紧缺清单", regular: "境外职业资格清单",
      loading: "正在查询…", failed: "查询失败：{e}",
      stListed: "找到 1 项（{how}）。", stAmbiguous: "“{m}”对应 {n} 项，请向来电人确认是哪一项。",
      stQuery: "符合条件的共 {n} 项。",
      stConfirm: "需确认：“{m}”只是通用名称或颁发机构，不能据此认定在《目录》内；请向来电人确认是否为下列证书。{why}",
      stUnlisted: "不在《目录》内。", stText: "按名称、别名、颁发机构的文字找到 {n} 项。",
      stNone: "没有找到。可换个说法，或用筛选浏览。", stList: "共 {n} 项。", stMore: "（只显示前 {k} 项）",
      stFiltered: "筛选后 {n} 项。",
      howId: "按编号", howMatcher: "识别器精确匹配", howFuzzy: "识别器近似匹配，请核对",
      nearest: "最接近的目录内证书见下表。",
      open: "查看 {id}",
      // item
      itemId: "编号", itemList: "清单", itemCite: "目录位置", nameZh: "中文名称", nameEn: "英文名称",
      issuer: "颁发机构", countries: "国家（地区）", filledNote: "（原表此栏为空或错位，据颁发机构补全）",
      region: "州／省", fields: "领域", remarkZh: "备注（中文）", remarkEn: "备注（英文）",
      experience: "工作经验", titleLevel: "职称对应", registration: "执业要求", conditions: "条件",
      aliases: "别名", notes: "校订说明", none: "—",
      jumpLabel: "本项目录", factsTitle: "全部信息", clausesTitle: "适用条款（全文）", answersTitle: "标准口径（与申请人看到的答复一致）",
      applies: "适用", conditional: "有条件", notApplicable: "不适用",
      forChinese: "中国籍人员", forForeign: "外籍人员",
      ansRecognized: "是否认可", ansBenefits: "可享受的便利", ansPractice: "能否执业", ansVerification: "证书查验",
      copyZh: "复制中文", copyEn: "复制英文", copied: "已复制", copyFailed: "复制失败，请手动选中文字复制",
      close: "关闭",
      itemFailed: "无法打开：{e}",
      // log
      logTitle: "未答问题与“没有帮助”反馈", refresh: "刷新", downloadCsv: "下载 CSV",
      colTime: "时间", colConversation: "会话", colKind: "类型", colText: "内容",
      kindFallback: "未能回答", kindUnhelpful: "👎 没有帮助",
      logCount: "共 {n} 条（最新在前）。", logEmpty: "暂无记录。",
      accessTitle: "工作台口令", tokenLabel: "请输入工作台口令", tokenSubmit: "确定",
      tokenNeeded: "工作台需要口令（启动时打印，或向管理员索取）。", tokenWrong: "口令不对，请重新输入。",
      closed: "工作台未开放：服务器没有配置工作台口令（QUALIBOT_CONSOLE_TOKEN）。"
    },
    en: {
      htmlLang: "en", docTitle: "Catalog console", title: "Catalog console", skip: "Skip to search",
      switchTo: "中文", switchLabel: "切换到中文", tabs: "Console",
      tabSearch: "Search", tabLog: "Unanswered",
      version: "Catalog version {v}, {n} qualifications",
      searchLabel: "Find a qualification: Chinese, English, abbreviation or ID", filters: "Filters",
      filterList: "List", filterField: "Field", filterCountry: "Country/region", all: "All", clear: "Clear",
      resultsCaption: "Results", colId: "ID", colName: "Name", colWhere: "Where / issuer", colList: "List",
      urgent: "Urgent list", regular: "Regular list",
      loading: "Searching…", failed: "Search failed: {e}",
      stListed: "1 match ({how}).", stAmbiguous: "\"{m}\" matches {n} rows: ask the caller which one.",
      stQuery: "{n} rows match.",
      stConfirm: "To confirm: \"{m}\" is only a generic name or an issuer, not proof of a listed credential; ask the caller whether it is the one below. {why}",
      stUnlisted: "Not in the catalog.", stText: "{n} found in names, aliases and issuers.",
      stNone: "Nothing found. Try other words, or browse with the filters.", stList: "{n} qualifications.",
      stMore: " (first {k} shown)", stFiltered: "{n} after the filters.",
      howId: "by ID", howMatcher: "exact match", howFuzzy: "close match: check it",
      nearest: "The nearest listed items are below.",
      open: "Open {id}",
      itemId: "ID", itemList: "List", itemCite: "Place in the catalog", nameZh: "Chinese name", nameEn: "English name",
      issuer: "Issuer", countries: "Country/region", filledNote: " (empty or shifted in the source; filled from the issuer)",
      region: "State/province", fields: "Fields", remarkZh: "Remark (Chinese)", remarkEn: "Remark (English)",
      experience: "Experience", titleLevel: "Professional title", registration: "To practise", conditions: "Conditions",
      aliases: "Aliases", notes: "Corrections", none: "—",
      jumpLabel: "On this item", factsTitle: "Every fact", clausesTitle: "Clauses that apply (full text)",
      answersTitle: "Approved answers (exactly what the applicant gets)",
      applies: "applies", conditional: "conditional", notApplicable: "does not apply",
      forChinese: "Chinese nationals", forForeign: "foreign nationals",
      ansRecognized: "Is it recognized", ansBenefits: "Benefits", ansPractice: "Practising", ansVerification: "Verification",
      copyZh: "Copy Chinese", copyEn: "Copy English", copied: "Copied", copyFailed: "Copy failed: select the text and copy it",
      close: "Close",
      itemFailed: "Could not open it: {e}",
      logTitle: "Unanswered questions and \"not helpful\" votes", refresh: "Refresh", downloadCsv: "Download CSV",
      colTime: "Time", colConversation: "Conversation", colKind: "Kind", colText: "Text",
      kindFallback: "not answered", kindUnhelpful: "👎 not helpful",
      logCount: "{n} entries, newest first.", logEmpty: "Nothing logged yet.",
      accessTitle: "Console token", tokenLabel: "Enter the console token", tokenSubmit: "OK",
      tokenNeeded: "The console needs its token (printed at start-up, or ask your administrator).",
      tokenWrong: "Wrong token: please enter it again.",
      closed: "The console is closed: the server has no console token configured (QUALIBOT_CONSOLE_TOKEN)."
    }
  };

  var $ = function (id) { return document.getElementById(id); };
  var state = {
    lang: storageGet(window.localStorage, LANG_KEY) === "en" ? "en" : "zh",
    facets: null, rows: [], lastSearch: null, item: null, itemId: null, searchCtl: null, timer: null,
    logLoaded: false, access: null  // null: fine; "needed", "wrong" or "closed": the access box says so
  };

  function storageGet(store, key) { try { return store.getItem(key); } catch (e) { return null; } }
  function storageSet(store, key, value) { try { store.setItem(key, value); } catch (e) { /* private mode */ } }

  function t(key, values) {
    var s = I18N[state.lang][key];
    if (s === undefined) { return key; }
    if (values) { s = s.replace(/\{(\w+)\}/g, function (_, k) { return values[k] !== undefined ? String(values[k]) : ""; }); }
    return s;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function both(named, sep) {
    if (!named) { return ""; }
    if (!named.en || named.en === named.zh) { return named.zh; }
    return state.lang === "zh" ? named.zh + (sep || " / ") + named.en : named.en + (sep || " / ") + named.zh;
  }
  function one(named) { return named ? (state.lang === "zh" ? named.zh : named.en) || named.zh : ""; }

  // --- HTTP ---

  function getJSON(path, signal) {
    var headers = { "Accept": "application/json" };
    var token = storageGet(window.sessionStorage, TOKEN_KEY);
    if (token) { headers["X-Console-Token"] = token; }
    return fetch(API + path, { headers: headers, signal: signal }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (!res.ok) {
          var err = new Error(body && body.error ? body.error : "HTTP " + res.status);
          err.status = res.status;
          if (res.status === 401 || res.status === 403) { askForAccess(res.status === 403 ? "closed" : token ? "wrong" : "needed"); }
          throw err;
        }
        if (state.access) { askForAccess(null); }
        return body;
      });
    });
  }

  // --- access: every staff API needs the console token (401), none works without one configured (403) ---

  function askForAccess(reason) {
    state.access = reason;
    var box = $("access");
    box.hidden = !reason;
    $("token-form").hidden = reason === "closed";
    $("access-status").textContent = reason === "closed" ? t("closed") : reason === "wrong" ? t("tokenWrong") :
      reason === "needed" ? t("tokenNeeded") : "";
    if (reason === "needed" || reason === "wrong") { $("token").focus(); }
  }

  function loadAll() {
    getJSON("facets").then(function (f) {
      state.facets = f;
      fillFilters();
      renderVersion();
    }).catch(function () { /* the filters stay empty; search still works */ });
    run();
    if (state.logLoaded) { loadLog(); }
  }

  // --- language ---

  function applyLanguage() {
    document.documentElement.lang = t("htmlLang");
    document.title = t("docTitle");
    var nodes = document.querySelectorAll("[data-i18n]");
    for (var i = 0; i < nodes.length; i++) { nodes[i].textContent = t(nodes[i].getAttribute("data-i18n")); }
    var toggle = $("lang-toggle");
    toggle.textContent = t("switchTo");
    toggle.setAttribute("aria-label", t("switchLabel"));
    toggle.lang = state.lang === "zh" ? "en" : "zh-CN";
    $("tabs").setAttribute("aria-label", t("tabs"));
    renderVersion();
    fillFilters();
    renderResults();
    if (state.item) { renderItem(state.item); }
    if (state.logLoaded) { loadLog(); }
    if (state.access) { askForAccess(state.access); }
  }

  // --- filters ---

  function fillSelect(select, options) {
    var current = select.value;
    select.textContent = "";
    var all = el("option", null, t("all"));
    all.value = "";
    select.appendChild(all);
    options.forEach(function (o) {
      var opt = el("option", null, (state.lang === "zh" ? o.zh : o.en) + " (" + o.count + ")");
      opt.value = o.key;
      select.appendChild(opt);
    });
    select.value = current;
  }

  function fillFilters() {
    if (!state.facets) { return; }
    fillSelect($("f-list"), state.facets.lists.map(function (l) {
      return { key: l.key, zh: I18N.zh[l.key], en: I18N.en[l.key], count: l.count };
    }));
    fillSelect($("f-field"), state.facets.fields);
    fillSelect($("f-country"), state.facets.countries);
  }

  function renderVersion() {
    $("version-line").textContent = state.facets ? t("version", { v: state.facets.version, n: state.facets.total }) : "";
  }

  function filters() {
    return { list: $("f-list").value, field: $("f-field").value, country: $("f-country").value };
  }

  function passes(row, f) {
    return (!f.list || row.list === f.list) && (!f.field || row.field_keys.indexOf(f.field) >= 0) &&
      (!f.country || row.country_keys.indexOf(f.country) >= 0);
  }

  // --- search ---

  function schedule() {
    clearTimeout(state.timer);
    state.timer = setTimeout(run, DEBOUNCE_MS);
  }

  function run() {
    clearTimeout(state.timer);
    var q = $("q").value.trim();
    var f = filters();
    if (state.searchCtl) { state.searchCtl.abort(); }
    var ctl = window.AbortController ? new AbortController() : null;
    state.searchCtl = ctl;
    var path = q ? "search?q=" + encodeURIComponent(q)
      : "list?list=" + encodeURIComponent(f.list) + "&field=" + encodeURIComponent(f.field) +
        "&country=" + encodeURIComponent(f.country);
    setStatus(t("loading"));
    getJSON(path, ctl ? ctl.signal : undefined).then(function (data) {
      if (ctl !== state.searchCtl) { return; }
      state.lastSearch = { q: q, data: data };
      state.rows = (data.results || []).filter(function (r) { return passes(r, f); });
      renderResults();
    }).catch(function (e) {
      if (e && e.name === "AbortError") { return; }
      state.lastSearch = null;
      state.rows = [];
      renderResults();
      setStatus(e.status === 401 || e.status === 403 ? "" : t("failed", { e: e.message }));  // the access box says why
    });
  }

  function setStatus(text) { $("status").textContent = text; }

  function renderResults() {
    var tbody = $("results").querySelector("tbody");
    tbody.textContent = "";
    var box = $("unlisted");
    box.textContent = "";
    box.hidden = true;
    var s = state.lastSearch;
    if (!s) { return; }
    var data = s.data;
    var total = data.total !== undefined ? data.total : state.rows.length;
    var status;
    if (!s.q) {
      status = t("stList", { n: state.rows.length });
    } else if (data.status === "listed") {
      var r0 = data.results && data.results[0];
      var how = data.source === "id" ? t("howId") : (r0 && r0.score !== null && r0.score < 100 ? t("howFuzzy") : t("howMatcher"));
      status = t("stListed", { how: how });
    } else if (data.status === "query") {
      status = t("stQuery", { n: total });
    } else if (data.status === "confirm") {
      var mc = data.results && data.results[0] ? data.results[0].matched : s.q;
      status = t("stConfirm", { m: mc, why: data.why ? "(" + data.why + ")" : "" });
    } else if (data.status === "ambiguous") {
      var m = data.results && data.results[0] ? data.results[0].matched : s.q;
      status = t("stAmbiguous", { m: m, n: total });
    } else if (data.status === "unlisted") {
      status = t("stUnlisted") + (state.rows.length ? " " + t("nearest") : "");
      if (data.unlisted) {
        box.hidden = false;
        box.appendChild(el("p", "unlisted-name", both(data.unlisted.name)));
        box.appendChild(el("p", null, data.unlisted.reason.zh)).lang = "zh-CN";
        box.appendChild(el("p", null, data.unlisted.reason.en)).lang = "en";
      }
    } else if (data.status === "none" && total) {
      status = t("stText", { n: total });
    } else {
      status = t("stNone");
    }
    if (s.q && (filters().list || filters().field || filters().country)) { status += " " + t("stFiltered", { n: state.rows.length }); }
    if (data.results && total > data.results.length) { status += t("stMore", { k: data.results.length }); }
    setStatus(status);

    state.rows.forEach(function (row) {
      var tr = el("tr");
      if (row.id === state.itemId) { tr.className = "current"; }
      tr.appendChild(el("td", "id", row.id));
      var name = el("td", "name");
      var b = el("button", "open", null);
      b.type = "button";
      b.setAttribute("data-id", row.id);
      b.appendChild(el("span", "zh", row.name.zh)).lang = "zh-CN";
      if (row.name.en && row.name.en !== row.name.zh) { b.appendChild(el("span", "en", row.name.en)).lang = "en"; }
      b.addEventListener("click", function () { openItem(row.id, true); });
      name.appendChild(b);
      tr.appendChild(name);
      tr.appendChild(el("td", "where", one(row.where) + (row.issuer ? " · " + one(row.issuer) : "")));
      tr.appendChild(el("td", "list", t(row.list)));
      tbody.appendChild(tr);
    });
  }

  // --- one qualification ---

  function openItem(id, focus) {
    state.itemId = id;
    if (location.hash !== "#" + id) { history.replaceState(null, "", "#" + id); }
    var article = $("item");
    article.hidden = false;
    article.setAttribute("aria-busy", "true");
    getJSON("item/" + encodeURIComponent(id)).then(function (item) {
      if (state.itemId !== id) { return; }
      state.item = item;
      renderItem(item);
      renderResults();
      if (focus) { $("item-title").focus(); }
    }).catch(function (e) {
      state.item = null;
      article.textContent = "";
      article.appendChild(el("p", "error", t("itemFailed", { e: e.message })));
    }).then(function () { article.removeAttribute("aria-busy"); });
  }

  function fact(dl, label, value, lang) {
    if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) {
      value = t("none");
    }
    dl.appendChild(el("dt", null, label));
    var dd = el("dd");
    if (lang) { dd.lang = lang; }
    if (Array.isArray(value)) {
      var ul = el("ul");
      value.forEach(function (v) { ul.appendChild(el("li", null, v)); });
      dd.appendChild(ul);
    } else {
      dd.textContent = value;
    }
    dl.appendChild(dd);
    return dd;
  }

  function heading(id, text) {
    var h = el("h3", null, text);
    h.id = id;
    h.tabIndex = -1;
    return h;
  }

  function renderItem(item) {
    var article = $("item");
    article.textContent = "";
    var head = el("header", "item-head");
    var h2 = el("h2", null);
    h2.id = "item-title";
    h2.tabIndex = -1;
    h2.appendChild(el("span", "zh", item.name.zh)).lang = "zh-CN";
    h2.appendChild(el("span", "en", item.name.en)).lang = "en";
    head.appendChild(h2);
    var badges = el("p", "badges");
    badges.appendChild(el("span", "badge", item.id));
    badges.appendChild(el("span", "badge " + item.list, t(item.list)));
    badges.appendChild(el("span", "cite", state.lang === "zh" ? item.cite.zh : item.cite.en));
    head.appendChild(badges);
    var close = el("button", "secondary close", t("close"));
    close.type = "button";
    close.addEventListener("click", function () {
      state.item = null; state.itemId = null;
      article.hidden = true;
      history.replaceState(null, "", location.pathname + location.search);
      renderResults();
      $("q").focus();
    });
    head.appendChild(close);
    article.appendChild(head);

    // a jump list: the agent mostly wants the approved answers
    var nav = el("nav", "jump");
    nav.setAttribute("aria-label", t("jumpLabel"));
    [["item-facts", "factsTitle"], ["item-answers", "answersTitle"], ["item-clauses", "clausesTitle"]].forEach(function (j) {
      var b = el("button", "jump-link", t(j[1]));
      b.type = "button";
      b.addEventListener("click", function () {
        var target = $(j[0]);
        target.scrollIntoView({ block: "start" });
        target.focus();
      });
      nav.appendChild(b);
    });
    article.appendChild(nav);

    // facts
    article.appendChild(heading("item-facts", t("factsTitle")));
    var dl = el("dl", "facts");
    fact(dl, t("itemList"), state.lang === "zh" ? item.list_name.zh : item.list_name.en);
    fact(dl, t("itemCite"), item.cite.zh + " / " + item.cite.en);
    fact(dl, t("nameZh"), item.name.zh, "zh-CN");
    fact(dl, t("nameEn"), item.name.en, "en");
    fact(dl, t("issuer"), both(item.issuer));
    var countries = item.countries.map(function (c) { return both(c); }).join("; ");
    var dd = fact(dl, t("countries"), countries);
    if (item.country_filled) { dd.appendChild(el("span", "note", t("filledNote"))); }
    if (item.region) { fact(dl, t("region"), both(item.region)); }
    fact(dl, t("fields"), item.fields.map(function (f) { return both(f); }).join("; "));
    fact(dl, t("remarkZh"), item.remark.zh, "zh-CN");
    fact(dl, t("remarkEn"), item.remark.en, "en");
    fact(dl, t("experience"), item.experience ? (state.lang === "zh" ? item.experience.zh : item.experience.en) : null);
    fact(dl, t("titleLevel"), item.title_level ? (state.lang === "zh" ? item.title_level.zh : item.title_level.en) : null);
    fact(dl, t("registration"), item.registration ? both(item.registration, "\n") : null);
    fact(dl, t("conditions"), item.conditions.map(function (c) { return c.zh + (c.en ? " / " + c.en : ""); }));
    fact(dl, t("aliases"), item.aliases.join(", "));
    fact(dl, t("notes"), item.notes);
    article.appendChild(dl);

    // approved answers
    article.appendChild(heading("item-answers", t("answersTitle")));
    var labels = { recognized: "ansRecognized", benefits: "ansBenefits", practice: "ansPractice", verification: "ansVerification" };
    item.answers.forEach(function (a) {
      var box = el("section", "answer");
      box.setAttribute("data-answer", a.key);
      box.appendChild(el("h4", null, t(labels[a.key] || a.key)));
      var pair = el("div", "answer-pair");
      ["zh", "en"].forEach(function (lang) {
        var col = el("div", "answer-col");
        var pre = el("pre", "answer-text", a[lang]);
        pre.lang = lang === "zh" ? "zh-CN" : "en";
        pre.setAttribute("data-lang", lang);
        col.appendChild(pre);
        var row = el("div", "copy-row");
        var b = el("button", "copy", t(lang === "zh" ? "copyZh" : "copyEn"));
        b.type = "button";
        b.setAttribute("data-answer", a.key);
        b.setAttribute("data-lang", lang);
        var note = el("span", "copy-status");
        note.setAttribute("role", "status");
        b.addEventListener("click", function () { copy(a[lang], note); });
        row.appendChild(b);
        row.appendChild(note);
        col.appendChild(row);
        pair.appendChild(col);
      });
      box.appendChild(pair);
      article.appendChild(box);
    });

    // clauses
    article.appendChild(heading("item-clauses", t("clausesTitle")));
    var clauses = el("div", "clauses");
    item.clauses.forEach(function (c) {
      var box = el("section", "clause");
      box.setAttribute("data-clause", c.id);
      var h4 = el("h4", null);
      h4.appendChild(el("span", "cite", state.lang === "zh" ? c.cite.zh : c.cite.en));
      h4.appendChild(document.createTextNode(" " + (state.lang === "zh" ? c.title.zh : c.title.en)));
      box.appendChild(h4);
      var tags = [];
      tags.push(t(c.status === "applies" ? "applies" : c.status === "conditional" ? "conditional" : "notApplicable"));
      if (c.nationality === "chinese") { tags.push(t("forChinese")); }
      if (c.nationality === "foreign") { tags.push(t("forForeign")); }
      box.appendChild(el("p", "tags", tags.join(" · ")));
      box.appendChild(el("p", "clause-text", c.text.zh)).lang = "zh-CN";
      box.appendChild(el("p", "clause-text en", c.text.en)).lang = "en";
      clauses.appendChild(box);
    });
    article.appendChild(clauses);
  }

  /* navigator.clipboard where allowed, else a textarea and execCommand("copy"). */
  function copy(text, note) {
    function done(ok) {
      note.textContent = ok ? t("copied") : t("copyFailed");
      note.className = "copy-status " + (ok ? "ok" : "error");
      setTimeout(function () { if (note.textContent === t("copied")) { note.textContent = ""; } }, 4000);
    }
    function fallback() {
      var area = $("copy-buffer");
      var active = document.activeElement;
      area.value = text;
      area.removeAttribute("tabindex");
      area.focus();
      area.select();
      area.setSelectionRange(0, text.length);
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      area.setAttribute("tabindex", "-1");
      if (active && active.focus) { active.focus(); }
      done(ok);
    }
    if (navigator.clipboard && navigator.clipboard.writeText && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { $("copy-buffer").value = text; done(true); }, fallback);
    } else {
      fallback();
    }
  }

  // --- unanswered log ---

  function loadLog() {
    state.logLoaded = true;
    var status = $("log-status");
    status.textContent = t("loading");
    getJSON("unanswered").then(function (data) {
      renderLog(data.results || []);
      status.textContent = data.results && data.results.length ? t("logCount", { n: data.results.length }) : t("logEmpty");
    }).catch(function (e) {
      status.textContent = e.status === 401 || e.status === 403 ? "" : t("failed", { e: e.message });
      renderLog([]);
    });
  }

  function formatTime(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) { return iso; }
    function p(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + " " + p(d.getHours()) + ":" + p(d.getMinutes());
  }

  function renderLog(rows) {
    var tbody = $("log").querySelector("tbody");
    tbody.textContent = "";
    rows.forEach(function (r) {
      var tr = el("tr", r.kind);
      var time = el("td", "time");
      var tm = el("time", null, formatTime(r.time));
      tm.dateTime = r.time;
      time.appendChild(tm);
      tr.appendChild(time);
      tr.appendChild(el("td", "conversation", r.conversation));  // a reference, never the conversation id
      tr.appendChild(el("td", "kind", (r.kind === "fallback" ? t("kindFallback") : r.kind === "unhelpful" ? t("kindUnhelpful") : r.kind) +
        (r.answer_kind ? " · " + r.answer_kind : "")));
      var text = el("td", "text", r.text);
      if (r.lang) { text.lang = r.lang === "zh" ? "zh-CN" : "en"; }
      tr.appendChild(text);
      tbody.appendChild(tr);
    });
  }

  // --- tabs ---

  function selectTab(name, focus) {
    var tabs = { search: [$("tab-search"), $("panel-search")], log: [$("tab-log"), $("panel-log")] };
    Object.keys(tabs).forEach(function (k) {
      var on = k === name;
      tabs[k][0].setAttribute("aria-selected", on ? "true" : "false");
      tabs[k][0].tabIndex = on ? 0 : -1;
      tabs[k][1].hidden = !on;
    });
    if (focus) { tabs[name][0].focus(); }
    if (name === "log") { loadLog(); }
  }

  // --- wiring ---

  $("q").addEventListener("input", schedule);
  $("search-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    run();
    var first = $("results").querySelector("button.open");
    if (first) { openItem(first.getAttribute("data-id"), true); }
  });
  ["f-list", "f-field", "f-country"].forEach(function (id) { $(id).addEventListener("change", run); });
  $("f-clear").addEventListener("click", function () {
    $("f-list").value = ""; $("f-field").value = ""; $("f-country").value = "";
    $("q").value = "";
    run();
    $("q").focus();
  });

  $("tab-search").addEventListener("click", function () { selectTab("search"); });
  $("tab-log").addEventListener("click", function () { selectTab("log"); });
  $("tabs").addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowRight" || ev.key === "ArrowLeft") {
      ev.preventDefault();
      selectTab($("tab-search").getAttribute("aria-selected") === "true" ? "log" : "search", true);
    }
  });
  $("log-refresh").addEventListener("click", loadLog);
  $("token-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    storageSet(window.sessionStorage, TOKEN_KEY, $("token").value);
    $("token").value = "";
    loadAll();
  });
  // the CSV is fetched with the token (a plain link cannot send the header)
  $("csv").addEventListener("click", function (ev) {
    ev.preventDefault();
    var token = storageGet(window.sessionStorage, TOKEN_KEY) || "";
    fetch(API + "unanswered.csv", { headers: { "X-Console-Token": token } }).then(function (res) {
      if (res.status === 401 || res.status === 403) { askForAccess(res.status === 403 ? "closed" : token ? "wrong" : "needed"); }
      if (!res.ok) { throw new Error("HTTP " + res.status); }
      return res.blob();
    }).then(function (blob) {
      var url = URL.createObjectURL(blob);
      var a = el("a");
      a.href = url;
      a.download = "unanswered.csv";
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    }).catch(function (e) { $("log-status").textContent = t("failed", { e: e.message }); });
  });

  $("lang-toggle").addEventListener("click", function () {
    state.lang = state.lang === "zh" ? "en" : "zh";
    storageSet(window.localStorage, LANG_KEY, state.lang);
    applyLanguage();
  });

  window.addEventListener("hashchange", function () {
    var id = location.hash.slice(1);
    if (/^[A-Za-z]\d{1,4}$/.test(id) && id !== state.itemId) { openItem(id, true); }
  });

  applyLanguage();
  loadAll();
  var initial = location.hash.slice(1);
  if (/^[A-Za-z]\d{1,4}$/.test(initial)) { openItem(initial, true); }  // a link to one item: go to it
})();
