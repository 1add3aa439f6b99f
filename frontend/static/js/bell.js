/* The header's notification bell (base.html), live: a socket on
   /ws/notifications/ keeps the unread count current ("hello" on connect,
   "notification" for each new one, "unread" after a read mark) and shows a
   new notification's sentence for a moment in the [data-bell-live] region
   (role=status, so screen readers hear it too). A new-message notification
   about the conversation already open on this page is marked read at once:
   the person is reading it. Without JavaScript the count is the one the
   page was rendered with. */
(function () {
  "use strict";

  var SHOWN_MS = 8000;
  var RETRIES = 5;

  var count = document.querySelector("[data-bell-count]");
  if (!count || !window.WebSocket) return;
  var live = document.querySelector("[data-bell-live]");
  var retries = 0;
  var socket = null;

  function setCount(unread) {
    if (typeof unread !== "number") return;
    count.textContent = String(unread);
    // No badge at 0 (the number stays for screen readers): .badge sets display, so not `hidden`.
    count.className = unread > 0 ? "badge" : "visually-hidden";
  }

  function announce(frame) {
    if (!live || !frame.text) return;
    var note = document.createElement("p");
    note.className = "message";
    note.setAttribute("data-testid", "bell-note");
    if (frame.url && frame.url.charAt(0) === "/" && frame.url.charAt(1) !== "/") {
      var link = document.createElement("a");
      link.href = frame.url;
      link.textContent = frame.text;
      note.appendChild(link);
    } else {
      note.textContent = frame.text;
    }
    live.appendChild(note);
    setTimeout(function () { note.remove(); }, SHOWN_MS);
  }

  function receive(event) {
    var frame;
    try { frame = JSON.parse(event.data); } catch (e) { return; }
    if (frame.type === "hello" || frame.type === "unread") {
      setCount(frame.unread);
      count.dataset.live = "on";  // for tests: the socket is up
    } else if (frame.type === "notification") {
      setCount(frame.unread);
      if (frame.kind === "new_message" && frame.url === window.location.pathname) {
        socket.send(JSON.stringify({type: "read", id: frame.id}));  // answered with "unread"
        return;
      }
      announce(frame);
    }
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/ws/notifications/");
    socket.addEventListener("open", function () { retries = 0; });
    socket.addEventListener("message", receive);
    socket.addEventListener("close", function (event) {
      delete count.dataset.live;
      // 4401: signed out. Otherwise try again a few times, more slowly each time.
      if (event.code === 4401 || retries >= RETRIES) return;
      retries += 1;
      setTimeout(connect, 1000 * Math.pow(2, retries));
    });
  }

  connect();
})();
