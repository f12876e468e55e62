"""The language of a message that mixes scripts (catalog/language.py): a body's English name inside a Chinese
sentence does not make it English; an English sentence naming a Chinese term stays English."""
from catalog.language import detect


def test_an_english_name_inside_a_chinese_sentence_is_chinese():
    assert detect("是得克萨斯州的，Texas State Board for Educator Certification发的。") == "zh"
    assert detect("Actually let me ask in English... 算啦都係講返廣東話，我想知對應咩職稱") == "zh"


def test_an_english_sentence_with_a_chinese_term_is_english():
    assert detect("Is the HK registered teacher certificate (检定教员证明书) recognized?") == "en"
    assert detect("Does the 工作居住证 apply to me?") == "en"
    assert detect("I have a 香港 CPA, is it listed?") == "en"
