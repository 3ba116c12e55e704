/* The chat inside the widget's iframe. Every text goes through textContent: nothing is parsed as HTML.

The conversation is kept in this browser's localStorage (one per site key), shown again after a
reload and sent as `history`, so 那陕西呢？ builds on it; 新对话 clears it. */
(function () {
  "use strict";
  var MAX_CHARS = 2000;  // the server's limit for a question
  var MAX_TURNS = 20;
  var conf = document.body.dataset;
  var log = document.getElementById("log");
  var form = document.getElementById("ask");
  var input = document.getElementById("q");
  var send = document.getElementById("send");
  var stopButton = document.getElementById("stop");
  var notice = document.getElementById("notice");
  var storeKey = "shuju-chat:" + (conf.site || "");
  if (/^#[0-9a-fA-F]{3,6}$/.test(conf.colour || "")) {
    document.documentElement.style.setProperty("--brand", conf.colour);
  }
  if (window.self !== window.top) document.body.classList.add("framed");  // the widget's panel shows the title
  document.getElementById("title").textContent = conf.title || "智能助手";
  document.getElementById("scope").textContent = "范围：" + (conf.divisionName || "全部分赛");
  var intro = conf.divisionName
    ? "您好！本助手只回答" + conf.divisionName + "的问题（报名时间、参赛条件、奖项设置、提交材料等），不提供其他分赛的规定；回答附通知原文出处。"
    : "您好！我可以回答各分赛的报名时间、参赛条件、奖项设置、提交材料等问题，回答附通知原文出处。";

  var turns = load();
  var running = null;  // {controller, turn} while an answer streams

  function load() {
    try {
      var kept = JSON.parse(window.localStorage.getItem(storeKey) || "[]");
      return Array.isArray(kept) ? kept.filter(function (t) { return t && typeof t.q === "string"; }) : [];
    } catch (e) {
      return [];
    }
  }

  function save() {
    try {
      window.localStorage.setItem(storeKey, JSON.stringify(turns.slice(-MAX_TURNS)));
    } catch (e) { /* storage full or disabled: the conversation lasts until the page closes */ }
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function button(label, cls, onClick) {
    var b = el("button", cls, label);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  /* A quoted Markdown table row ("| 2 | 市工业和信息化局 | … |") reads as its cells. */
  function quoteText(quote) {
    var lines = String(quote || "").split("\n").filter(function (l) { return l.trim(); });
    if (!lines.length || !lines.every(function (l) { return l.trim().charAt(0) === "|"; })) return quote;
    return lines.filter(function (l) { return !/^\|?[\s:|-]+\|?$/.test(l.trim()); }).map(function (l) {
      return l.trim().replace(/^\||\|$/g, "").split("|").map(function (c) { return c.trim(); })
        .filter(Boolean).join("；");
    }).join("\n");
  }

  /* The answer text with each [n] as a link to its card under the answer. */
  function answerText(text, i) {
    var box = el("div", "text");
    String(text).split(/(\[\d{1,3}\])/).forEach(function (piece) {
      var m = /^\[(\d{1,3})\]$/.exec(piece);
      if (!m) { box.appendChild(document.createTextNode(piece)); return; }
      var a = el("a", "cite", piece);
      a.href = "#c-" + i + "-" + m[1];
      box.appendChild(a);
    });
    return box;
  }

  function showAnswer(box, turn, i) {
    var answer = turn.answer;
    box.textContent = "";
    if (answer.approved) box.appendChild(el("div", "badge", "秘书处审定"));
    if (answer.understood) box.appendChild(el("div", "understood", answer.understood));
    box.appendChild(answerText(answer.answer, i));
    if (answer.citations && answer.citations.length) {
      var list = el("ol", "cites");
      list.setAttribute("aria-label", "出处");
      answer.citations.forEach(function (c) {
        var item = el("li");
        item.value = c.n;
        item.id = "c-" + i + "-" + c.n;
        item.appendChild(el("span", "where", (c.doc_title || "") + " · " + (c.section || "") + "："));
        item.appendChild(el("span", "quote", "“" + quoteText(c.quote) + "”"));
        list.appendChild(item);
      });
      box.appendChild(list);
    }
    box.appendChild(tools(turn, i));
  }

  function feedback(turn, status) {
    fetch("/api/v1/feedback", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ log_id: turn.log, vote: turn.vote, comment: turn.comment || "" })
    }).then(function (res) {
      status.textContent = res.ok ? "已记录，谢谢！" : "反馈未能记录，请稍后再试。";
    }, function () { status.textContent = "反馈未能记录，请稍后再试。"; });
  }

  /* Under each answer: copy, 👍/👎 (the chosen one shown, changeable), a comment kept with the vote. */
  function tools(turn, i) {
    var row = el("div", "votes");
    var status = el("span", "status");
    var copy = button("复制", "copy", function () {
      var done = function () { copy.textContent = "已复制"; setTimeout(function () { copy.textContent = "复制"; }, 2000); };
      if (navigator.clipboard) navigator.clipboard.writeText(turn.answer.answer).then(done, done);
      else done();
    });
    row.appendChild(copy);
    if (!turn.log) return row;
    var note = el("input", "comment");
    note.type = "text";
    note.maxLength = 1000;
    note.placeholder = "意见（可选，回车提交）";
    note.setAttribute("aria-label", "对第 " + (i + 1) + " 条回答的意见");
    note.value = turn.comment || "";
    note.hidden = !turn.vote;
    [["up", "👍 有帮助"], ["down", "👎 没帮助"]].forEach(function (v) {
      var b = button(v[1], "vote vote-" + v[0], function () {
        turn.vote = v[0];
        save();
        row.querySelectorAll(".vote").forEach(function (x) {
          x.classList.toggle("on", x === b);
          x.setAttribute("aria-pressed", x === b ? "true" : "false");
        });
        note.hidden = false;
        feedback(turn, status);
      });
      b.classList.toggle("on", turn.vote === v[0]);
      b.setAttribute("aria-pressed", turn.vote === v[0] ? "true" : "false");
      row.appendChild(b);
    });
    note.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.isComposing) {
        e.preventDefault();
        turn.comment = note.value.trim();
        save();
        feedback(turn, status);
      }
    });
    row.appendChild(note);
    row.appendChild(status);
    return row;
  }

  function bubble(turn, i) {
    var box = el("div", "msg bot");
    if (turn.state === "done" && turn.answer) showAnswer(box, turn, i);
    else if (turn.state === "error") { box.classList.add("error"); box.textContent = turn.text; }
    else if (turn.state === "stopped") {
      box.textContent = turn.text || "";
      box.appendChild(el("span", "stopped", "（已停止生成）"));
    } else box.textContent = turn.text || "…";
    return box;
  }

  function render() {
    log.textContent = "";
    log.appendChild(el("div", "msg bot intro", intro));
    turns.forEach(function (t, i) {
      log.appendChild(el("div", "msg user", t.q));
      log.appendChild(bubble(t, i));
    });
    var last = turns[turns.length - 1];
    if (last && !running && last.state !== "pending") {
      log.appendChild(button("重新生成", "regenerate", function () {
        turns.pop();
        ask(last.q);
      }));
    }
    log.scrollTop = log.scrollHeight;
  }

  function history() {
    var out = [];
    turns.forEach(function (t) {
      if (t.state === "done" && t.answer) {
        out.push({ role: "user", content: t.q }, { role: "assistant", content: t.answer.answer });
      }
    });
    return out.slice(-2 * MAX_TURNS);
  }

  function busy(on) {
    send.disabled = on;
    send.textContent = on ? "回答中…" : "发送";
    input.placeholder = on ? "正在回答，请稍候…（可点“停止”）" : "请输入您的问题，例如：报名截止时间是什么时候？";
    stopButton.hidden = !on;
  }

  function finish(turn) {
    if (!running || running.turn !== turn) return;
    running = null;
    busy(false);
    save();
    render();
    input.focus();
  }

  function handle(turn, event, data) {
    if (event === "token") {
      turn.text += data.text;
      log.lastChild.textContent = turn.text;
    } else if (event === "answer") {
      turn.answer = data;
      turn.state = "done";
    } else if (event === "done") {
      turn.log = data.log_id || "";
    } else if (event === "error") {
      turn.state = "error";
      turn.text = (data.error && data.error.message) || "服务暂时不可用，请稍后再试。";
    }
    log.scrollTop = log.scrollHeight;
  }

  function ask(question) {
    var past = history();
    var turn = { q: question, state: "pending", text: "", answer: null, log: "", vote: null, comment: "" };
    turns.push(turn);
    turns = turns.slice(-MAX_TURNS);
    var controller = window.AbortController ? new AbortController() : null;
    running = { controller: controller, turn: turn };
    busy(true);
    render();
    fetch("/api/v1/ask/stream", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question: question, site: conf.site, history: past }),
      signal: controller ? controller.signal : undefined
    }).then(function (res) {
      if (!res.ok) {
        return res.json().then(function (body) {
          handle(turn, "error", body);
        }, function () { handle(turn, "error", {}); });
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
            if (m) handle(turn, m[1], JSON.parse(m[2]));
          });
          return pump();
        });
      }
      return pump();
    }).catch(function () {
      if (turn.state === "pending") handle(turn, "error", {});
    }).then(function () {
      if (turn.state === "pending") handle(turn, "error", {});
      finish(turn);
    });
  }

  stopButton.addEventListener("click", function () {
    if (!running) return;
    var turn = running.turn;
    if (running.controller) running.controller.abort();
    turn.state = "stopped";
    finish(turn);
  });

  document.getElementById("new").addEventListener("click", function () {
    if (running && running.controller) running.controller.abort();
    running = null;
    busy(false);
    turns = [];
    save();
    notice.textContent = "";
    render();
    input.focus();
  });

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = input.value.trim();
    if (!q || running) return;
    if (q.length > MAX_CHARS) {  // refused with the limit; the text stays in the box
      notice.textContent = "问题过长（" + q.length + " 字符），请控制在 " + MAX_CHARS + " 字符以内，只保留您要问的内容。";
      return;
    }
    notice.textContent = "";
    input.value = "";
    ask(q);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      if (running) { notice.textContent = "正在回答上一个问题，请稍候或点“停止”。"; return; }
      form.requestSubmit();
    }
  });

  turns.forEach(function (t) { if (t.state === "pending") t.state = "stopped"; });  // cut off by a reload
  busy(false);
  render();
})();
