/* Qualibot staff console: the analytics tab. Questions per day by channel and by language, answered vs not
 * answered vs 👎, top intents, top credentials, the demand radar (credentials asked about that the catalog does
 * not list, with the phrasings used) and the top unanswered messages, over a chosen period, each with its CSV.
 * The charts are SVG drawn by the server (bot/analytics/charts.py, from bot/analytics's report); each is put into
 * the page with DOMParser + importNode (no innerHTML) and has a table of the same numbers under it.
 * Needs console.js first. */
(function () {
  "use strict";

  var C = window.QualibotConsole, UI = window.QualibotUI;
  var $ = C.$, t = C.t, el = UI.el, state = C.state, getJSON = C.getJSON;
  var CHARTS = ["by_channel", "by_lang", "outcomes", "top_intents", "top_credentials", "demand_radar", "top_unanswered"];
  var CHANNELS = ["web", "wechat", "rest", "other"], LANGS = ["zh", "en", "unknown"];

  var words = {
    zh: {
      tabAnalytics: "统计", tabVersions: "目录版本", anTitle: "咨询统计", anRange: "时段", anLast7: "最近 7 天",
      anLast30: "最近 30 天", anLast90: "最近 90 天", anLast365: "最近一年", anCustom: "自定义", anStart: "开始",
      anEnd: "结束", anChannel: "渠道", anApply: "查看", chWeb: "网页", chWechat: "微信", chRest: "接口（REST）",
      chOther: "其他", langZh: "中文", langEn: "英文", langUnknown: "未知",
      anSummary: "{start} 至 {end}：共 {q} 个问题，已回答 {a}（{ap}），未能回答 {f}（{fp}），👎 {u}，👍 {h}。",
      anNoTracker: "统计需要对话数据库（QUALIBOT_TRACKER_DB_URL 或 PostgreSQL）：{e}",
      anBehind: "仍在统计较早的对话，刷新后数字会增加。", anCsv: "下载 CSV", anData: "数据表",
      colDay: "日期", colTotal: "合计", colQuestions: "问题数", colAnswered: "已回答", colFallback: "未能回答",
      colUnhelpful: "👎", colHelpful: "👍", colIntent: "意图", colCredential: "证书", colKnown: "已知（unlisted.yaml）",
      colNearest: "最接近的目录内条目", colExamples: "用户说法（已脱敏）", colMessage: "消息（已脱敏）", colLastDay: "最近一次",
      yes: "是", no: "否", anEmpty: "所选时段没有数据。", anBadPeriod: "请选择开始和结束日期。"
    },
    en: {
      tabAnalytics: "Analytics", tabVersions: "Catalog versions", anTitle: "Analytics", anRange: "Period",
      anLast7: "Last 7 days", anLast30: "Last 30 days", anLast90: "Last 90 days", anLast365: "Last year",
      anCustom: "Custom", anStart: "From", anEnd: "To", anChannel: "Channel", anApply: "Show", chWeb: "Web page",
      chWechat: "WeChat", chRest: "REST", chOther: "Other", langZh: "Chinese", langEn: "English", langUnknown: "Unknown",
      anSummary: "{start} to {end}: {q} questions, {a} answered ({ap}), {f} not answered ({fp}), 👎 {u}, 👍 {h}.",
      anNoTracker: "Analytics need the conversation database (QUALIBOT_TRACKER_DB_URL or PostgreSQL): {e}",
      anBehind: "Older conversations are still being counted: the figures grow on refresh.", anCsv: "Download CSV",
      anData: "Data", colDay: "Day", colTotal: "Total", colQuestions: "Questions", colAnswered: "Answered",
      colFallback: "Not answered", colUnhelpful: "👎", colHelpful: "👍", colIntent: "Intent", colCredential: "Credential",
      colKnown: "Known (unlisted.yaml)", colNearest: "Nearest listed rows", colExamples: "Phrasings (masked)",
      colMessage: "Message (masked)", colLastDay: "Last seen", yes: "yes", no: "no",
      anEmpty: "No data in this period.", anBadPeriod: "Choose a start and an end date."
    }
  };
  ["zh", "en"].forEach(function (l) { Object.keys(words[l]).forEach(function (k) { C.I18N[l][k] = words[l][k]; }); });

  var an = { loaded: false, data: null, seq: 0 };

  function query() {
    var range = $("an-range").value, q = [];
    if (range === "custom") {
      if (!$("an-start").value || !$("an-end").value) { return null; }
      q.push("start=" + encodeURIComponent($("an-start").value), "end=" + encodeURIComponent($("an-end").value));
    } else {
      q.push("days=" + encodeURIComponent(range));
    }
    if ($("an-channel").value) { q.push("channel=" + encodeURIComponent($("an-channel").value)); }
    return q.join("&");
  }

  function showDates() {
    var custom = $("an-range").value === "custom";
    Array.prototype.forEach.call(document.querySelectorAll(".an-date"), function (n) { n.hidden = !custom; });
  }

  function load() {
    an.loaded = true;
    var q = query(), status = $("an-status");
    if (q === null) { status.textContent = t("anBadPeriod"); return; }
    var seq = ++an.seq;
    status.textContent = t("loading");
    $("panel-analytics").setAttribute("aria-busy", "true");
    getJSON("analytics?" + q + "&lang=" + state.lang).then(function (data) {
      if (seq !== an.seq) { return; }  // a newer request is on its way
      an.data = data;
      an.query = q;
      render(data);
      status.textContent = data.refreshed && data.refreshed.behind ? t("anBehind") : "";
    }).catch(function (e) {
      if (seq !== an.seq) { return; }
      $("an-charts").textContent = "";
      $("an-summary").textContent = "";
      status.textContent = e.status === 503 ? t("anNoTracker", { e: e.message }) :
        e.status === 401 || e.status === 403 ? "" : t("failed", { e: e.message });
    }).then(function () { if (seq === an.seq) { $("panel-analytics").setAttribute("aria-busy", "false"); } });
  }

  function pct(n, d) { return d ? Math.round(1000 * n / d) / 10 + "%" : "—"; }

  function seriesName(key) {
    var k = { web: "chWeb", wechat: "chWechat", rest: "chRest", other: "chOther", zh: "langZh", en: "langEn",
              unknown: "langUnknown" }[key];
    return k ? t(k) : key;
  }

  function svgNode(text) {
    var doc = new DOMParser().parseFromString(text, "image/svg+xml");
    if (doc.getElementsByTagName("parsererror").length) { return el("p", "status", "SVG?"); }
    return document.importNode(doc.documentElement, true);
  }

  function table(cols, rows, keyOf) {
    var tab = el("table", "an-table"), head = el("tr");
    cols.forEach(function (c) { var th = el("th", null, c[1]); th.scope = "col"; head.appendChild(th); });
    var thead = el("thead"); thead.appendChild(head); tab.appendChild(thead);
    var tbody = el("tbody");
    rows.forEach(function (r) {
      var tr = el("tr");
      tr.setAttribute("data-key", keyOf(r));
      cols.forEach(function (c) {
        var v = typeof c[2] === "function" ? c[2](r) : r[c[0]];
        var td = el("td", c[3] || null, v === undefined || v === null ? "" : String(v));
        td.setAttribute("data-col", c[0]);
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    tab.appendChild(tbody);
    return tab;
  }

  function pivot(rows, field, keys) {
    var by = {}, order = [];
    rows.forEach(function (r) {
      if (!by[r.day]) { by[r.day] = { day: r.day, total: 0 }; order.push(r.day); }
      by[r.day][r[field]] = (by[r.day][r[field]] || 0) + r.questions;
      by[r.day].total += r.questions;
    });
    return order.sort().map(function (d) {
      keys.forEach(function (k) { by[d][k] = by[d][k] || 0; });
      return by[d];
    });
  }

  function dataTable(name, v) {
    var day = ["day", t("colDay")];
    if (name === "by_channel" || name === "by_lang") {
      var keys = name === "by_channel" ? CHANNELS : LANGS, field = name === "by_channel" ? "channel" : "lang";
      return table([day].concat(keys.map(function (k) { return [k, seriesName(k), null, "num"]; }),
                                [["total", t("colTotal"), null, "num"]]),
                   pivot(v.questions_per_day, field, keys), function (r) { return r.day; });
    }
    if (name === "outcomes") {
      return table([day, ["questions", t("colQuestions"), null, "num"], ["answered", t("colAnswered"), null, "num"],
                    ["fallback", t("colFallback"), null, "num"], ["unhelpful", t("colUnhelpful"), null, "num"],
                    ["helpful", t("colHelpful"), null, "num"]], v.outcomes_per_day, function (r) { return r.day; });
    }
    if (name === "top_intents") {
      return table([["key", t("colIntent")], ["questions", t("colQuestions"), null, "num"]], v.top_intents,
                   function (r) { return r.key; });
    }
    if (name === "top_credentials") {
      return table([["key", t("colId")], ["name", t("colCredential"), function (r) { return state.lang === "zh" ? r.name_zh : r.name_en; }],
                    ["questions", t("colQuestions"), null, "num"]], v.top_credentials, function (r) { return r.key; });
    }
    if (name === "demand_radar") {
      return table([["name", t("colCredential"), function (r) { return (state.lang === "zh" && r.name_zh) ? r.name_zh + " / " + r.name_en : r.name_en || r.name; }],
                    ["questions", t("colQuestions"), null, "num"],
                    ["known", t("colKnown"), function (r) { return r.known ? t("yes") : t("no"); }],
                    ["nearest", t("colNearest"), function (r) { return (r.nearest || []).join(", "); }],
                    ["examples", t("colExamples"), function (r) {
                      return (r.examples || []).map(function (e) { return e.text + " (" + e.questions + ")"; }).join("；");
                    }, "text"]], v.demand_radar, function (r) { return r.key; });
    }
    return table([["text", t("colMessage"), null, "text"], ["questions", t("colQuestions"), null, "num"],
                  ["last_day", t("colLastDay")]], v.top_unanswered, function (r) { return r.text; });
  }

  function render(data) {
    var s = data.summary;
    $("an-summary").textContent = t("anSummary", { start: data.period.start, end: data.period.end, q: s.questions,
      a: s.answered, ap: pct(s.answered, s.questions), f: s.fallback, fp: pct(s.fallback, s.questions),
      u: s.unhelpful, h: s.helpful });
    var box = $("an-charts");
    box.textContent = "";
    CHARTS.forEach(function (name) {
      var card = el("section", "an-card");
      card.id = "an-" + name;
      card.setAttribute("aria-labelledby", "an-" + name + "-title");
      var head = el("div", "an-card-head");
      var h = el("h3", null, data.titles[name]);
      h.id = "an-" + name + "-title";
      head.appendChild(h);
      var csv = el("button", "secondary an-csv", t("anCsv"));
      csv.type = "button";
      csv.setAttribute("data-chart", name);
      csv.addEventListener("click", function () {
        C.download("analytics.csv?chart=" + name + "&" + an.query,
                   name + "_" + data.period.start + "_" + data.period.end + ".csv", $("an-status"));
      });
      head.appendChild(csv);
      card.appendChild(head);
      var figure = el("div", "an-svg");
      figure.appendChild(svgNode(data.charts[name]));
      card.appendChild(figure);
      var details = el("details", "an-details");
      details.appendChild(el("summary", null, t("anData")));
      var wrap = el("div", "table-wrap");
      wrap.appendChild(dataTable(name, data.views));
      details.appendChild(wrap);
      card.appendChild(details);
      box.appendChild(card);
    });
  }

  // --- wiring ---

  $("an-range").addEventListener("change", function () {
    showDates();
    if ($("an-range").value !== "custom") { load(); }
  });
  $("an-channel").addEventListener("change", load);
  $("an-form").addEventListener("submit", function (ev) { ev.preventDefault(); load(); });
  showDates();

  C.onTab.analytics = function () { if (!an.loaded) { load(); } };
  C.onLanguage.push(function () { if (an.loaded) { load(); } });  // the charts' words are the server's
  C.loadAnalytics = load;
})();
