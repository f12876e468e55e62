/* Qualibot staff console: one row (`#R007` opens it): every fact, the approved answers (口径) with Copy
 * buttons, and the clauses that apply, in full. Needs console.js first. */
(function () {
  "use strict";

  var C = window.QualibotConsole, UI = window.QualibotUI;
  var $ = C.$, t = C.t, el = UI.el, both = C.both, one = C.one, state = C.state, getJSON = C.getJSON;
  var I18N = C.I18N;

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
      C.renderResults();
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
      C.renderResults();
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

  // --- wiring ---

  window.addEventListener("hashchange", function () {
    var id = location.hash.slice(1);
    if (/^[A-Za-z]\d{1,4}$/.test(id) && id !== state.itemId) { openItem(id, true); }
  });

  C.openItem = openItem;
  C.renderItem = renderItem;
})();
