"""The operators' console (/ops/, Django admin) under the one staff log-in policy.

- No log-in form of its own: /ops/login/ sends the browser to the office log-in (password + SMS code, the same
  lock-out), which comes back here.
- `has_permission` requires an active operator account with `is_staff` AND a session that passed the second factor.
- Log-out writes the audit entry like the office's.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from pmip.identity.services import may_enter_ops, passed_second_factor, record_staff_logout


class OpsAdminSite(admin.AdminSite):
    site_header = "PMIP 平台运维"
    site_title = "PMIP 平台运维"

    def has_permission(self, request) -> bool:
        return may_enter_ops(request.user) and passed_second_factor(request)

    def login(self, request, extra_context=None):
        target = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        if not target.startswith("/ops/"):
            target = reverse("admin:index", current_app=self.name)
        return redirect_to_login(target, reverse("office:login"))

    def logout(self, request, extra_context=None):
        if may_enter_ops(request.user):
            record_staff_logout(account=request.user)
        return super().logout(request, extra_context)
