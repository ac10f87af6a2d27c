/* The few behaviours every page shares, as static script: the Content-Security-Policy allows no
 * inline script or event-handler attribute (docs/operations.md, "Security headers").
 *
 * - input[data-select-all]: selects its whole text when focused or clicked (a link to copy). */
(function () {
  "use strict";
  function selectAll(event) {
    var target = event.target;
    if (target && target.matches && target.matches("input[data-select-all]")) target.select();
  }
  document.addEventListener("focusin", selectAll);
  document.addEventListener("click", selectAll);
})();
