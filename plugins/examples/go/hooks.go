package main

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"smaug.example/goplugin/gen/bankv1"
	"smaug.example/goplugin/gen/pluginv1"
)

// noteKey is the bank object, within the resource's section, holding a note's text.
const noteKey = "note"

// hook is one RunHook call.
type hook struct {
	req    *pluginv1.RunHookRequest
	stream grpc.ServerStreamingServer[pluginv1.RunHookResponse]
	log    *slog.Logger
}

func (h *hook) id() string { return h.req.GetResource().GetId() }

func (h *hook) progress(done, total int64, message string) error {
	return h.stream.Send(&pluginv1.RunHookResponse{Event: &pluginv1.RunHookResponse_Progress{
		Progress: &pluginv1.Progress{BytesDone: done, BytesTotal: total, Message: message},
	}})
}

func (h *hook) finish(result *pluginv1.HookResult) error {
	return h.stream.Send(&pluginv1.RunHookResponse{Event: &pluginv1.RunHookResponse_Result{Result: result}})
}

// failed is FAILED_PRECONDITION naming the note: the reason the user sees for this resource.
func (h *hook) failed(format string, args ...any) error {
	return status.Errorf(codes.FailedPrecondition, "note %s: %s", h.id(), fmt.Sprintf(format, args...))
}

// bankError keeps the bank's status code and says which note and call it concerns.
func (h *hook) bankError(call string, err error) error {
	st := status.Convert(err)
	return status.Errorf(st.Code(), "note %s: bank %s: %s", h.id(), call, st.Message())
}

// dialBank connects to the bank serving the hook's section; the caller closes the connection.
func (h *hook) dialBank(write bool) (*grpc.ClientConn, error) {
	section := h.req.GetBankSection()
	if section.GetAddress() == "" || section.GetToken() == "" {
		return nil, h.failed("the hook carries no bank section (address and token are required)")
	}
	if write && section.GetReadOnly() {
		return nil, h.failed("the bank section is read-only, but %s writes to it", opName(h.req.GetOperation()))
	}
	conn, err := grpc.NewClient(section.GetAddress(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, h.failed("cannot reach the bank at %q: %v", section.GetAddress(), err)
	}
	return conn, nil
}

// param is a string parameter; absent is "".
func (h *hook) param(name string) (string, error) {
	v, ok := h.req.GetParameters().GetFields()[name]
	if !ok {
		return "", nil
	}
	s, ok := v.GetKind().(*structpb.Value_StringValue)
	if !ok {
		return "", invalidArgument("parameters."+name, "must be a string", "parameter "+name+" must be a string")
	}
	return s.StringValue, nil
}

// delay is the delay_ms option.
func (h *hook) delay() (time.Duration, error) {
	v, ok := h.req.GetParameters().GetFields()["delay_ms"]
	if !ok {
		return 0, nil
	}
	n, ok := v.GetKind().(*structpb.Value_NumberValue)
	if !ok || n.NumberValue < 0 || n.NumberValue > 60000 || n.NumberValue != math.Trunc(n.NumberValue) {
		return 0, invalidArgument("parameters.delay_ms", "an integer from 0 to 60000",
			"parameter delay_ms must be an integer from 0 to 60000")
	}
	return time.Duration(n.NumberValue) * time.Millisecond, nil
}

// state is the incoming state with some fields set.
func (h *hook) state(fields map[string]any) (*structpb.Struct, error) {
	out := &structpb.Struct{Fields: map[string]*structpb.Value{}}
	if in := h.req.GetState(); in != nil {
		out = proto.Clone(in).(*structpb.Struct)
		if out.Fields == nil {
			out.Fields = map[string]*structpb.Value{}
		}
	}
	for k, v := range fields {
		value, err := structpb.NewValue(v)
		if err != nil {
			return nil, status.Errorf(codes.Internal, "state field %s: %v", k, err)
		}
		out.Fields[k] = value
	}
	return out, nil
}

// protect copies the note's text into the bank as the object "note".
func (p *notePlugin) protect(ctx context.Context, h *hook) (*pluginv1.HookResult, error) {
	text, ok := p.note(h.id())
	if !ok {
		return nil, h.failed("not in this plugin's configuration (removed since the plan was made?)")
	}
	delay, err := h.delay()
	if err != nil {
		return nil, err
	}
	size := int64(len(text))
	if err := h.progress(0, size, "reading note"); err != nil {
		return nil, err
	}
	if err := sleep(ctx, delay); err != nil {
		return nil, err
	}
	if err := h.progress(size, size, "storing note in the bank"); err != nil {
		return nil, err
	}
	if err := sleep(ctx, delay); err != nil {
		return nil, err
	}

	conn, err := h.dialBank(true)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_, err = bankv1.NewBankServiceClient(conn).PutObject(ctx, &bankv1.PutObjectRequest{
		Section: h.req.GetBankSection().GetToken(), Key: noteKey, Data: []byte(text),
	})
	if err != nil {
		return nil, h.bankError("PutObject", err)
	}
	state, err := h.state(map[string]any{"bytes": size})
	if err != nil {
		return nil, err
	}
	return &pluginv1.HookResult{State: state, Status: pluginv1.ResourceStatus_RESOURCE_STATUS_AVAILABLE}, nil
}

// restore reads the note back from the bank and recreates it as "restored-<id>" in this
// plugin's catalogue and, when a target directory is given, as <target>/<id>.txt.
func (p *notePlugin) restore(ctx context.Context, h *hook) (*pluginv1.HookResult, error) {
	target, err := h.param("target")
	if err != nil {
		return nil, err
	}
	target = cmp.Or(target, h.req.GetRestoreTarget())
	if target != "" {
		if !filepath.IsAbs(target) {
			return nil, invalidArgument("parameters.target", "an absolute directory path",
				fmt.Sprintf("restore target %q must be an absolute directory path", target))
		}
		if !filepath.IsLocal(h.id()) || strings.ContainsAny(h.id(), `/\`) {
			return nil, h.failed("its id cannot name a file in %s", target)
		}
	}
	if err := h.progress(0, 0, "reading note from the bank"); err != nil {
		return nil, err
	}

	conn, err := h.dialBank(false)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	got, err := bankv1.NewBankServiceClient(conn).GetObject(ctx, &bankv1.GetObjectRequest{
		Section: h.req.GetBankSection().GetToken(), Key: noteKey,
	})
	if status.Code(err) == codes.NotFound {
		return nil, h.failed("the checkpoint holds no copy of it (bank object %q not found)", noteKey)
	}
	if err != nil {
		return nil, h.bankError("GetObject", err)
	}
	size := int64(len(got.GetData()))
	if err := h.progress(size, size, "recreating note"); err != nil {
		return nil, err
	}

	newID := "restored-" + h.id()
	restored := map[string]any{"restored_as": newID}
	if target != "" {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		path := filepath.Join(target, h.id()+".txt")
		if err := writeFileAtomic(path, got.GetData()); err != nil {
			return nil, h.failed("cannot write %s: %v", path, err)
		}
		restored["path"] = path
	}
	p.setNote(newID, string(got.GetData()))
	state, err := h.state(restored)
	if err != nil {
		return nil, err
	}
	return &pluginv1.HookResult{
		State:         state,
		Status:        pluginv1.ResourceStatus_RESOURCE_STATUS_AVAILABLE,
		NewResourceId: newID,
	}, nil
}

// delete removes the note's copy from the checkpoint; a missing copy is already deleted.
func (p *notePlugin) delete(ctx context.Context, h *hook) (*pluginv1.HookResult, error) {
	conn, err := h.dialBank(true)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_, err = bankv1.NewBankServiceClient(conn).DeleteObject(ctx, &bankv1.DeleteObjectRequest{
		Section: h.req.GetBankSection().GetToken(), Key: noteKey,
	})
	if err != nil {
		return nil, h.bankError("DeleteObject", err)
	}
	return &pluginv1.HookResult{State: h.req.GetState(), Status: pluginv1.ResourceStatus_RESOURCE_STATUS_DELETED}, nil
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// writeFileAtomic writes data to path through a temporary file in the same directory, so a
// reader never sees half a note.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
