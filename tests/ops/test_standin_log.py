"""The WeChat stand-in's delivery log: one line per send() call it receives (the cluster test counts them)."""

from __future__ import annotations

import json

from pmip.integrations.wechat import EmbeddedTemplateSender, TemplateMessage


def test_every_send_call_is_logged_even_when_the_stand_in_deduplicates(settings, tmp_path):
    settings.PMIP_EMBEDDED_WECHAT_LOG = str(tmp_path / "wechat.jsonl")
    EmbeddedTemplateSender.clear()
    message = TemplateMessage(touser="o-1", template_id="t", data={"thing1": "x"}, client_msg_id="k1")
    sender = EmbeddedTemplateSender()
    first = sender.send(message)
    assert sender.send(message) == first  # the provider shows it once...
    lines = [json.loads(x) for x in (tmp_path / "wechat.jsonl").read_text().splitlines()]
    assert [x["client_msg_id"] for x in lines] == [
        "k1",
        "k1",
    ]  # ...but the log shows it was handed over twice


def test_no_log_unless_configured(settings, tmp_path):
    settings.PMIP_EMBEDDED_WECHAT_LOG = ""
    EmbeddedTemplateSender().send(TemplateMessage(touser="o-2", template_id="t", data={"thing1": "y"}))
    assert not list(tmp_path.iterdir())
