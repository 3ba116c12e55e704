/*
 * 数据要素×大赛智能助手 — embeddable widget.
 *   <script src="https://HOST/widget.js" data-site="KEY"></script>
 * Adds a floating bubble that opens the assistant in an iframe on HOST/embed?site=KEY.
 * Each script tag is one independent widget (own shadow DOM, own iframe). Several on one page sit
 * side by side along the bottom edge; opening one closes the others, so they never cover each other.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var key = script.getAttribute("data-site") || "";
  var base = new URL(script.src, location.href).origin;
  var slot = (window.__shujuWidgets = (window.__shujuWidgets || 0) + 1) - 1;
  var right = 20 + slot * 72;

  function chatIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "26");
    svg.setAttribute("height", "26");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z");
    svg.appendChild(path);
    return svg;
  }

  var host = document.createElement("div");
  host.setAttribute("data-shuju-widget", key);
  host.style.cssText = "position:fixed;bottom:20px;right:" + right + "px;z-index:2147483000;";
  var root = host.attachShadow({ mode: "open" });
  var style = document.createElement("style");
  style.textContent =
    ".bubble{width:56px;height:56px;border-radius:50%;border:0;background:var(--brand,#1f5fbf);color:#fff;" +
    "display:flex;align-items:center;justify-content:center;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);}" +
    ".panel{position:fixed;right:12px;bottom:86px;width:min(380px,calc(100vw - 24px));" +
    "height:min(560px,calc(100vh - 110px));background:#fff;border-radius:10px;overflow:hidden;" +
    "box-shadow:0 8px 30px rgba(0,0,0,.3);display:none;flex-direction:column;}" +
    ".panel.open{display:flex;}" +
    ".head{display:flex;justify-content:space-between;align-items:center;padding:6px 10px;background:var(--brand,#1f5fbf);" +
    "color:#fff;font:600 14px/1.4 sans-serif;}" +
    ".close{background:none;border:0;color:#fff;font-size:18px;cursor:pointer;}" +
    "iframe{flex:1;border:0;width:100%;}" +
    ".refused{padding:16px;color:#991b1b;background:#fef2f2;font:14px/1.6 sans-serif;flex:1;}";
  var bubble = document.createElement("button");
  bubble.className = "bubble";
  bubble.type = "button";
  bubble.appendChild(chatIcon());
  bubble.setAttribute("aria-label", "打开智能助手");
  var panel = document.createElement("div");
  panel.className = "panel";
  panel.setAttribute("role", "dialog");
  var head = document.createElement("div");
  head.className = "head";
  var title = document.createElement("span");
  title.textContent = "智能助手";
  var close = document.createElement("button");
  close.className = "close";
  close.type = "button";
  close.textContent = "×";
  close.setAttribute("aria-label", "关闭");
  head.appendChild(title);
  head.appendChild(close);
  panel.appendChild(head);
  root.appendChild(style);
  root.appendChild(panel);
  root.appendChild(bubble);

  var config = null;
  var refusal = null;
  var frame = null;

  function refuse(message) {
    refusal = message || "本网站未获授权使用该智能助手。";
    bubble.setAttribute("data-state", "refused");
  }

  fetch(base + "/api/v1/sites/" + encodeURIComponent(key), { credentials: "omit" })
    .then(function (res) {
      return res.json().then(function (body) { return { ok: res.ok, body: body }; });
    })
    .then(function (r) {
      if (!r.ok) return refuse(r.body && r.body.error && r.body.error.message);
      config = r.body;
      if (/^#[0-9a-fA-F]{3,6}$/.test(config.colour || "")) host.style.setProperty("--brand", config.colour);
      title.textContent = config.title;
      bubble.setAttribute("aria-label", "打开" + config.title);
      bubble.title = config.title;
      bubble.setAttribute("data-state", "ready");
    })
    .catch(function () { refuse("本网站未获授权使用该智能助手，或助手服务暂时无法连接。"); });

  function open() {
    if (frame && frame.tagName !== "IFRAME" && (config || refusal)) {
      panel.removeChild(frame);  // the "loading" note, now that we know more
      frame = null;
    }
    if (!frame) {
      if (config) {
        frame = document.createElement("iframe");
        frame.title = config.title;
        frame.referrerPolicy = "strict-origin-when-cross-origin";
        frame.src = base + "/embed?site=" + encodeURIComponent(key);
      } else {
        frame = document.createElement("div");
        frame.className = "refused";
        frame.setAttribute("role", "alert");
        frame.textContent = refusal || "智能助手正在加载，请稍候再试。";
      }
      panel.appendChild(frame);
    }
    panel.classList.add("open");
    host.style.zIndex = "2147483001";  // above the other widgets' bubbles
    window.dispatchEvent(new CustomEvent("shuju-widget-open", { detail: slot }));
  }

  // Only one panel is open at a time, so two widgets on a page never cover each other.
  window.addEventListener("shuju-widget-open", function (e) {
    if (e.detail === slot) return;
    panel.classList.remove("open");
    host.style.zIndex = "2147483000";
  });

  bubble.addEventListener("click", function () {
    if (panel.classList.contains("open")) {
      panel.classList.remove("open");
    } else {
      open();
    }
  });
  close.addEventListener("click", function () { panel.classList.remove("open"); });

  if (document.body) document.body.appendChild(host);
  else document.addEventListener("DOMContentLoaded", function () { document.body.appendChild(host); });
})();
