"""The NLU components in bot/components: tokenizer, language, profile and catalog extraction."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.components.bilingual_tokenizer import _jieba_with, mask, split
from bot.components.catalog_names import chinese_names
from catalog.language import detect
from bot.components.profile_extractor import extract

SEG = _jieba_with(chinese_names())


def words(text):
    return [t.text for t in split(text, SEG)]


def test_mixed_text_is_split_by_script_not_by_whitespace():
    assert words("澳洲CPA 认证 is recognized?") == ["澳洲", "CPA", "认证", "is", "recognized", "qmark"]
    toks = split("我有AWS solutions architect professional证书", SEG)
    assert [t.text for t in toks][:3] == ["我", "有", "AWS"] and toks[-1].text == "证书"
    text = "我有AWS solutions architect professional证书"
    assert all(text[t.start:t.end] == t.text for t in toks)


def test_catalog_names_stay_one_token():
    assert "特许金融分析师" in words("我是特许金融分析师持证人")
    assert "北美精算师" in words("考过了北美精算师")


def test_masking_replaces_mentions(catalog_db):
    from bot.components.bilingual_tokenizer import mention_spans

    text = "is the Minnesota teaching license on the list"
    assert [t.text for t in mask(split(text, SEG), mention_spans(text))] == \
        ["is", "the", "qualmention", "on", "the", "list"]
    text = "得州那个"
    assert [t.text for t in mask(split(text, SEG), mention_spans(text))][0] == "placemention"


def test_language():
    assert detect("我有AWS solutions architect professional证书") == "zh"
    assert detect("can I get the 工作居住证 with ACCA?") == "en"
    assert detect("Is my PMP recognized?") == "en"
    assert detect("你好") == "zh"
    assert detect("CFA") is None and detect("👍") is None and detect("68") is None


def test_profile():
    found = {e["entity"]: e["value"] for e in extract("我是外籍，今年68岁，在高精尖企业")}
    assert found == {"nationality": "foreign", "age": 68, "high_end": "true"}
    found = {e["entity"]: e["value"] for e in extract("I'm 66, a foreign national, not in a high-end industry")}
    assert found == {"nationality": "foreign", "age": 66, "high_end": "false"}
    assert {e["entity"]: e["value"] for e in extract("我是中国公民")} == {"nationality": "chinese"}
    assert {e["entity"]: e["value"] for e in extract("非中国籍")} == {"nationality": "foreign"}
    assert extract("工作经验3年，CFA持证") == []
    assert not any(e["entity"] == "age" for e in extract("I have 10 years of experience"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200))
def test_tokens_always_point_into_the_text(text):
    for t in split(text, SEG):
        assert 0 <= t.start < t.end <= len(text)
        assert t.text == "qmark" or text[t.start:t.end] == t.text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_extractors_never_raise(text):
    detect(text)
    for e in extract(text):
        assert e["entity"] in ("nationality", "age", "high_end")


def test_markup_gives_no_tokens():
    assert words("<b>CFA</b><img src=x onerror=alert(1)>") == ["CFA"]
    assert words("我有<i>FRM</i>证书") == ["我", "有", "FRM", "证书"]


def test_chinese_made_only_of_pairs_no_training_example_has_is_not_understood():
    from bot.components.gibberish import GibberishFallback, _bigrams

    trained = set().union(*(_bigrams(t) for t in ["我有CFA证书，能认可吗", "好的，谢谢", "工作许可年龄能放宽吗"]))
    g = GibberishFallback(None, None, {"cfa", "pmp"}, trained)  # type: ignore[arg-type]
    assert g.is_gibberish("窗帘地毯台灯", [])  # furniture: not one pair seen
    assert not g.is_gibberish("好的", [])  # too short to tell
    assert not g.is_gibberish("我的证书能认可吗", [])  # 证书, 认可: seen
    assert not g.is_gibberish("窗帘地毯台灯", [{"entity": "qualification", "value": "R007"}])  # a credential named
    assert not g.is_gibberish("窗帘地毯台灯 PMP", [])  # a Latin word: the Latin rule decides
    assert g.is_gibberish("qwpoe zxmnv lkjasd", []) and not g.is_gibberish("my pmp cert", [])
    assert not GibberishFallback(None, None, {"cfa"}, set()).is_gibberish("窗帘地毯台灯", [])  # an older model
