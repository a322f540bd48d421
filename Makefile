# TCB Links — the README's commands. Everything runs from the project's own .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: venv demo test check bench package soak clean translations

QM     := tcb_gui/resources/translations/tcb_gui_zh_CN.qm
TS     := $(wildcard resources/translations/*.ts)

venv: $(STAMP) $(QM)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Compiled translations (.qm) are built from the committed .ts sources, never committed.
$(QM): $(TS) $(STAMP)
	$(BIN)/python resources/translations/compile.py

translations: $(STAMP)
	$(BIN)/python resources/translations/compile.py --update
	$(BIN)/python resources/translations/compile.py

demo: venv
	$(BIN)/tcb-gui --demo

test: venv
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -p no:cacheprovider \
		-n auto --maxprocesses 4 --dist loadgroup

check: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy tcb_gui
	$(BIN)/lint-imports
	$(BIN)/python resources/translations/compile.py --check

bench: venv
	$(BIN)/python -m compileall -q tcb_gui  # start-up measured without recompiling changed modules
	$(BIN)/python -m bench

soak: venv
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -p no:cacheprovider -m slow tests/e2e

package: venv
	$(BIN)/pyinstaller --noconfirm --clean --distpath dist --workpath build packaging/tcb-gui.spec

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache
