"""TC3-HMAC-SHA256 signing and the shared API 3.0 client."""

from __future__ import annotations

import socket

import pytest
from django.core.exceptions import ImproperlyConfigured

from pmip.integrations import tencent_cloud
from pmip.integrations.tencent_cloud import (
    TencentCloudClient,
    TencentCloudError,
    TencentCloudUnavailable,
    TencentCredentials,
)
from tests.integrations.fakes import FakeFaceId

# Tencent's own documented example (DescribeInstances in ap-guangzhou, 2019-02-25), as published with masked and
# with EXAMPLE credentials.
DOC_PAYLOAD = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
DOC_HEADERS = {"Content-Type": "application/json; charset=utf-8", "Host": "cvm.tencentcloudapi.com"}


def test_canonical_request_and_string_to_sign_match_the_documented_example():
    canonical = tencent_cloud.canonical_request(
        method="POST",
        uri="/",
        query="",
        headers=DOC_HEADERS,
        signed_headers=["content-type", "host"],
        payload=DOC_PAYLOAD,
    )
    assert canonical == (
        "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\n"
        "content-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    )
    assert tencent_cloud.string_to_sign(timestamp=1551113065, service="cvm", canonical=canonical) == (
        "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"
        "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
    )


@pytest.mark.parametrize(
    ("secret_id", "secret_key", "expected"),
    [
        (
            "AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******",
            "Gu5t9xGARNpq86cd98joQYCN3*******",
            "2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c",
        ),
        (
            "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
            "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
            "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168",
        ),
    ],
)
def test_authorization_matches_the_documented_signatures(secret_id, secret_key, expected):
    header = tencent_cloud.authorization(
        credentials=TencentCredentials(secret_id, secret_key),
        service="cvm",
        timestamp=1551113065,
        headers=DOC_HEADERS,
        payload=DOC_PAYLOAD,
        signed_headers=("content-type", "host"),
    )
    assert header == (
        f"TC3-HMAC-SHA256 Credential={secret_id}/2019-02-25/cvm/tc3_request, "
        f"SignedHeaders=content-type;host, Signature={expected}"
    )


def test_the_secret_key_is_not_in_the_repr():
    assert "s3cr3t" not in repr(TencentCredentials("AKIDx", "s3cr3t"))


def _client(fake, *, secret_key=None, timeout=2.0):
    return TencentCloudClient(
        service="faceid",
        version="2018-03-01",
        base_url=fake.url,
        credentials=TencentCredentials(fake.secret_id, secret_key or fake.secret_key),
        timeout=timeout,
    )


def test_a_signed_call_is_accepted_and_the_response_returned():
    with FakeFaceId(rule_id="7") as fake:
        body = _client(fake).call("DetectAuth", {"RuleId": "7", "IdCard": "X", "Name": "张三"})
        request = fake.requests[-1]
    assert set(body) == {"Url", "BizToken", "RequestId"}
    assert request.headers["x-tc-action"] == "DetectAuth"
    assert request.headers["x-tc-version"] == "2018-03-01"
    assert "x-tc-region" not in request.headers
    assert request.headers["authorization"].startswith(f"TC3-HMAC-SHA256 Credential={fake.secret_id}/")
    assert "SignedHeaders=content-type;host;x-tc-action," in request.headers["authorization"]


def test_a_wrong_secret_is_refused_by_the_signature_check():
    with FakeFaceId(rule_id="7") as fake, pytest.raises(TencentCloudError) as caught:
        _client(fake, secret_key="not-the-secret").call(
            "DetectAuth", {"RuleId": "7", "IdCard": "X", "Name": "张"}
        )
    assert caught.value.code == "AuthFailure.SignatureFailure"
    assert fake.calls == []


def test_an_unreachable_provider_is_unavailable():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = TencentCloudClient(
        service="faceid",
        version="2018-03-01",
        base_url=f"http://127.0.0.1:{port}",
        credentials=TencentCredentials("AKIDx", "key"),
        timeout=1.0,
    )
    with pytest.raises(TencentCloudUnavailable) as caught:
        client.call("DetectAuth", {})
    assert caught.value.status == 503


def test_credentials_come_only_from_configuration(settings, monkeypatch):
    monkeypatch.delenv("PMIP_TENCENTCLOUD_SECRET_ID", raising=False)
    monkeypatch.delenv("PMIP_TENCENTCLOUD_SECRET_KEY", raising=False)
    settings.PMIP_TENCENTCLOUD_SECRET_ID = ""
    settings.PMIP_TENCENTCLOUD_SECRET_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        TencentCredentials.from_settings()
    monkeypatch.setenv("PMIP_TENCENTCLOUD_SECRET_ID", "AKIDenv")
    monkeypatch.setenv("PMIP_TENCENTCLOUD_SECRET_KEY", "env-key")
    assert TencentCredentials.from_settings() == TencentCredentials("AKIDenv", "env-key")
