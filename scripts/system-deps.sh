#!/usr/bin/env bash
# Check (and, as root with apt-get, install) what storykit needs from the system.
#   scripts/system-deps.sh run    # to build: Python 3.11+, Pango, fonts
#   scripts/system-deps.sh test   # to test too: Java (EPUBCheck), Node + Chromium (Ace), poppler-utils, espeak-ng
#   scripts/system-deps.sh bench  # to benchmark too: pandoc, the pipeline storykit is compared with
set -euo pipefail
level=${1:-run}

py_ok() { python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }
have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }

missing=()
py_ok || { echo "storykit needs python3 3.11 or newer (found: $(python3 --version 2>&1))." >&2; exit 1; }
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
have_lib libpango-1.0.so || missing+=(libpango-1.0-0)
have_lib libpangoft2-1.0.so || missing+=(libpangoft2-1.0-0)
have_lib libharfbuzz-subset.so || missing+=(libharfbuzz-subset0)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
if [ "$level" = test ]; then
  command -v java >/dev/null || missing+=(default-jre-headless)
  command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
  command -v chromium >/dev/null || missing+=(chromium)
  command -v pdftotext >/dev/null || missing+=(poppler-utils)
  command -v espeak-ng >/dev/null || missing+=(espeak-ng)
fi
if [ "$level" = bench ]; then
  command -v pandoc >/dev/null || missing+=(pandoc)
fi

[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing system packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "storykit needs these system packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
