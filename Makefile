# Longread: `make run` and `make test` set everything up on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# A CPU build of torch is installed before the project so nothing pulls a multi-GB GPU build.
TORCH_SPEC ?= torch==2.13.0
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test lint bench package package-wheel clean screenshots

# llama.cpp is built from source the first time (~6 minutes on 2 cores; pip keeps the wheel, so
# later installs take seconds). Built portable: a native build uses every instruction this CPU
# lists (AMX here), and a virtual machine that hides one dies with SIGILL on the first token.
ifeq ($(shell uname -m),x86_64)
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
else
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF
endif

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip install --quiet -e ".[test,ocr]"
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/longread $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

# The window in its main states, rendered under a virtual X server (xvfb-run), for the README.
screenshots: $(STAMP)
	xvfb-run -a -s "-screen 0 1600x1000x24" $(BIN)/python -m app.screenshots resources/screenshots

# The wheel, installed with its dependencies into a fresh venv outside the tree, must answer.
package-wheel: $(STAMP)
	PYTHON=$(BIN)/python TORCH_SPEC="$(TORCH_SPEC)" LLAMA_CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" \
		sh packaging/wheel_check.sh

# The frozen bundle, then the Linux packages, installed into a scratch root and smoke-tested.
package: package-wheel
	$(BIN)/python -m pip install --quiet -e ".[test,ocr,package]"
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
		packaging/longread.spec
	sh packaging/linux/build.sh

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .import_linter_cache

bench: $(STAMP)
	$(BIN)/python bench/extract_speed.py $(wildcard /usr/share/doc/*/*.pdf)
	$(BIN)/python -c "import llama_index.readers.file" 2>/dev/null \
		|| $(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python bench/index_speed.py $(wildcard /usr/share/doc/*/*.pdf)
	$(BIN)/python bench/llm_speed.py
	$(BIN)/python bench/llm_speed.py --model synthetic --lengths 1000,4000 --repeats 2 --ttft-tokens 3000
	$(BIN)/python bench/first_answer.py
	$(BIN)/python bench/ask_twice.py
	$(BIN)/python bench/scale.py --json bench/out/scale.json
