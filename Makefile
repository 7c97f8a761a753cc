# Two commands on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
INDEX ?= index
PORT ?= 8501
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test setup browser ocr index bench clean

setup: $(STAMP) browser ocr

# torch first: the CPU wheel on this machine's disk. Installed after sentence-transformers,
# pip would fetch a multi-GB CUDA build instead.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

# The browser test drives Debian's Chromium (tests/test_browser.py); installed with apt when
# missing. Without root or apt the test skips and says why.
browser:
	@test -x /usr/bin/chromium -a -x /usr/bin/chromedriver || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  ($$SUDO apt-get update -q && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver) \
	  || echo "Chromium could not be installed: the browser test will be skipped."; }

# Scanned papers are read with Tesseract (pages rendered by poppler's pdftoppm); installed with
# apt when missing. Without them scans are recorded as needing OCR and tests/test_ocr.py skips.
ocr:
	@command -v tesseract >/dev/null && command -v pdftoppm >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  ($$SUDO apt-get update -q && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q tesseract-ocr tesseract-ocr-eng poppler-utils) \
	  || echo "Tesseract could not be installed: scanned pages will be recorded as needing OCR, and the OCR tests skipped."; }

# Rebuilt when a seed, its manifest or the chunker changes; ingest itself skips unchanged files.
index: $(INDEX)/manifest.json

$(INDEX)/manifest.json: $(STAMP) $(wildcard seeds/*) $(wildcard src/cs_archive/chunking/*.py) $(wildcard src/cs_archive/chunking/data/*)
	$(BIN)/cs-archive ingest seeds --index $(INDEX)
	touch $@

run: index
	$(BIN)/streamlit run app.py --server.address localhost --server.port $(PORT) --server.headless true \
		--browser.gatherUsageStats false

test: setup
	$(BIN)/python -m pytest -q

# Performance benchmark: prints tables, rewrites docs/performance.md and docs/scaling.png.
# BENCH_SCALE=0.05 for a quick run (fewer sections, sizes capped); see bench/run.py.
bench: setup
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) $(INDEX)/* .pytest_cache
