"""The gRPC runtime every process of the mesh shares: servers with health, reflection,
structured logs, rich errors and graceful shutdown on SIGTERM."""
