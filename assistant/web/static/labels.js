/* Gradio's hard-coded English labels, titles, alt texts and toast titles, renamed in Chinese as they
 * appear (the names come from assistant/web/i18n.py HARD_CODED). */
(function () {
  "use strict";
  var NAMES = __NAMES__;
  var PREFIXES = __PREFIXES__;

  function renamed(v) {
    if (Object.prototype.hasOwnProperty.call(NAMES, v)) return NAMES[v];
    for (var p in PREFIXES) {
      if (v.indexOf(p) === 0) {
        // DOMParser runs no script and loads no image: only the text is kept
        var text = new DOMParser().parseFromString(v.slice(p.length), "text/html").body.textContent || "";
        return PREFIXES[p] + text.replace(/\s+/g, " ").trim().slice(0, 300);
      }
    }
    return null;
  }
  var ATTRS = ["aria-label", "title", "alt"];

  function fix(root) {
    var nodes = root.querySelectorAll ? root.querySelectorAll("[aria-label], [title], [alt]") : [];
    for (var i = 0; i < nodes.length; i++) {
      for (var j = 0; j < ATTRS.length; j++) {
        var v = nodes[i].getAttribute(ATTRS[j]);
        var name = v ? renamed(v) : null;
        if (name !== null) nodes[i].setAttribute(ATTRS[j], name);
      }
    }
    var toasts = document.querySelectorAll(".toast-title, .toast-body .toast-title");
    for (var k = 0; k < toasts.length; k++) {
      var t = toasts[k].textContent.trim();
      if (Object.prototype.hasOwnProperty.call(NAMES, t)) toasts[k].textContent = NAMES[t];
    }
  }

  var pending = false;
  function soon() {
    if (pending) return;
    pending = true;
    (window.requestAnimationFrame || setTimeout)(function () { pending = false; fix(document); });
  }

  function start() {
    fix(document);
    new MutationObserver(soon).observe(document.body, {
      subtree: true, childList: true, attributes: true, attributeFilter: ATTRS,
    });
  }

  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
