/* The chat inside the widget's iframe. Every text goes through textContent: nothing is parsed as HTML. */
(function () {
  "use strict";
  var conf = document.body.dataset;
  var log = document.getElementById("log");
  var form = document.getElementById("ask");
  var input = document.getElementById("q");
  var send = document.getElementById("send");
  if (/^#[0-9a-fA-F]{3,6}$/.test(conf.colour || "")) {
    document.documentElement.style.setProperty("--brand", conf.colour);
  }
  if (window.self !== window.top) document.body.classList.add("framed");  // the widget's panel shows the title
  document.getElementById("title").textContent = conf.title || "智能助手";
  document.getElementById("scope").textContent = "范围：" + (conf.divisionName || "全部分赛");
  document.getElementById("intro").textContent =
    "您好！我可以回答" + (conf.divisionName || "各分赛") + "的报名时间、参赛条件、奖项设置、提交材料等问题，回答附通知原文出处。";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function add(node) {
    log.appendChild(node);
    log.scrollTop = log.scrollHeight;
    return node;
  }

  var turns = [];  // this conversation's earlier questions: follow-ups ("那陕西呢？") build on them

  function showAnswer(box, answer) {
    box.textContent = "";
    if (answer.approved) box.appendChild(el("div", "badge", "秘书处审定"));
    if (answer.understood) box.appendChild(el("div", "understood", answer.understood));
    box.appendChild(el("div", "text", answer.answer));
    if (answer.citations && answer.citations.length) {
      var list = el("ol", "cites");
      list.setAttribute("aria-label", "出处");
      answer.citations.forEach(function (c) {
        var item = el("li");
        item.value = c.n;
        item.appendChild(el("span", "where", c.doc_title + " · " + c.section + "："));
        item.appendChild(el("span", "quote", "“" + c.quote + "”"));
        list.appendChild(item);
      });
      box.appendChild(list);
    }
  }

  function addVotes(box, logId) {
    if (!logId) return;
    var row = el("div", "votes");
    [["up", "👍 有帮助"], ["down", "👎 没帮助"]].forEach(function (v) {
      var b = el("button", "", v[1]);
      b.type = "button";
      b.addEventListener("click", function () {
        fetch("/api/v1/feedback", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ log_id: logId, vote: v[0] })
        }).then(function () {
          row.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
          row.appendChild(el("span", "", "已记录，谢谢！"));
        });
      });
      row.appendChild(b);
    });
    box.appendChild(row);
  }

  function fail(box, message) {
    box.classList.add("error");
    box.textContent = message || "服务暂时不可用，请稍后再试。";
  }

  function handle(box, event, data, state) {
    if (event === "token") {
      state.text += data.text;
      box.textContent = state.text;
    } else if (event === "answer") {
      showAnswer(box, data);
    } else if (event === "done") {
      addVotes(box, data.log_id);
    } else if (event === "error") {
      fail(box, data.error && data.error.message);
    }
    log.scrollTop = log.scrollHeight;
  }

  function ask(question) {
    add(el("div", "msg user", question));
    var box = add(el("div", "msg bot", "…"));
    send.disabled = true;
    var state = { text: "" };
    var history = turns.slice(-12).map(function (t) { return { role: "user", content: t }; });
    fetch("/api/v1/ask/stream", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question: question, site: conf.site, history: history })
    }).then(function (res) {
      if (res.ok) turns.push(question);
      if (!res.ok) {
        return res.json().then(function (body) { fail(box, body.error && body.error.message); },
                              function () { fail(box); });
      }
      var reader = res.body.getReader();
      var decoder = new TextDecoder("utf-8");
      var buffer = "";
      function pump() {
        return reader.read().then(function (r) {
          if (r.done) return;
          buffer += decoder.decode(r.value, { stream: true });
          var parts = buffer.split("\n\n");
          buffer = parts.pop();
          parts.forEach(function (block) {
            var m = /^event: (\w+)\ndata: (.*)$/s.exec(block);
            if (m) handle(box, m[1], JSON.parse(m[2]), state);
          });
          return pump();
        });
      }
      return pump();
    }).catch(function () { fail(box); }).then(function () {
      send.disabled = false;
      input.focus();
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = input.value.trim();
    if (!q || send.disabled) return;
    input.value = "";
    ask(q);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
})();
