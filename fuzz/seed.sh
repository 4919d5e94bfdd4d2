#!/usr/bin/env bash
# Seeds libFuzzer's working corpus (fuzz/corpus/TARGET/, not committed) from the shipped files:
# scenarios for `scenario`, replay files for `replay`, and fuzz/seeds/set/ (`--set` lines taken
# from the README and CI) for `set`. Run from anywhere; safe to run again.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/scenario corpus/replay corpus/set
cp ../scenarios/*.yaml ../scenarios/validation/*.yaml corpus/scenario/
cp ../scenarios/replay/*.yaml ../scenarios/replay/*.json corpus/replay/
cp seeds/set/* corpus/set/
