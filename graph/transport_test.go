package graph

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// data is what gqlgen's marshalers write for {"a": s}: s quoted by
// graphql.MarshalString, which leaves <, >, & and U+2028 as they are.
func data(s string) json.RawMessage {
	var b bytes.Buffer
	b.WriteString(`{"a":`)
	graphql.MarshalString(s).MarshalGQL(&b)
	b.WriteString(`,"n":[1,null,true],"o":{"x":"y"}}`)
	return b.Bytes()
}

func sameAsMarshal(t *testing.T, res *graphql.Response) {
	t.Helper()
	want, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	got, err := appendResponse(nil, res)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("appendResponse:\n got %s (%v)\nwant %s", got, err, want)
	}
}

func TestWriteResponseIsJSONMarshal(t *testing.T) {
	yes := true
	errs := gqlerror.List{{
		Message:    `bad <input> & "quotes" ` + "\u2028",
		Path:       ast.Path{ast.PathName("tenant"), ast.PathIndex(2)},
		Locations:  []gqlerror.Location{{Line: 1, Column: 3}},
		Extensions: map[string]any{"code": "NOT_FOUND", "requestId": "r<1>"},
	}}
	for _, res := range []*graphql.Response{
		{Data: data("plain")},
		{Data: data("<script>&amp;</script> \u2028 \u2029 \u2027 \u202a ☃ 日本")},
		{Data: data("\xe2\x80 broken \xe2 \xff")},
		{Data: data("quote \" backslash \\ newline \n")},
		{},
		{Errors: errs},
		{Errors: errs, Data: data("x")},
		{Data: data("x"), Extensions: map[string]any{"sqlStatements": 6, "tag": "<&>"}},
		{Errors: errs, Data: json.RawMessage("null"), Extensions: map[string]any{"a": []int{1}}},
		{Data: data("deferred"), Label: "l", Path: ast.Path{ast.PathName("a")}, HasNext: &yes},
		nil, // a canceled request's
	} {
		sameAsMarshal(t, res)
	}
}

func FuzzWriteResponse(f *testing.F) {
	for _, s := range []string{"", "<>&", "\u2028\u2029", "\xe2\x80\xa8", "\xe2\x80", "日本\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sameAsMarshal(t, &graphql.Response{Data: data(s), Extensions: map[string]any{"s": s}})
	})
}
