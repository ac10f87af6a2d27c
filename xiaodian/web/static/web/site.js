/* The few behaviours every page shares, as static script: the Content-Security-Policy allows no
 * inline script or event-handler attribute (docs/operations.md, "Security headers").
 *
 * - input[data-select-all]: selects its whole text when focused or clicked (a link to copy).
 * - button[data-copy="ID"]: copies the value of the input #ID to the clipboard (selecting it where
 *   the clipboard is not available), and says data-copied on the button for a moment.
 * - button[data-confirm]: a destructive or irreversible action asks first; "cancel" stops the
 *   submission before the form (or htmx) sees it. Enter in a field "clicks" the default button,
 *   so that path asks too. */
(function () {
  "use strict";
  function selectAll(event) {
    var target = event.target;
    if (target && target.matches && target.matches("input[data-select-all]")) target.select();
  }
  document.addEventListener("focusin", selectAll);
  document.addEventListener("click", selectAll);

  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest && event.target.closest("button[data-copy]");
    var input = button && document.getElementById(button.dataset.copy);
    if (!input) return;
    input.select();
    var done = function () {
      var label = button.textContent;
      button.textContent = button.dataset.copied || label;
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(input.value).then(done, function () {});
    } else if (document.execCommand && document.execCommand("copy")) {
      done();
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest && event.target.closest("button[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
})();
