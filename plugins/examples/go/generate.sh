#!/usr/bin/env bash
# Regenerate the Go code in gen/ from the shared contracts in proto/ (left untouched: the Go
# import paths are given with M options, so the .proto files need no go_package option).
#
#   plugins/examples/go/generate.sh          rewrite gen/
#   plugins/examples/go/generate.sh --check  fail when the committed gen/ is stale (for CI)
#
# protoc comes from the repository's venv (grpcio-tools, tools/setup); protoc-gen-go and
# protoc-gen-go-grpc are built at the versions pinned by the tool directives in go.mod.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
go="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
python="${PYTHON:-$root/.venv/bin/python}"
module=smaug.example/goplugin

check=false
case "${1:-}" in
  "") ;;
  --check) check=true ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$here" && "$go" build -o "$work/bin/" \
  google.golang.org/protobuf/cmd/protoc-gen-go google.golang.org/grpc/cmd/protoc-gen-go-grpc)

maps=""
for pair in plugin/v1/plugin.proto=pluginv1 bank/v1/bank.proto=bankv1; do
  maps+="${maps:+,}Msmaug/${pair%%=*}=$module/gen/${pair##*=}"
done

mkdir -p "$work/out"
(cd "$root/proto" && "$python" -m grpc_tools.protoc -I "$root/proto" -I "$root/third_party" \
  --plugin=protoc-gen-go="$work/bin/protoc-gen-go" \
  --plugin=protoc-gen-go-grpc="$work/bin/protoc-gen-go-grpc" \
  --go_out="$work/out" --go_opt="module=$module,$maps" \
  --go-grpc_out="$work/out" --go-grpc_opt="module=$module,$maps" \
  smaug/plugin/v1/plugin.proto smaug/bank/v1/bank.proto)

if $check; then
  if ! diff -r "$work/out/gen" "$here/gen"; then
    echo "plugins/examples/go/gen is stale: run plugins/examples/go/generate.sh" >&2
    exit 1
  fi
  echo "plugins/examples/go/gen is up to date"
else
  rm -rf "$here/gen"
  cp -r "$work/out/gen" "$here/gen"
  echo "regenerated plugins/examples/go/gen"
fi
