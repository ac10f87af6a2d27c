/* The live socket both chats share: chats (/ws/chats/, chats/static/chats/chat.js) and customer
 * service (/ws/service/, service/static/service/chat.js). No build step; load it before them.
 *
 *   var live = xiaodianLive.socket("/ws/chats/", {open: fn(), frame: fn(frame), closed: fn(code)});
 *   live.send({type: "ping"})   // false when the socket is not open (the caller falls back)
 *   live.isOpen()
 *
 * It connects (ws:// or wss:// as the page), calls `open` on every (re)connect (the page asks
 * `sync` for what it missed there), hands every JSON frame to `frame`, and on a close calls
 * `closed` with its code and reconnects, backing off from 1 s to 30 s, unless the server closed it
 * as unauthorized (4401: signed out, the pages' links take over). A `ping` every 30 s keeps it
 * alive. Also: `clientId()` (a resend with the same id is harmless) and `el(tag, class, text)`. */
(function () {
  "use strict";
  var HEARTBEAT_MS = 30000, FIRST_DELAY = 1000, MAX_DELAY = 30000, CLOSE_UNAUTHORIZED = 4401;
  var counter = 0;

  function socket(path, on) {
    var ws = null, delay = FIRST_DELAY, heartbeat = null, reconnecting = null;

    function isOpen() { return !!ws && ws.readyState === WebSocket.OPEN; }
    function send(frame) {
      if (!isOpen()) return false;
      ws.send(JSON.stringify(frame));
      return true;
    }
    function connect() {
      reconnecting = null;
      var scheme = location.protocol === "https:" ? "wss://" : "ws://";
      ws = new WebSocket(scheme + location.host + path);
      ws.onopen = function () {
        delay = FIRST_DELAY;
        clearInterval(heartbeat);
        heartbeat = setInterval(function () { send({type: "ping"}); }, HEARTBEAT_MS);
        if (on.open) on.open();
      };
      ws.onmessage = function (event) {
        var frame;
        try { frame = JSON.parse(event.data); } catch (e) { return; }
        if (frame && on.frame) on.frame(frame);
      };
      ws.onclose = function (event) {
        ws = null;
        clearInterval(heartbeat);
        if (on.closed) on.closed(event.code);
        if (event.code === CLOSE_UNAUTHORIZED) return;
        if (!reconnecting) reconnecting = setTimeout(connect, delay);
        delay = Math.min(delay * 2, MAX_DELAY);
      };
    }
    connect();
    return {send: send, isOpen: isOpen};
  }

  function clientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    counter += 1;
    return "c-" + Date.now().toString(36) + "-" + counter + "-" + Math.random().toString(36).slice(2, 8);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  window.xiaodianLive = {socket: socket, clientId: clientId, el: el, CLOSE_UNAUTHORIZED: CLOSE_UNAUTHORIZED};
})();
