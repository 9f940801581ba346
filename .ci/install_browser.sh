#!/bin/sh
# Install the system Chromium used by the real-browser tests (tests/viz/test_browser_maps.py), plus a CJK
# font so that screenshots show Chinese names. Idempotent: does nothing if both are already there.
# Never use `playwright install` (it downloads its own browser; there is no internet on the CI runners).
set -eu
need=""
[ -x /usr/bin/chromium ] || need="$need chromium"
fc-list 2>/dev/null | grep -qi "wqy\|noto sans cjk" || need="$need fonts-wqy-microhei"
if [ -z "$need" ]; then
    echo "chromium and a CJK font are already installed: $(/usr/bin/chromium --version 2>/dev/null || true)"
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
# shellcheck disable=SC2086
$SUDO apt-get install -y --no-install-recommends $need
/usr/bin/chromium --version || true
