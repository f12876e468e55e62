/* What the chat page and the staff console share, written once: building elements (text only, never HTML),
 * storage that may be unavailable (private mode), filling "{name}" placeholders, and telling Chinese text
 * (the same CJK ranges as catalog/language.py). Loaded before each page's own scripts. */
(function () {
  "use strict";

  var CJK = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;
  var LATIN = /[A-Za-z]/;

  /* An element with a class and a text (through textContent). */
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function storageGet(store, key) { try { return store.getItem(key); } catch (e) { return null; } }
  function storageSet(store, key, value) { try { store.setItem(key, value); } catch (e) { /* private mode */ } }

  /* "{n} items" with {n: 3} -> "3 items"; a placeholder without a value becomes empty. */
  function format(s, values) {
    return s.replace(/\{(\w+)\}/g, function (_, k) { return values[k] !== undefined ? String(values[k]) : ""; });
  }

  function hasCJK(text) { return CJK.test(text); }

  /* "zh" for text with Chinese characters, "en" for text with Latin letters, else null (it doesn't tell). */
  function scriptOf(text) { return CJK.test(text) ? "zh" : (LATIN.test(text) ? "en" : null); }

  window.QualibotUI = { el: el, storageGet: storageGet, storageSet: storageSet, format: format, hasCJK: hasCJK,
                        scriptOf: scriptOf };
})();
