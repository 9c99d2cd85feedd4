package graph

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// POST is gqlgen's POST transport (v0.17.98's transport.POST.Do, same
// negotiation, statuses and errors) with one difference: the answer is
// written by writeResponse, which copies the data gqlgen's executor
// assembled instead of letting encoding/json re-validate it byte by byte
// (json.Marshal compacts every json.RawMessage it writes: ~10% of the
// server's CPU for a 354 kB dashboard). The bytes are json.Marshal's
// (TestWriteResponseIsJSONMarshal).
type POST struct{ transport.POST }

// Do serves one POST request.
func (h POST) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	contentType := responseContentType(r)
	w.Header().Set("Content-Type", contentType)
	params := &graphql.RawParams{}
	start := graphql.Now()
	bodyBytes, err := io.ReadAll(r.Body)
	if err != nil {
		gqlErr := gqlerror.Errorf("could not read request body: %+v", err)
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{gqlErr}))
		return
	}
	dec := json.NewDecoder(bytes.NewReader(bodyBytes))
	dec.UseNumber()
	if err := dec.Decode(params); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		gqlErr := gqlerror.Errorf("json request body could not be decoded: %+v body:%s", err, string(bodyBytes))
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{gqlErr}))
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	rc, opErr := exec.CreateOperationContext(ctx, params)
	if opErr != nil {
		status := http.StatusOK
		if errcode.GetErrorKind(opErr) == errcode.KindProtocol {
			status = http.StatusUnprocessableEntity
			if contentType == graphQLResponseJSON {
				status = http.StatusBadRequest
			}
		}
		w.WriteHeader(status)
		writeResponse(w, exec.DispatchError(graphql.WithOperationContext(ctx, rc), opErr))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	writeResponse(w, responses(ctx))
}

const graphQLResponseJSON = "application/graphql-response+json"

// responseContentType is gqlgen's negotiation with no configured headers
// and application/json by default.
func responseContentType(r *http.Request) string {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return "application/json"
	}
	for part := range strings.SplitSeq(accept, ",") {
		mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mediaType {
		case "*/*", "application/*", "application/json":
			return "application/json"
		case graphQLResponseJSON:
			return graphQLResponseJSON
		}
	}
	return graphQLResponseJSON
}

// writeResponse writes json.Marshal(res), with res.Data copied as it is
// (gqlgen's marshalers write compact JSON) except for what encoding/json
// escapes in it: <, >, & and U+2028/U+2029. Responses of incremental
// delivery (label, path, hasNext) go through json.Marshal.
func writeResponse(w io.Writer, res *graphql.Response) {
	b, err := appendResponse(nil, res)
	if err != nil {
		panic(fmt.Errorf("unable to marshal %s: %w", string(res.Data), err))
	}
	_, _ = w.Write(b)
}

func appendResponse(b []byte, res *graphql.Response) ([]byte, error) {
	if res == nil || res.Label != "" || res.Path != nil || res.HasNext != nil {
		m, err := json.Marshal(res)
		return append(b, m...), err
	}
	b = append(b, '{')
	if len(res.Errors) > 0 {
		e, err := json.Marshal(res.Errors)
		if err != nil {
			return nil, err
		}
		b = append(b, `"errors":`...)
		b = append(b, e...)
		b = append(b, ',')
	}
	b = append(b, `"data":`...)
	if res.Data == nil {
		b = append(b, "null"...)
	} else {
		b = appendHTMLEscaped(b, res.Data)
	}
	if len(res.Extensions) > 0 {
		e, err := json.Marshal(res.Extensions)
		if err != nil {
			return nil, err
		}
		b = append(b, `,"extensions":`...)
		b = append(b, e...)
	}
	return append(b, '}'), nil
}

// appendHTMLEscaped appends compact JSON src as encoding/json's compact
// (with HTML escaping) writes it: <, >, & as \u003c, \u003e, \u0026 and
// U+2028, U+2029 as \u2028, \u2029. Outside strings none of them occurs.
// It jumps between the candidates with bytes.IndexByte (vectorised): a
// byte-by-byte loop over a 354 kB dashboard was 6% of the server's CPU.
func appendHTMLEscaped(dst, src []byte) []byte {
	const hex = "0123456789abcdef"
	// next[k] is the offset of the next special[k] at or after i, or
	// len(src); each is searched again only once passed.
	special := [4]byte{'<', '>', '&', 0xE2}
	var next [4]int
	find := func(k, from int) {
		if j := bytes.IndexByte(src[from:], special[k]); j >= 0 {
			next[k] = from + j
		} else {
			next[k] = len(src)
		}
	}
	for k := range special {
		find(k, 0)
	}
	start := 0
	for {
		k := 0
		for j := 1; j < len(next); j++ {
			if next[j] < next[k] {
				k = j
			}
		}
		i := next[k]
		if i == len(src) {
			break
		}
		switch c := src[i]; {
		case c != 0xE2:
			dst = append(dst, src[start:i]...)
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			start = i + 1
		case i+2 < len(src) && src[i+1] == 0x80 && src[i+2]&^1 == 0xA8: // U+2028, U+2029
			dst = append(dst, src[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[src[i+2]&1+8])
			start = i + 3
		}
		find(k, i+1)
	}
	return append(dst, src[start:]...)
}
