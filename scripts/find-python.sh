#!/usr/bin/env bash
# Prints the path of a Python >= 3.12 interpreter, or fails with a clear message.
# Candidates are *run*, not just looked up: pyenv shims exist on PATH even when their version is not selected.
set -u
check='import sys; assert sys.version_info >= (3, 12); print(sys.executable)'
try() { out=$("$@" -c "$check" 2>/dev/null) && [ -n "$out" ] && { echo "$out"; exit 0; }; }
[ -n "${PYTHON:-}" ] && try "$PYTHON"
for exe in python3.14 python3.13 python3.12 python3; do try "$exe"; done
if command -v pyenv >/dev/null 2>&1; then
  for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9])' | sort -rV); do
    try env PYENV_VERSION="$v" python"${v%.*}"
    try env PYENV_VERSION="$v" python3
  done
fi
for p in "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3 /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do
  [ -x "$p" ] && try "$p"
done
echo "error: PMIP needs Python 3.12 or newer (Django 6 refuses older versions)." >&2
echo "       Tried python3.14/3.13/3.12/python3 on PATH and pyenv versions; none is >= 3.12." >&2
echo "       Install one (e.g. 'pyenv install 3.13') or set PYTHON=/path/to/python3.13." >&2
exit 1
