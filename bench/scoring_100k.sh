#!/usr/bin/env bash
# Training and scoring time of the repayment-propensity score on a 100,000-borrower demo
# (docs/scoring.md, "Measured"). Needs PostgreSQL; uses (and drops) the database fv_bench_score.
# Usage: bash bench/scoring_100k.sh [borrowers]
set -euo pipefail
BORROWERS="${1:-100000}"
DB="${BENCH_DB:-fv_bench_score}"
export DATABASE_URL="${BENCH_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/$DB}"
PY=.venv/bin/python
dropdb -h 127.0.0.1 -U postgres --if-exists "$DB"
createdb -h 127.0.0.1 -U postgres "$DB"
$PY manage.py migrate -v 0
time $PY manage.py seed_demo --borrowers "$BORROWERS" --no-history --no-score --today 2026-11-27
time $PY manage.py train_score --as-of 2026-11-27
time $PY manage.py score_cases --as-of 2026-11-27
