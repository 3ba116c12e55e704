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
    if (!text) {
      if (limit) box.textContent = "本项限 " + limit + " 字";
      return;
    }
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

  function update(event) {
    var target = event.target;
    if (!target || !target.closest || !target.closest("#form-reply")) return;
    var box = document.querySelector("#form-counter .counter");
    if (box) render(box, target.value || "");
  }

  document.addEventListener("input", update, true);
  document.addEventListener("compositionend", update, true);
})();
