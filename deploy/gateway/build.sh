#!/usr/bin/env bash
# Build the REST gateway into deploy/gateway/bin/smaug-gateway (where `smaug up` looks for it)
# from the committed generated code; run generate.sh first after changing a .proto.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
go="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
cd "$here"
"$go" build -trimpath -o bin/smaug-gateway .
echo "built $here/bin/smaug-gateway"
