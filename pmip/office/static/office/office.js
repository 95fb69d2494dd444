/* Back-office behaviour, loaded by office/base.html (CSP: no inline script or style attributes in templates). */
(function () {
  "use strict";

  // Progress bars: <span class="bar-fill" data-pct="42"> (set through the CSSOM, which the CSP allows).
  function bars(root) {
    root.querySelectorAll("[data-pct]").forEach(function (el) {
      var pct = parseFloat(el.getAttribute("data-pct"));
      if (!isFinite(pct)) pct = 0;
      el.style.width = Math.max(0, Math.min(100, pct)) + "%";
    });
  }

  // Matter form: show the election fields and the building list only when they apply.
  function matterForm() {
    var form = document.getElementById("matter-form");
    if (!form || form.dataset.bound) return;
    form.dataset.bound = "1";
    function sync() {
      var kind = form.querySelector("input[name=kind]:checked");
      var scope = form.querySelector("input[name=scope]:checked");
      var election = document.getElementById("election-fields");
      if (election) election.hidden = !kind || kind.value !== "election";
      var buildings = document.getElementById("id_buildings");
      if (buildings) buildings.closest(".field").hidden = !scope || scope.value !== "buildings";
    }
    form.addEventListener("change", sync);
    sync();
  }

  // <form data-confirm="…">: ask before an irreversible step.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form && form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  }, true);

  function start(root) {
    bars(root || document);
    matterForm();
  }
  document.addEventListener("DOMContentLoaded", function () { start(document); });
  document.addEventListener("htmx:afterSettle", function (event) { start(event.target || document); });
})();
