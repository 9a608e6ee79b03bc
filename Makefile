# The two commands of the README: `make demo` and `make test`. Both do all set-up first.
.PHONY: setup demo test test-quick lint typecheck bench eval serve

setup:
	./scripts/setup.sh

demo: setup
	.venv/bin/quickturn demo

# The whole suite, slow model tests included (what CI runs).
test: setup
	.venv/bin/ruff check src tests
	.venv/bin/mypy
	.venv/bin/pytest -q

# Orchestration and parser tests only: no model loads.
test-quick: setup
	.venv/bin/pytest -q -m "not slow"

bench: setup
	.venv/bin/quickturn bench --embedded

eval: setup
	.venv/bin/quickturn eval --scenarios all
