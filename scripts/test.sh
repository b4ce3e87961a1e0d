#!/usr/bin/env bash
# The README's test command (`npm test`): provisions what the tests need (scripts/provision.sh), then
# the format, the import rules, typecheck, lint and every test of every workspace, one task at a time (2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
# Offline, as .ci/run: no Turborepo, Next.js or ONNX Runtime telemetry, no update check.
export TURBO_TELEMETRY_DISABLED=1 NEXT_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1 ORT_DISABLE_TELEMETRY=1
# shellcheck source=scripts/provision.sh
. scripts/provision.sh
# One format (Prettier, .prettierrc.json: `npm run format` applies it).
npm run --silent format:check
# No import cycles, and face-core free of the apps (.dependency-cruiser.cjs).
npm run --silent check:imports
exec npx turbo run typecheck lint test --concurrency=1
