# Set-up and entry points. `make demo` and `make test` need nothing installed
# by hand: Python packages go into .venv, Debian test tools come from apt-get.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LOCK := requirements.lock
OLDEST := .venv-oldest
OLDEST_LOCK := requirements-oldest.lock
OLDEST_STAMP := $(OLDEST)/.installed
LOCK_VENV := .venv-lock

# Debian packages the tests use as independent oracles (command -> package).
TEST_TOOLS := gs:ghostscript fsck.fat:dosfstools mcopy:mtools exiftool:libimage-exiftool-perl \
	mat2:mat2 f3probe:f3 fusermount3:fuse3 pdftotext:poppler-utils qpdf:qpdf losetup:mount \
	mkfs.ext2:e2fsprogs findmnt:util-linux lsblk:util-linux partx:util-linux \
	zimcheck:zim-tools zimdump:zim-tools kiwix-serve:kiwix-tools \
	chromium:chromium chromedriver:chromium-driver \
	soffice:libreoffice-writer-nogui soffice:libreoffice-calc-nogui soffice:libreoffice-impress-nogui
# Peers measured against in benchmarks only.
BENCH_TOOLS := HandBrakeCLI:handbrake-cli hyperfine:hyperfine

.PHONY: venv lock test demo bench lint format debian-test-tools debian-bench-tools clean

venv: $(STAMP)

# Exactly the locked set (hashes checked), then the project itself without
# resolving anything: two machines that run this get the same versions.
$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { $(MAKE) --no-print-directory _apt PKGS=python3-venv && $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

# The lowest pikepdf pyproject allows, for the test that cleans PDFs with it.
$(OLDEST_STAMP): $(OLDEST_LOCK)
	@$(PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/python -m pip install --quiet --require-hashes --no-deps -r $(OLDEST_LOCK)
	@touch $(OLDEST_STAMP)

# Refresh the locks on purpose (new versions change card bytes: see README).
lock:
	@$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet "pip-tools==7.6.2"
	$(LOCK_VENV)/bin/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe \
	  --no-emit-find-links --no-emit-index-url --extra test --extra cluster --all-build-deps \
	  --output-file $(LOCK) pyproject.toml
	$(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe \
	  --no-emit-find-links --no-emit-index-url --output-file $(OLDEST_LOCK) requirements-oldest.in

# Install each missing tool's package; apt-get update only when needed.
debian-test-tools:
	@$(MAKE) --no-print-directory _tools TOOLS="$(TEST_TOOLS)"

debian-bench-tools: debian-test-tools
	@$(MAKE) --no-print-directory _tools TOOLS="$(BENCH_TOOLS)"

_tools:
	@missing=""; for pair in $(TOOLS); do cmd=$${pair%%:*}; pkg=$${pair##*:}; \
	  command -v $$cmd >/dev/null 2>&1 || [ -x /sbin/$$cmd ] || [ -x /usr/sbin/$$cmd ] || missing="$$missing $$pkg"; done; \
	  if [ -n "$$missing" ]; then $(MAKE) --no-print-directory _apt PKGS="$$missing"; fi

_apt:
	@echo "installing Debian packages:$(PKGS)"
	@SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(PKGS) >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(PKGS); }

test: venv $(OLDEST_STAMP) debian-test-tools
	$(VENV)/bin/ruff check src tests benchmarks
	$(PY) -m pytest -n 2 --timeout 600 $(PYTEST_ARGS)

demo: venv
	$(VENV)/bin/sneakernet demo

bench: venv debian-bench-tools
	$(PY) -m benchmarks $(BENCH_ARGS)

lint: venv
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

format: venv
	$(VENV)/bin/ruff format src tests benchmarks
	$(VENV)/bin/ruff check --fix src tests benchmarks

clean:
	rm -rf $(VENV) $(OLDEST) $(LOCK_VENV) build dist src/*.egg-info .pytest_cache .ruff_cache .hypothesis
