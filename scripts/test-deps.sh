#!/usr/bin/env bash
# Installs what feast-go's tests need beyond Go: a virtualenv with Feast 0.67
# (the reference implementation) and pyiceberg under ~/.cache/feast-go/venv.
# Idempotent: a venv whose requirements did not change is reused.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${FEAST_GO_CACHE:-$HOME/.cache/feast-go}
venv=$cache/venv
req=$root/testdata/feast/requirements.txt
stamp=$(sha256sum "$req" | cut -c1-16)

mkdir -p "$cache"
if [ "$(cat "$venv/.feast-go-stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "test-deps: creating $venv (Feast and pyiceberg from PyPI; a few minutes the first time)" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --cache-dir "$HOME/.cache/pip" -r "$req"
  echo "$stamp" > "$venv/.feast-go-stamp"
fi
"$venv/bin/python" -c 'import feast, pyiceberg; assert feast.__version__ == "0.67.0", feast.__version__'
echo "test-deps: Feast $("$venv/bin/python" -c 'import feast; print(feast.__version__)') at $venv" >&2
