/* Qualibot staff console: "why this answer" (issue 14). An agent types the receipt code the applicant reads out
 * ("Q7K-3F2") or pastes the applicant's words; the console shows exactly what was said (masked), and why: the intent
 * and its confidence, the policy that chose the action, the matcher's verdict and the words it matched, the person's
 * facts, the rules the reasoner applied and their verdicts; and, beside it, the approved answer (口径) of the same
 * question. API: GET ../api/receipt/<code>, GET ../api/receipts?q=. Needs console.js first; text only. */
(function () {
  "use strict";

  var C = window.QualibotConsole, UI = window.QualibotUI;
  var $ = C.$, t = C.t, el = UI.el, one = C.one, state = C.state, getJSON = C.getJSON;
  var CODE = /^\s*[2-9A-HJKMNP-TV-Z]{3}[\s\-–—_.·]*[2-9A-HJKMNP-TV-Z]{3}\s*$/i;

  var STRINGS = {
    zh: {
      whyLabel: "回执编号（如 Q7K-3F2），或申请人转述的原话", whyFind: "查询", whyListCaption: "找到的答复",
      whyColCode: "回执", whyColQuestion: "申请人的话", whyColAnswer: "答复",
      whyFound: "找到 {n} 条答复（最新在前），点回执查看。", whyNone: "没有找到这个回执或这些话。", whyGone: "没有这个回执（可能已过保存期限）。",
      whyBad: "回执编号是 6 位字母和数字，例如 Q7K-3F2。",
      whySaid: "当时的对话", whyWhy: "为什么这样答", whyApproved: "标准口径（同一问题）",
      whyConversation: "会话 {c} · 第 {n} 轮", whyLang: "语言", whyVersion: "目录版本", whyQuestion: "申请人说",
      whyText: "发送的答复（原文）", whyRows: "涉及证书（编号）", whyClauses: "引用条款", whyIntent: "意图", whyConfidence: "置信度 {p}", whyAction: "动作", whyPolicy: "选择动作的策略",
      whyPolicyUnknown: "（会话记录已不在，无法查看）", whyVerdict: "识别结果", whyMatched: "匹配到的文字", whyFacts: "当事人信息",
      whyRules: "适用规则与结论", whyCited: "答复引用", whyHelped: "是否有帮助", whyNotHelped: "没有帮助（未能回答或 👎）",
      whyHelpedYes: "未见问题", whyNoApproved: "没有对应的标准口径（答复不涉及具体证书）。", whyRow: "证书",
      whySearch: "按申请人的话查到：{s}", colRule: "条款", colOutcome: "结论", colReason: "原因",
      factNationality: "国籍", factAge: "年龄", factHighEnd: "高精尖产业", factYears: "相关工作年限", factEmployer: "北京用人单位",
      yes: "是", no: "否", unknown: "未说明", chinese: "中国籍", foreign: "外籍",
      outcome_applies: "适用", outcome_conditional: "有条件适用", outcome_not_applicable: "不适用", outcome_cannot_tell: "尚不能判断",
      st_listed: "在目录内", st_confirm: "需确认", st_ambiguous: "有多项可能", st_unlisted: "不在目录内", st_none: "未识别到证书"
    },
    en: {
      whyLabel: "A receipt code (e.g. Q7K-3F2), or the applicant's words", whyFind: "Look up", whyListCaption: "Answers found",
      whyColCode: "Receipt", whyColQuestion: "The applicant said", whyColAnswer: "Answer",
      whyFound: "{n} answers found, newest first: open a receipt.", whyNone: "No such receipt, and no answer with these words.",
      whyGone: "No such receipt (it may be past the retention period).", whyBad: "A receipt code is six letters and digits, e.g. Q7K-3F2.",
      whySaid: "What was said", whyWhy: "Why this answer", whyApproved: "Approved answer (same question)",
      whyConversation: "Conversation {c} · turn {n}", whyLang: "Language", whyVersion: "Catalog version", whyQuestion: "The applicant said",
      whyText: "The answer sent (exact text)", whyRows: "Rows (IDs)", whyClauses: "Clauses cited", whyIntent: "Intent", whyConfidence: "confidence {p}", whyAction: "Action",
      whyPolicy: "Policy that chose the action", whyPolicyUnknown: "(the conversation is no longer stored)", whyVerdict: "Matcher verdict",
      whyMatched: "Words matched", whyFacts: "The person's facts", whyRules: "Rules applied and verdicts", whyCited: "cited",
      whyHelped: "Helped?", whyNotHelped: "No (a fallback, or 👎)", whyHelpedYes: "No sign of a problem",
      whyNoApproved: "No approved answer to compare (the answer is about no particular credential).", whyRow: "Credential",
      whySearch: "The applicant's words, searched: {s}", colRule: "Clause", colOutcome: "Verdict", colReason: "Why",
      factNationality: "Nationality", factAge: "Age", factHighEnd: "High-end industry", factYears: "Years of related experience",
      factEmployer: "Beijing employer", yes: "yes", no: "no", unknown: "not said", chinese: "Chinese", foreign: "foreign",
      outcome_applies: "applies", outcome_conditional: "applies with conditions", outcome_not_applicable: "does not apply",
      outcome_cannot_tell: "cannot tell yet",
      st_listed: "listed", st_confirm: "to confirm", st_ambiguous: "several possible", st_unlisted: "not listed", st_none: "no credential found"
    }
  };
  Object.keys(STRINGS).forEach(function (lang) {
    Object.keys(STRINGS[lang]).forEach(function (k) { C.I18N[lang][k] = STRINGS[lang][k]; });
  });

  function field(dl, label, value, lang) {
    if (value === undefined || value === null || value === "") { return; }
    dl.appendChild(el("dt", null, label));
    var dd = el("dd", null, String(value));
    if (lang) { dd.lang = lang === "zh" ? "zh-CN" : "en"; }
    dl.appendChild(dd);
    return dd;
  }

  function yesNo(v) { return v === true ? t("yes") : v === false ? t("no") : t("unknown"); }
  function pct(p) { return typeof p === "number" ? Math.round(p * 1000) / 10 + "%" : "?"; }

  function renderList(data) {
    var table = $("why-list"), tbody = table.querySelector("tbody");
    tbody.textContent = "";
    (data.results || []).forEach(function (r) {
      var tr = el("tr", r.helped ? null : "unhelpful");
      var td = el("td", "code");
      var b = el("button", "link", r.code);
      b.type = "button";
      b.addEventListener("click", function () { openReceipt(r.code); });
      td.appendChild(b);
      tr.appendChild(td);
      tr.appendChild(el("td", "time", r.time));
      tr.appendChild(el("td", "text", r.question));
      tr.appendChild(el("td", "text", r.text));
      tbody.appendChild(tr);
    });
    table.hidden = !(data.results && data.results.length);
  }

  function find(words) {
    var status = $("why-status");
    $("why-view").hidden = true;
    state.receipt = null;
    status.textContent = t("loading");
    if (CODE.test(words)) { return openReceipt(words.trim()); }
    return getJSON("receipts?q=" + encodeURIComponent(words)).then(function (data) {
      renderList(data);
      var s = data.search ? t("st_" + data.search.status) : "";
      status.textContent = (data.total ? t("whyFound", { n: data.total }) : t("whyNone")) +
        (s ? " " + t("whySearch", { s: s }) : "");
    }).catch(function (e) {
      status.textContent = e.status === 401 || e.status === 403 ? "" : t("failed", { e: e.message });
    });
  }

  /* "q7k 3f2", "Q7K3F2" -> "Q7K-3F2": what an agent types from what they hear */
  function canonical(code) {
    var raw = code.replace(/[\s\-–—_.·]+/g, "").toUpperCase();
    return raw.length === 6 ? raw.slice(0, 3) + "-" + raw.slice(3) : code.trim();
  }

  function openReceipt(code) {
    var status = $("why-status");
    status.textContent = t("loading");
    return getJSON("receipt/" + encodeURIComponent(canonical(code))).then(function (r) {
      state.receipt = r;
      status.textContent = "";
      renderReceipt(r);
      var h = $("why-view").querySelector("h2");
      if (h) { h.focus(); }
    }).catch(function (e) {
      status.textContent = e.status === 404 ? t("whyGone") : e.status === 400 ? t("whyBad") :
        e.status === 401 || e.status === 403 ? "" : t("failed", { e: e.message });
      $("why-view").hidden = true;
    });
  }

  function renderReceipt(r) {
    var view = $("why-view");
    view.textContent = "";
    var said = el("section", "why-said");
    var h = el("h2", null, t("whySaid") + " · " + r.code);
    h.tabIndex = -1;
    said.appendChild(h);
    var dl = el("dl", "facts");
    field(dl, t("colTime"), r.time);
    field(dl, t("colConversation"), UI.format(t("whyConversation"), { c: r.conversation, n: r.turn }));
    field(dl, t("whyLang"), r.lang);
    field(dl, t("whyVersion"), r.catalog_version);
    field(dl, t("whyQuestion"), r.question, r.lang);
    field(dl, t("whyRows"), (r.rows || []).join(", ") || t("none"));
    var ids = (r.why && r.why.clause_ids) || [];
    field(dl, t("whyClauses"), (r.clauses || []).join("；") + (ids.length ? " (" + ids.join(", ") + ")" : "") || t("none"));
    said.appendChild(dl);
    said.appendChild(el("h3", null, t("whyText")));
    var text = el("pre", "why-text", r.text);
    if (r.lang) { text.lang = r.lang === "zh" ? "zh-CN" : "en"; }
    said.appendChild(text);
    view.appendChild(said);

    var why = el("section", "why-why");
    why.appendChild(el("h2", null, t("whyWhy")));
    var w = r.why || {}, dl2 = el("dl", "facts");
    var intent = w.intent || {};
    field(dl2, t("whyIntent"), (intent.name || "?") + " · " + UI.format(t("whyConfidence"), { p: pct(intent.confidence) }));
    field(dl2, t("whyAction"), r.action);
    var policy = r.policy;
    field(dl2, t("whyPolicy"), policy ? policy.policy + " · " + UI.format(t("whyConfidence"), { p: pct(policy.confidence) })
      : t("whyPolicyUnknown"));
    var v = w.verdict || {};
    if (v.status || v.resolution) {
      field(dl2, t("whyVerdict"), t("st_" + (v.status || "none")) + (v.evidence ? " · " + v.evidence : "") +
        (v.row ? " · " + v.row : "") + (v.why ? " · " + v.why : ""));
      var spans = (v.spans || []).map(function (s) { return "“" + s.matched + "” → " + s.id; });
      if (v.unlisted) { spans.push("“" + v.unlisted.matched + "” → " + one(v.unlisted.name)); }
      field(dl2, t("whyMatched"), spans.join("；"));
    }
    var f = w.facts || {};
    field(dl2, t("factNationality"), f.nationality && f.nationality !== "unknown" ? t(f.nationality) : t("unknown"));
    field(dl2, t("factAge"), f.age !== null && f.age !== undefined ? f.age : t("unknown"));
    field(dl2, t("factHighEnd"), yesNo(f.high_end));
    field(dl2, t("factYears"), f.experience_years !== null && f.experience_years !== undefined ? f.experience_years : t("unknown"));
    field(dl2, t("factEmployer"), yesNo(f.beijing_employer));
    field(dl2, t("whyHelped"), r.helped ? t("whyHelpedYes") : t("whyNotHelped"));
    why.appendChild(dl2);
    if (w.rules && w.rules.length) {
      why.appendChild(el("h3", null, t("whyRules")));
      var table = el("table", "log-table why-rules"), head = el("tr");
      [t("whyRow"), t("colRule"), t("colOutcome"), t("colReason")].forEach(function (c) {
        var th = el("th", null, c);
        th.scope = "col";
        head.appendChild(th);
      });
      var thead = el("thead");
      thead.appendChild(head);
      table.appendChild(thead);
      var tbody = el("tbody");
      w.rules.forEach(function (rule) {
        var tr = el("tr", rule.cited ? "cited" : null);
        tr.appendChild(el("td", null, rule.row));
        tr.appendChild(el("td", null, one(rule.cite) + (rule.cited ? " · " + t("whyCited") : "")));
        tr.appendChild(el("td", "outcome " + rule.outcome, t("outcome_" + rule.outcome)));
        tr.appendChild(el("td", null, [rule.reason].concat(rule.needs || [], rule.conditions || []).filter(Boolean).join(", ")));
        tbody.appendChild(tr);
      });
      table.appendChild(tbody);
      why.appendChild(table);
    }
    view.appendChild(why);

    var approved = el("section", "why-approved");
    approved.appendChild(el("h2", null, t("whyApproved")));
    var a = r.approved || {};
    if (a.answer) {
      approved.appendChild(el("p", "why-row", a.row + " " + one(a.name) + " · " + one(a.cite)));
      var lang = r.lang === "en" ? "en" : "zh";
      var pre = el("pre", "why-text", a.answer[lang]);
      pre.lang = lang === "zh" ? "zh-CN" : "en";
      approved.appendChild(pre);
    } else if (a.search) {
      approved.appendChild(el("p", null, UI.format(t("whySearch"), { s: t("st_" + a.search.status) })));
      (a.search.results || []).forEach(function (row) {
        approved.appendChild(el("p", "why-row", row.id + " " + one(row.name)));
      });
    } else {
      approved.appendChild(el("p", null, t("whyNoApproved")));
    }
    view.appendChild(approved);
    view.hidden = false;
  }

  $("why-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var words = $("why-q").value.trim();
    if (words) { find(words); }
  });

  C.openReceipt = openReceipt;
  C.renderReceipt = renderReceipt;
})();
