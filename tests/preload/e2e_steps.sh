# shellcheck shell=sh
# e2e_lib.sh sources e2e_steps.sh from the directory of the running script;
# ours live in tests/preload, so this forwards to the real one, and points
# E2E_DIR (leak_check.awk, ...) back at tests/e2e.
E2E_DIR=$(cd "$E2E_DIR/../e2e" && pwd)
# shellcheck source=../e2e/e2e_steps.sh
. "$E2E_DIR/e2e_steps.sh"
