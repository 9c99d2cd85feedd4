package schema

import (
	"context"
	"fmt"

	"entgo.io/ent"

	"github.com/phystack/managed-tenants-api/internal/validate"
)

// foldedKey keeps column key equal to validate.Key of column from on every
// write that sets from: the unique indexes over such keys make "unique
// ignoring case" race-free, and no caller can forget to derive one.
func foldedKey(from, key string) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if v, ok := m.Field(from); ok {
				s, ok := v.(string)
				if !ok {
					return nil, fmt.Errorf("schema: %s.%s is %T, not a string", m.Type(), from, v)
				}
				if err := m.SetField(key, validate.Key(s)); err != nil {
					return nil, err
				}
			}
			return next.Mutate(ctx, m)
		})
	}
}
