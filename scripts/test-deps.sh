#!/usr/bin/env bash
# Installs what feast-go's tests need beyond Go, under ~/.cache/feast-go:
# - a virtualenv with Feast 0.67 (the reference implementation), pyiceberg, and moto (an
#   S3-compatible server the S3 registry tests start on loopback);
# - Apache Iceberg's REST catalog test server (org.apache.iceberg:iceberg-open-api,
#   a runnable jar, from Maven Central), started by the tests with `java -jar`.
# - a Prometheus Pushgateway and fake-gcs-server (a GCS emulator), built from their Go modules;
# - PostgreSQL, MariaDB and Redis (Debian packages postgresql, mariadb-server, redis-server,
#   redis-tools); the tests start their own servers on free loopback ports.
# Idempotent: what is already there and current is reused.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${FEAST_GO_CACHE:-$HOME/.cache/feast-go}
venv=$cache/venv
req=$root/testdata/feast/requirements.txt
stamp=$(sha256sum "$req" | cut -c1-16)

mkdir -p "$cache"

# Prerequisites that are toolchains, not packages this script installs.
for tool in go python3 java mvn; do
  command -v "$tool" >/dev/null || { echo "test-deps: $tool is required (Go 1.26, Python 3.11 with venv, Java 17, Maven)" >&2; exit 1; }
done

# System packages the tests start themselves (no service is left running).
need=()
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
command -v redis-server >/dev/null || need+=(redis-server)
[ -x /usr/sbin/mariadbd ] || need+=(mariadb-server)
command -v redis-cli >/dev/null || need+=(redis-tools)
command -v unzip >/dev/null || need+=(unzip)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "test-deps: please install: ${need[*]} (apt-get install ${need[*]})" >&2; exit 1
  fi
  echo "test-deps: installing ${need[*]} from Debian" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if [ "$(cat "$venv/.feast-go-stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "test-deps: creating $venv (Feast and pyiceberg from PyPI; a few minutes the first time)" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --cache-dir "$HOME/.cache/pip" -r "$req"
  echo "$stamp" > "$venv/.feast-go-stamp"
fi
"$venv/bin/python" -c 'import feast, pyiceberg; assert feast.__version__ == "0.67.0", feast.__version__'
echo "test-deps: Feast $("$venv/bin/python" -c 'import feast; print(feast.__version__)') at $venv" >&2

rest_version=1.10.1
jar=$cache/iceberg-rest-fixture-$rest_version.jar
if [ ! -s "$jar" ]; then
  echo "test-deps: fetching the Iceberg REST catalog server $rest_version from Maven Central" >&2
  m2=$cache/m2
  mvn -q -B -Dstyle.color=never -Dmaven.repo.local="$m2" dependency:get -Dtransitive=false \
    -Dartifact=org.apache.iceberg:iceberg-open-api:$rest_version
  mv "$m2/org/apache/iceberg/iceberg-open-api/$rest_version/iceberg-open-api-$rest_version.jar" "$jar"
fi
unzip -p "$jar" META-INF/MANIFEST.MF | grep -q 'Main-Class: org.apache.iceberg.rest.RESTCatalogServer'
echo "test-deps: Iceberg REST catalog server at $jar" >&2

# The Pushgateway, built once from its module (go install pkg@version is refused: the proxy
# does not list the module's versions, so it is built from a throwaway module that requires it).
pgw_version=v1.11.1
pgw=$cache/bin/pushgateway-$pgw_version
if [ ! -x "$pgw" ]; then
  echo "test-deps: building the Prometheus Pushgateway $pgw_version" >&2
  mod=$(mktemp -d)
  printf 'module pgwbuild\n\ngo 1.26\n\nrequire github.com/prometheus/pushgateway %s\n' "$pgw_version" >"$mod/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/prometheus/pushgateway"\n' >"$mod/tools.go"
  (cd "$mod" && GOFLAGS=-mod=mod go mod tidy && GOFLAGS=-mod=mod go build -o "$pgw.tmp" github.com/prometheus/pushgateway)
  mv "$pgw.tmp" "$pgw"
  rm -rf "$mod"
fi
echo "test-deps: Pushgateway at $pgw" >&2

# fake-gcs-server, a GCS emulator the GCS registry tests run on loopback, built once from its module.
fgcs_version=v1.56.1
fgcs=$cache/bin/fake-gcs-server-$fgcs_version
if [ ! -x "$fgcs" ]; then
  echo "test-deps: building fake-gcs-server $fgcs_version (a few minutes the first time)" >&2
  mod=$(mktemp -d)
  printf 'module fgcsbuild\n\ngo 1.26\n\nrequire github.com/fsouza/fake-gcs-server %s\n' "$fgcs_version" >"$mod/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/fsouza/fake-gcs-server"\n' >"$mod/tools.go"
  (cd "$mod" && GOFLAGS=-mod=mod go mod tidy && GOFLAGS=-mod=mod go build -o "$fgcs.tmp" github.com/fsouza/fake-gcs-server)
  mv "$fgcs.tmp" "$fgcs"
  rm -rf "$mod"
fi
echo "test-deps: fake-gcs-server at $fgcs" >&2
