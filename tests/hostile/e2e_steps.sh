# shellcheck shell=sh
# tests/e2e/e2e_lib.sh sources e2e_steps.sh from the folder of the running
# script ($0): for tests/hostile/*.sh that is this folder, so forward to the
# real one. hostile_env.sh then points E2E_DIR at tests/e2e (leak_check.awk).
. "$E2E_DIR/../e2e/e2e_steps.sh"
