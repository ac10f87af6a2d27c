/* The homepage editor (stores/homepage_editor.html), without reloading the page:
 *
 * - drag a module by its handle (pointer events: mouse, touch and pen alike) to reorder the draft;
 * - its "上移"/"下移" buttons do the same one place at a time (without script they post the form);
 * - a new order is saved with one request (POST …/homepage/order/, CSRF token from the page) that
 *   carries the draft's fingerprint; then the draft list, the status line and the publish button's
 *   question are read again from the editor page, and the phone-sized preview frame reloads;
 * - a refusal is shown above the list (role=alert) and the list goes back to what the server has;
 * - the preview opens beside the editor on a wide screen; on a phone it is a toggle below it.
 *
 * No inline script or style: the Content-Security-Policy allows neither. */
(function () {
  "use strict";
  var WIDE = window.matchMedia("(min-width: 960px)");

  function $(selector, root) { return (root || document).querySelector(selector); }

  function list() { return $("#module-list"); }

  function items() { return Array.prototype.slice.call(list().children); }

  function currentOrder() {
    return items().map(function (li) { return li.dataset.index; });
  }

  function csrfToken() {
    var input = $("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function say(text) {
    var status = $("#order-status");
    if (status) status.textContent = text;
  }

  function showError(text) {
    var box = $("#order-error");
    if (!box) return;
    box.textContent = text;
    box.hidden = !text;
  }

  function enable() {
    document.querySelectorAll(".drag-handle").forEach(function (h) { h.hidden = false; });
    var draft = $("#draft");
    if (draft) draft.dataset.ready = "1";
  }

  function reloadPreview() {
    var frame = $("#preview-frame");
    if (!frame) return;
    var url = new URL(frame.src, window.location.href);
    url.searchParams.set("t", String(Date.now()));
    frame.src = url.toString();
  }

  /* Read the editor page again and put its draft list, status and publish form in place. */
  function refresh() {
    return fetch(window.location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        ["#homepage-status", "#publish-form", "#draft"].forEach(function (selector) {
          var now = $(selector), next = $(selector, fresh);
          if (now && next) now.replaceWith(document.importNode(next, true));
        });
        enable();
      });
  }

  /* After the list is read again, give the keyboard back to the moved module's button (or to
   * its other one when that end of the list disabled it). */
  function refocus(focus) {
    if (!focus) return;
    var li = $("#module-" + focus.index);
    if (!li) return;
    var button = $("button[data-move='" + focus.move + "']", li);
    if (button && button.disabled) button = $("button[data-move]:not([disabled])", li);
    if (button) button.focus();
  }

  function save(order, focus) {
    var draft = $("#draft");
    var body = new URLSearchParams({ order: order.join(","), key: draft.dataset.key });
    draft.dataset.saving = "1";
    say(draft.dataset.savingText || "…");
    return fetch(draft.dataset.orderUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      body: body
    })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; },
          function () { return { ok: false, data: { message: draft.dataset.failedText + " (" + response.status + ")" } }; });
      })
      .then(function (answer) {
        return refresh().then(function () {
          if (answer.ok) {
            refocus(focus);
            showError("");
            say($("#draft").dataset.savedText || "");
            reloadPreview();
          } else {
            showError(answer.data.message || String(answer.data.code || ""));
            say("");
          }
        });
      }, function () {
        delete draft.dataset.saving;
        showError(draft.dataset.offlineText || "");
        say("");
      });
  }

  function changed(before) {
    var after = currentOrder();
    return after.join(",") !== before.join(",");
  }

  /* ------------------------------------------------------------------ up / down, one place */
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-move]");
    if (!button || !list() || button.disabled) return;
    event.preventDefault();
    var li = button.closest("li.module");
    var before = currentOrder();
    if (button.dataset.move === "-1" && li.previousElementSibling) {
      list().insertBefore(li, li.previousElementSibling);
    } else if (button.dataset.move === "1" && li.nextElementSibling) {
      list().insertBefore(li.nextElementSibling, li);
    }
    if (changed(before)) {
      save(currentOrder(), { index: items().indexOf(li), move: button.dataset.move });
    }
  });

  /* ----------------------------------------------------------------------- drag by the handle */
  var drag = null;

  document.addEventListener("pointerdown", function (event) {
    var handle = event.target.closest && event.target.closest(".drag-handle");
    if (!handle || event.button > 0 || $("#draft").dataset.saving) return;
    event.preventDefault();
    var li = handle.closest("li.module");
    drag = { li: li, before: currentOrder(), pointer: event.pointerId };
    li.classList.add("dragging");
    handle.setPointerCapture(event.pointerId);
  });

  document.addEventListener("pointermove", function (event) {
    if (!drag || event.pointerId !== drag.pointer) return;
    event.preventDefault();
    var y = event.clientY;
    var next = null;
    items().some(function (li) {
      if (li === drag.li) return false;
      var box = li.getBoundingClientRect();
      if (y < box.top + box.height / 2) { next = li; return true; }
      return false;
    });
    if (next !== drag.li.nextElementSibling) list().insertBefore(drag.li, next);
  });

  function drop(event) {
    if (!drag || event.pointerId !== drag.pointer) return;
    var done = drag;
    drag = null;
    done.li.classList.remove("dragging");
    if (changed(done.before)) save(currentOrder());
  }
  document.addEventListener("pointerup", drop);
  document.addEventListener("pointercancel", function (event) {
    if (!drag || event.pointerId !== drag.pointer) return;
    var done = drag;
    drag = null;
    done.li.classList.remove("dragging");
    refresh();  // put it back where the server has it
  });

  /* ------------------------------------------------------------------------- the preview pane */
  var pane = $("#phone-preview");
  if (pane && WIDE.matches) pane.open = true;

  enable();
})();
