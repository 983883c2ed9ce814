#!/usr/bin/env bash
# The browser tests drive Debian's chromium (never a downloaded build), and the drawn pictures and
# posters need a CJK font: install whichever of the two is absent.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} = 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "The tests need ${missing[*]}: run 'sudo apt-get install ${missing[*]}' once." >&2
  exit 1
fi
echo "Installing ${missing[*]} for the tests…"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
