#!/usr/bin/env bash
# The shell of breakit's GitHub Action (action.yml at the repository root): every step of the
# action that runs a command runs this script. It reads its inputs from the environment only
# (action.yml maps each `inputs.*` to an environment variable: nothing is interpolated into a
# script), so it runs the same outside GitHub with the same variables (docs/ci.md, "The GitHub
# Action"):
#
#   run.sh install   pip install breakit (from BREAKIT_ACTION_PATH, default: this checkout)
#                    and INPUT_INSTALL, e.g. `-e .[test]`, in INPUT_WORKING_DIRECTORY
#   run.sh check     breakit check --generated, with --since the pull request's base commit on
#                    pull_request events, --output INPUT_OUTPUT_DIR; then the step's outputs
#                    (score, survivors, unchecked, exit-code, report-dir) into $GITHUB_OUTPUT,
#                    and exits with breakit's own exit code
#
# Environment (all optional):
#   INPUT_ARGS               more arguments to `breakit check`, split like a shell does (quotes)
#   INPUT_FAIL_UNDER         --fail-under SCORE
#   INPUT_SINCE              --since REV on any event (wins over the pull request's base)
#   INPUT_MAX_TIME           --max-time DURATION (e.g. 50m): the rest unchecked, exit 10
#   INPUT_OUTPUT_DIR         the report folder, relative to the working directory (breakit-report)
#   INPUT_WORKING_DIRECTORY  the project's folder (.)
#   INPUT_INSTALL            pip arguments for the project's own packages (install only)
#   BREAKIT_ACTION_PATH      the breakit source to pip install (install only)
#   BREAKIT_PYTHON           the Python to use (else `python`, else `python3`, from PATH)
#   GITHUB_EVENT_NAME, GITHUB_EVENT_PATH   the event: pull_request(_target) and merge_group
#                            events run --since their base commit, read from the event's JSON
#   GITHUB_OUTPUT            where the outputs go (`name=value` lines); printed when unset
#   GITHUB_STEP_SUMMARY, GITHUB_ACTIONS    breakit appends its Markdown summary to the job
#                            summary itself; this script adds one line when breakit wrote none
set -euo pipefail

log() { printf 'breakit-action: %s\n' "$*" >&2; }

# The Python that pip installs into and that runs breakit: one and the same.
choose_python() {
    if [ -n "${BREAKIT_PYTHON:-}" ]; then
        py="$BREAKIT_PYTHON"
    elif command -v python >/dev/null 2>&1; then
        py=python
    elif command -v python3 >/dev/null 2>&1; then
        py=python3
    else
        echo "::error title=breakit::no python on PATH: give the action a python-version, or set up Python before it"
        exit 2
    fi
}

# Split "$1" the way a shell would (quotes, backslashes) into NUL-terminated words in file "$2":
# inputs are single strings; never word-split them with bash itself.
split_words() {
    WORDS="$1" "$py" -c '
import os, shlex, sys
sys.stdout.write("".join(w + "\0" for w in shlex.split(os.environ["WORDS"])))
' >"$2" || {
        echo "::error title=breakit::cannot split into arguments (unbalanced quotes?): $1"
        exit 2
    }
}

set_output() {
    if [ -n "${GITHUB_OUTPUT:-}" ]; then
        printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
    fi
    log "output $1=$2"
}

enter_working_directory() {
    cd "${INPUT_WORKING_DIRECTORY:-.}" || {
        echo "::error title=breakit::working-directory ${INPUT_WORKING_DIRECTORY:-.} does not exist"
        exit 2
    }
}

cmd_install() {
    local action_path words
    action_path="${BREAKIT_ACTION_PATH:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
    enter_working_directory
    words="$(mktemp)"
    split_words "${INPUT_INSTALL:-}" "$words"
    local install=()
    while IFS= read -r -d '' word; do install+=("$word"); done <"$words"
    rm -f "$words"
    # One pip run: breakit and the project's packages are resolved together.
    log "$py -m pip install $action_path ${INPUT_INSTALL:-}"
    if ! "$py" -m pip install --disable-pip-version-check "$action_path" \
        ${install[@]+"${install[@]}"}; then
        echo "::error title=breakit::pip install failed. A system Python that refuses packages" \
            "(externally managed) needs the action's python-version input, or" \
            "actions/setup-python before it."
        exit 2
    fi
}

# The revision to diff against, into $since: the since input, else the pull request's (or merge
# queue's) base commit from the event's JSON; empty for a full run.
base_revision() {
    since="${INPUT_SINCE:-}"
    if [ -n "$since" ]; then
        return
    fi
    local key
    case "${GITHUB_EVENT_NAME:-}" in
        pull_request | pull_request_target) key=pull_request.base.sha ;;
        merge_group) key=merge_group.base_sha ;;
        *) return ;;
    esac
    if [ -z "${GITHUB_EVENT_PATH:-}" ] || [ ! -f "$GITHUB_EVENT_PATH" ]; then
        echo "::error title=breakit::a ${GITHUB_EVENT_NAME} event without its JSON" \
            "(GITHUB_EVENT_PATH): cannot find the base commit; set the since input"
        exit 2
    fi
    since="$(KEY="$key" "$py" -c '
import json, os, sys
value = json.load(open(os.environ["GITHUB_EVENT_PATH"], encoding="utf-8"))
for part in os.environ["KEY"].split("."):
    value = value.get(part) if isinstance(value, dict) else None
if not isinstance(value, str) or not value:
    sys.exit("the event has no " + os.environ["KEY"])
sys.stdout.write(value)
')" || {
        echo "::error title=breakit::cannot read the base commit from $GITHUB_EVENT_PATH: set the since input"
        exit 2
    }
}

# A shallow checkout (actions/checkout's default, fetch-depth: 1) lacks the base commit: fetch
# that one commit. fetch-depth: 0 avoids it. Only a full commit id can be fetched this way; any
# other revision must already be in the checkout (breakit says so, exit 2, when it is not).
ensure_commit() {
    local rev="$1"
    if git cat-file -e "${rev}^{commit}" 2>/dev/null; then
        return
    fi
    if [[ "$rev" =~ ^[0-9a-fA-F]{40}$ ]]; then
        log "$rev is not in the checkout (a shallow clone?): fetching it from origin"
        git fetch --no-tags --depth=1 origin "$rev" ||
            echo "::warning title=breakit::could not fetch $rev from origin: check out with fetch-depth: 0"
    fi
}

# score, survivors and unchecked from breakit's own document (docs/json.md): score is null when
# no mutant counts; survivors are the Survived and NoCoverage mutants, as in the summary;
# unchecked, those --max-time left.
read_results() {
    "$py" -c '
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
score = doc.get("score")
survivors = sum(m.get("verdict") in ("Survived", "NoCoverage") for m in doc.get("mutants", []))
print("" if score is None else f"{score:.1f}")
print(survivors)
print(doc.get("unchecked", 0))
' "$1"
}

cmd_check() {
    enter_working_directory
    local out="${INPUT_OUTPUT_DIR:-breakit-report}" report_dir words code note=""
    case "$out" in
        /*) report_dir="$out" ;;
        *) report_dir="$PWD/$out" ;;
    esac
    # Outputs are never read from an earlier run's files.
    rm -f "$report_dir"/{breakit.json,report.json,report.html,junit.xml,summary.md}

    local cmd=(check --generated)
    base_revision
    if [ -n "$since" ]; then
        ensure_commit "$since"
        cmd+=(--since "$since")
    fi
    if [ -n "${INPUT_FAIL_UNDER:-}" ]; then
        cmd+=(--fail-under "$INPUT_FAIL_UNDER")
    fi
    if [ -n "${INPUT_MAX_TIME:-}" ]; then
        cmd+=(--max-time "$INPUT_MAX_TIME")
    fi
    cmd+=(--output "$out")
    words="$(mktemp)"
    split_words "${INPUT_ARGS:-}" "$words"
    while IFS= read -r -d '' word; do cmd+=("$word"); done <"$words"
    rm -f "$words"

    log "breakit ${cmd[*]}"
    set +e
    "$py" -m breakit "${cmd[@]}"
    code=$?
    set -e

    local score="" survivors="" unchecked=""
    if [ -f "$report_dir/breakit.json" ]; then
        local results
        results="$(read_results "$report_dir/breakit.json")" || results=""
        score="$(sed -n 1p <<<"$results")"
        survivors="$(sed -n 2p <<<"$results")"
        unchecked="$(sed -n 3p <<<"$results")"
    elif [ "$code" -eq 0 ]; then
        # --since found nothing the change brings in: green, no mutant ran, no report.
        survivors=0
        unchecked=0
        note="nothing to check since \`$since\`: the change brings in no mutant"
    elif [ "$code" -eq 9 ]; then
        # An empty selection is never green (a typo in args, an empty shard): breakit's exit.
        note="breakit checked nothing (exit 9): the selection holds no mutant; see the step's log"
    else
        note="breakit exited $code before writing a report: see the step's log"
    fi
    if [ -n "$note" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
        printf '## breakit: %s\n' "$note" >>"$GITHUB_STEP_SUMMARY"
    fi
    set_output score "$score"
    set_output survivors "$survivors"
    set_output unchecked "$unchecked"
    set_output exit-code "$code"
    set_output report-dir "$report_dir"
    exit "$code"
}

choose_python
case "${1:-check}" in
    install) cmd_install ;;
    check) cmd_check ;;
    *)
        echo "usage: run.sh [install|check]" >&2
        exit 2
        ;;
esac
