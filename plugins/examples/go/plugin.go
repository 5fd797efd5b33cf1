package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	"smaug.example/goplugin/gen/pluginv1"
)

const (
	pluginName      = "go-example"
	noteType        = "Example::Note"
	defaultPageSize = 100
	maxPageSize     = 1000
)

// noteTypeInfo describes Example::Note with the JSON Schemas of its parameters.
var noteTypeInfo = &pluginv1.ResourceTypeInfo{
	Type: noteType,
	OptionsSchema: mustStruct(map[string]any{
		"type":                 "object",
		"additionalProperties": false,
		"properties": map[string]any{
			"delay_ms": map[string]any{
				"type": "integer", "minimum": 0, "maximum": 60000,
				"description": "Pause between protect's progress events, in milliseconds (for demos and tests).",
			},
		},
	}),
	RestoreSchema: mustStruct(map[string]any{
		"type":                 "object",
		"additionalProperties": false,
		"properties": map[string]any{
			"target": map[string]any{
				"type":        "string",
				"description": "Absolute directory to write the restored note to, as <target>/<id>.txt.",
			},
		},
	}),
	SavedInfoSchema: mustStruct(map[string]any{
		"type":       "object",
		"properties": map[string]any{"bytes": map[string]any{"type": "integer"}},
	}),
	Operations: []pluginv1.Operation{
		pluginv1.Operation_OPERATION_PROTECT,
		pluginv1.Operation_OPERATION_RESTORE,
		pluginv1.Operation_OPERATION_DELETE,
	},
	Listable: true,
}

// notePlugin serves protectable notes held in memory: the configured ones plus those restored.
type notePlugin struct {
	pluginv1.UnimplementedProtectionPluginServiceServer

	log   *slog.Logger
	mu    sync.RWMutex
	notes map[string]string
}

func newNotePlugin(notes map[string]string, log *slog.Logger) *notePlugin {
	p := &notePlugin{log: log, notes: make(map[string]string, len(notes))}
	maps.Copy(p.notes, notes)
	return p
}

func (p *notePlugin) note(id string) (string, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	text, ok := p.notes[id]
	return text, ok
}

func (p *notePlugin) setNote(id, text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.notes[id] = text
}

func (p *notePlugin) GetPluginInfo(context.Context, *pluginv1.GetPluginInfoRequest) (*pluginv1.GetPluginInfoResponse, error) {
	return &pluginv1.GetPluginInfoResponse{
		Name:             pluginName,
		Vendor:           "Smaug examples",
		Version:          "0.1.0",
		ContractVersions: contractVersions,
		ResourceTypes:    []*pluginv1.ResourceTypeInfo{noteTypeInfo},
	}, nil
}

func (p *notePlugin) ListResources(_ context.Context, req *pluginv1.ListResourcesRequest) (*pluginv1.ListResourcesResponse, error) {
	if err := checkType("resource_type", req.GetResourceType()); err != nil {
		return nil, err
	}
	size := int(req.GetPageSize())
	switch {
	case size < 0:
		return nil, invalidArgument("page_size", "must not be negative", "page_size must not be negative")
	case size == 0:
		size = defaultPageSize
	case size > maxPageSize:
		size = maxPageSize
	}
	// A page token is the last id of the previous page, base64url-encoded.
	var after string
	if token := req.GetPageToken(); token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			return nil, invalidArgument("page_token", "malformed",
				"page_token is not one this plugin issued; pass next_page_token back unchanged")
		}
		after = string(raw)
	}

	p.mu.RLock()
	ids := slices.Sorted(maps.Keys(p.notes))
	start, found := slices.BinarySearch(ids, after)
	if found {
		start++
	}
	end := min(start+size, len(ids))
	resp := &pluginv1.ListResourcesResponse{}
	for _, id := range ids[start:end] {
		resp.Resources = append(resp.Resources, noteResource(id, p.notes[id]))
	}
	p.mu.RUnlock()

	if end < len(ids) {
		resp.NextPageToken = base64.RawURLEncoding.EncodeToString([]byte(ids[end-1]))
	}
	return resp, nil
}

func (p *notePlugin) GetResource(_ context.Context, req *pluginv1.GetResourceRequest) (*pluginv1.GetResourceResponse, error) {
	if err := checkType("resource_type", req.GetResourceType()); err != nil {
		return nil, err
	}
	id := req.GetResourceId()
	if id == "" {
		return nil, invalidArgument("resource_id", "must not be empty", "resource_id is required")
	}
	text, ok := p.note(id)
	if !ok {
		return nil, notFound(id)
	}
	return &pluginv1.GetResourceResponse{Resource: noteResource(id, text)}, nil
}

func (p *notePlugin) ListDependentResources(_ context.Context, req *pluginv1.ListDependentResourcesRequest) (*pluginv1.ListDependentResourcesResponse, error) {
	if err := checkType("resource_type", req.GetResourceType()); err != nil {
		return nil, err
	}
	// A note contains nothing.
	return &pluginv1.ListDependentResourcesResponse{}, nil
}

// hookFunc does the main phase of one operation and returns its result.
type hookFunc func(context.Context, *hook) (*pluginv1.HookResult, error)

func (p *notePlugin) RunHook(req *pluginv1.RunHookRequest, stream grpc.ServerStreamingServer[pluginv1.RunHookResponse]) error {
	ctx := stream.Context()
	op, phase := req.GetOperation(), req.GetPhase()
	switch {
	case op == pluginv1.Operation_OPERATION_UNSPECIFIED:
		return invalidArgument("operation", "must be set", "operation is required")
	case phase == pluginv1.Phase_PHASE_UNSPECIFIED:
		return invalidArgument("phase", "must be set", "phase is required")
	case req.GetResource().GetType() != noteType:
		return invalidArgument("resource.type", "must be "+noteType,
			fmt.Sprintf("%s serves %s, not %q", pluginName, noteType, req.GetResource().GetType()))
	case req.GetResource().GetId() == "":
		return invalidArgument("resource.id", "must not be empty", "resource.id is required")
	}

	var work hookFunc
	switch op {
	case pluginv1.Operation_OPERATION_PROTECT:
		work = p.protect
	case pluginv1.Operation_OPERATION_RESTORE:
		work = p.restore
	case pluginv1.Operation_OPERATION_DELETE:
		work = p.delete
	default:
		return status.Errorf(codes.Unimplemented, "%s cannot %s %s resources", pluginName, opName(op), noteType)
	}

	h := &hook{req: req, stream: stream, log: p.log.With(
		"operation", opName(op), "phase", phaseName(phase),
		"resource", req.GetResource().GetId(), "operation_id", req.GetOperationId(),
	)}
	if phase != pluginv1.Phase_PHASE_MAIN {
		// Only main does work; the other phases hand the state on.
		return h.finish(&pluginv1.HookResult{
			State: req.GetState(), Status: pluginv1.ResourceStatus_RESOURCE_STATUS_AVAILABLE,
		})
	}

	started := time.Now()
	result, err := work(ctx, h)
	if err != nil {
		if ctx.Err() != nil {
			err = status.FromContextError(ctx.Err()).Err()
		}
		h.log.Warn("hook failed", "error", err.Error())
		return err
	}
	h.log.Info("hook done", "took_ms", time.Since(started).Milliseconds())
	return h.finish(result)
}

// noteResource is the protectable view of a note.
func noteResource(id, text string) *pluginv1.Resource {
	return &pluginv1.Resource{
		Type:      noteType,
		Id:        id,
		Name:      "note " + id,
		ExtraInfo: mustStruct(map[string]any{"length": len(text)}),
	}
}

func checkType(field, resourceType string) error {
	if resourceType == noteType {
		return nil
	}
	return invalidArgument(field, "must be "+noteType,
		fmt.Sprintf("%s serves %s, not %q", pluginName, noteType, resourceType))
}

// invalidArgument is INVALID_ARGUMENT with a BadRequest field violation, as Smaug's services
// report bad requests.
func invalidArgument(field, violation, message string) error {
	st := status.New(codes.InvalidArgument, message)
	detailed, err := st.WithDetails(&errdetails.BadRequest{
		FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: field, Description: violation}},
	})
	if err != nil {
		return st.Err()
	}
	return detailed.Err()
}

// notFound is NOT_FOUND with a ResourceInfo detail naming the note.
func notFound(id string) error {
	st := status.Newf(codes.NotFound, "%s %s not found", noteType, id)
	detailed, err := st.WithDetails(&errdetails.ResourceInfo{ResourceType: noteType, ResourceName: id})
	if err != nil {
		return st.Err()
	}
	return detailed.Err()
}

func opName(op pluginv1.Operation) string {
	return strings.ToLower(strings.TrimPrefix(op.String(), "OPERATION_"))
}

func phaseName(phase pluginv1.Phase) string {
	return strings.ToLower(strings.TrimPrefix(phase.String(), "PHASE_"))
}

// mustStruct converts a literal JSON object; it panics on a value structpb cannot hold, which
// only a programming error can cause.
func mustStruct(fields map[string]any) *structpb.Struct {
	s, err := structpb.NewStruct(fields)
	if err != nil {
		panic(err)
	}
	return s
}
