/* Log-in pages: the "resend code" countdown on buttons with data-countdown (CSP: no inline script). */
(function () {
  "use strict";
  function start() {
    document.querySelectorAll("[data-countdown]").forEach(function (btn) {
      var n = parseInt(btn.getAttribute("data-countdown"), 10) || 0;
      btn.removeAttribute("data-countdown");
      if (n <= 0) return;
      var label = btn.getAttribute("data-label") || "获取验证码";
      btn.disabled = true;
      (function tick() {
        if (n <= 0) { btn.disabled = false; btn.textContent = label; return; }
        btn.textContent = n + "秒后重发";
        n -= 1;
        setTimeout(tick, 1000);
      })();
    });
  }
  document.addEventListener("DOMContentLoaded", start);
  document.addEventListener("htmx:afterSettle", start);
})();
