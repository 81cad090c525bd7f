#!/usr/bin/env bash
# Build the Linux one-folder bundle (PyInstaller) and the .deb (dpkg-deb), from the project root:
#   packaging/build_linux.sh            ->  dist/pos-client/  and  dist/pos-client_<version>_<arch>.deb
#   packaging/build_linux.sh --no-deb   ->  the bundle only
# Uses the project's venv (.venv, or $POS_CLIENT_VENV), where `./run test` installed PyInstaller.
# Intermediate files go to build/ (kept between runs: PyInstaller reuses its analysis cache).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${POS_CLIENT_VENV:-.venv}"
PYTHON="$VENV/bin/python"
make_deb=1
for arg in "$@"; do
  case "$arg" in
    --no-deb) make_deb=0 ;;
    *) echo "usage: packaging/build_linux.sh [--no-deb]" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1m[build]\033[0m %s\n' "$*" >&2; }

[ -x "$PYTHON" ] || { say "no venv at $VENV: run ./run test (or ./run demo) once first"; exit 1; }
"$PYTHON" -c 'import PyInstaller' 2>/dev/null || { say "PyInstaller missing: $PYTHON -m pip install -e '.[test]'"; exit 1; }

start=$SECONDS
say "bundle: dist/pos-client/ (PyInstaller)"
"$PYTHON" -m PyInstaller --noconfirm --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/pos_client.spec
say "bundle ready in $((SECONDS - start)) s"

if [ "$make_deb" -eq 1 ]; then
  command -v dpkg-deb >/dev/null 2>&1 || { say "dpkg-deb missing: not a Debian system, .deb skipped"; exit 1; }
  deb_start=$SECONDS
  deb="$("$PYTHON" packaging/linux/make_deb.py --bundle dist/pos-client --out dist --work build/deb)"
  say "package: $deb ($((SECONDS - deb_start)) s)"
fi
say "done in $((SECONDS - start)) s"
