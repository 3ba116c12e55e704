/* Live 字数 counter for the 申报书 reply box (#form-reply → #form-counter .counter[data-limit]).
 * Word's rule: each East-Asian character or full-width mark counts 1; each run of other
 * non-space characters counts 1; spaces and line breaks count 0; zero-width characters and
 * combining marks count 0 and do not split a run (assistant/forms/wordcount.py). */
(function () {
  "use strict";
  var EAST_ASIAN = new RegExp("__EAST_ASIAN__", "u");
  var INVISIBLE = new RegExp("__INVISIBLE__", "u");
  var SPACE = /\s/u;

  function countWords(text) {
    var total = 0, inRun = false;
    for (var ch of text) {
      if (INVISIBLE.test(ch)) { continue; }  // first: JavaScript's \s also matches U+FEFF
      else if (SPACE.test(ch)) { inRun = false; }
      else if (EAST_ASIAN.test(ch)) { total += 1; inRun = false; }
      else if (!inRun) { total += 1; inRun = true; }
    }
    return total;
  }

  function countChars(text) {
    return Array.from(text.replace(/[\r\n]/g, "")).length;
  }

  function render(box, text) {
    var limit = parseInt(box.getAttribute("data-limit") || "", 10);
    box.textContent = "";
    var words = countWords(text), chars = countChars(text);
    var main = document.createElement("span");
    if (limit) {
      main.textContent = "字数 " + words + "/" + limit + (words > limit ? "，超出 " + (words - limit) + " 字" : "");
      if (words > limit) main.className = "over";
    } else {
      main.textContent = "字数 " + words;
    }
    box.appendChild(main);
    var note = "（字符数 " + chars;
    if (limit && words <= limit && chars > limit) note += "；注意：字符数已超过限制，按字符计数的平台可能判为超限";
    box.appendChild(document.createTextNode(note + "）"));
  }

  var shown = null;  // [box, text] last rendered

  function refresh() {
    var field = document.querySelector("#form-reply textarea, #form-reply input");
    var box = document.querySelector("#form-counter .counter");
    if (!field || !box) return;
    var text = field.value || "";
    if (shown && shown[0] === box && shown[1] === text) return;
    shown = [box, text];
    render(box, text);
  }

  function update(event) {
    var target = event.target;
    if (target && target.closest && target.closest("#form-reply")) refresh();
  }

  // A numbered option under the 申报书 chat puts its number in the reply box (several for a 多选).
  function pick(event) {
    var button = event.target && event.target.closest ? event.target.closest("#form-choices .opt") : null;
    var field = document.querySelector("#form-reply textarea, #form-reply input");
    if (!button || !field) return;
    var value = button.getAttribute("data-pick") || "";
    var list = button.closest(".choices");
    var multi = list && list.getAttribute("data-multi") === "1";
    if (multi) {
      var picks = field.value.split(/[、，,；;\s]+/).filter(function (p) { return p; });
      var at = picks.indexOf(value);
      if (at >= 0) { picks.splice(at, 1); button.classList.remove("on"); } else { picks.push(value); button.classList.add("on"); }
      field.value = picks.join("、");
    } else {
      field.value = value;
    }
    field.dispatchEvent(new Event("input", {bubbles: true}));
    field.focus();
  }

  document.addEventListener("input", update, true);
  document.addEventListener("compositionend", update, true);
  document.addEventListener("click", pick, true);
  // The box is also emptied by the page after 发送 and the counter replaced: follow it, not only keystrokes.
  setInterval(refresh, 250);
})();
