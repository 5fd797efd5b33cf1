package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func fault(t *testing.T, rec *httptest.ResponseRecorder) (string, int, string) {
	t.Helper()
	var body map[string]struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body) != 1 {
		t.Fatalf("not a Karbor fault: %q", rec.Body.String())
	}
	for name, inner := range body {
		return name, inner.Code, inner.Message
	}
	return "", 0, ""
}

func TestKarborErrorEnvelope(t *testing.T) {
	inUse, _ := status.New(codes.FailedPrecondition, "Trigger is being used by one or more operations").
		WithDetails(&errdetails.ErrorInfo{Domain: karborDomain, Metadata: map[string]string{"http_status": "424"}})
	cases := []struct {
		err  error
		code int
		name string
	}{
		{status.Error(codes.InvalidArgument, "bad"), 400, "badRequest"},
		{status.Error(codes.Unauthenticated, "who"), 401, "unauthorized"},
		{status.Error(codes.PermissionDenied, "no"), 403, "forbidden"},
		{status.Error(codes.NotFound, "gone"), 404, "itemNotFound"},
		{status.Error(codes.ResourceExhausted, "full"), 413, "overLimit"},
		{inUse.Err(), 424, "computeFault"},
		{status.Error(codes.Internal, "boom"), 500, "computeFault"},
		{status.Error(codes.Unavailable, "later"), 503, "serviceUnavailable"},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		karborErrorHandler(t.Context(), nil, nil, rec, httptest.NewRequest("GET", "/v1/p/plans", nil), c.err)
		name, code, _ := fault(t, rec)
		if rec.Code != c.code || code != c.code || name != c.name {
			t.Errorf("%v: got %d %s (%d), want %d %s", c.err, rec.Code, name, code, c.code, c.name)
		}
	}
}

func TestDispatchAndRouting(t *testing.T) {
	native := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) })
	karbor := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("query.limit") != "2" && r.URL.Query().Get("limit") != "" {
			t.Errorf("paging parameters not renamed: %s", r.URL.RawQuery)
		}
		w.WriteHeader(298)
	})
	h := withRequestID(dispatch(native, karbor))
	for path, want := range map[string]int{
		"/v1/plans":                               299,
		"/v1/protectables/OS::Nova::Server":       299,
		"/v1/admin/plans?limit=2":                 298,
		"/v1/admin/protectables/OS::Nova::Server": 298,
		"/":          300,
		"/healthz":   200,
		"/elsewhere": 404,
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != want {
			t.Errorf("%s: got %d, want %d", path, rec.Code, want)
		}
		if rec.Header().Get("X-Openstack-Request-Id") == "" {
			t.Errorf("%s: no request id", path)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("TRACE", "/v1/admin/plans", nil))
	if name, code, _ := fault(t, rec); code != 405 || name != "badMethod" {
		t.Errorf("TRACE: got %d %s", code, name)
	}
}
