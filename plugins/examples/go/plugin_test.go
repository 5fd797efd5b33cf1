package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"smaug.example/goplugin/gen/bankv1"
	"smaug.example/goplugin/gen/pluginv1"
)

func TestPickContract(t *testing.T) {
	for _, tc := range []struct {
		host    string
		want    int32
		wantErr bool
	}{
		{"", 1, false},
		{"1", 1, false},
		{"1, 2", 1, false},
		{"2,3", 0, true},
		{"one", 0, true},
	} {
		got, err := pickContract(tc.host)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("pickContract(%q) = %d, %v; want %d, error %v", tc.host, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestParseConfig(t *testing.T) {
	cfg, err := parseConfig(`{"notes": {"n1": "hello"}}`)
	if err != nil || cfg.Notes["n1"] != "hello" {
		t.Fatalf("parseConfig = %v, %v", cfg, err)
	}
	for _, bad := range []string{`{"nots": {}}`, `{"notes": {"": "x"}}`, `[`} {
		if _, err := parseConfig(bad); err == nil {
			t.Errorf("parseConfig(%s) accepted", bad)
		}
	}
}

// memBank is an in-memory BankService that treats the token as the section name.
type memBank struct {
	bankv1.UnimplementedBankServiceServer
	mu      sync.Mutex
	objects map[string][]byte
}

func (b *memBank) PutObject(_ context.Context, req *bankv1.PutObjectRequest) (*bankv1.PutObjectResponse, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.objects[req.GetSection()+"/"+req.GetKey()] = req.GetData()
	return &bankv1.PutObjectResponse{}, nil
}

func (b *memBank) GetObject(_ context.Context, req *bankv1.GetObjectRequest) (*bankv1.GetObjectResponse, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	data, ok := b.objects[req.GetSection()+"/"+req.GetKey()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "object %s not found", req.GetKey())
	}
	return &bankv1.GetObjectResponse{Data: data}, nil
}

func (b *memBank) DeleteObject(_ context.Context, req *bankv1.DeleteObjectRequest) (*bankv1.DeleteObjectResponse, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.objects, req.GetSection()+"/"+req.GetKey())
	return &bankv1.DeleteObjectResponse{}, nil
}

func (b *memBank) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.objects)
}

func (b *memBank) get(key string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.objects[key])
}

// serve starts srv on a loopback port and returns its address.
func serve(t *testing.T, srv *grpc.Server) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

func startPlugin(t *testing.T) (pluginv1.ProtectionPluginServiceClient, *memBank, string) {
	t.Helper()
	bank := &memBank{objects: map[string][]byte{}}
	bankSrv := grpc.NewServer()
	bankv1.RegisterBankServiceServer(bankSrv, bank)
	bankAddr := serve(t, bankSrv)

	pluginSrv := grpc.NewServer()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	pluginv1.RegisterProtectionPluginServiceServer(pluginSrv, newNotePlugin(map[string]string{"n1": "hello"}, log))
	conn, err := grpc.NewClient(serve(t, pluginSrv), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return pluginv1.NewProtectionPluginServiceClient(conn), bank, bankAddr
}

// runHook returns the hook's events, or its error.
func runHook(ctx context.Context, client pluginv1.ProtectionPluginServiceClient, req *pluginv1.RunHookRequest) ([]*pluginv1.RunHookResponse, error) {
	stream, err := client.RunHook(ctx, req)
	if err != nil {
		return nil, err
	}
	var events []*pluginv1.RunHookResponse
	for {
		event, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return events, nil
		}
		if err != nil {
			return events, err
		}
		events = append(events, event)
	}
}

func hookRequest(op pluginv1.Operation, bankAddr string, params map[string]any) *pluginv1.RunHookRequest {
	return &pluginv1.RunHookRequest{
		Operation:   op,
		Phase:       pluginv1.Phase_PHASE_MAIN,
		Resource:    &pluginv1.Resource{Type: noteType, Id: "n1"},
		Parameters:  mustStruct(params),
		BankSection: &pluginv1.BankSection{Address: bankAddr, Token: "cp1/n1"},
	}
}

func TestProtectRestoreDelete(t *testing.T) {
	client, bank, bankAddr := startPlugin(t)
	ctx := t.Context()

	events, err := runHook(ctx, client, hookRequest(pluginv1.Operation_OPERATION_PROTECT, bankAddr, nil))
	if err != nil {
		t.Fatalf("protect: %v", err)
	}
	if len(events) != 3 || events[2].GetResult().GetStatus() != pluginv1.ResourceStatus_RESOURCE_STATUS_AVAILABLE {
		t.Fatalf("protect events = %v", events)
	}
	if got := bank.get("cp1/n1/note"); got != "hello" {
		t.Fatalf("bank holds %q, want hello", got)
	}

	target := t.TempDir()
	events, err = runHook(ctx, client, hookRequest(pluginv1.Operation_OPERATION_RESTORE, bankAddr, map[string]any{"target": target}))
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	if id := events[len(events)-1].GetResult().GetNewResourceId(); id != "restored-n1" {
		t.Errorf("new_resource_id = %q, want restored-n1", id)
	}
	if data, err := os.ReadFile(filepath.Join(target, "n1.txt")); err != nil || string(data) != "hello" {
		t.Errorf("restored file = %q, %v", data, err)
	}

	events, err = runHook(ctx, client, hookRequest(pluginv1.Operation_OPERATION_DELETE, bankAddr, nil))
	if err != nil || events[0].GetResult().GetStatus() != pluginv1.ResourceStatus_RESOURCE_STATUS_DELETED {
		t.Fatalf("delete = %v, %v", events, err)
	}
	_, err = runHook(ctx, client, hookRequest(pluginv1.Operation_OPERATION_RESTORE, bankAddr, nil))
	if status.Code(err) != codes.FailedPrecondition {
		t.Errorf("restore after delete: %v, want FAILED_PRECONDITION", err)
	}
}

func TestDeadlineStopsAHook(t *testing.T) {
	client, bank, bankAddr := startPlugin(t)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	started := time.Now()
	_, err := runHook(ctx, client, hookRequest(pluginv1.Operation_OPERATION_PROTECT, bankAddr, map[string]any{"delay_ms": 30000}))
	if status.Code(err) != codes.DeadlineExceeded || time.Since(started) > 5*time.Second {
		t.Fatalf("slow protect = %v after %v, want DEADLINE_EXCEEDED at once", err, time.Since(started))
	}
	if n := bank.len(); n != 0 {
		t.Errorf("bank holds %d objects despite the deadline", n)
	}
}

func TestGetResourceNotFound(t *testing.T) {
	client, _, _ := startPlugin(t)
	_, err := client.GetResource(t.Context(), &pluginv1.GetResourceRequest{ResourceType: noteType, ResourceId: "nope"})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("GetResource(nope) = %v, want NOT_FOUND", err)
	}
}
