package main

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"smaug.dev/gateway/gen/karborv1"
	"smaug.dev/gateway/gen/smaugv1"
)

//go:embed openapi/smaug.swagger.json
var nativeOpenAPI []byte

//go:embed openapi/karbor.swagger.json
var karborOpenAPI []byte

// nativeCollections are the first path segments after /v1/ that belong to the native face;
// anything else there is a Karbor project id. (A Karbor project literally named like one of
// these cannot use the Karbor face.)
var nativeCollections = map[string]bool{
	"plans": true, "providers": true, "protectables": true, "restores": true,
	"verifications": true, "triggers": true, "scheduled_operations": true,
	"operation_logs": true, "quotas": true, "quota_classes": true, "quota_defaults": true,
	"services": true, "provider_access": true, "bank_accounts": true,
}

var allowedMethods = map[string]bool{
	http.MethodGet: true, http.MethodPost: true, http.MethodPut: true, http.MethodPatch: true,
	http.MethodDelete: true,
}

// forwardedHeaders become gRPC metadata of the same (lower-case) name.
var forwardedHeaders = map[string]bool{
	"x-auth-token": true, "authorization": true, "x-openstack-request-id": true,
	"x-request-id": true,
}

func headerMatcher(key string) (string, bool) {
	if lower := strings.ToLower(key); forwardedHeaders[lower] {
		return lower, true
	}
	return runtime.DefaultHeaderMatcher(key)
}

// NewHandler builds the gateway's HTTP handler over a connection to the api.
func NewHandler(ctx context.Context, conn *grpc.ClientConn) (http.Handler, error) {
	native := runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, &runtime.JSONPb{
			MarshalOptions:   protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true},
			UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
		}),
		runtime.WithIncomingHeaderMatcher(headerMatcher),
		runtime.WithUnescapingMode(runtime.UnescapingModeAllExceptSlash),
		runtime.WithRoutingErrorHandler(nativeRoutingErrorHandler),
	)
	for _, register := range []func(context.Context, *runtime.ServeMux, *grpc.ClientConn) error{
		smaugv1.RegisterPlanServiceHandler,
		smaugv1.RegisterProviderServiceHandler,
		smaugv1.RegisterProtectableServiceHandler,
		smaugv1.RegisterCheckpointServiceHandler,
		smaugv1.RegisterRestoreServiceHandler,
		smaugv1.RegisterVerificationServiceHandler,
		smaugv1.RegisterTriggerServiceHandler,
		smaugv1.RegisterScheduledOperationServiceHandler,
		smaugv1.RegisterOperationLogServiceHandler,
		smaugv1.RegisterQuotaServiceHandler,
		smaugv1.RegisterServiceRegistryServiceHandler,
		smaugv1.RegisterProviderAccessServiceHandler,
		smaugv1.RegisterBankAccountServiceHandler,
	} {
		if err := register(ctx, native, conn); err != nil {
			return nil, err
		}
	}

	karbor := runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, &karborMarshaler{&runtime.JSONPb{
			MarshalOptions:   protojson.MarshalOptions{UseProtoNames: true, EmitDefaultValues: true},
			UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
		}}),
		runtime.WithIncomingHeaderMatcher(headerMatcher),
		runtime.WithUnescapingMode(runtime.UnescapingModeAllExceptSlash),
		runtime.WithErrorHandler(karborErrorHandler),
		runtime.WithOutgoingHeaderMatcher(func(string) (string, bool) { return "", false }),
		runtime.WithMetadata(requestURL),
		runtime.WithRoutingErrorHandler(karborRoutingErrorHandler),
	)
	if err := karborv1.RegisterKarborServiceHandler(ctx, karbor, conn); err != nil {
		return nil, err
	}
	return withRequestID(dispatch(native, karbor)), nil
}

// requestURL tells the Karbor face the URL it was called with (for <collection>_links).
func requestURL(_ context.Context, r *http.Request) metadata.MD {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if proto := r.Header.Get("X-Forwarded-Proto"); proto != "" {
		scheme = proto
	}
	return metadata.Pairs("x-karbor-url", scheme+"://"+r.Host+r.URL.RequestURI())
}

func dispatch(native, karbor http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Path
		switch {
		case path == "/healthz":
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte("ok\n"))
		case path == "/openapi/smaug.v1.json":
			serveJSON(w, nativeOpenAPI)
		case path == "/openapi/karbor.v1.json":
			serveJSON(w, karborOpenAPI)
		case path == "/" || path == "":
			versions(w, r)
		case strings.HasPrefix(path, "/v1/") && !allowedMethods[r.Method]:
			// grpc-gateway answers 501 for methods no route uses; it is a 405 like any other.
			w.Header().Set("Allow", "GET, POST, PUT, PATCH, DELETE")
			first, _, _ := strings.Cut(strings.TrimPrefix(path, "/v1/"), "/")
			if nativeCollections[first] {
				nativeRoutingErrorHandler(r.Context(), nil, nil, w, r, http.StatusMethodNotAllowed)
			} else {
				karborRoutingErrorHandler(r.Context(), nil, nil, w, r, http.StatusMethodNotAllowed)
			}
		case strings.HasPrefix(path, "/v1/"):
			first, _, _ := strings.Cut(strings.TrimPrefix(path, "/v1/"), "/")
			if nativeCollections[first] {
				native.ServeHTTP(w, r)
			} else {
				karbor.ServeHTTP(w, karborQuery(r))
			}
		default:
			karborRoutingErrorHandler(r.Context(), nil, nil, w, r, http.StatusNotFound)
		}
	})
}

// listQuery are Karbor's paging and sorting parameters, fields of the ListQuery message that
// every Karbor list request holds as "query".
var listQuery = map[string]bool{
	"limit": true, "marker": true, "sort": true, "sort_key": true, "sort_dir": true,
	"all_tenants": true, "offset": true,
}

// karborQuery names Karbor's paging parameters as grpc-gateway expects them (query.limit, ...).
func karborQuery(r *http.Request) *http.Request {
	if r.URL.RawQuery == "" {
		return r
	}
	values := r.URL.Query()
	changed := false
	for key, v := range values {
		if listQuery[key] {
			values["query."+key] = v
			delete(values, key)
			changed = true
		}
	}
	if !changed {
		return r
	}
	r2 := r.Clone(r.Context())
	r2.URL.RawQuery = values.Encode()
	return r2
}

// nativeRoutingErrorHandler is grpc-gateway's, except that a method the path does not accept
// is 405 (grpc-gateway's default turns it into UNIMPLEMENTED, 501).
func nativeRoutingErrorHandler(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, code int) {
	if code == http.StatusMethodNotAllowed || mux == nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]any{"code": 12, "message": http.StatusText(code), "details": []any{}})
		return
	}
	runtime.DefaultRoutingErrorHandler(ctx, mux, m, w, r, code)
}

func serveJSON(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// versions answers GET / as karbor-api does (300 Multiple Choices).
func versions(w http.ResponseWriter, r *http.Request) {
	href := fmt.Sprintf("http://%s/v1/", r.Host)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusMultipleChoices)
	_ = json.NewEncoder(w).Encode(map[string]any{"versions": []any{map[string]any{
		"id": "v1.0", "status": "CURRENT",
		"links": []any{map[string]string{"rel": "self", "href": href}},
	}}})
}

// withRequestID gives every request an OpenStack request id (kept if the client sent one),
// passes it to the api as metadata and returns it as Karbor does.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Openstack-Request-Id")
		if !strings.HasPrefix(id, "req-") || len(id) > 64 {
			var raw [16]byte
			_, _ = rand.Read(raw[:])
			h := hex.EncodeToString(raw[:])
			id = fmt.Sprintf("req-%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:])
			r.Header.Set("X-Openstack-Request-Id", id)
		}
		w.Header().Set("X-Openstack-Request-Id", id)
		w.Header().Set("X-Compute-Request-Id", id)
		next.ServeHTTP(w, r)
	})
}

// emptyBody are the Karbor responses sent with an empty body (karbor-api's deletes of plans,
// triggers, scheduled operations and quotas; checkpoint delete and reset answer {}).
var emptyBody = map[protoreflect.FullName]bool{
	"smaug.compat.karbor.v1.DeletePlanResponse":               true,
	"smaug.compat.karbor.v1.DeleteTriggerResponse":            true,
	"smaug.compat.karbor.v1.DeleteScheduledOperationResponse": true,
	"smaug.compat.karbor.v1.DeleteQuotaResponse":              true,
}

type karborMarshaler struct {
	*runtime.JSONPb
}

func (m *karborMarshaler) Marshal(v any) ([]byte, error) {
	if msg, ok := v.(proto.Message); ok && emptyBody[msg.ProtoReflect().Descriptor().FullName()] {
		return []byte{}, nil
	}
	return m.JSONPb.Marshal(v)
}
