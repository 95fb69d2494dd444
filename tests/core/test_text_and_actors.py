"""pmip.core.text.clean_text and pmip.core.actors: the one text cleaner and the one signed-in check (issue 9)."""

from types import SimpleNamespace

import pytest

from pmip.core.actors import is_signed_in, require_signed_in
from pmip.core.errors import AppendOnlyError, PermissionDenied, ValidationFailed
from pmip.core.text import clean_text


def test_clean_text_trims_and_keeps_inner_spaces_by_default():
    assert clean_text("  业主 大会 \n", field="f", label="标题", max_length=10) == "业主 大会"


def test_clean_text_collapse_spaces():
    text = clean_text(" 1 栋 \t 2\n单元 ", field="f", label="地址", max_length=20, collapse_spaces=True)
    assert text == "1 栋 2 单元"


@pytest.mark.parametrize("value", [None, "", "   "])
def test_clean_text_required(value):
    with pytest.raises(ValidationFailed) as info:
        clean_text(value, field="title", label="标题", max_length=10)
    assert info.value.field == "title"
    assert info.value.message == "请填写标题。"
    assert clean_text(value, field="title", label="标题", max_length=10, required=False) == ""


def test_clean_text_bound_counts_cleaned_characters():
    assert clean_text(" " + "字" * 5 + " ", field="f", label="名称", max_length=5) == "字" * 5
    with pytest.raises(ValidationFailed, match="名称不能超过5个字。"):
        clean_text("字" * 6, field="f", label="名称", max_length=5)


def test_clean_text_strip_controls_for_free_text():
    """Comments, replies and credit entries (evaluation and credit used a copy of their own that did this)."""
    raw = " 服务\u200b很好\x00\r\n谢谢\u202e "
    assert (
        clean_text(raw, field="f", label="评价意见", max_length=10, strip_controls=True) == "服务很好\n谢谢"
    )
    assert (
        clean_text("e\u0301", field="f", label="名称", max_length=1, strip_controls=True) == "\u00e9"
    )  # NFC
    assert clean_text(raw, field="f", label="评价意见", max_length=20) == raw.strip()  # off by default
    with pytest.raises(ValidationFailed, match="请填写回复内容。") as exc:
        clean_text("\x00\u200b", field="body", label="回复内容", max_length=5, strip_controls=True)
    assert exc.value.field == "body"


@pytest.mark.parametrize("value", [12, ["a"], {"a": 1}])
def test_clean_text_refuses_non_text_plainly(value):
    with pytest.raises(ValidationFailed, match="名称格式不正确。"):
        clean_text(value, field="f", label="名称", max_length=5)


@pytest.mark.parametrize(
    "actor,ok",
    [
        (None, False),
        (SimpleNamespace(is_authenticated=False, is_active=True), False),
        (SimpleNamespace(is_authenticated=True, is_active=False), False),
        (SimpleNamespace(is_authenticated=True, is_active=True), True),
    ],
)
def test_signed_in(actor, ok):
    assert is_signed_in(actor) is ok
    if ok:
        require_signed_in(actor)
    else:
        with pytest.raises(PermissionDenied, match="请先登录。"):
            require_signed_in(actor)


def test_append_only_error_is_one_class():
    from pmip.audit.models import AppendOnlyError as audit_error
    from pmip.funds.models import AppendOnlyError as funds_error

    assert audit_error is AppendOnlyError is funds_error
