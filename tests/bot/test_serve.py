"""serve/: `rasa run` without TensorFlow for a model that does not need it (the stand-in), with it otherwise."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile

from serve import needs_tensorflow
from tests.nlu.evaluate import ROOT

MODEL = ROOT / "models" / "qualibot.tar.gz"


def _copy_without(tmp_path, suffix: str):
    out = tmp_path / "model.tar.gz"
    with tarfile.open(MODEL) as src, tarfile.open(out, "w:gz") as dst:
        for member in src.getmembers():
            if not member.name.endswith(suffix):
                dst.addfile(member, src.extractfile(member) if member.isfile() else None)
    return out


def test_our_model_runs_without_tensorflow():
    assert needs_tensorflow(str(MODEL)) is None


def test_a_model_without_the_numpy_export_needs_it(tmp_path):
    assert "DIET without its numpy export" in needs_tensorflow(str(_copy_without(tmp_path, "DIETClassifier.numpy.npz")))


def test_an_unknown_component_needs_it(tmp_path):
    out = tmp_path / "ted.tar.gz"
    with tarfile.open(MODEL) as src, tarfile.open(out, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member) if member.isfile() else None
            if member.name == "metadata.json":
                meta = json.load(data)
                meta["predict_schema"]["nodes"]["run_TEDPolicy9"] = {"uses": "rasa.core.policies.ted_policy.TEDPolicy"}
                raw = json.dumps(meta).encode()
                member.size, data = len(raw), io.BytesIO(raw)
            dst.addfile(member, data)
    assert "TEDPolicy" in needs_tensorflow(str(out))
    assert needs_tensorflow(str(tmp_path / "missing.tar.gz")).startswith("model not readable")


def test_the_stand_in_answers_as_tensorflow_did(catalog_db):
    """In a fresh process with the stand-in: Rasa imports, the model loads and parses; TensorFlow's library
    is never loaded (no _pywrap_tensorflow in the process)."""
    code = (
        "import serve, sys, asyncio; serve.install_stand_in()\n"
        "from rasa.core.agent import Agent\n"
        f"a = Agent.load({str(MODEL)!r})\n"
        "p = asyncio.run(a.parse_message('我有CFA证书，能认可吗'))\n"
        "maps = open('/proc/self/maps').read()\n"
        "print(p['intent']['name'], [e['value'] for e in p['entities'] if e['entity'] == 'qualification'],"
        " 'libtensorflow' in maps)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
                              "RASA_TELEMETRY_ENABLED": "false", "CATALOG_DB_URL": os.environ["CATALOG_DB_URL"]})
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().splitlines()[-1] == "ask_recognized ['R007'] False"
