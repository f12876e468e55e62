"""catalog/pii.py: each kind of personal data is masked, and the near-misses are left alone.

The ID-card and bank-card numbers below were made up and given their check characters; each
near-miss is one of them with the check changed, or a number this product writes itself.
"""
from __future__ import annotations

import json
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog import pii
from catalog.pii import LABELS, find, mask

ID18 = "440304198506153216"
ID18_X = "31011519781201004X"
ID15 = "110105491231002"  # 1949-12-31, Chaoyang, Beijing: 11010519491231002X in its 18-digit form
CARD_UNIONPAY = "6228480012345678903"
CARD_VISA = "4111111111111111"
CARD_AMEX = "378282246310005"


def kinds(text: str):
    return [f.kind for f in find(text)]


@pytest.mark.parametrize("text, expected", [
    # ID cards, 18 digits (check digit or X), 15 digits; with spaces 6-8-4
    (f"我的身份证号是{ID18}，请帮我查一下", "我的身份证号是[ID-CARD]，请帮我查一下"),
    (f"身份证 {ID18_X}", "身份证 [ID-CARD]"),
    (f"ID {ID18_X.lower()}.", "ID [ID-CARD]."),
    (f"老身份证{ID15}还能用吗", "老身份证[ID-CARD]还能用吗"),
    ("身份证 440304 19850615 3216", "身份证 [ID-CARD]"),
    # full width, as typed with a Chinese input method
    ("身份证４４０３０４１９８５０６１５３２１６", "身份证[ID-CARD]"),
    # bank cards: one run, groups of four, Amex 4-6-5
    (f"卡号{CARD_UNIONPAY}", "卡号[BANK-CARD]"),
    ("card 4111 1111 1111 1111 thanks", "card [BANK-CARD] thanks"),
    ("Amex 3782-822463-10005", "Amex [BANK-CARD]"),
    # phones: mobile (plain, grouped, +86, next to letters), landline with area code, international
    ("电话13812345678", "电话[PHONE]"),
    ("手机：138-1234-5678。", "手机：[PHONE]。"),
    ("+86 138 1234 5678", "[PHONE]"),
    ("Tel13812345678", "Tel[PHONE]"),
    ("请打010-62345678找我", "请打[PHONE]找我"),
    ("(010)6234 5678", "[PHONE]"),
    ("0755-86001234", "[PHONE]"),
    ("call me on +1 415 555 0132 please", "call me on [PHONE] please"),
    ("UK: +44 20 7946 0958", "UK: [PHONE]"),
    # e-mail, full-width @ included
    ("邮箱 zhang.san+cfa@example.com.cn 谢谢", "邮箱 [EMAIL] 谢谢"),
    ("我的邮箱是abc123＠qq.com", "我的邮箱是[EMAIL]"),
    # passports: Chinese formats, and any number named as a passport's
    ("护照E12345678", "护照[PASSPORT]"),
    ("passport EA1234567", "passport [PASSPORT]"),
    ("my passport number is 533380006", "my passport number is [PASSPORT]"),
    ("护照号码：X1234567", "护照号码：[PASSPORT]"),
    # a holder's certificate number, when named as one
    ("我的证书编号是CFA-123456", "我的证书编号是[CERT-NO]"),
    ("licence no. 12345678 from Texas", "licence no. [CERT-NO] from Texas"),
    ("CFA charter number 123456", "CFA charter number [CERT-NO]"),
])
def test_each_kind_is_masked(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize("text", [
    "2023年以后取得的证书算吗？",
    "我1985年出生，今年65岁",
    "R077 和 U07 有什么区别",
    "r7 is the CFA",
    "第一条第4项，第二条第3项",
    "京人社事业发〔2023〕24号",
    "目录3.0版共122项",
    "AWS SAA-C03 和 AZ-104 认可吗",
    "ISO 27001 lead auditor",
    "CPA Australia 2级，考试代码 FR 4521",
    "学费12345元，工作经验5年",
    "邮编100101",
    "2025-12-01 11:30:00,123 INFO rasa.core took 1733050200123 ms",
    "证书编号在哪里查？",
    "passport holders from Canada",
    "62345678",  # eight digits without an area code: could be anything
    "4111111111111112",  # fails Luhn
    "440304198506153217",  # wrong check digit
    "440304198513153216",  # month 13 (no such birth date)
    "6228480012345678904",  # UnionPay-like, fails Luhn
    "uuid 3f9a1b2c-1234-4567-8901-234567890123",
    "a@b",  # no domain
])
def test_near_misses_are_not_masked(text):
    assert find(text) == [] and mask(text) == text


def test_several_in_one_text_keep_the_words_between():
    text = f"姓名张三，身份证{ID18}，手机13812345678，邮箱zs@example.com，银行卡{CARD_VISA}，R007 是CFA"
    assert mask(text) == ("姓名张三，身份证[ID-CARD]，手机[PHONE]，邮箱[EMAIL]，银行卡[BANK-CARD]，R007 是CFA")
    assert kinds(text) == ["id_card", "phone", "email", "bank_card"]


def test_offsets_are_the_original_texts():
    text = "卡号：４１１１１１１１１１１１１１１１。"
    [f] = find(text)
    assert (f.kind, text[f.start:f.end]) == ("bank_card", "４１１１１１１１１１１１１１１１")


def test_a_number_inside_a_json_log_line_is_found():
    line = json.dumps({"event": "用户电话13812345678，身份证" + ID18})  # ensure_ascii: \\u escapes around them
    assert "13812345678" in line and "\\u" in line
    masked = mask(line)
    assert "13812345678" not in masked and ID18 not in masked
    assert json.loads(masked)["event"] == "用户电话[PHONE]，身份证[ID-CARD]"


def test_labels_are_the_documented_ones():
    assert set(LABELS) == {"id_card", "bank_card", "phone", "email", "passport", "cert_no"}
    assert all(mask(label) == label for label in LABELS.values())


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_mask_never_raises_and_is_idempotent(text):
    once = mask(text)
    assert mask(once) == once
    assert once == text or any(label in once for label in LABELS.values())


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([ID18, ID18_X, ID15, CARD_UNIONPAY, CARD_VISA, "13812345678", "zs@example.com"]),
       st.text(alphabet="的是我证书吗，。 ?", max_size=20), st.text(alphabet="的是我证书吗，。 ?", max_size=20))
def test_a_number_between_any_words_is_masked(number, before, after):
    assert number not in mask(before + number + after)


# --- logs ---------------------------------------------------------------------------------------------------

class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines = []
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def capture():
    pii.install_log_masking()
    handler = Capture()
    log = logging.getLogger("tests.pii.capture.child")  # a child: its records propagate to the handler
    parent = logging.getLogger("tests.pii.capture")
    parent.addHandler(handler)
    parent.setLevel(logging.DEBUG)
    try:
        yield log, handler
    finally:
        parent.removeHandler(handler)


def test_every_log_record_is_masked_arguments_and_traceback_included(capture):
    log, handler = capture
    log.info("user said %r", f"我的手机13812345678，身份证{ID18}")
    log.debug("plain %s and %d", "CFA", 122)
    try:
        raise ValueError(f"bad card {CARD_VISA}")
    except ValueError:
        log.exception("failed for %s", "zs@example.com")
    text = "\n".join(handler.lines)
    for secret in ("13812345678", ID18, CARD_VISA, "zs@example.com"):
        assert secret not in text
    assert "user said '我的手机[PHONE]，身份证[ID-CARD]'" in handler.lines[0]
    assert handler.lines[1] == "plain CFA and 122"
    assert "ValueError: bad card [BANK-CARD]" in handler.lines[2] and "failed for [EMAIL]" in handler.lines[2]


def test_a_handler_added_later_and_the_root_logger_are_covered_too(capture):
    pii.install_log_masking()  # twice: still one wrapper
    factory = logging.getLogRecordFactory()
    assert getattr(factory, "qualibot_pii", False)
    record = logging.getLogger("anything.else").makeRecord("anything.else", logging.INFO, __file__, 1,
                                                           "card %s", (CARD_AMEX,), None)
    assert record.getMessage() == "card [BANK-CARD]"


def test_a_bad_format_string_is_left_for_logging_to_report():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%d items", ("not a number",), None)
    assert pii.MaskingFilter().filter(record) is True
    assert record.msg == "%d items"


@pytest.mark.parametrize("module", ["bot", "actions", "actions.server", "ops.purge"])
def test_the_bot_and_action_server_processes_mask_their_logs(module):
    """A fresh process that imports our package writes no phone number to its log (stderr)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = (f"import logging, {module}\n"
            "logging.basicConfig(format='%(name)s %(message)s')\n"
            "logging.getLogger('rasa.core.processor').warning('Received user message %r', '我的手机13812345678')\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(root)})
    assert out.returncode == 0, out.stderr
    assert "Received user message '我的手机[PHONE]'" in out.stderr and "13812345678" not in out.stderr
