"""`python -m serve run ...`: `rasa run ...` without TensorFlow when the model does not need it (issue 15).

`import rasa.core.agent` imports TensorFlow (~545 MB resident, seconds of start-up) whatever the model,
because Rasa's modules import it at their top and its default recipe imports every component. Our model
uses TensorFlow only for DIET, and DIET's intents run in numpy when the model carries the export
(bot/components/diet_numpy.py). For such a model this launcher puts a stand-in `tensorflow` package in
front of the real one before Rasa is imported: Rasa's modules import, their classes are defined on stand-in
bases, and nothing of TensorFlow is ever run or loaded. The Rasa server then takes ~380 MB instead of ~1,130
(scripts/profile_turn.py --memory).

The stand-in is used only when every component of the model's prediction graph is one known to run without
TensorFlow (`needs_tensorflow`), and not with QUALIBOT_TENSORFLOW=1; otherwise this is plain `rasa run`. It is
outside bot/ on purpose: importing bot/ applies our patches, which import Rasa, hence TensorFlow.
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import json
import sys
import tarfile
import types
from typing import Any, Iterable, List, Optional

STUBBED = ("tensorflow", "tensorflow_addons", "tensorflow_hub", "tensorflow_text", "tensorflow_probability",
           "tensorflow_estimator", "keras", "tensorboard")
# the prediction graph's components that run without TensorFlow (Rasa's and ours); DIETClassifier only with
# its numpy export
NO_TENSORFLOW = {
    "rasa.graph_components.providers.domain_provider.DomainProvider",
    "rasa.graph_components.providers.rule_only_provider.RuleOnlyDataProvider",
    "rasa.graph_components.converters.nlu_message_converter.NLUMessageConverter",
    "rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer.CountVectorsFeaturizer",
    "rasa.nlu.featurizers.sparse_featurizer.regex_featurizer.RegexFeaturizer",
    "rasa.nlu.featurizers.sparse_featurizer.lexical_syntactic_featurizer.LexicalSyntacticFeaturizer",
    "rasa.nlu.classifiers.fallback_classifier.FallbackClassifier",
    "rasa.nlu.classifiers.regex_message_handler.RegexMessageHandler",
    "rasa.nlu.classifiers.logistic_regression_classifier.LogisticRegressionClassifier",
    "rasa.nlu.extractors.regex_entity_extractor.RegexEntityExtractor",
    "rasa.nlu.extractors.entity_synonyms.EntitySynonymMapper",
    "rasa.core.policies.ensemble.DefaultPolicyPredictionEnsemble",
    "rasa.core.policies.rule_policy.RulePolicy",
    "rasa.core.policies.memoization.MemoizationPolicy",
    "rasa.core.policies.memoization.AugmentedMemoizationPolicy",
}
DIET = "rasa.nlu.classifiers.diet_classifier.DIETClassifier"
NUMPY_EXPORT = "DIETClassifier.numpy.npz"


def needs_tensorflow(model_path: str) -> Optional[str]:
    """Why the model at `model_path` needs TensorFlow to answer (a component's class), or None."""
    try:
        with tarfile.open(model_path) as tar:
            names = set(tar.getnames())
            member = tar.extractfile("metadata.json")
            metadata = json.load(member) if member else {}
    except (OSError, tarfile.TarError, ValueError, KeyError) as e:
        return f"model not readable ({type(e).__name__})"
    nodes = (metadata.get("predict_schema") or {}).get("nodes") or {}
    if not nodes:
        return "no prediction graph in the model's metadata"
    for name, node in nodes.items():
        uses = str(node.get("uses", ""))
        if uses.startswith("bot."):
            continue  # ours: none uses TensorFlow
        if uses == DIET:
            resource = ((node.get("resource") or {}).get("name")) or ""
            if f"components/{resource}/{NUMPY_EXPORT}" not in names:
                return f"{name}: DIET without its numpy export"
            continue
        if uses not in NO_TENSORFLOW:
            return f"{name}: {uses}"
    return None


class _StandIn(type):
    """A stand-in for anything reached from the stand-in `tensorflow`: a class (so Rasa's classes can derive from
    it), whose attributes, calls and items are stand-ins again; used as a decorator it returns what it decorates."""

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _stand_in(f"{cls.__qualname__}.{name}")

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and not kwargs and callable(args[0]):
            return args[0]
        return _stand_in(f"{cls.__qualname__}()")

    def __getitem__(cls, item: Any) -> Any:
        return _stand_in(f"{cls.__qualname__}[]")

    def __iter__(cls) -> Iterable[Any]:
        return iter(())

    def __len__(cls) -> int:
        return 0

    def __bool__(cls) -> bool:
        return False

    def __or__(cls, other: Any) -> Any:
        return cls

    __ror__ = __or__


def _stand_in(name: str) -> Any:
    return _StandIn(name, (), {"__module__": "serve.tensorflow_stand_in"})


class _StandInModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _stand_in(f"{self.__name__}.{name}")


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Optional[importlib.machinery.ModuleSpec]:
        if fullname.split(".")[0] in STUBBED:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = _StandInModule(spec.name)
        module.__path__ = []  # type: ignore[attr-defined]
        module.__version__ = "0+stand-in"  # type: ignore[attr-defined]
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        return None


def install_stand_in() -> None:
    """Put the stand-in in front of TensorFlow (before Rasa is imported). spaCy and thinc are imported first
    with TensorFlow hidden, so they know it is absent (thinc would otherwise probe the stand-in)."""
    if any(name.split(".")[0] in STUBBED for name in sys.modules):
        raise RuntimeError("TensorFlow is already imported: the stand-in must come first")
    sys.modules["tensorflow"] = None  # type: ignore[assignment]
    try:
        import spacy  # noqa: F401
        import thinc.api  # noqa: F401
    finally:
        del sys.modules["tensorflow"]
    sys.meta_path.insert(0, _Finder())


def model_argument(argv: List[str]) -> Optional[str]:
    for i, arg in enumerate(argv):
        if arg in ("--model", "-m") and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--model="):
            return arg.split("=", 1)[1]
    return None
