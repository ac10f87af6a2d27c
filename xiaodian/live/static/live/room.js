/* The live room over /ws/live/<id>/ (docs/live.md): viewer count, comments, stock and shelf changes.
 * No build step. The page works without it: the comment form posts. The heartbeat interval comes
 * from #live-room's data-heartbeat-ms. */
(function () {
  var room = document.getElementById("live-room");
  if (!("WebSocket" in window)) return;
  var list = document.getElementById("comment-list");
  var count = document.getElementById("viewer-count");
  var error = document.getElementById("comment-error");
  var form = document.getElementById("comment-form");
  var socket = null, delay = 1000;

  function showComment(frame) {
    var item = document.createElement("li"), who = document.createElement("span");
    who.className = "who";
    who.textContent = frame.user + "：";
    item.appendChild(who);
    item.appendChild(document.createTextNode(frame.text));
    list.appendChild(item);
    list.scrollTop = list.scrollHeight;
  }
  function refreshShelf() {
    if (window.htmx) htmx.ajax("GET", location.pathname, {target: "#shelf", select: "#shelf", swap: "outerHTML"});
  }
  var handlers = {
    viewers: function (f) { count.textContent = f.count; },
    comment: showComment,
    error: function (f) { error.textContent = f.message; error.hidden = false; },
    stock: function (f) { var el = document.getElementById("stock-" + f.item); if (el) el.textContent = f.flash_stock; },
    pinned: refreshShelf,
    shelf: refreshShelf,
    state: function () { location.reload(); }
  };
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/live/" + room.dataset.roomId + "/");
    socket.onopen = function () { delay = 1000; };
    // the heartbeat: a viewer whose connection goes quiet for 90 s stops counting
    clearInterval(window.liveHeartbeat);
    window.liveHeartbeat = setInterval(function () {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({type: "ping"}));
    }, Number(room.dataset.heartbeatMs));
    socket.onmessage = function (event) {
      var frame = JSON.parse(event.data);
      if (handlers[frame.type]) handlers[frame.type](frame);
    };
    socket.onclose = function () {
      socket = null;
      delay = Math.min(delay * 2, 30000);
      setTimeout(connect, delay);
    };
  }
  if (form) form.addEventListener("submit", function (event) {
    if (!socket || socket.readyState !== WebSocket.OPEN) return;  // no socket: the form posts as usual
    event.preventDefault();
    var input = form.elements.text;
    if (!input.value.trim()) return;
    error.hidden = true;
    socket.send(JSON.stringify({type: "comment", text: input.value}));
    input.value = "";
  });
  connect();
})();
