#!/bin/sh
# The wheel is complete: build it, install it with its dependencies into a fresh virtual
# environment outside the source tree, then, from an empty folder, ask the installed app the
# sample report's question (it must answer with a citation) and run its --smoke-test.
# Used by `make package-wheel`. PYTHON, TORCH_SPEC and LLAMA_CMAKE_ARGS come from the Makefile.
set -eu

PYTHON=${PYTHON:-python3}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIST="$ROOT/dist"

rm -rf "$ROOT/build" "$DIST"/longread-*.whl
"$PYTHON" -m pip wheel --quiet --no-deps --wheel-dir "$DIST" "$ROOT"
WHEEL=$(ls "$DIST"/longread-*.whl)
echo "built $WHEEL ($(du -h "$WHEEL" | cut -f1))"

SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
"$PYTHON" -m venv "$SCRATCH/venv"
VENV_PY="$SCRATCH/venv/bin/python"
# A CPU build of torch first, so nothing pulls a multi-GB GPU build (as the Makefile does).
"$VENV_PY" -m pip install --quiet "$TORCH_SPEC"
CMAKE_ARGS="${LLAMA_CMAKE_ARGS:-}" "$VENV_PY" -m pip install --quiet "$WHEEL"

mkdir "$SCRATCH/elsewhere"
cd "$SCRATCH/elsewhere"  # nothing of the source tree is importable from here
export LONGREAD_HOME="$SCRATCH/home"
SAMPLE=$("$VENV_PY" -c "from core.paths import resource; print(resource('sample', 'harbor-report.pdf'))")
case "$SAMPLE" in
    "$ROOT"*) echo "the sample was found in the source tree, not the install: $SAMPLE"; exit 1 ;;
esac
echo "the installed sample: $SAMPLE"
"$SCRATCH/venv/bin/longread" ask "$SAMPLE" -q "How many visits did the library welcome in 2023?" \
    --mode rag --json > answer.json
"$VENV_PY" - <<'PY'
import json
answer = json.load(open("answer.json"))
assert "184,200" in answer["answer"], answer["answer"]
assert any(c["page_label"] == "1" for c in answer["citations"]), answer["citations"]
print(f"installed app answered: {answer['answer']!r}, citing page 1")
PY
"$SCRATCH/venv/bin/longread" --smoke-test
echo "the wheel works outside the source tree"
