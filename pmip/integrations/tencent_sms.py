"""Tencent Cloud SMS (短信, API 3.0, service `sms`, version 2021-01-11), action `SendSms`.

Request: `{"PhoneNumberSet": ["+8613800000000"], "SmsSdkAppId": "1400…", "SignName": "…", "TemplateId": "…",
"TemplateParamSet": ["123456", "5"]}`. Answer: `{"Response": {"SendStatusSet": [{"SerialNo", "PhoneNumber", "Fee",
"SessionContext", "Code", "Message", "IsoCode"}], "RequestId"}}`; a number was accepted only when its `Code` is
`"Ok"`. Tencent templates take positional parameters ({1}, {2}…), so each of our template names maps to a template
id (settings) and a parameter order (here).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from django.core.exceptions import ImproperlyConfigured

from pmip.core.conf import pmip_settings
from pmip.core.masking import mask_phone
from pmip.integrations.sms_types import SmsMessage, SmsSendError
from pmip.integrations.tencent_cloud import (
    TencentCloudClient,
    TencentCloudError,
    TencentCloudUnavailable,
    TencentCredentials,
)

log = logging.getLogger(__name__)

SERVICE = "sms"
VERSION = "2021-01-11"
DEFAULT_URL = "https://sms.tencentcloudapi.com"
DEFAULT_REGION = "ap-guangzhou"

# Order of {1}, {2}, … in the template registered with Tencent for each of our templates (pmip.integrations.sms).
PARAM_ORDER: dict[str, tuple[str, ...]] = {
    "verification_code": ("code", "minutes"),
}


def parse_template_ids(value: str | Mapping[str, str]) -> dict[str, str]:
    """Accept a dict or the environment form `verification_code:1234567,other:7654321`."""
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    out: dict[str, str] = {}
    for part in (value or "").split(","):
        name, sep, template_id = part.strip().partition(":")
        if sep and name.strip() and template_id.strip():
            out[name.strip()] = template_id.strip()
    return out


class TencentSmsBackend:
    """SmsBackend speaking Tencent Cloud SendSms. One message, one number."""

    def __init__(
        self,
        *,
        client: TencentCloudClient,
        sdk_app_id: str,
        sign_name: str,
        template_ids: Mapping[str, str],
        param_order: Mapping[str, Sequence[str]] = PARAM_ORDER,
    ):
        self.client = client
        self.sdk_app_id = sdk_app_id
        self.sign_name = sign_name
        self.template_ids = dict(template_ids)
        self.param_order = dict(param_order)

    @classmethod
    def from_settings(cls) -> TencentSmsBackend:
        sdk_app_id = pmip_settings().tencent_sms_sdk_app_id
        sign_name = pmip_settings().tencent_sms_sign_name
        template_ids = parse_template_ids(pmip_settings().tencent_sms_template_ids)
        if not sdk_app_id or not sign_name or not template_ids:
            raise ImproperlyConfigured(
                "PMIP_TENCENT_SMS_SDK_APP_ID, PMIP_TENCENT_SMS_SIGN_NAME and PMIP_TENCENT_SMS_TEMPLATE_IDS "
                "must be set when PMIP_SMS_BACKEND=tencent"
            )
        client = TencentCloudClient(
            service=SERVICE,
            version=VERSION,
            base_url=pmip_settings().tencent_sms_url,
            credentials=TencentCredentials.from_settings(),
            region=pmip_settings().tencent_sms_region,
            timeout=float(pmip_settings().tencentcloud_timeout),
        )
        return cls(client=client, sdk_app_id=sdk_app_id, sign_name=sign_name, template_ids=template_ids)

    def _params(self, message: SmsMessage) -> list[str]:
        order = self.param_order.get(message.template)
        if order is None:
            raise SmsSendError(f"no Tencent parameter order for SMS template {message.template!r}")
        try:
            return [str(message.params[name]) for name in order]
        except KeyError as exc:
            raise SmsSendError(f"SMS template {message.template!r} needs parameter {exc.args[0]!r}") from exc

    def send(self, message: SmsMessage) -> str:
        template_id = self.template_ids.get(message.template)
        if not template_id:
            raise SmsSendError(f"no Tencent template id configured for SMS template {message.template!r}")
        params = {
            "PhoneNumberSet": [message.mobile],
            "SmsSdkAppId": self.sdk_app_id,
            "SignName": self.sign_name,
            "TemplateId": template_id,
            "TemplateParamSet": self._params(message),
        }
        masked = mask_phone(message.mobile)
        try:
            response = self.client.call("SendSms", params)
        except TencentCloudError as exc:
            log.warning("Tencent SMS to %s refused: %s (request %s)", masked, exc.code, exc.request_id)
            raise SmsSendError(f"{exc.code}: {exc.message}") from exc
        except TencentCloudUnavailable as exc:
            raise SmsSendError("Tencent SMS unreachable") from exc
        statuses = response.get("SendStatusSet") or []
        status = next((s for s in statuses if s.get("PhoneNumber") == message.mobile), None)
        if status is None and len(statuses) == 1:
            status = statuses[0]
        if status is None:
            raise SmsSendError("Tencent SMS answered without a send status for the number")
        code = str(status.get("Code", ""))
        if code != "Ok":
            log.warning("Tencent SMS to %s not sent: %s", masked, code)
            raise SmsSendError(f"{code}: {status.get('Message', '')}")
        log.info("Tencent SMS to %s sent: %s", masked, message.template)
        return str(status.get("SerialNo", ""))
