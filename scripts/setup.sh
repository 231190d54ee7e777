#!/usr/bin/env bash
# Sets up this checkout on a Debian machine: Debian packages, virtualenv, Python packages.
# Safe to run again: it only installs what is missing or changed.
# Usage: scripts/setup.sh [runtime|test]   (test adds Chromium and poppler for the test suite)
set -euo pipefail
cd "$(dirname "$0")/.."

PROFILE=${1:-runtime}
PYTHON=${PYTHON:-python3.11}
# WeasyPrint needs Pango and HarfBuzz; reports need the Noto CJK fonts (embedded and subset in PDFs).
DEBS=(fonts-noto-cjk fonts-lxgw-wenkai libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 shared-mime-info)
# pg_dump / pg_restore: manage.py backup and restore on PostgreSQL
command -v pg_dump >/dev/null 2>&1 || DEBS+=(postgresql-client)
if [ "$PROFILE" = test ]; then
  DEBS+=(chromium poppler-utils)  # browser tests drive Debian's Chromium; pdftoppm for PDF checks
fi
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  PYTHON=python3
  DEBS+=(python3 python3-venv)
fi

missing=()
for pkg in "${DEBS[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "==> 安装 Debian 软件包：${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "缺少 Debian 软件包。请先以 root 身份运行：" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> 创建虚拟环境 .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.requirements.sha256
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> 安装 Python 依赖（requirements.txt）"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r requirements.txt
  echo "$want" > "$stamp"
fi
mkdir -p var
# A per-installation secret key, read by config/settings.py when SECRET_KEY is not set.
if [ ! -s var/secret_key ]; then
  .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key
  chmod 600 var/secret_key
fi
