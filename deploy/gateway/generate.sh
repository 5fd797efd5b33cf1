#!/usr/bin/env bash
# Regenerate the gateway's Go code (gen/) and OpenAPI documents (openapi/) from proto/: the
# native smaug.v1 API and the Karbor v1 face (smaug.compat.karbor.v1). The .proto files are
# left untouched: Go import paths are given with M options, so they need no go_package option.
#
#   deploy/gateway/generate.sh          rewrite gen/ and openapi/
#   deploy/gateway/generate.sh --check  fail when the committed gen/ or openapi/ is stale (CI)
#
# protoc comes from the repository's venv (grpcio-tools, tools/setup); protoc-gen-go,
# protoc-gen-go-grpc, protoc-gen-grpc-gateway and protoc-gen-openapiv2 are built from the Go
# module proxy at the versions pinned by the tool directives in go.mod.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
go="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
python="${PYTHON:-$root/.venv/bin/python}"
module=smaug.dev/gateway

check=false
case "${1:-}" in
  "") ;;
  --check) check=true ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$here" && "$go" build -o "$work/bin/" \
  google.golang.org/protobuf/cmd/protoc-gen-go \
  google.golang.org/grpc/cmd/protoc-gen-go-grpc \
  github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-grpc-gateway \
  github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-openapiv2)

cd "$root/proto"
native=(smaug/v1/*.proto)
karbor=(smaug/compat/karbor/v1/*.proto)
maps=""
for f in "${native[@]}"; do maps+="${maps:+,}M$f=$module/gen/smaugv1"; done
for f in "${karbor[@]}"; do maps+="${maps:+,}M$f=$module/gen/karborv1"; done

protoc() {
  "$python" -m grpc_tools.protoc -I "$root/proto" -I "$root/third_party" \
    --plugin=protoc-gen-go="$work/bin/protoc-gen-go" \
    --plugin=protoc-gen-go-grpc="$work/bin/protoc-gen-go-grpc" \
    --plugin=protoc-gen-grpc-gateway="$work/bin/protoc-gen-grpc-gateway" \
    --plugin=protoc-gen-openapiv2="$work/bin/protoc-gen-openapiv2" "$@"
}

mkdir -p "$work/out" "$work/openapi"
protoc --go_out="$work/out" --go_opt="module=$module,$maps" \
  --go-grpc_out="$work/out" --go-grpc_opt="module=$module,$maps" \
  --grpc-gateway_out="$work/out" --grpc-gateway_opt="module=$module,$maps" \
  "${native[@]}" "${karbor[@]}"
# One OpenAPI (Swagger 2.0) document per face, with proto field names as served.
protoc --openapiv2_out="$work/openapi" \
  --openapiv2_opt="$maps,allow_merge=true,merge_file_name=smaug.v1,json_names_for_fields=false" \
  "${native[@]}"
protoc --openapiv2_out="$work/openapi" \
  --openapiv2_opt="$maps,allow_merge=true,merge_file_name=karbor.v1,json_names_for_fields=false" \
  "${karbor[@]}"

if $check; then
  stale=false
  diff -r "$work/out/gen" "$here/gen" || stale=true
  diff -r "$work/openapi" "$here/openapi" || stale=true
  if $stale; then
    echo "deploy/gateway/gen or openapi is stale: run deploy/gateway/generate.sh" >&2
    exit 1
  fi
  echo "deploy/gateway/gen and openapi are up to date"
else
  rm -rf "$here/gen" "$here/openapi"
  cp -r "$work/out/gen" "$here/gen"
  cp -r "$work/openapi" "$here/openapi"
  echo "regenerated deploy/gateway/gen and deploy/gateway/openapi"
fi
