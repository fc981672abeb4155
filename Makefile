# CRM research workbook: `make report` builds every report, `make test` runs the whole suite.
# Both set everything up on a fresh machine: a virtual environment in .venv with the pip
# packages from pyproject.toml, and (as root) the Debian packages the PDF route needs.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Extra arguments for the report command, e.g. make report ARGS="--only 01 02 -p dataset cdnow"
ARGS   ?=
DATASET ?=
# Report language: en (default) or zh, e.g. make report REPORT_LANG=zh (or make report-zh) → reports/zh/.
# Not LANG: make inherits the locale variable LANG from the environment.
REPORT_LANG ?= en
REPORT_PARAMS := $(if $(DATASET),-p dataset $(DATASET),) --lang $(REPORT_LANG)

.PHONY: large-log help setup system-deps report report-zh test lab simulate clean-generated knowledge-reports serve slides editions lab-deps

help:
	@echo "make report    run every notebook with papermill and write PDFs to reports/"
	@echo "               (DATASET=cdnow|xiaomi_sim, REPORT_LANG=en|zh, ARGS='--only 01 02 -p name value ...')"
	@echo "make report-zh the Chinese report set (figures, table headers, headings in Chinese) in reports/zh/"
	@echo "make test      run the whole test suite (unit tests, nbval on every notebook, PDF checks)"
	@echo "make lab       open JupyterLab with the project's environment (on 127.0.0.1; as root too)"
	@echo "make simulate  regenerate the simulated export in data/raw/xiaomi_sim (same seed, same files)"
	@echo "make knowledge-reports SEGMENT=champions TOP=20   per-customer knowledge reports (PDF + HTML)"
	@echo "make editions  course kit: editions/student/ (answers blank), editions/instructor/ (solutions, notes,"
	@echo "               nbgrader config), the same in Chinese in editions/zh/"
	@echo "make slides    slides per session (reveal.js HTML that opens offline + PDF), en and zh, in slides/"
	@echo "make serve     the sharing end (web) on http://127.0.0.1:8866/ after make report and an account:"
	@echo "               .venv/bin/crm-knowledge add-user NAME --role admin   (DATASET=, HOST=, PORT=)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

setup: $(STAMP)

system-deps:
	@scripts/system-deps.sh

report: setup system-deps
	$(BIN)/python -m helpers.report $(REPORT_PARAMS) $(ARGS)

report-zh:
	$(MAKE) report REPORT_LANG=zh

# Two workers, a test file each at a time (its module fixtures built once): 1,272 tests in 10 min 21 s on the
# 2-core machine against 15 min 26 s in one process. Run a file alone with .venv/bin/python -m pytest tests/test_x.py.
test: setup system-deps lab-deps
	$(BIN)/python -m pytest -n 2 --dist loadfile

# The sharing end of the customer knowledge system (helpers.sharing): a web application over the knowledge base
# notebook 07 builds. Needs an account first: .venv/bin/crm-knowledge add-user NAME --role sales|analyst|admin
HOST ?= 127.0.0.1
PORT ?= 8866
serve: setup
	$(BIN)/crm-knowledge serve --host $(HOST) --port $(PORT) $(if $(DATASET),--dataset $(DATASET),)

# JupyterLab on localhost with a token (printed in the log). Course containers and cloud notebooks run as root,
# where Jupyter refuses to start unless told --allow-root: passed only when the user is root.
# tests/test_lab_browser.py starts JupyterLab with this very command (make -n lab), so `make test` installs the lab extra.
LAB_PORT ?= 8888
LAB_STAMP := $(VENV)/.installed-lab
$(LAB_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,lab]"
	@touch $@
lab-deps: $(LAB_STAMP)
lab: lab-deps
	$(BIN)/jupyter lab --notebook-dir=notebooks --ServerApp.ip=127.0.0.1 --ServerApp.port=$(LAB_PORT) \
		$(if $(filter 0,$(shell id -u)),--allow-root,)

# Course kit: a student and an instructor edition of every numbered notebook, plus glossary.md
editions: setup
	$(BIN)/python -m helpers.teaching editions --out editions

# Slides per session (helpers.teaching.slides): the notebooks run in both languages (executed copies in reports/ and
# reports/zh/, no PDFs), then reveal.js decks + PDF prints in slides/en and slides/zh; reveal.js from npm (slides/assets).
slides: setup system-deps
	$(BIN)/python -m helpers.report --no-pdf $(if $(DATASET),-p dataset $(DATASET),) --lang en
	$(BIN)/python -m helpers.report --no-pdf $(if $(DATASET),-p dataset $(DATASET),) --lang zh
	$(BIN)/python -m helpers.teaching slides --out slides

simulate: setup
	$(BIN)/python -m helpers.simulate --out data/raw/xiaomi_sim

clean-generated:
	rm -rf data/interim/* data/processed/* reports/*.ipynb reports/*.html reports/*.pdf reports/figures reports/tables reports/zh

# Per-customer / per-segment knowledge reports (after `make report` has built the knowledge base):
#   make knowledge-reports SEGMENT=champions TOP=20     or     make knowledge-reports CUSTOMER=<id>
SEGMENT ?= champions
TOP ?= 20
CUSTOMER ?=
knowledge-reports: setup system-deps
	$(BIN)/python -m helpers.report $(REPORT_PARAMS) --knowledge-reports $(if $(CUSTOMER),customer=$(CUSTOMER),segment=$(SEGMENT) top=$(TOP))

# A generated SIMULATED log for the scale runs (issue 6): hive-partitioned Parquet, chunk by chunk.
#   make large-log ROWS=50M   →  data/interim/generated/xiaomi_sim_50m/ (git-ignored; ~1 GB, ~15 min)
ROWS ?= 50M
LARGE_LOG := data/interim/generated/xiaomi_sim_$(shell echo $(ROWS) | tr A-Z a-z)
large-log: setup
	$(BIN)/python -m helpers.simulate --large-log $(ROWS) --out $(LARGE_LOG)
