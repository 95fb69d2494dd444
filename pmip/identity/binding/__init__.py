"""House binding (业主身份绑定) and supplementary verification (补充认证), online path — owner manual ch. 1.

The steps, each a service (keyword-only, the acting owner first, atomic, audited):

1. `start_binding` — after the owner ticked 《用户协议》 and filled 业主姓名 / 证件类型 / 证件号码 / 手机号码 /
   短信验证码 (the captcha guards the SMS send in the interface). Checks every field and the SMS code (purpose
   `binding`) and returns a *pending binding*: an opaque token the interface keeps in the session.
2. Mainland ID only: `start_face` (separate consent to face data) opens a verification at the provider;
   `complete_face` asks the provider server to server how it ended. Only that answer counts, never what the
   browser brings back (the callback's own parameters may only explain a failure: "device unsupported").
3. `lookup_units` asks the title registry (`get_title_registry()`) which current titles this name + ID holds, and
   keeps the result in the pending binding. Rate-limited per account.
4. `bind_units` binds the units the owner ticked — only units from that kept result, only with a passed face
   verification of this account for this ID (mainland), re-checking that each title is still current.
5. `unbind_all` (with confirmation) ends every active binding; `lookup_units(state=None)` starts "添加房屋绑定"
   from the identity already on file.

The pending binding is sealed with AES-GCM (`pmip.core.crypto`) under a context naming the account, so it cannot be
read, altered or used by another account, and expires `STATE_TTL` after its last step. Inside, the ID number is
itself encrypted; sessions, logs, URLs and audit data never carry it in clear (audit data has the masked form).

Errors with the manual's own wording, each for its real cause:
- TitleNotFound  `暂未获取到您的产权登记信息，如有疑问请致电客服。` — the registry has no current title for this name+ID;
- HouseNotFound  `未能找到您的房屋，如有问题请致电客服` — titles exist but none of their units is in the registry
  (the owner may then `submit_house_info` for the subdistrict office's queue);
- RegistryBusy   `查询产权数据错误：系统繁忙，请稍后再试` — RegistryUnavailable (timeout, over the concurrency cap);
- FaceDeviceUnsupported `该设备不支持人脸识别！` — the provider reports the device/browser cannot do it.

Non-mainland IDs skip the face step; their identity stays unverified ("需线下认证") until a committee or subdistrict
office verifies it offline: they can bind but not vote.
"""

from pmip.identity.binding.bind import bind_units, unbind_all
from pmip.identity.binding.common import (
    BINDING_PAGE,
    FACE_VALID_SECONDS,
    HOUSE_INFO_PENDING_MAX,
    MSG_BUSY,
    MSG_DEVICE,
    MSG_NO_HOUSE,
    MSG_NO_TITLE,
    NAME_MAX,
    SESSION_KEY,
    STATE_TTL_SECONDS,
    SUPPLEMENTARY_SESSION_KEY,
    UNSUPPORTED_FACE_CODES,
    BindingExpired,
    FaceDeviceUnsupported,
    FaceNotFinished,
    FaceNotPassed,
    FaceRequired,
    HouseNotFound,
    LookupIpRateLimited,
    LookupRateLimited,
    PendingBinding,
    RegistryBusy,
    TitleNotFound,
    clean_holder_name,
    clean_id,
    clean_mobile,
    house_label,
    log,
    open_pending,
    seal,
)
from pmip.identity.binding.face import complete_face, decline_face, start_face
from pmip.identity.binding.lookup import Candidate, LookupResult, describe_lookup, lookup_units
from pmip.identity.binding.start import BindingStart, start_binding
from pmip.identity.binding.supplementary import (
    start_supplementary_face,
    submit_house_info,
    supplementary_face,
)
from pmip.identity.binding.title_changes import end_bindings_for_changed_titles, follow_title_changes

__all__ = [
    "BINDING_PAGE",
    "BindingExpired",
    "BindingStart",
    "Candidate",
    "FACE_VALID_SECONDS",
    "FaceDeviceUnsupported",
    "FaceNotFinished",
    "FaceNotPassed",
    "FaceRequired",
    "HOUSE_INFO_PENDING_MAX",
    "HouseNotFound",
    "LookupIpRateLimited",
    "LookupRateLimited",
    "LookupResult",
    "MSG_BUSY",
    "MSG_DEVICE",
    "MSG_NO_HOUSE",
    "MSG_NO_TITLE",
    "NAME_MAX",
    "PendingBinding",
    "RegistryBusy",
    "SESSION_KEY",
    "STATE_TTL_SECONDS",
    "SUPPLEMENTARY_SESSION_KEY",
    "TitleNotFound",
    "UNSUPPORTED_FACE_CODES",
    "bind_units",
    "clean_holder_name",
    "clean_id",
    "clean_mobile",
    "complete_face",
    "decline_face",
    "describe_lookup",
    "end_bindings_for_changed_titles",
    "follow_title_changes",
    "house_label",
    "log",
    "lookup_units",
    "open_pending",
    "seal",
    "start_binding",
    "start_face",
    "start_supplementary_face",
    "submit_house_info",
    "supplementary_face",
    "unbind_all",
]
