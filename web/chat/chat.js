/* Qualibot web chat: talks to the chat page's own channel on the same origin (bot/channels/webchat.py).
 *
 * - The server issues the session: POST webhooks/webchat/session sets it as an HttpOnly cookie (this
 *   script never sees it) and answers the conversation id. The page asks for it on every load (which
 *   renews it), and for a new one on "New chat". Messages go to webhooks/webchat/webhook with the cookie;
 *   a 401 (session expired or lost) gets a new session and the message is sent once more.
 * - The conversation is kept in localStorage with the conversation id it belongs to, so a reload shows it
 *   and the server (the same session) carries on where it was; a history of another conversation (the
 *   session expired meanwhile) is not shown.
 * - Every text from the user or the bot goes into the page through textContent / text nodes, never
 *   innerHTML.
 * - A bot answer is a message with "text" (its last line the source: "依据：…" / "Source: …") and
 *   optional "buttons", followed by a message with "custom": {kind, lang, source, …}.
 * - Every message carries a random "message_id". A send that got no answer (network error, time-out, 5xx)
 *   is sent once more after a short pause with the same id, a notice showing meanwhile: if the first
 *   try did reach the bot, the server answers from that turn instead of running it twice.
 */
(function () {
  "use strict";

  var WEBHOOK = "../../webhooks/webchat/webhook";
  var SESSION = "../../webhooks/webchat/session";
  var API = "../api/";
  var STORE = "qualibot.chat.v1.";
  var MAX_HISTORY = 200;
  var TIMEOUT_MS = 30000;
  var RETRY_DELAY_MS = 1500;
  var UI = window.QualibotUI;  // ../shared/ui.js
  var el = UI.el;
  var URL_RE = /https?:\/\/[^\s（）()<>"'，。；、]+/g;

  var I18N = {
    zh: {
      htmlLang: "zh-CN",
      docTitle: "境外职业资格咨询 · 北京",
      title: "境外职业资格咨询",
      subtitle: "北京市境外职业资格认可目录（3.0版）",
      skip: "跳到输入框",
      newChat: "新对话",
      newChatConfirm: "清除本页的对话记录并开始新对话？",
      switchTo: "English",
      switchLabel: "Switch to English",
      welcome: "您好！我可以解答《北京市境外职业资格认可目录（3.0版）》的问题：证书是否被认可、可享受哪些便利、如何查验。请直接输入证书名称，例如“CFA”。",
      privacy: "请不要输入身份证号、证书编号等个人信息。",
      logLabel: "对话记录",
      chipsLabel: "常见问题",
      inputLabel: "输入您的问题",
      placeholder: "例如：我有CFA证书，能认可吗？",
      send: "发送",
      human: "转人工",
      humanMessage: "转人工",
      hotline: "咨询电话：",
      you: "您说：",
      bot: "助手说：",
      choose: "请选择",
      helpful: "这个回答有帮助吗？",
      up: "有帮助",
      down: "没有帮助",
      thanks: "谢谢您的反馈！",
      receipt: "回执编号 {code}",
      receiptHint: "联系人工咨询时请提供这个编号，工作人员能据此看到这条回答",
      feedbackFailed: "反馈没有发送成功，请稍后再试。",
      networkError: "抱歉，暂时连不上服务器，请稍后再试。",
      retrying: "连接中断了，正在为您重新发送……",
      empty: "抱歉，我暂时无法回答这个问题。您可以换个说法，或点击“转人工”。",
      source: "依据"
    },
    en: {
      htmlLang: "en",
      docTitle: "Overseas qualifications assistant · Beijing",
      title: "Overseas qualifications assistant",
      subtitle: "Beijing Catalog of Recognized Overseas Professional Qualifications (Version 3.0)",
      skip: "Skip to the message box",
      newChat: "New chat",
      newChatConfirm: "Clear this conversation and start a new one?",
      switchTo: "中文",
      switchLabel: "切换到中文",
      welcome: "Hello! I answer questions about Beijing's Catalog of Recognized Overseas Professional Qualifications (Version 3.0): whether a certificate is recognized, which benefits it brings, and how it is verified. Just type the certificate's name, e.g. \"CFA\".",
      privacy: "Please don't type personal data such as ID or certificate numbers.",
      logLabel: "Conversation",
      chipsLabel: "Common questions",
      inputLabel: "Type your question",
      placeholder: "e.g. Is the CFA recognized?",
      send: "Send",
      human: "Talk to a person",
      humanMessage: "talk to a person",
      hotline: "Hotline: ",
      you: "You said:",
      bot: "Assistant said:",
      choose: "Please choose",
      helpful: "Was this helpful?",
      up: "Helpful",
      down: "Not helpful",
      thanks: "Thank you for your feedback!",
      receipt: "Receipt {code}",
      receiptHint: "Give this code when you contact a person: it shows them this answer",
      feedbackFailed: "The feedback could not be sent. Please try again later.",
      networkError: "Sorry, the server can't be reached right now. Please try again in a moment.",
      retrying: "The connection was interrupted. Sending your message again…",
      empty: "Sorry, I have no answer to that. Try other words, or choose \"Talk to a person\".",
      source: "Source"
    }
  };

  var CHIPS = {
    zh: ["我的证书被认可吗？", "外籍人员有哪些便利？", "证书如何查验？", "目录共有多少项？"],
    en: ["Is my certificate recognized?", "What benefits do foreign nationals get?",
         "How is a certificate verified?", "How many qualifications are in the catalog?"]
  };

  // --- storage (localStorage may be unavailable: then the conversation lives in memory only) ---

  var memory = {};
  function load(key, fallback) {
    var raw = null;
    try { raw = window.localStorage.getItem(STORE + key); } catch (e) { raw = memory[key] || null; }
    if (raw === null || raw === undefined) { return fallback; }
    try { return JSON.parse(raw); } catch (e) { return fallback; }
  }
  function save(key, value) {
    var raw = JSON.stringify(value);
    try { window.localStorage.setItem(STORE + key, raw); } catch (e) { memory[key] = raw; }
  }

  function newId() {
    if (window.crypto && window.crypto.randomUUID) { return "web-" + window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return "web-" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  var state = {
    conversation: load("conversation", null),  // the server's conversation id ("web:…"), not a secret
    lang: load("lang", null),
    history: load("history", []),
    queue: Promise.resolve(),
    pending: 0
  };
  if (!Array.isArray(state.history)) { state.history = []; }
  if (state.lang !== "zh" && state.lang !== "en") {
    var nav = (navigator.language || "zh").toLowerCase();
    state.lang = nav.indexOf("zh") === 0 ? "zh" : (nav.indexOf("en") === 0 ? "en" : "zh");
  }

  /* Saves the last MAX_HISTORY messages (not the notices); the page keeps its indices meanwhile. */
  function persist() {
    save("history", state.history.filter(function (e) { return e.role === "user" || e.role === "bot"; })
      .slice(-MAX_HISTORY));
  }

  // --- elements ---

  var $ = function (id) { return document.getElementById(id); };
  var log = $("log"), form = $("form"), input = $("msg"), chips = $("chips"), typing = $("typing");
  var conversation = $("conversation");

  function t(key) { return I18N[state.lang][key]; }
  function langAttr(lang) { return lang === "en" ? "en" : "zh-CN"; }

  /* Text with its http(s) addresses as links; everything through text nodes. */
  function appendText(parent, text) {
    var last = 0, m;
    URL_RE.lastIndex = 0;
    while ((m = URL_RE.exec(text)) !== null) {
      if (m.index > last) { parent.appendChild(document.createTextNode(text.slice(last, m.index))); }
      var a = el("a", null, m[0]);
      a.href = m[0];
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      parent.appendChild(a);
      last = m.index + m[0].length;
    }
    if (last < text.length) { parent.appendChild(document.createTextNode(text.slice(last))); }
  }

  // --- UI language ---

  function applyLanguage() {
    var lang = state.lang;
    document.documentElement.lang = t("htmlLang");
    document.title = t("docTitle");
    var nodes = document.querySelectorAll("[data-i18n]");
    for (var i = 0; i < nodes.length; i++) {
      nodes[i].textContent = t(nodes[i].getAttribute("data-i18n"));
    }
    input.placeholder = t("placeholder");
    log.setAttribute("aria-label", t("logLabel"));
    chips.setAttribute("aria-label", t("chipsLabel"));
    var toggle = $("lang-toggle");
    toggle.textContent = t("switchTo");
    toggle.setAttribute("aria-label", t("switchLabel"));
    toggle.lang = lang === "zh" ? "en" : "zh-CN";
    renderChips();
    renderHotline();
    renderPrivacy();
    // the feedback prompts of earlier answers follow the UI language too
    var prompts = log.querySelectorAll(".feedback");
    for (var j = 0; j < prompts.length; j++) { fillFeedback(prompts[j]); }
  }

  function setLanguage(lang) {
    if (lang !== state.lang && I18N[lang]) {
      state.lang = lang;
      save("lang", lang);
      applyLanguage();
    }
  }

  function followLanguageOf(text) {
    var lang = UI.scriptOf(text);
    if (lang) { setLanguage(lang); }
  }

  function renderChips() {
    chips.textContent = "";
    CHIPS[state.lang].forEach(function (q) {
      var b = el("button", "chip", q);
      b.type = "button";
      b.lang = langAttr(state.lang);
      b.addEventListener("click", function () { send(q, q); });
      chips.appendChild(b);
    });
  }

  var config = { hotline: "", hours: "", privacy: null };
  /* What is kept and for how long, as the server's configuration says (GET config: privacy.zh/en);
   * until it answers (or if it cannot), the page's own line without a duration. */
  function renderPrivacy() {
    var line = config.privacy && typeof config.privacy[state.lang] === "string" ? config.privacy[state.lang] : t("privacy");
    $("privacy").textContent = line;
  }
  function renderHotline() {
    var span = $("hotline");
    span.textContent = "";
    if (config.hotline) {
      span.appendChild(document.createTextNode(t("hotline")));
      var a = el("a", null, config.hotline);
      a.href = "tel:" + config.hotline.replace(/[^0-9+]/g, "");
      span.appendChild(a);
      if (config.hours) { span.appendChild(document.createTextNode(state.lang === "zh" ? "（" + config.hours + "）" : " (" + config.hours + ")")); }
    }
  }

  // --- messages ---

  function scrollToEnd() {
    conversation.scrollTop = conversation.scrollHeight;
  }

  function renderEntry(entry, index) {
    var li = el("li", "msg " + (entry.role === "user" ? "user" : entry.role === "bot" ? "bot" : "notice"));
    li.lang = langAttr(entry.lang || state.lang);
    var bubble = el("div", "bubble");
    li.appendChild(bubble);
    if (entry.role === "user") {
      bubble.appendChild(el("span", "sr-only", I18N[entry.lang || state.lang].you + " "));
      bubble.appendChild(el("p", "text", entry.text));
    } else if (entry.role === "bot") {
      bubble.appendChild(el("span", "sr-only", I18N[entry.lang || state.lang].bot + " "));
      var p = el("p", "text");
      appendText(p, entry.text || "");
      bubble.appendChild(p);
      if (entry.source) {
        var src = el("p", "source");
        appendText(src, entry.source);
        bubble.appendChild(src);
      }
      if (entry.buttons && entry.buttons.length) {
        var group = el("div", "choices");
        group.setAttribute("role", "group");
        group.setAttribute("aria-label", I18N[entry.lang || state.lang].choose);
        entry.buttons.forEach(function (btn) {
          var b = el("button", "choice", btn.title);
          b.type = "button";
          b.addEventListener("click", function () { send(btn.payload, btn.title); });
          group.appendChild(b);
        });
        bubble.appendChild(group);
      }
      if (entry.receipt && entry.receiptShown) {  // the turn's receipt code (actions/receipt.py), small, last answer only
        var rc = el("p", "receipt", UI.format(I18N[entry.lang || state.lang].receipt, { code: entry.receipt }));
        rc.title = I18N[entry.lang || state.lang].receiptHint;
        bubble.appendChild(rc);
      }
      if (entry.text) {
        var fb = el("div", "feedback");
        fb.setAttribute("data-index", String(index));
        bubble.appendChild(fb);
        fillFeedback(fb);
      }
    } else {
      bubble.appendChild(el("p", "text", I18N[entry.lang || state.lang][entry.key] || entry.text || ""));
    }
    return li;
  }

  /* The 👍/👎 row of an answer, or the thanks once given. */
  function fillFeedback(fb) {
    var index = Number(fb.getAttribute("data-index"));
    var entry = state.history[index];
    if (!entry) { return; }
    var strings = I18N[state.lang];
    fb.textContent = "";
    if (entry.feedback === "up" || entry.feedback === "down") {
      var thanks = el("span", "thanks", strings.thanks);
      thanks.tabIndex = -1;
      fb.appendChild(thanks);
      return;
    }
    fb.appendChild(el("span", "prompt", strings.helpful));
    [["up", "👍", true], ["down", "👎", false]].forEach(function (spec) {
      var b = el("button", "vote vote-" + spec[0]);
      b.type = "button";
      b.setAttribute("aria-label", strings[spec[0]]);
      b.title = strings[spec[0]];
      b.appendChild(el("span", null, spec[1])).setAttribute("aria-hidden", "true");
      b.addEventListener("click", function () { vote(fb, index, spec[2]); });
      fb.appendChild(b);
    });
    if (entry.feedbackError) { fb.appendChild(el("span", "error", strings.feedbackFailed)); }
  }

  function vote(fb, index, helpful) {
    var entry = state.history[index];
    if (!entry || entry.feedback) { return; }
    var hadFocus = fb.contains(document.activeElement);
    var buttons = fb.querySelectorAll("button");
    for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = true; }
    var answerText = entry.text + (entry.source ? "\n" + entry.source : "");
    fetch(API + "feedback", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: state.conversation || "web", helpful: helpful, answer_text: answerText,
                             answer_kind: entry.kind || null, lang: entry.lang || state.lang,
                             receipt: entry.receipt || null })
    }).then(function (res) {
      if (!res.ok) { throw new Error("HTTP " + res.status); }
      entry.feedback = helpful ? "up" : "down";
      delete entry.feedbackError;
      return res.json().catch(function () { return {}; });
    }).then(function (body) {
      // a second answer in a row that did not help: the server offers a person, with the receipt code
      var h = body && body.handoff;
      if (h && typeof h.text === "string") {
        append({ role: "bot", text: h.text, source: "", kind: "human", lang: h.lang === "en" ? "en" : "zh",
                 feedback: null, buttons: [], receipt: typeof h.receipt === "string" ? h.receipt : null,
                 receiptShown: true });
      }
    }).catch(function () {
      entry.feedbackError = true;
    }).then(function () {
      persist();
      fillFeedback(fb);
      if (hadFocus) {  // keep the keyboard user's place: on the thanks, or on the buttons to try again
        var target = fb.querySelector("button") || fb.querySelector(".thanks");
        if (target) { target.focus(); }
      }
    });
  }

  function append(entry) {
    state.history.push(entry);
    persist();
    log.appendChild(renderEntry(entry, state.history.length - 1));
    scrollToEnd();
  }

  function renderAll() {
    log.textContent = "";
    state.history.forEach(function (entry, i) { log.appendChild(renderEntry(entry, i)); });
    scrollToEnd();
  }

  /* Rasa's messages -> answers: a text (with buttons) and the "custom" that follows it. */
  function toEntries(messages) {
    var entries = [];
    var last = null;
    (messages || []).forEach(function (m) {
      if (!m || typeof m !== "object") { return; }
      if (typeof m.text === "string" || Array.isArray(m.buttons)) {
        last = { role: "bot", text: m.text || "", source: "", kind: null, lang: null, feedback: null,
                 buttons: (m.buttons || []).filter(function (b) { return b && typeof b.title === "string"; })
                   .map(function (b) { return { title: b.title, payload: String(b.payload || b.title) }; }) };
        entries.push(last);
      } else if (m.custom && typeof m.custom === "object" && last) {
        var c = m.custom;
        if (typeof c.kind === "string") { last.kind = c.kind; }
        if (c.lang === "zh" || c.lang === "en") { last.lang = c.lang; }
        if (typeof c.source === "string" && c.source) { last.source = c.source; }
        if (typeof c.receipt === "string" && /^[A-Z0-9]{3}-[A-Z0-9]{3}$/.test(c.receipt)) { last.receipt = c.receipt; }
      }
    });
    // one turn, one receipt: shown under its last answer (every answer keeps it, for 👍/👎)
    for (var r = entries.length - 1; r >= 0; r--) {
      if (entries[r].receipt) { entries[r].receiptShown = true; break; }
    }
    /* The source line is custom.source (actions/reply.py sends it with every answer that has one); the
       text ends with it, so that channels without "custom" (WeChat, REST) show it: cut it off here. A
       message without custom.source (domain.yml's responses, the channels' own texts, the action server's
       "unavailable") has no source line, so nothing is looked for in its text. */
    entries.forEach(function (e) {
      if (e.source) {
        var idx = e.text.lastIndexOf(e.source);
        if (idx >= 0 && idx + e.source.length === e.text.length) { e.text = e.text.slice(0, idx).replace(/\s+$/, ""); }
      }
      if (!e.lang) { e.lang = UI.hasCJK(e.text) ? "zh" : "en"; }
    });
    return entries;
  }

  // --- the session (set by the server as an HttpOnly cookie) ---

  /* Ask the server for the session: the current one renewed, or a new one (`fresh`). Resolves with the
     conversation id. On a page load a stored history of another conversation is cleared (the server no
     longer has its context); a session renewed mid-conversation (after a 401) keeps what is shown. */
  function requestSession(fresh, keepShown) {
    return fetch(SESSION, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(fresh ? { "new": true } : {})
    }).then(function (res) {
      if (!res.ok) { throw new Error("HTTP " + res.status); }
      return res.json();
    }).then(function (body) {
      var id = body && typeof body.conversation_id === "string" ? body.conversation_id : null;
      if (id !== state.conversation) {
        if (!keepShown && state.conversation !== null && state.history.length) { state.history = []; renderAll(); }
        state.conversation = id;
        save("conversation", id);
        persist();
      }
      return id;
    });
  }

  var sessionReady = null;
  function ensureSession(fresh, keepShown) {
    if (fresh || !sessionReady) {
      sessionReady = requestSession(fresh, keepShown);
      sessionReady.catch(function () { sessionReady = null; });  // asked again with the next message
    }
    return sessionReady;
  }

  function post(message, messageId) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;
    return fetch(WEBHOOK, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ message: message, message_id: messageId }),
      signal: controller ? controller.signal : undefined
    }).then(function (res) {
      if (res.ok) { return res.json(); }
      if (res.status === 401) {  // no valid session (expired, cookie lost): a new one, then once more
        var expired = new Error("HTTP 401");
        expired.session = true;
        throw expired;
      }
      return refusal(res);
    }, function (err) {
      err.retry = true;  // no answer at all (network, time-out): the message may or may not have arrived
      throw err;
    }).finally(function () { if (timer) { clearTimeout(timer); } });
  }

  /* `post` with one more try, after RETRY_DELAY_MS and with the same message id, when the first got no
     answer or a 5xx (e.g. the front's 502 while a server restarts). A notice says so meanwhile; it is not
     part of the conversation (not in the history) and goes once the second try has ended. */
  function postWithRetry(message) {
    var messageId = newId();  // "web-" + a UUID: fits the server's message_id form
    return ensureSession(false).then(function () {
      return post(message, messageId);
    }).catch(function (err) {
      if (err.session) {
        return ensureSession(true, true).then(function () { return post(message, messageId); });
      }
      if (!err.retry) { throw err; }
      var notice = renderEntry({ role: "notice", key: "retrying", lang: state.lang }, -1);
      notice.classList.add("retrying");
      log.appendChild(notice);
      scrollToEnd();
      return new Promise(function (resolve) { setTimeout(resolve, RETRY_DELAY_MS); }).then(function () {
        return post(message, messageId);
      }).finally(function () { if (notice.parentNode) { notice.parentNode.removeChild(notice); } });
    });
  }

  /* A 4xx the server words for the user (413 too long, 429 too many messages) comes as a list of bot
     messages: show them like any answer. Anything else is an error (the "can't reach the server" notice). */
  function refusal(res) {
    var failed = new Error("HTTP " + res.status);
    failed.retry = res.status >= 500;  // a refusal (4xx) would be refused again
    if (res.status < 400 || res.status >= 500) { return Promise.reject(failed); }
    return res.json().then(function (body) {
      var worded = Array.isArray(body) && body.some(function (m) { return m && typeof m.text === "string"; });
      if (!worded) { throw failed; }
      return body;
    }, function () { throw failed; });
  }

  function setBusy(delta) {
    state.pending += delta;
    typing.hidden = state.pending === 0;
    log.setAttribute("aria-busy", state.pending ? "true" : "false");
    if (state.pending) { scrollToEnd(); }
  }

  /* Send `message` to the bot, showing `shown` as the user's bubble (a button's title for its payload). */
  function send(message, shown) {
    message = (message || "").trim();
    shown = (shown || message).trim();
    if (!message) { return; }
    if (message.charAt(0) !== "/") { followLanguageOf(shown); }
    append({ role: "user", text: shown, lang: UI.scriptOf(shown) || state.lang });
    setBusy(1);
    // one at a time, in order: the tracker sees the messages as they were sent
    state.queue = state.queue.then(function () {
      return postWithRetry(message).then(function (messages) {
        var entries = toEntries(messages);
        if (!entries.length) { append({ role: "notice", key: "empty", lang: state.lang }); }
        entries.forEach(append);
      }).catch(function () {
        append({ role: "notice", key: "networkError", lang: state.lang });
      }).then(function () { setBusy(-1); });
    });
  }

  // --- wiring ---

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value;
    if (!text.trim()) { input.focus(); return; }
    input.value = "";
    send(text, text);
    input.focus();
  });

  $("lang-toggle").addEventListener("click", function () { setLanguage(state.lang === "zh" ? "en" : "zh"); });

  $("human").addEventListener("click", function () { var m = t("humanMessage"); send(m, m); });

  $("new-chat").addEventListener("click", function () {
    if (state.history.length && !window.confirm(t("newChatConfirm"))) { return; }
    state.history = [];
    persist();
    renderAll();
    // a new session, so a new conversation on the server too (after any message still on its way)
    state.queue = state.queue.then(function () { return ensureSession(true, true); }).catch(function () {});
    input.focus();
  });

  fetch(API + "config").then(function (res) { return res.ok ? res.json() : {}; }).then(function (c) {
    config.hotline = typeof c.hotline === "string" ? c.hotline : "";
    config.hours = typeof c.hours === "string" ? c.hours : "";
    config.privacy = c.privacy && typeof c.privacy === "object" ? c.privacy : null;
    renderHotline();
    renderPrivacy();
  }).catch(function () { /* no hotline shown */ });

  // notices (network errors) are not kept across reloads
  state.history = state.history.filter(function (e) { return e && (e.role === "user" || e.role === "bot"); });
  applyLanguage();
  renderAll();
  ensureSession(false).catch(function () { /* asked again with the first message */ });
})();
