"""The public API service: smaug.v1 over gRPC (and, through the gateway, Karbor's REST face)."""
