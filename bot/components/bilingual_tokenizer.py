"""BilingualTokenizer: jieba for runs of Chinese, words for runs of Latin letters and digits.

Rasa's JiebaTokenizer accepts only `language: zh` and returns whitespace tokens for mixed text
("澳洲CPA 认证 is recognized?"); here a CJK run is segmented by jieba with the catalog's names in
its user dictionary (so "特许金融分析师" stays one token), and every other run of letters/digits
is one token, punctuation dropped. The user dictionary is built from catalog/data at training time
and stored with the model, so a trained model carries the names it was trained with.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.catalog_names import chinese_names
from catalog.language import CJK_CLASS as _CJK

logger = logging.getLogger(__name__)

_RUNS = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[^\W_{_CJK}]+)|(?P<q>[?？])")
QUESTION_MARK = "qmark"  # "CISSP?" asks, "CISSP" informs: keep the question mark as a token
USER_DICT = "catalog_userdict.txt"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class BilingualTokenizer(Tokenizer):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
            # replace credential and place names by placeholder tokens (see `mask`)
            "mask_mentions": True,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        return ["jieba"]

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 words: Optional[List[str]] = None) -> None:
        super().__init__(config)
        self._model_storage = model_storage
        self._resource = resource
        self._words = words if words is not None else chinese_names()
        self._jieba = _jieba_with(self._words)

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "BilingualTokenizer":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "BilingualTokenizer":
        words: Optional[List[str]] = None
        try:
            with model_storage.read_from(resource) as directory:
                path = Path(directory) / USER_DICT
                words = [line.split(" ")[0] for line in path.read_text(encoding="utf-8").splitlines() if line]
        except (ValueError, FileNotFoundError):
            logger.warning("No stored user dictionary for %s; using catalog/data.", cls.__name__)
        return cls(config, model_storage, resource, words)

    def train(self, training_data: TrainingData) -> Resource:
        with self._model_storage.write_to(self._resource) as directory:
            (Path(directory) / USER_DICT).write_text(
                "".join(f"{w} 100000 nz\n" for w in self._words), encoding="utf-8"
            )
        return self._resource

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute) or ""
        tokens = split(text, self._jieba)
        if attribute == TEXT and self._config.get("mask_mentions", True):
            tokens = mask(tokens, mention_spans(text))
        if not tokens:
            tokens = [Token(text, 0)]
        return self._apply_token_pattern(tokens)


MASKS = {"qualification": "qualmention", "place": "placemention"}


def mention_spans(text: str):
    """Credential and place mentions found by the catalog matcher ([] if the catalog is not reachable)."""
    try:
        from catalog.matching import get_matcher

        return get_matcher().mention_spans(text)
    except Exception:  # no catalog DB: tokenize without masking rather than fail the message
        logger.debug("catalog matcher unavailable for masking", exc_info=True)
        return []


def mask(tokens: List[Token], spans) -> List[Token]:
    """Replace the tokens inside each mention by one placeholder token ("qualmention", "placemention"):
    the intent is in the words around a credential's name, not in the name, of which there are a thousand."""
    if not spans:
        return tokens
    out: List[Token] = []
    i = 0
    for start, end, kind in spans:
        while i < len(tokens) and tokens[i].end <= start:
            out.append(tokens[i])
            i += 1
        covered = False
        while i < len(tokens) and tokens[i].start < end:
            covered = True
            i += 1
        if covered:
            out.append(Token(MASKS[kind], start, end))
    out.extend(tokens[i:])
    return out


_MARKUP = re.compile(r"<[^<>]{0,200}>")


def split(text: str, segmenter) -> List[Token]:
    """Tokens of `text`: jieba words inside CJK runs, whole Latin/digit runs elsewhere; markup such as
    "<img src=x onerror=…>" is not words and gives no tokens."""
    tokens: List[Token] = []
    tags = [m.span() for m in _MARKUP.finditer(text)] if "<" in text else []
    for m in _RUNS.finditer(text):
        if tags and any(a <= m.start() < b for a, b in tags):
            continue
        if m.group("q"):
            tokens.append(Token(QUESTION_MARK, m.start(), m.end()))
        elif m.group("cjk"):
            base = m.start()
            for word, start, end in segmenter.tokenize(m.group()):
                tokens.append(Token(word, base + start, base + end))
        else:
            tokens.append(Token(m.group(), m.start(), m.end()))
    return tokens


_segmenters: Dict[int, Any] = {}


def _jieba_with(words: List[str]):
    """A jieba Tokenizer of its own (not the global one), with `words` added; cached per word list."""
    key = hash(tuple(words))
    seg = _segmenters.get(key)
    if seg is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        seg = jieba.Tokenizer()
        seg.initialize()
        for w in words:
            seg.add_word(w, freq=100000)
        _segmenters[key] = seg
    return seg
