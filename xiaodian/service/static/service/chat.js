/* Customer service over /ws/service/ (docs/service.md lists the frames). No build step.
 *
 * The pages work without this file: the composer and the other forms post. With it, the chat
 * (#chat, the buyer's page or the workbench's conversation) sends over the socket with a client id
 * (a resend is harmless), shows incoming messages, acknowledges what it shows (read while the page
 * is visible, delivered otherwise), marks the other side's read receipt (已读), and on every
 * (re)connect asks `sync` for what it missed. The workbench (#workbench) refreshes its session
 * list when something happens. The socket, its reconnects and heartbeat are web/static/web/live.js's
 * (loaded first). */
(function () {
  "use strict";
  var chat = document.getElementById("chat");
  var bench = document.getElementById("workbench");
  if (!("WebSocket" in window) || !window.xiaodianLive || !(chat || bench)) return;

  var SYNC_MAX = 500;
  var socket = null, el = xiaodianLive.el;

  var live = !!chat && chat.dataset.live === "1";
  if (!live && !bench) return;  // an older page of the history: nothing to keep live
  var conversationId = chat ? Number(chat.dataset.conversation) : 0;
  var side = chat ? chat.dataset.side : "";
  var log = chat && chat.querySelector("#chat-log");
  var form = chat && chat.querySelector("#composer");
  var input = form && form.querySelector("textarea[name=text]");
  var errorBox = chat && chat.querySelector("#chat-error");
  var connection = chat && chat.querySelector("#chat-connection");
  var lastId = chat ? Number(chat.dataset.lastId) || 0 : 0;
  var otherRead = chat ? Number(chat.dataset.otherRead) || 0 : 0;
  var ackedRead = 0, ackedDelivered = 0;
  var statusesNode = document.getElementById("order-statuses");
  var orderStatuses = statusesNode ? JSON.parse(statusesNode.textContent) : {};
  var timeFormat = chat && new Intl.DateTimeFormat("zh-CN", {
    timeZone: chat.dataset.timeZone || "Asia/Shanghai", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23"
  });

  function label(name) { return chat.dataset["label" + name] || ""; }
  function mine(sender) { return side === "buyer" ? sender === "buyer" : sender === "agent"; }
  function send(frame) { return !!socket && socket.send(frame); }

  // ------------------------------------------------------------------ drawing (as message.html)
  function fen(amount) {
    var sign = amount < 0 ? "-" : "", value = Math.abs(amount);
    var whole = Math.floor(value / 100), cents = String(value % 100);
    return sign + "¥" + whole.toLocaleString("en-US") + "." + (cents.length < 2 ? "0" + cents : cents);
  }
  function when(iso) {
    var parts = {};
    timeFormat.formatToParts(new Date(iso)).forEach(function (p) { parts[p.type] = p.value; });
    return parts.month + "-" + parts.day + " " + parts.hour + ":" + parts.minute;
  }
  function url(template, id) { return template.replace("999999999", String(id)); }
  function card(m) {
    var link = el("a", "msg-card " + m.kind + "-card");
    if (m.kind === "product") {
      link.href = url(chat.dataset.productUrl, m.card.product_id);
      link.appendChild(el("span", "card-label", label("Product")));
      link.appendChild(el("strong", "card-title", m.card.title));
      if (m.card.price_min_fen !== null && m.card.price_min_fen !== undefined) {
        link.appendChild(el("span", "card-price", fen(m.card.price_min_fen)));
      }
    } else {
      link.href = url(chat.dataset.orderUrl, m.card.order_id);
      link.appendChild(el("span", "card-label", label("Order")));
      link.appendChild(el("strong", "card-title", m.card.number));
      link.appendChild(el("span", "card-status", orderStatuses[String(m.card.status)] || ""));
      link.appendChild(el("span", "card-price", fen(m.card.total_fen || 0)));
    }
    return link;
  }
  function draw(m, pending) {
    var li = el("li", "msg from-" + m.sender + (mine(m.sender) ? " mine" : "") + " kind-" + m.kind);
    if (m.id) { li.id = "msg-" + m.id; li.dataset.id = m.id; }
    li.dataset.sender = m.sender;
    if (m.client_id) li.dataset.clientId = m.client_id;
    if (pending) li.classList.add("pending");
    if (m.sender === "system") { li.appendChild(el("span", "system-text", m.text)); return li; }
    var body = el("div", "msg-body");
    if (m.sender === "bot") body.appendChild(el("span", "bot-label", label("Bot")));
    var hasCard = m.card && (m.kind === "product" ? m.card.product_id : m.kind === "order" && m.card.order_id);
    if (hasCard) body.appendChild(card(m));
    else if (m.kind === "image" && m.image) { var img = el("img", "msg-image"); img.src = m.image; img.alt = ""; body.appendChild(img); }
    else body.appendChild(el("div", "bubble", m.text));
    var meta = el("span", "msg-meta"), time = el("time", "", when(m.created_at));
    time.setAttribute("datetime", m.created_at);
    meta.appendChild(time);
    if (mine(m.sender)) meta.appendChild(el("span", "receipt", pending ? label("Sending") : label("Unread")));
    body.appendChild(meta);
    li.appendChild(body);
    return li;
  }

  // ---------------------------------------------------------------------------- the chat's log
  function nearBottom() { return log.scrollHeight - log.scrollTop - log.clientHeight < 120; }
  function toBottom() { log.scrollTop = log.scrollHeight; }
  function byId(id) { return log.querySelector('li[data-id="' + id + '"]'); }
  function pendingFor(clientId) {
    var rows = log.querySelectorAll("li.pending");
    for (var i = 0; i < rows.length; i++) if (rows[i].dataset.clientId === clientId) return rows[i];
    return null;
  }
  function insertInOrder(li, id) {
    // after the last message with a smaller id (a late commit can arrive after a newer one), before the pending
    var rows = log.querySelectorAll("li[data-id]");
    for (var i = rows.length - 1; i >= 0; i--) {
      if (Number(rows[i].dataset.id) < id) { rows[i].after(li); return; }
    }
    var earlier = log.querySelector("#load-earlier");
    if (earlier) earlier.after(li); else log.prepend(li);
  }
  function settle(li, id) {
    li.classList.remove("pending", "failed");
    li.id = "msg-" + id;
    li.dataset.id = id;
    var receipt = li.querySelector(".receipt");
    if (receipt) receipt.textContent = label("Unread");
  }
  function show(m) {
    if (m.conversation !== conversationId || byId(m.id)) return;
    var stick = nearBottom();
    var pending = m.client_id && mine(m.sender) ? pendingFor(m.client_id) : null;
    var li = draw(m, false);
    if (pending) pending.replaceWith(li); else insertInOrder(li, m.id);
    var empty = chat.querySelector("#chat-empty");
    if (empty) empty.remove();
    lastId = Math.max(lastId, m.id);
    markRead();
    if (stick || mine(m.sender)) toBottom();
    acknowledge();
  }
  function markRead() {
    var rows = log.querySelectorAll("li.mine[data-id]");
    for (var i = 0; i < rows.length; i++) {
      var receipt = rows[i].querySelector(".receipt");
      if (receipt && Number(rows[i].dataset.id) <= otherRead && !receipt.classList.contains("read")) {
        receipt.classList.add("read");
        receipt.textContent = label("Read");
      }
    }
  }
  function acknowledge() {
    // what this page shows is read while it is visible, delivered otherwise
    if (!live || !lastId) return;
    if (document.visibilityState === "visible") {
      if (lastId > ackedRead && send({type: "ack", conversation: conversationId, up_to: lastId, read: true})) {
        ackedRead = ackedDelivered = lastId;
      }
    } else if (lastId > ackedDelivered && send({type: "ack", conversation: conversationId, up_to: lastId, read: false})) {
      ackedDelivered = lastId;
    }
  }
  function showError(text) {
    if (!errorBox) return;
    errorBox.textContent = text;
    errorBox.hidden = !text;
  }
  function sendText(text, clientId) {
    return send({type: "send", conversation: conversationId, kind: "text", text: text, client_id: clientId});
  }

  // ------------------------------------------------------------------------------- the workbench
  function refreshSessions() {
    var list = document.getElementById("sessions");
    if (bench && list && window.htmx) htmx.trigger(list, "refresh");
  }

  // ---------------------------------------------------------------------------------- frames in
  var handlers = {
    message: function (f) {
      if (live) show(f.message);
      if (bench) refreshSessions();
    },
    sent: function (f) {
      if (!live) return;
      var li = pendingFor(f.client_id);
      if (li && !byId(f.id)) settle(li, f.id); else if (li) li.remove();
      lastId = Math.max(lastId, f.id);
      markRead();
    },
    receipt: function (f) {
      if (bench && f.by === "agent") refreshSessions();  // the store read something: fewer unread
      if (!live || f.conversation !== conversationId || f.by === side) return;
      otherRead = Math.max(otherRead, f.read_up_to || 0);
      markRead();
    },
    conversation: function (f) {
      var c = f.conversation || {};
      if (live && c.id === conversationId && f.change === "closed") { location.reload(); return; }
      if (bench) refreshSessions();
    },
    synced: function (f) {
      if (live && f.count >= SYNC_MAX) send({type: "sync", since: f.last});
      else acknowledge();
    },
    error: function (f) {
      var li = live && f.client_id ? pendingFor(f.client_id) : null;
      if (li) {
        li.classList.add("failed");
        var receipt = li.querySelector(".receipt");
        if (receipt) receipt.textContent = label("Failed");
      }
      showError(f.message || "");
    },
    pong: function () {}
  };

  function setState(state) {
    if (chat) chat.dataset.socket = state;
    if (bench) bench.dataset.socket = state;
    if (connection) {
      connection.hidden = state !== "closed";
      connection.textContent = state === "closed" ? label("Offline") : "";
    }
  }

  function opened() {
    setState("open");
    if (live) {
      send({type: "sync", since: lastId});
      // what was typed while offline goes again with the same client id (no double)
      var rows = log.querySelectorAll("li.pending");
      for (var i = 0; i < rows.length; i++) {
        var text = rows[i].querySelector(".bubble");
        if (text) sendText(text.textContent, rows[i].dataset.clientId);
      }
    }
    refreshSessions();
  }

  // ------------------------------------------------------------------------------- the composer
  if (live && form && input) {
    form.addEventListener("submit", function (event) {
      if (!socket || !socket.isOpen()) return;  // no socket: the form posts as usual
      event.preventDefault();
      var text = input.value.trim();
      if (!text) return;
      showError("");
      var clientId = xiaodianLive.clientId();
      var li = draw({id: null, sender: side, kind: "text", text: text, client_id: clientId,
        created_at: new Date().toISOString()}, true);
      log.appendChild(li);
      var empty = chat.querySelector("#chat-empty");
      if (empty) empty.remove();
      toBottom();
      sendText(text, clientId);
      input.value = "";
      input.focus();
    });
    input.addEventListener("keydown", function (event) {
      // Enter sends, Shift+Enter is a new line; never while an input method is composing
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    var quick = chat.querySelector("#quick-replies");
    if (quick) quick.addEventListener("click", function (event) {
      var button = event.target.closest(".quick-reply");
      if (!button) return;
      var start = input.selectionStart || 0, end = input.selectionEnd || 0, text = button.dataset.text;
      input.value = input.value.slice(0, start) + text + input.value.slice(end);
      input.focus();
      input.selectionStart = input.selectionEnd = start + text.length;
    });
  }
  if (live) {
    toBottom();
    document.addEventListener("visibilitychange", acknowledge);
  }
  socket = xiaodianLive.socket("/ws/service/", {
    open: opened,
    frame: function (frame) { if (handlers[frame.type]) handlers[frame.type](frame); },
    closed: function () { setState("closed"); }
  });
})();
