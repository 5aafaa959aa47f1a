#!/usr/bin/env bash
# Builds the embedded FerretDB into $1 (default ../../.cache/bin/ferretdb).
#
# FerretDB v1.24 itself, unchanged but for one thing: the SQLite backend's Query pushes its
# filter down through pushdown/sqlite_pushdown.go (ours) instead of its own `_id`-only check.
# The build copies the module out of Go's module cache into a temporary directory, patches the
# copy and builds against it through a temporary go.mod with a replace directive; the module
# cache stays untouched, and nothing of FerretDB's source is kept in this repository. The build fails if the lines it
# replaces ever change (a FerretDB upgrade), rather than building without the pushdown.
set -euo pipefail
out="$(realpath -m "${1:-$(dirname "$0")/../../.cache/bin/ferretdb}")"
cd "$(dirname "$0")"
mkdir -p "$(dirname "$out")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# On a fresh machine the module is not in Go's cache yet: `go list` then prints no directory.
go mod download github.com/FerretDB/FerretDB
module="$(go list -m -f '{{.Dir}}' github.com/FerretDB/FerretDB)"
if [ -z "$module" ] || [ ! -d "$module" ]; then
  echo "tools/ferretdb/build.sh: FerretDB's module is not in Go's module cache after go mod download" >&2
  exit 1
fi
cp -R "$module" "$work/ferretdb"
chmod -R u+w "$work/ferretdb"
pkg="$work/ferretdb/internal/backends/sqlite"

# The `_id`-only where clause of collection.Query becomes a call to pushdownWhere.
perl -0pi -e '
  $n = s{\n\tif params\.Filter\.Len\(\) == 1 \{\n\t\tv, _ := params\.Filter\.Get\("_id"\)\n\t\tswitch v\.\(type\) \{\n\t\tcase string, types\.ObjectID:\n\t\t\twhereClause = fmt\.Sprintf\(` WHERE %s = \?`, metadata\.IDColumn\)\n\t\t\targs = \[\]any\{string\(must\.NotFail\(sjson\.MarshalSingleValue\(v\)\)\)\}\n\t\t\}\n\t\}\n\n\tq \+= whereClause}{\n\twhereClause, args = pushdownWhere(params.Filter)\n\n\tq += whereClause};
  END { exit($n == 1 ? 0 : 3) }
' "$pkg/collection.go" || {
  echo "tools/ferretdb/build.sh: FerretDB's collection.go no longer has the where clause the pushdown replaces" >&2
  exit 1
}
cp pushdown/sqlite_pushdown.go "$pkg/switchboard_pushdown.go"

cp go.mod "$work/go.mod"
cp go.sum "$work/go.sum"
echo "replace github.com/FerretDB/FerretDB => $work/ferretdb" >> "$work/go.mod"

CGO_ENABLED=0 go build -modfile "$work/go.mod" -o "$out.$$.tmp" .
# Renamed into place: a concurrent start never runs a half-written binary.
mv "$out.$$.tmp" "$out"
