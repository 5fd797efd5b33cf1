package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// karborDomain is the google.rpc.ErrorInfo domain with which the Karbor face's servicer names
// the exact HTTP status Karbor uses (metadata "http_status"), e.g. 424 for a trigger in use.
const karborDomain = "karbor.smaug.dev"

// faultNames is karbor-api's fault name by HTTP status; others are "computeFault".
var faultNames = map[int]string{
	400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound",
	405: "badMethod", 409: "conflictingRequest", 413: "overLimit", 415: "badMediaType",
	501: "notImplemented", 503: "serviceUnavailable",
}

func faultName(code int) string {
	if name, ok := faultNames[code]; ok {
		return name
	}
	return "computeFault"
}

// karborStatus maps a gRPC status to the HTTP status karbor-api uses for that kind of error.
func karborStatus(s *status.Status) int {
	for _, detail := range s.Details() {
		if info, ok := detail.(*errdetails.ErrorInfo); ok && info.GetDomain() == karborDomain {
			if code, err := strconv.Atoi(info.GetMetadata()["http_status"]); err == nil && code >= 400 && code < 600 {
				return code
			}
		}
	}
	switch s.Code() {
	case codes.InvalidArgument, codes.FailedPrecondition, codes.OutOfRange:
		return http.StatusBadRequest
	case codes.Unauthenticated:
		return http.StatusUnauthorized
	case codes.PermissionDenied:
		return http.StatusForbidden
	case codes.NotFound:
		return http.StatusNotFound
	case codes.AlreadyExists, codes.Aborted:
		return http.StatusConflict
	case codes.ResourceExhausted:
		return http.StatusRequestEntityTooLarge
	case codes.Unimplemented:
		return http.StatusNotImplemented
	case codes.Unavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// writeFault writes {"<faultName>": {"code": N, "message": "..."}}.
func writeFault(w http.ResponseWriter, code int, message string) {
	w.Header().Del("Trailer")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{
		faultName(code): map[string]any{"code": code, "message": message},
	})
}

func karborErrorHandler(_ context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, _ *http.Request, err error) {
	var httpErr *runtime.HTTPStatusError
	if errors.As(err, &httpErr) {
		writeFault(w, httpErr.HTTPStatus, status.Convert(httpErr.Err).Message())
		return
	}
	s := status.Convert(err)
	code := karborStatus(s)
	message := s.Message()
	if code == http.StatusInternalServerError && s.Code() == codes.Internal {
		message = "The server has either erred or is incapable of performing the requested operation."
	}
	writeFault(w, code, message)
}

func karborRoutingErrorHandler(_ context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, code int) {
	switch code {
	case http.StatusMethodNotAllowed:
		writeFault(w, code, "The method "+r.Method+" is not allowed for this resource.")
	case http.StatusBadRequest:
		writeFault(w, code, "Malformed request url")
	default:
		writeFault(w, http.StatusNotFound, "The resource could not be found.")
	}
}
