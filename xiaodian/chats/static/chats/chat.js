/* A conversation kept live over /ws/chats/ (docs/chats.md lists the frames). No build step.
 *
 * The page works without this file: the composer posts. With it, a text is sent over the socket
 * with a client id (a resend is harmless), what arrives for this conversation is drawn in
 * sequence order and marked read while the page is visible, and every (re)connect asks `sync` for
 * the sequence numbers after the last one held, so a dropped connection loses nothing. The socket,
 * its reconnects and heartbeat are web/static/web/live.js's (loaded first). */
(function () {
  "use strict";
  var chat = document.getElementById("chat");
  if (!("WebSocket" in window) || !window.xiaodianLive || !chat || chat.dataset.live !== "1") return;

  var el = xiaodianLive.el, live = null;
  var conversationId = Number(chat.dataset.conversation), me = Number(chat.dataset.me);
  var lastSeq = Number(chat.dataset.lastSeq) || 0, readSeq = 0;
  var log = chat.querySelector("#chat-log"), form = chat.querySelector("#composer");
  var input = form.querySelector("textarea[name=text]"), picker = form.querySelector("input[type=file]");
  var errorBox = chat.querySelector("#chat-error"), connection = chat.querySelector("#chat-connection");

  function send(frame) { return !!live && live.send(frame); }
  function draw(m) {  // as partials/message.html
    var mine = m.sender === me;
    var li = el("li", "msg kind-" + m.kind + (mine ? " mine" : "") + (m.sender ? "" : " from-system"));
    li.id = "msg-" + m.conversation + "-" + m.seq;
    li.dataset.seq = m.seq;
    if (m.client_id) li.dataset.clientId = m.client_id;
    if (m.kind === "system") { li.appendChild(el("span", "system-text", m.text)); return li; }
    var body = el("div", "msg-body");
    if (!mine) body.appendChild(el("span", "msg-sender", m.sender_name));
    if (m.sender_subject) {  // a business chat: the verified subject the staff member writes for
      var badge = el("span", "msg-subject", chat.dataset.labelSubject.replace("%s", m.sender_subject));
      badge.title = chat.dataset.labelSubjectTitle;
      body.appendChild(badge);
    }
    if (m.kind === "image" && m.image) {
      var img = el("img", "msg-image"); img.src = m.image; img.alt = chat.dataset.labelImage; body.appendChild(img);
    } else if (m.kind === "card" && m.card) {
      var view = m.card.view, link = el("a", "msg-card " + m.card.kind + "-card" + (view ? "" : " unavailable"));
      if (view) link.href = m.card.link || view.url;
      if (view && view.image_url) {
        var thumb = el("img", "card-image"); thumb.src = view.image_url; thumb.alt = ""; link.appendChild(thumb);
      }
      link.appendChild(el("span", "card-label", chat.dataset.labelCard));
      link.appendChild(el("strong", "card-title", view ? view.title : chat.dataset.labelUnavailable));
      if (view && view.subtitle) link.appendChild(el("span", "card-subtitle", view.subtitle));
      body.appendChild(link);
    } else {
      body.appendChild(el("div", "bubble", m.text));
    }
    var iso = m.created_at || "";
    var time = el("time", "", iso.slice(5, 10) + " " + iso.slice(11, 16));
    time.setAttribute("datetime", iso);
    var meta = el("span", "msg-meta"); meta.appendChild(time); body.appendChild(meta);
    li.appendChild(body);
    return li;
  }
  function nearBottom() { return log.scrollHeight - log.scrollTop - log.clientHeight < 120; }
  function pendingFor(id) {
    var rows = log.querySelectorAll("li.pending");
    for (var i = 0; i < rows.length; i++) if (rows[i].dataset.clientId === id) return rows[i];
    return null;
  }
  function show(m) {
    if (m.conversation !== conversationId || log.querySelector("#msg-" + m.conversation + "-" + m.seq)) return;
    if (m.seq > lastSeq + 1) { sync(); return; }  // a gap: fetch it in order instead
    var stick = nearBottom(), li = draw(m);
    var pending = m.client_id && m.sender === me ? pendingFor(m.client_id) : null;
    if (pending) pending.remove();
    var first = log.querySelector("li.pending");
    if (first) log.insertBefore(li, first); else log.appendChild(li);
    var empty = chat.querySelector("#chat-empty");
    if (empty) empty.remove();
    lastSeq = Math.max(lastSeq, m.seq);
    if (stick || m.sender === me) log.scrollTop = log.scrollHeight;
    markRead();
  }
  function markRead() {
    if (document.visibilityState === "visible" && lastSeq > readSeq && send({type: "read", conversation: conversationId, seq: lastSeq})) {
      readSeq = lastSeq;
    }
  }
  function sync() {
    var have = {}; have[conversationId] = lastSeq;
    send({type: "sync", have: have, listed_only: true});
  }
  function status(text) { connection.textContent = text || ""; connection.hidden = !text; }

  function frame(f) {
    if (f.type === "message") show(f.message);
    else if (f.type === "synced" && f.more) sync();
    else if (f.type === "error") {
      var failed = f.client_id && pendingFor(f.client_id);
      if (failed) { failed.classList.add("failed"); failed.querySelector(".msg-meta").textContent = chat.dataset.labelFailed; }
      errorBox.textContent = f.message; errorBox.hidden = false;
    }
  }

  form.addEventListener("submit", function (event) {
    var text = input.value.trim();
    if (!text || (picker && picker.files.length) || !live || !live.isOpen()) return;  // the form posts
    event.preventDefault();
    var id = xiaodianLive.clientId(), li = draw({conversation: conversationId, seq: 0, sender: me, kind: "text", text: text, client_id: id, created_at: ""});
    li.id = ""; li.classList.add("pending");
    log.appendChild(li); log.scrollTop = log.scrollHeight;
    errorBox.hidden = true;
    send({type: "send", conversation: conversationId, kind: "text", text: text, client_id: id});
    input.value = "";
  });
  document.addEventListener("visibilitychange", markRead);
  log.scrollTop = log.scrollHeight;
  live = xiaodianLive.socket("/ws/chats/", {
    open: function () { chat.dataset.socket = "open"; status(""); sync(); },
    frame: frame,
    closed: function (code) {
      chat.dataset.socket = "closed";
      if (code !== xiaodianLive.CLOSE_UNAUTHORIZED) status(chat.dataset.labelOffline);
    }
  });
})();
