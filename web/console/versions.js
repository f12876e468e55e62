/* Qualibot staff console: catalog versions. Pick the version in service and a new one (loaded with --not-current,
 * or a draft directory under QUALIBOT_CATALOG_DRAFTS) and see what changes — rows added, removed and changed field
 * by field, clauses — and what the change touches: the approved answers (口径) to review and the recent questions of
 * the unanswered log (fallbacks and 👎, masked). The numbers are catalog.versioning's (`python -m catalog diff
 * OLD NEW --impact`), the labels its catalog/data/version_diff.yaml. Needs console.js first. */
(function () {
  "use strict";

  var C = window.QualibotConsole, UI = window.QualibotUI;
  var $ = C.$, t = C.t, el = UI.el, state = C.state, getJSON = C.getJSON;

  var words = {
    zh: { vTitle: "目录版本比较", vOld: "在用版本", vNew: "新版本", vDays: "近期问题", vLast180: "最近 180 天",
          vCompare: "比较", vDraft: "草稿 {n}", vLoaded: "{n}（已载入）", vCurrent: "{n}（在用）",
          vNone: "没有可比较的新版本：用 --not-current 载入，或把草稿目录放在 QUALIBOT_CATALOG_DRAFTS 下。",
          vWorking: "正在比较（新版本的识别器需要几秒钟）…", vRows: "条目", vFields: "字段", vAnswer: "答复",
          vChange: "变化", vRowsCol: "条目", vBecause: "原因", vTime: "时间", vKind: "类型", vText: "内容" },
    en: { vTitle: "Catalog versions compared", vOld: "In service", vNew: "New version", vDays: "Recent questions",
          vLast180: "Last 180 days", vCompare: "Compare", vDraft: "draft {n}", vLoaded: "{n} (loaded)",
          vCurrent: "{n} (in service)",
          vNone: "No new version to compare: load one with --not-current, or put a draft directory under QUALIBOT_CATALOG_DRAFTS.",
          vWorking: "Comparing (the new version's matcher takes a few seconds)…", vRows: "Rows", vFields: "Fields",
          vAnswer: "Answer", vChange: "Change", vRowsCol: "Rows", vBecause: "Because", vTime: "Time", vKind: "Kind",
          vText: "Text" }
  };
  ["zh", "en"].forEach(function (l) { Object.keys(words[l]).forEach(function (k) { C.I18N[l][k] = words[l][k]; }); });

  var v = { versions: null, data: null, seq: 0 };

  function W(path, values) {  // a label of version_diff.yaml in the console's language
    var node = v.data && v.data.wording;
    path.split(".").forEach(function (p) { node = node && node[p]; });
    var s = node && (node[state.lang] || node.zh);
    return s ? (values ? UI.format(s, values) : s) : path;
  }

  function option(value, label) {
    var o = el("option", null, label);
    o.value = value;
    return o;
  }

  function fillVersions() {
    var info = v.versions;
    if (!info) { return; }
    var old = $("v-old"), neu = $("v-new"), keepOld = old.value, keepNew = neu.value;
    old.textContent = ""; neu.textContent = "";
    info.loaded.forEach(function (n) {
      old.appendChild(option(n, n === info.current ? t("vCurrent", { n: n }) : t("vLoaded", { n: n })));
      if (n !== info.current) { neu.appendChild(option(n, t("vLoaded", { n: n }))); }
    });
    info.drafts.forEach(function (n) { neu.appendChild(option(n, t("vDraft", { n: n }))); });
    old.value = keepOld || info.current || (info.loaded[0] || "");
    if (keepNew) { neu.value = keepNew; }
    $("v-status").textContent = neu.options.length ? "" : t("vNone");
  }

  function loadVersions() {
    return getJSON("versions").then(function (info) { v.versions = info; fillVersions(); })
      .catch(function (e) { $("v-status").textContent = e.status === 401 || e.status === 403 ? "" : t("failed", { e: e.message }); });
  }

  function compare() {
    var old = $("v-old").value, neu = $("v-new").value;
    if (!old || !neu) { return; }
    var seq = ++v.seq;
    $("v-status").textContent = t("vWorking");
    $("panel-versions").setAttribute("aria-busy", "true");
    getJSON("diff?old=" + encodeURIComponent(old) + "&new=" + encodeURIComponent(neu) + "&days=" +
            encodeURIComponent($("v-days").value)).then(function (data) {
      if (seq !== v.seq) { return; }
      v.data = data;
      render();
      $("v-status").textContent = "";
    }).catch(function (e) {
      if (seq === v.seq) { $("v-status").textContent = e.status === 401 || e.status === 403 ? "" : t("failed", { e: e.message }); }
    }).then(function () { if (seq === v.seq) { $("panel-versions").setAttribute("aria-busy", "false"); } });
  }

  function value(x) {
    if (x === null || x === undefined || x === "") { return W("empty"); }
    return typeof x === "object" ? JSON.stringify(x) : String(x);
  }

  // a long text: only the part that changed, with some context either side (as the CLI's render.excerpt)
  var CONTEXT = 16, SHORT = 60;
  function excerpt(a, b) {
    var p = 0, s = 0;
    while (p < a.length && p < b.length && a[p] === b[p]) { p++; }
    while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) { s++; }
    var from = Math.max(0, p - CONTEXT);
    function cut(x) {
      var to = Math.min(x.length, x.length - s + CONTEXT);
      return (from > 0 ? "…" : "") + x.slice(from, to) + (to < x.length ? "…" : "");
    }
    return [cut(a), cut(b)];
  }

  function fieldLines(fields) {
    var ul = el("ul", "v-fields");
    fields.forEach(function (f) {
      var label = W("fields." + f.field) !== "fields." + f.field ? W("fields." + f.field) + " (" + f.field + ")" : f.field;
      var text = f.added || f.removed ?
        label + ": " + (f.added || []).map(function (a) { return "+ " + value(a); }).concat(
          (f.removed || []).map(function (r) { return "− " + value(r); })).join("; ") :
        label + ": " + (typeof f.old === "string" && typeof f.new === "string" && (f.old.length > SHORT || f.new.length > SHORT) ?
          excerpt(f.old, f.new).join(" → ") : value(f.old) + " → " + value(f.new));
      var li = el("li", null, text);
      li.setAttribute("data-field", f.field);
      ul.appendChild(li);
    });
    return ul;
  }

  function section(id, title, body) {
    var s = el("section", "v-section");
    s.id = id;
    s.appendChild(el("h3", null, title));
    s.appendChild(body);
    return s;
  }

  function rowName(r) { return (r.new_id || r.id) + " " + (state.lang === "zh" ? r.name_zh : r.name_en || r.name_zh); }

  function simpleTable(cols, rows, keyOf) {
    var tab = el("table", "an-table"), head = el("tr"), tbody = el("tbody"), thead = el("thead");
    cols.forEach(function (c) { var th = el("th", null, c[1]); th.scope = "col"; head.appendChild(th); });
    thead.appendChild(head); tab.appendChild(thead);
    rows.forEach(function (r) {
      var tr = el("tr");
      tr.setAttribute("data-key", keyOf(r));
      cols.forEach(function (c) { var td = el("td", c[3] || null, c[2](r)); td.setAttribute("data-col", c[0]); tr.appendChild(td); });
      tbody.appendChild(tr);
    });
    tab.appendChild(tbody);
    var wrap = el("div", "table-wrap");
    wrap.appendChild(tab);
    return wrap;
  }

  function render() {
    var data = v.data, d = data.diff, imp = data.impact, box = $("v-result");
    box.textContent = "";
    box.appendChild(el("h3", "v-title", W("title", { old: d.old.version, new: d.new.version })));
    box.appendChild(el("p", "v-summary", d.changed ? W("summary", d.summary) : W("no_change")));
    var rows = el("ul", "v-rows");
    d.rows.added.forEach(function (r) { var li = el("li", "added", "+ " + rowName(r)); li.setAttribute("data-row", r.id); rows.appendChild(li); });
    d.rows.removed.forEach(function (r) { var li = el("li", "removed", "− " + rowName(r)); li.setAttribute("data-row", r.id); rows.appendChild(li); });
    d.rows.changed.concat(d.rows.renumbered).forEach(function (r) {
      var li = el("li", "changed", "~ " + (r.old_id !== r.new_id ? r.old_id + " → " : "") + rowName(r));
      li.setAttribute("data-row", r.new_id);
      li.appendChild(fieldLines(r.fields));
      rows.appendChild(li);
    });
    if (rows.childNodes.length) { box.appendChild(section("v-rows", t("vRows"), rows)); }
    var clauses = el("ul", "v-clauses");
    ["added", "removed"].forEach(function (k) {
      d.clauses[k].forEach(function (c) { clauses.appendChild(el("li", k, (k === "added" ? "+ " : "− ") + c.id + " " + (state.lang === "zh" ? c.label_zh : c.label_en))); });
    });
    d.clauses.changed.forEach(function (c) {
      var li = el("li", "changed", "~ " + c.id + " " + (state.lang === "zh" ? c.label_zh : c.label_en));
      li.setAttribute("data-clause", c.id);
      li.appendChild(fieldLines(c.fields));
      clauses.appendChild(li);
    });
    if (clauses.childNodes.length) { box.appendChild(section("v-clauses", W("headings.clauses"), clauses)); }
    box.appendChild(section("v-answers", W("headings.answers"), imp.answers.length ? simpleTable([
      ["answer", t("vAnswer"), function (a) { return W("answers." + a.answer); }],
      ["change", t("vChange"), function (a) { return W("answer_change." + a.change); }],
      ["rows", t("vRowsCol"), function (a) { return a.rows.length ? a.rows.join(", ") : W("answer_general"); }],
      ["because", t("vBecause"), function (a) { return a.because.join("; "); }, "text"]
    ], imp.answers, function (a) { return a.answer + ":" + a.change + ":" + a.rows.join(","); }) : el("p", null, W("no_answers"))));
    box.appendChild(section("v-questions", W("headings.questions", { days: imp.days }), imp.questions.length ? simpleTable([
      ["created_at", t("vTime"), function (q) { return q.created_at.replace("T", " "); }],
      ["kind", t("vKind"), function (q) { return q.kind === "fallback" ? t("kindFallback") : t("kindUnhelpful"); }],
      ["text", t("vText"), function (q) { return q.text; }, "text"],
      ["because", t("vBecause"), function (q) { return q.because.join("; "); }, "text"]
    ], imp.questions, function (q) { return String(q.id); }) : el("p", null, W("no_questions"))));
    if (imp.notes && imp.notes.length) { box.appendChild(section("v-notes", W("headings.notes"), el("p", null, imp.notes.join(" ")))); }
  }

  $("v-form").addEventListener("submit", function (ev) { ev.preventDefault(); compare(); });
  C.onTab.versions = function () { if (!v.versions) { loadVersions(); } };
  C.onLanguage.push(function () { fillVersions(); if (v.data) { render(); } });
})();
