"""DIET's intent prediction in numpy, for the DIET configuration of config.yml (issue 15).

Rasa runs DIETClassifier through TensorFlow for every message: ~3.6 ms per turn (measured with
scripts/profile_turn.py), most of it TensorFlow's call overhead and the model-data conversion, for a
network that, with `number_of_transformer_layers: 0` and `entity_recognition: false`, is a few small
matrix products. For the intent, only the sentence-level position of DIET's sequence layer counts, and
without a transformer nothing mixes positions, so the prediction is

    sentence counts (sparse, both featurizers) -> DenseForSparse (sparse_dense.sentence)
      -> ffnn (RandomlyConnectedDense + gelu, kernel times its connection mask, per hidden layer)
      -> embed.text -> similarity with every intent's embedding (embed.label of the label features)
      -> softmax -> Rasa's own ranking and renormalisation (train_utils.rank_and_mask)

The arrays are read from the trained TensorFlow model once (`export`, when DIET is trained: the patch in
bot/rasa_patches.py) and stored beside its checkpoint as DIETClassifier.numpy.npz; loading a model that has
them builds this predictor and never runs TensorFlow for a message. `export` checks that this predictor
gives TensorFlow's confidences on the training messages (to 1e-4) and writes nothing when it does not, or
when the configuration is one it does not cover (a transformer, entity recognition, dense features,
dimension-unifying layers): then Rasa's DIET runs as before.
"""
from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np
import scipy.sparse
from scipy.special import erf

logger = logging.getLogger(__name__)
FILE_NAME = "DIETClassifier.numpy.npz"


def _gelu(x: np.ndarray) -> np.ndarray:
    """tf.nn.gelu (approximate=False): x * Phi(x)."""
    return (0.5 * x * (1.0 + erf(x / np.float32(math.sqrt(2.0))))).astype(np.float32)


class NumpyDIET:
    """The arrays of a trained DIET and its intent confidences for a batch of sentence count vectors."""

    def __init__(self, arrays: Dict[str, np.ndarray]):
        self.sentence_kernel = arrays["sentence_kernel"]
        self.sentence_bias = arrays["sentence_bias"]
        self.hidden = [(arrays[f"ffnn_{i}_kernel"], arrays[f"ffnn_{i}_bias"])
                       for i in range(int(arrays["ffnn_layers"]))]
        self.embed_kernel, self.embed_bias = arrays["embed_kernel"], arrays["embed_bias"]
        self.labels_embed = arrays["labels_embed"]
        self.cosine = bool(arrays["cosine"])
        self.softmax = bool(arrays["softmax"])

    def confidences(self, counts: scipy.sparse.csr_matrix) -> np.ndarray:
        x = np.asarray(counts.astype(np.float32) @ self.sentence_kernel) + self.sentence_bias
        for kernel, bias in self.hidden:
            x = _gelu(x @ kernel + bias)
        embed = x @ self.embed_kernel + self.embed_bias
        labels = self.labels_embed
        if self.cosine:
            embed = embed / np.maximum(np.linalg.norm(embed, axis=-1, keepdims=True), 1e-12)
            labels = labels / np.maximum(np.linalg.norm(labels, axis=-1, keepdims=True), 1e-12)
        sim = embed @ labels.T
        if not self.softmax:
            return sim.astype(np.float64)
        sim = sim - sim.max(axis=-1, keepdims=True)
        e = np.exp(sim)
        return (e / e.sum(axis=-1, keepdims=True)).astype(np.float64)

    def save(self, directory: Path) -> None:
        arrays: Dict[str, Any] = {
            "sentence_kernel": self.sentence_kernel, "sentence_bias": self.sentence_bias,
            "ffnn_layers": np.array(len(self.hidden)), "embed_kernel": self.embed_kernel,
            "embed_bias": self.embed_bias, "labels_embed": self.labels_embed,
            "cosine": np.array(self.cosine), "softmax": np.array(self.softmax)}
        for i, (kernel, bias) in enumerate(self.hidden):
            arrays[f"ffnn_{i}_kernel"], arrays[f"ffnn_{i}_bias"] = kernel, bias
        np.savez(directory / FILE_NAME, **arrays)

    @classmethod
    def load(cls, directory: Path) -> Optional["NumpyDIET"]:
        path = directory / FILE_NAME
        if not path.exists():
            return None
        with np.load(path, allow_pickle=False) as f:
            return cls({k: f[k] for k in f.files})


def sentence_counts(messages: List[Any], featurizers: List[str]) -> Optional[scipy.sparse.csr_matrix]:
    """The sentence-level sparse features of `messages` as DIET reads them (every featurizer's, in the order
    they were added: what Message.get_sparse_features combines, without its deep copies of the sequence
    features), one row each; None when a message has none, or dense ones (not covered here)."""
    from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT

    rows = []
    for m in messages:
        mine = [f for f in m.features if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE
                and (not featurizers or f.origin in featurizers)]
        sparse = [f.features for f in mine if f.is_sparse()]
        if not sparse or len(sparse) != len(mine):
            return None
        rows.append(scipy.sparse.hstack(sparse) if len(sparse) > 1 else sparse[0])
    return scipy.sparse.vstack(rows).tocsr()


def _covered(diet: Any) -> Optional[str]:
    """Why this numpy predictor does not cover `diet`'s configuration, or None when it does."""
    cfg = diet.component_config
    if not cfg.get("intent_classification") or cfg.get("entity_recognition"):
        return "entity recognition or no intent classification"
    layers = diet.model._tf_layers["sequence_layer.text"]
    if layers._has_transformer or cfg.get("use_masked_language_model"):
        return "a transformer or masked language modelling"
    combining = layers._tf_layers["feature_combining"]._tf_layers
    if any(name.startswith("unify_dims") for name in combining):
        return "dimension-unifying layers"
    sentence = combining["sparse_dense.sentence"]
    if "sparse_to_dense" not in sentence._tf_layers or getattr(sentence, "_dense_features_present", False) \
            or getattr(sentence._tf_layers["sparse_to_dense"], "activation", None) not in (None,) and \
            sentence._tf_layers["sparse_to_dense"].activation.__name__ != "linear":
        return "dense features or an activation on the sparse layer"
    return None


def export(diet: Any, messages: List[Any]) -> Optional[NumpyDIET]:
    """The numpy predictor of the trained TensorFlow DIET `diet` (a DIETClassifier with its model), checked
    against TensorFlow on `messages` (featurized training messages); None when not covered or not equal."""
    import tensorflow as tf

    why = _covered(diet)
    if why:
        logger.info("DIET stays on TensorFlow: %s", why)
        return None
    model = diet.model
    seq = model._tf_layers["sequence_layer.text"]
    s2d = seq._tf_layers["feature_combining"]._tf_layers["sparse_dense.sentence"]._tf_layers["sparse_to_dense"]
    arrays: Dict[str, Any] = {"sentence_kernel": s2d.kernel.numpy(), "sentence_bias": s2d.bias.numpy()}
    dense = [layer for layer in seq._tf_layers["ffnn"]._ffn_layers if hasattr(layer, "kernel")]
    for i, layer in enumerate(dense):
        if layer.activation is not tf.nn.gelu:
            logger.info("DIET stays on TensorFlow: a hidden layer without gelu")
            return None
        kernel = layer.kernel.numpy()
        if getattr(layer, "kernel_mask", None) is not None:
            kernel = kernel * layer.kernel_mask.numpy()
        arrays[f"ffnn_{i}_kernel"], arrays[f"ffnn_{i}_bias"] = kernel, layer.bias.numpy()
    arrays["ffnn_layers"] = np.array(len(dense))
    embed = model._tf_layers["embed.text"]._dense
    arrays["embed_kernel"], arrays["embed_bias"] = embed.kernel.numpy(), embed.bias.numpy()
    _ids, labels_embed = model._create_all_labels()
    arrays["labels_embed"] = labels_embed.numpy()
    loss = model._tf_layers["loss.label"]
    arrays["cosine"] = np.array(loss.similarity_type == "cosine")
    arrays["softmax"] = np.array(loss.model_confidence == "softmax")
    predictor = NumpyDIET(arrays)
    sample = [m for m in messages if m.get("text")][:300]
    counts = sentence_counts(sample, diet.component_config.get("featurizers", []))
    if counts is None or not sample:
        logger.info("DIET stays on TensorFlow: no sparse-only training messages to check the export on")
        return None
    ours = predictor.confidences(counts)
    theirs = np.stack([np.asarray(diet.model.run_inference(diet._create_model_data([m], training=False))
                                  ["i_scores"]).reshape(-1) for m in sample])
    worst = float(np.abs(ours - theirs).max())
    if worst > 1e-4 or (ours.argmax(axis=1) != theirs.argmax(axis=1)).any():
        logger.warning("DIET stays on TensorFlow: the numpy export differs from it by %.2g", worst)
        return None
    logger.info("DIET exported to numpy (largest confidence difference to TensorFlow %.1g)", worst)
    return predictor


def process(diet: Any, predictor: NumpyDIET, messages: List[Any]) -> List[Any]:
    """DIETClassifier.process for intents, with `predictor` instead of TensorFlow."""
    from rasa.shared.nlu.constants import INTENT
    from rasa.utils import train_utils

    cfg = diet.component_config
    featurizers = cfg.get("featurizers", [])
    renormalize = cfg.get("renormalize_confidences") and cfg.get("model_confidence") == "softmax"
    for message in messages:
        counts = sentence_counts([message], featurizers)
        label: Dict[str, Any] = {"name": None, "confidence": 0.0}
        ranking: List[Dict[str, Any]] = []
        if counts is not None:  # DIET predicts from an all-zero row too (bias only)
            sims = predictor.confidences(counts)[0]
            indices, sims = train_utils.rank_and_mask(sims, ranking_length=cfg["ranking_length"],
                                                      renormalize=renormalize)
            values = sims.tolist()
            label = {"name": diet.index_label_id_mapping[indices[0]], "confidence": values[indices[0]]}
            ranking = [{"name": diet.index_label_id_mapping[i], "confidence": values[i]} for i in indices]
        message.set(INTENT, label, add_to_output=True)
        message.set("intent_ranking", ranking, add_to_output=True)
    return messages


def load_mapping(directory: Path) -> Dict[int, str]:
    data = json.loads((directory / "DIETClassifier.index_label_id_mapping.json").read_text(encoding="utf-8"))
    return {int(k): v for k, v in data.items()}


def export_archive(model_path: str, data: str = "data/nlu") -> bool:
    """Add the numpy export to a trained model archive (a model trained before the export existed): DIET is
    loaded with TensorFlow, checked on the training messages featurized by the model's own pipeline."""
    import os
    import shutil
    import tarfile
    import tempfile

    os.environ["QUALIBOT_DIET_TF"] = "1"
    from rasa.core.agent import Agent
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.message import Message

    agent = Agent.load(model_path)
    nodes = agent.processor.graph_runner._instantiated_nodes  # type: ignore[union-attr]
    names = [n for n in nodes if n.startswith("run_")]
    diet_name = next((n for n in names if isinstance(nodes[n]._component, DIETClassifier)), None)
    if diet_name is None:
        return False
    before = [nodes[n]._component for n in names[:names.index(diet_name)]]
    messages = [Message(data={TEXT: e.get(TEXT)}) for e in load_data(data).intent_examples if e.get(TEXT)]
    for component in before:
        messages = component.process(messages)
    diet = nodes[diet_name]._component
    predictor = export(diet, messages)
    if predictor is None:
        return False
    resource_dir = f"components/{diet._resource.name}"
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(model_path, "r:gz") as tar:
            tar.extractall(tmp)
        predictor.save(Path(tmp) / resource_dir)
        out = Path(tmp) / "model.tar.gz"
        with tarfile.open(out, "w:gz") as tar:
            for item in sorted(Path(tmp).iterdir()):
                if item.name != "model.tar.gz":
                    tar.add(item, arcname=item.name)
        shutil.move(str(out), model_path)
    return True


if __name__ == "__main__":
    import sys

    logging.basicConfig(level=logging.INFO)
    ok = export_archive(sys.argv[1] if len(sys.argv) > 1 else "models/qualibot.tar.gz")
    print("numpy export added" if ok else "not exported (see the log)")
    sys.exit(0 if ok else 1)
