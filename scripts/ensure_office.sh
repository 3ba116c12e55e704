#!/usr/bin/env bash
# Installs Debian's LibreOffice Writer (headless) and poppler-utils for the export render tests
# (tests/test_forms_export_render.py), and a CJK font, if missing.
set -euo pipefail
have_font() { fc-list 2>/dev/null | grep -qiE "wqy|noto.*cjk"; }
if command -v soffice >/dev/null && command -v pdftoppm >/dev/null && have_font; then exit 0; fi
if [ "$(id -u)" != "0" ]; then
  echo "导出渲染测试需要 LibreOffice 与 poppler：请以 root 运行 apt-get install -y --no-install-recommends libreoffice-writer-nogui poppler-utils fonts-wqy-microhei" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui poppler-utils fonts-wqy-microhei fontconfig >/dev/null
