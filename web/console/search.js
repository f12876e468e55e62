/* Qualibot staff console: the filters (list, field, country), search as you type (the matcher's verdict, or the
 * rows the filters name) and the results table. Needs console.js first. */
(function () {
  "use strict";

  var C = window.QualibotConsole, UI = window.QualibotUI;
  var $ = C.$, t = C.t, el = UI.el, both = C.both, one = C.one, state = C.state, getJSON = C.getJSON;
  var I18N = C.I18N, DEBOUNCE_MS = C.DEBOUNCE_MS;

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
      b.addEventListener("click", function () { C.openItem(row.id, true); });
      name.appendChild(b);
      tr.appendChild(name);
      tr.appendChild(el("td", "where", one(row.where) + (row.issuer ? " · " + one(row.issuer) : "")));
      tr.appendChild(el("td", "list", t(row.list)));
      tbody.appendChild(tr);
    });
  }

  // --- wiring ---

  $("q").addEventListener("input", schedule);
  $("search-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    run();
    var first = $("results").querySelector("button.open");
    if (first) { C.openItem(first.getAttribute("data-id"), true); }
  });
  ["f-list", "f-field", "f-country"].forEach(function (id) { $(id).addEventListener("change", run); });
  $("f-clear").addEventListener("click", function () {
    $("f-list").value = ""; $("f-field").value = ""; $("f-country").value = "";
    $("q").value = "";
    run();
    $("q").focus();
  });

  C.fillFilters = fillFilters;
  C.renderVersion = renderVersion;
  C.renderResults = renderResults;
  C.run = run;
  C.schedule = schedule;
})();
