/* Qualibot staff console, the core: its wording (zh, en), its state, the API call with the console token, the
 * access box, the language and the tabs; then it starts the page. The rest of the console is search.js (filters,
 * search as you type, the results), item.js (one row: facts, approved answers with Copy, clauses) and log.js
 * (the unanswered-question log and its CSV); ../shared/ui.js holds what the chat page uses too.
 * All text goes into the page through textContent; nothing is built with innerHTML. */
(function () {
  "use strict";

  var UI = window.QualibotUI;
  var el = UI.el, storageGet = UI.storageGet, storageSet = UI.storageSet;
  var API = "../api/";
  var DEBOUNCE_MS = 150;
  var TOKEN_KEY = "qualibot.console.token";
  var LANG_KEY = "qualibot.console.lang";

  var I18N = {
    zh: {
      htmlLang: "zh-CN", docTitle: "资格目录工作台", title: "资格目录工作台", skip: "跳到搜索框",
      switchTo: "English", switchLabel: "Switch to English", tabs: "工作台",
      tabSearch: "查询", tabLog: "未答问题", tabWhy: "回执查询",
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
      tabSearch: "Search", tabLog: "Unanswered", tabWhy: "Why this answer",
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

  function t(key, values) {
    var s = I18N[state.lang][key];
    if (s === undefined) { return key; }
    return values ? UI.format(s, values) : s;
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
      C.fillFilters();
      C.renderVersion();
    }).catch(function () { /* the filters stay empty; search still works */ });
    C.run();
    if (state.logLoaded) { C.loadLog(); }
    var open = tabNames().filter(function (k) { return $("tab-" + k).getAttribute("aria-selected") === "true"; })[0];
    if (open && open !== "search" && open !== "log" && C.onTab[open]) { C.onTab[open](); }
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
    C.renderVersion();
    C.fillFilters();
    C.renderResults();
    if (state.item) { C.renderItem(state.item); }
    if (state.logLoaded) { C.loadLog(); }
    C.onLanguage.forEach(function (fn) { fn(); });
    if (state.receipt && C.renderReceipt) { C.renderReceipt(state.receipt); }
    if (state.access) { askForAccess(state.access); }
  }

  // --- tabs ---

  // every tab of #tabs is "tab-<name>" and controls "panel-<name>"; a script may register what opening its tab
  // does (C.onTab[name]): log.js loads the log, analytics.js the charts, versions.js the versions
  function tabNames() {
    return Array.prototype.map.call($("tabs").querySelectorAll("[role=tab]"), function (b) { return b.id.slice(4); });
  }

  function selectTab(name, focus) {
    tabNames().forEach(function (k) {
      var on = k === name, tab = $("tab-" + k);
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      $("panel-" + k).hidden = !on;
    });
    if (focus) { $("tab-" + name).focus(); }
    if (C.onTab[name]) { C.onTab[name](); }
  }

  // a file from the staff API, fetched with the token (a plain link cannot send the header), saved as `filename`
  function download(path, filename, statusEl) {
    var token = storageGet(window.sessionStorage, TOKEN_KEY) || "";
    return fetch(API + path, { headers: { "X-Console-Token": token } }).then(function (res) {
      if (res.status === 401 || res.status === 403) { askForAccess(res.status === 403 ? "closed" : token ? "wrong" : "needed"); }
      if (!res.ok) { throw new Error("HTTP " + res.status); }
      return res.blob();
    }).then(function (blob) {
      var url = URL.createObjectURL(blob);
      var a = el("a");
      a.href = url;
      a.download = filename;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    }).catch(function (e) { if (statusEl) { statusEl.textContent = t("failed", { e: e.message }); } });
  }

  // --- what the other scripts share (search.js, item.js, log.js add their own) ---

  var C = window.QualibotConsole = {
    I18N: I18N, API: API, TOKEN_KEY: TOKEN_KEY, DEBOUNCE_MS: DEBOUNCE_MS, $: $, state: state, t: t, both: both, one: one,
    getJSON: getJSON, askForAccess: askForAccess, loadAll: loadAll, applyLanguage: applyLanguage, selectTab: selectTab,
    download: download, onTab: {}, onLanguage: []
  };

  // --- wiring (after every script of the page has run: they are all deferred, in order) ---

  document.addEventListener("DOMContentLoaded", function () {
    tabNames().forEach(function (k) { $("tab-" + k).addEventListener("click", function () { selectTab(k); }); });
    $("tabs").addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowRight" || ev.key === "ArrowLeft") {
        ev.preventDefault();
        var names = tabNames(), at = names.indexOf(document.activeElement && document.activeElement.id.slice(4));
        if (at < 0) { at = names.indexOf(names.filter(function (k) { return $("tab-" + k).getAttribute("aria-selected") === "true"; })[0]); }
        selectTab(names[(at + (ev.key === "ArrowRight" ? 1 : names.length - 1)) % names.length], true);
      }
    });
    $("token-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      storageSet(window.sessionStorage, TOKEN_KEY, $("token").value);
      $("token").value = "";
      loadAll();
    });

    $("lang-toggle").addEventListener("click", function () {
      state.lang = state.lang === "zh" ? "en" : "zh";
      storageSet(window.localStorage, LANG_KEY, state.lang);
      applyLanguage();
    });

    applyLanguage();
    loadAll();
    var initial = location.hash.slice(1);
    if (/^[A-Za-z]\d{1,4}$/.test(initial)) { C.openItem(initial, true); }  // a link to one item: go to it
    else if (/^receipt=/.test(initial)) { selectTab("why"); C.openReceipt(decodeURIComponent(initial.slice(8))); }
  });
})();
