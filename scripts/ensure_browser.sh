#!/usr/bin/env bash
# Installs Debian's chromium and a CJK font for the browser tests, if missing.
# Never downloads a browser build of its own (no `playwright install`).
set -euo pipefail
have_font() { fc-list 2>/dev/null | grep -qiE "wqy|noto.*cjk"; }
if [ -x /usr/lib/chromium/chromium ] && have_font; then exit 0; fi
if [ "$(id -u)" != "0" ]; then
  echo "浏览器测试需要 chromium 与中文字体：请以 root 运行 apt-get install -y chromium fonts-wqy-microhei" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq chromium fonts-wqy-microhei fontconfig >/dev/null
