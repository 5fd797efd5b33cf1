// Command smaug-gateway is Smaug's REST bridge: a grpc-gateway in front of the api service.
//
// It serves two faces from one listener:
//
//   - the native smaug.v1 API over REST (paths /v1/plans, /v1/providers/..., as annotated in
//     proto/smaug/v1), JSON with proto field names, grpc-gateway's error body;
//   - a Karbor v1 face at /v1/{project_id}/... (smaug.compat.karbor.v1), marshalled exactly as
//     karbor-api does, with Karbor's fault envelope and status codes.
//
// The caller's identity is passed through: the X-Auth-Token (or Authorization) header becomes
// gRPC metadata, so the api authenticates every call itself.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

func main() {
	listen := flag.String("listen", envOr("SMAUG_GATEWAY__LISTEN", "127.0.0.1:8799"), "address to serve REST on")
	api := flag.String("api", envOr("SMAUG_GATEWAY__API_ADDRESS", "127.0.0.1:8790"), "address of the smaug api (gRPC)")
	flag.Parse()

	conn, err := grpc.NewClient(*api, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatalf("smaug-gateway: api address %q: %v", *api, err)
	}
	defer conn.Close()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	handler, err := NewHandler(ctx, conn)
	if err != nil {
		log.Fatalf("smaug-gateway: %v", err)
	}
	lis, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("smaug-gateway: listen %s: %v", *listen, err)
	}
	server := &http.Server{Handler: handler, ReadHeaderTimeout: 30 * time.Second}
	// The launcher (and tests) read this line to learn the bound address (useful with port 0).
	fmt.Printf("smaug-gateway listening on http://%s (api %s)\n", lis.Addr(), *api)
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = server.Shutdown(shutdown)
	}()
	if err := server.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatalf("smaug-gateway: %v", err)
	}
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
