/* The conversation page (messaging/conversation.html), live: a socket on
   /ws/conversations/<id>/ appends new messages without a reload, sends the
   form's message over it, says when the other side is typing and when they
   read your last message. Without JavaScript, or when the socket is down,
   the form posts and the page reloads as usual. Everything it needs is in
   #conversation-form's data- attributes (no inline script: the
   Content-Security-Policy refuses it). Text goes in with textContent only. */
(function () {
  "use strict";

  var TYPING_EVERY_MS = 3000;   // at most one "typing" per 3 s
  var TYPING_SHOWN_MS = 5000;   // the other side's "typing…" fades after this

  var form = document.getElementById("conversation-form");
  var list = document.getElementById("conversation-messages");
  if (!form || !list || !window.WebSocket) return;
  var data = form.dataset;
  var me = Number(data.me);
  var otherSide = (data.otherSide || "").split(",").filter(Boolean).map(Number);
  var readUpto = Number(data.readUpto || 0);
  var typingBox = document.getElementById("conversation-typing");
  var errorBox = document.getElementById("conversation-error");
  var input = form.querySelector("textarea[name=text]");
  var socket = null;
  var open = false;
  var pending = null;         // the text sent, until it comes back as a message
  var lastTypingSent = 0;
  var typingTimer = null;

  function lastMine() {
    var mine = list.querySelectorAll("li[data-sender-id='" + me + "']");
    return mine.length ? mine[mine.length - 1] : null;
  }

  function showRead() {
    var item = lastMine();
    var mark = list.querySelector("[data-read-mark]");
    if (!item || readUpto < Number(item.dataset.messageId)) {
      if (mark) { mark.previousSibling && mark.previousSibling.remove(); mark.remove(); }
      return;
    }
    if (mark && mark.parentNode === item) return;
    if (mark) { mark.previousSibling && mark.previousSibling.remove(); mark.remove(); }
    mark = document.createElement("span");
    mark.className = "muted";
    mark.setAttribute("data-read-mark", "");
    mark.setAttribute("data-testid", "read-mark");
    mark.textContent = "✓ " + data.readText;
    item.appendChild(document.createElement("br"));
    item.appendChild(mark);
  }

  function when(iso) {
    var moment = new Date(iso);
    try {
      // sv-SE writes 2025-05-01 19:05, as the server does.
      return new Intl.DateTimeFormat("sv-SE", {
        timeZone: data.timeZone || undefined, year: "numeric", month: "2-digit",
        day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false,
      }).format(moment);
    } catch (e) {
      return moment.toLocaleString();
    }
  }

  function showError(text) {
    if (!errorBox) return;
    errorBox.textContent = text;
    errorBox.hidden = !text;
  }

  function append(message) {
    if (list.querySelector("li[data-message-id='" + message.id + "']")) return;
    var empty = list.querySelector("li[data-empty]");
    if (empty) empty.remove();
    var mine = message.sender.id === me;
    var item = document.createElement("li");
    item.dataset.messageId = message.id;
    item.dataset.senderId = message.sender.id;
    item.setAttribute("data-testid", "message");
    var name = document.createElement("strong");
    name.textContent = mine ? (data.meName || message.sender.name) : message.sender.name;
    var time = document.createElement("span");
    time.className = "muted";
    time.textContent = when(message.created_at);
    var text = document.createElement("span");
    text.setAttribute("data-testid", "message-text");
    message.text.split("\n").forEach(function (line, index) {
      if (index) text.appendChild(document.createElement("br"));
      text.appendChild(document.createTextNode(line));
    });
    item.append(name, " ", time, document.createElement("br"), text);
    list.appendChild(item);
    item.scrollIntoView({block: "nearest"});
    if (mine) {
      pending = null;
      showRead();
    } else {
      if (typingBox) typingBox.textContent = "";
      send({type: "read", message: message.id});
    }
  }

  function send(frame) {
    if (!open) return false;
    try {
      socket.send(JSON.stringify(frame));
      return true;
    } catch (e) {
      return false;
    }
  }

  function showTyping(name) {
    if (!typingBox) return;
    typingBox.textContent = (data.typingText || "%(name)s …").replace("%(name)s", name);
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { typingBox.textContent = ""; }, TYPING_SHOWN_MS);
  }

  function receive(event) {
    var frame;
    try { frame = JSON.parse(event.data); } catch (e) { return; }
    if (frame.type === "message" && frame.message) {
      append(frame.message);
    } else if (frame.type === "typing" && frame.user !== me) {
      showTyping(frame.name);
    } else if (frame.type === "read" && otherSide.indexOf(frame.user) !== -1) {
      readUpto = Math.max(readUpto, Number(frame.message) || 0);
      showRead();
    } else if (frame.type === "error") {
      showError(frame.detail || "");
      if (pending !== null && input && !input.value) input.value = pending;
      pending = null;
    }
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/ws/conversations/" +
                           data.conversation + "/");
    socket.addEventListener("open", function () {
      open = true;
      form.dataset.live = "on";  // for tests and styles: the socket is up
    });
    socket.addEventListener("message", receive);
    socket.addEventListener("close", function () {
      var was = open;
      open = false;
      delete form.dataset.live;
      // The plain form takes over; say so once if the socket was working.
      if (was && data.lostText && typingBox) typingBox.textContent = data.lostText;
      if (pending !== null && input && !input.value) input.value = pending;
      pending = null;
    });
  }

  if (form.tagName === "FORM") {
    form.addEventListener("submit", function (event) {
      if (!open) return;  // the form posts as usual
      var text = input.value.trim();
      if (!text) return;
      event.preventDefault();
      showError("");
      if (send({type: "message", text: text})) {
        pending = text;
        input.value = "";
        input.focus();
      } else {
        form.submit();
      }
    });
    input.addEventListener("input", function () {
      var now = Date.now();
      if (input.value && now - lastTypingSent >= TYPING_EVERY_MS && send({type: "typing"})) {
        lastTypingSent = now;
      }
    });
    input.addEventListener("keydown", function (event) {
      // Enter sends, Shift+Enter starts a new line.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && open) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
  }
  connect();
})();
