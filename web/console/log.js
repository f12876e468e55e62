/* Qualibot staff console: the log of unanswered questions and 👎, newest first, and its CSV download (fetched
 * with the console token: a plain link cannot send the header). Needs console.js first. */
(function () {
  "use strict";

  var C = window.QualibotConsole, UI = window.QualibotUI;
  var $ = C.$, t = C.t, el = UI.el, both = C.both, one = C.one, state = C.state, getJSON = C.getJSON;

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

  // --- wiring ---

  $("log-refresh").addEventListener("click", loadLog);
  // the CSV is fetched with the token (a plain link cannot send the header): console.js `download`
  $("csv").addEventListener("click", function (ev) {
    ev.preventDefault();
    C.download("unanswered.csv", "unanswered.csv", $("log-status"));
  });

  C.loadLog = loadLog;
  C.onTab.log = loadLog;
})();
