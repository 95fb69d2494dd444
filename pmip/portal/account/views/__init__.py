"""Owner account pages (/me/): log-in, log-out, and 业主身份绑定 following the owner manual ch. 1.

Views validate input, call one service and render; they never write models. DomainErrors become form errors (by
their `field`) or a message on the page. The pending binding lives in the session only as the services' sealed
token (`SESSION_BINDING`); the ID number is never in the session in clear.

The package, by page group: `common` (shared helpers and session keys), `login`, `standin_pages`, `binding` (the
binding steps), `supplementary` (身份认证 and 提交房屋信息). `urls.py` names the views through this module.
"""

from pmip.portal.account.views.binding import (
    binding,
    binding_add,
    binding_detail,
    binding_face,
    binding_face_return,
    binding_form,
    binding_notice,
    binding_unbind,
    binding_units,
)
from pmip.portal.account.views.common import (
    AGREEMENT_VALID_SECONDS,
    LOOKUP_ERRORS,
    SESSION_AGREED,
    SESSION_BINDING,
    SESSION_OAUTH,
    SESSION_SUPPLEMENTARY,
)
from pmip.portal.account.views.login import (
    captcha_refresh,
    elder_mode,
    login,
    logout,
    logout_all,
    wechat_callback,
    wechat_start,
)
from pmip.portal.account.views.standin_pages import face_standin, wechat_standin
from pmip.portal.account.views.supplementary import binding_verify, binding_verify_return, house_info

__all__ = [
    "AGREEMENT_VALID_SECONDS",
    "LOOKUP_ERRORS",
    "SESSION_AGREED",
    "SESSION_BINDING",
    "SESSION_OAUTH",
    "SESSION_SUPPLEMENTARY",
    "binding",
    "binding_add",
    "binding_detail",
    "binding_face",
    "binding_face_return",
    "binding_form",
    "binding_notice",
    "binding_unbind",
    "binding_units",
    "binding_verify",
    "binding_verify_return",
    "captcha_refresh",
    "elder_mode",
    "face_standin",
    "house_info",
    "login",
    "logout",
    "logout_all",
    "wechat_callback",
    "wechat_standin",
    "wechat_start",
]
