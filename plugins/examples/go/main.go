// Command go-example is a Smaug protection plugin written in Go. It shows that a plugin in
// another language needs nothing from Smaug but the contracts in proto/: it serves
// smaug.plugin.v1.ProtectionPluginService for one resource type, Example::Note, and keeps each
// note's copy in the bank through smaug.bank.v1.BankService.
//
// Launched by the protection service (SMAUG_PLUGIN_MAGIC_COOKIE set), it listens on
// SMAUG_PLUGIN_LISTEN and prints the one-line handshake; otherwise it runs attached and needs
// --listen. Notes come from the JSON settings in SMAUG_PLUGIN_CONFIG or --config:
//
//	{"notes": {"n1": "hello", "n2": "world"}}
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	"smaug.example/goplugin/gen/pluginv1"
)

// Launch protocol of smaug.plugin.v1 (see plugin.proto).
const (
	magicCookieKey   = "SMAUG_PLUGIN_MAGIC_COOKIE"
	magicCookieValue = "d2a5f3a0-smaug-plugin"
	coreVersion      = 1
	healthName       = "plugin"
	defaultListen    = "127.0.0.1:0"
)

// contractVersions are the smaug.plugin contract versions this plugin speaks.
var contractVersions = []int32{1}

// stopGrace bounds a graceful stop; the host sends SIGKILL 5 s after SIGTERM.
const stopGrace = 4 * time.Second

func main() {
	log := newLogger(os.Stderr)
	if err := run(log); err != nil {
		log.Error(err.Error())
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	listen := flag.String("listen", "", "address to listen on, HOST:PORT or unix:PATH (required when attached)")
	settings := flag.String("config", "", "plugin settings as JSON (default: $SMAUG_PLUGIN_CONFIG)")
	flag.Parse()

	launched := os.Getenv(magicCookieKey) == magicCookieValue
	address := *listen
	contract := contractVersions[len(contractVersions)-1]
	if launched {
		if address == "" {
			address = cmp.Or(os.Getenv("SMAUG_PLUGIN_LISTEN"), defaultListen)
		}
		picked, err := pickContract(os.Getenv("SMAUG_PLUGIN_CONTRACT_VERSIONS"))
		if err != nil {
			return err
		}
		contract = picked
	} else if address == "" {
		return errors.New("not launched by Smaug (" + magicCookieKey + " is not set): " +
			"pass --listen HOST:PORT to run attached")
	}

	if *settings == "" {
		*settings = os.Getenv("SMAUG_PLUGIN_CONFIG")
	}
	cfg, err := parseConfig(*settings)
	if err != nil {
		return err
	}

	network, where := "tcp", address
	if path, ok := strings.CutPrefix(address, "unix:"); ok {
		network, where = "unix", path
	}
	lis, err := net.Listen(network, where)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", address, err)
	}

	srv := grpc.NewServer()
	pluginv1.RegisterProtectionPluginServiceServer(srv, newNotePlugin(cfg.Notes, log))
	hs := health.NewServer()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	hs.SetServingStatus(healthName, healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
	reflection.Register(srv)

	// The host owns a launched plugin's life: a terminal's Ctrl-C reaches the whole process
	// group, so only SIGTERM stops it. Attached, Ctrl-C stops it too.
	stopOn := []os.Signal{syscall.SIGTERM}
	if launched {
		signal.Ignore(os.Interrupt)
	} else {
		stopOn = append(stopOn, os.Interrupt)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), stopOn...)
	defer cancel()

	// os.Stdout is unbuffered, so each line is written (flushed) at once.
	bound := lis.Addr().String()
	if launched {
		fmt.Printf("SMAUG-PLUGIN|%d|%d|%s|%s|grpc\n", coreVersion, contract, network, bound)
	} else {
		fmt.Printf("go-example listening on %s\n", bound)
	}
	log.Info("plugin serving", "address", bound, "notes", len(cfg.Notes), "launched", launched)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("stopping")
	hs.Shutdown()
	stopGracefully(srv, stopGrace)
	return nil
}

// pickContract picks the highest contract version both the host (a comma list; empty means 1)
// and this plugin speak.
func pickContract(hostList string) (int32, error) {
	hostList = cmp.Or(hostList, "1")
	var host []int32
	for field := range strings.SplitSeq(hostList, ",") {
		v, err := strconv.ParseInt(strings.TrimSpace(field), 10, 32)
		if err != nil {
			return 0, fmt.Errorf("SMAUG_PLUGIN_CONTRACT_VERSIONS=%q is not a comma list of integers", hostList)
		}
		host = append(host, int32(v))
	}
	for _, v := range slices.Backward(contractVersions) {
		if slices.Contains(host, v) {
			return v, nil
		}
	}
	return 0, fmt.Errorf("host speaks contract versions %s; this plugin speaks %v", hostList, contractVersions)
}

// stopGracefully lets in-flight calls finish for up to grace, then cancels them.
func stopGracefully(srv *grpc.Server, grace time.Duration) {
	done := make(chan struct{})
	go func() {
		srv.GracefulStop()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(grace):
		srv.Stop()
		<-done
	}
}
