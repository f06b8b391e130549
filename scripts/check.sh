#!/usr/bin/env bash
# The static checks CI runs, for use before a commit: lint, format, types.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
.venv/bin/mypy
