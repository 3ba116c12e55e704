#!/usr/bin/env bash
# Installs Debian's PostgreSQL server (15), nginx-light, redis-server and strace for the shared-mode
# and cluster tests (tests/cluster.py, tests/test_deploy.py; strace kills a worker at an exact
# write), if missing. Starts nothing: the tests run
# their own servers on loopback with temporary directories, so no system service is enabled or started.
set -euo pipefail
have_postgres() { command -v initdb >/dev/null || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; }
have_nginx() { command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; }
have_redis() { command -v redis-server >/dev/null; }
have_strace() { command -v strace >/dev/null; }
missing=()
have_postgres || missing+=(postgresql)
have_nginx || missing+=(nginx-light)
have_redis || missing+=(redis-server)
have_strace || missing+=(strace)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != "0" ]; then
  echo "多进程部署测试需要 ${missing[*]}：请以 root 运行 apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
# Debian's maintainer scripts start a package's service unless policy-rc.d says no (101): say no
# for the length of the install, and leave an existing policy alone.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
