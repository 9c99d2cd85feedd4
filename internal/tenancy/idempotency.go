package tenancy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"entgo.io/ent/dialect/sql/sqlgraph"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/idempotencykey"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/internal/apperr"
	"github.com/phystack/managed-tenants-api/internal/validate"
)

var errKeyClaimed = errors.New("tenancy: idempotency key recorded by a concurrent request")

// The mutations whose idempotency keys are kept; keys are per partner and
// mutation (SPEC 4, 10).
const (
	keyCreate      = "createManagedTenant"
	keyChangePlans = "changeManagedTenantPlans"
)

// idempotent is a request that may carry an idempotency key.
type idempotent struct {
	partnerID int
	mutation  string
	key       string // "" when none (or invalid)
	digest    string // of the normalised input
}

// once runs do at most once per partner, mutation and idempotency key. A
// recorded key answers the tenant its first request answered (same input)
// or CONFLICT (other input) without running do. A key is recorded only by
// a success, in its transaction (recordKey), so concurrent requests with
// one key have one effect: the others lose on the key's unique index (or,
// creating, on the name's) and answer what the first did. Without a key,
// do just runs.
func (s *Service) once(ctx context.Context, r idempotent, do func() (int, error)) (int, error) {
	if r.key == "" {
		return do()
	}
	// A retry is answered before anything else is checked: the first
	// request's input was valid, and its plans may since have been retired.
	if id, ok, err := s.replay(ctx, r); ok || err != nil {
		return id, err
	}
	id, err := do()
	if !errors.Is(err, errKeyClaimed) && !takesName(err) {
		return id, err
	}
	if rid, ok, rerr := s.replay(ctx, r); ok || rerr != nil {
		return rid, rerr
	}
	if errors.Is(err, errKeyClaimed) {
		return 0, fmt.Errorf("tenancy: idempotency key claimed but not found")
	}
	return 0, err // the name was taken by a creation without our key
}

// idempotencyKey is the validated key of the input ("" when none), or ""
// with an INVALID user error on idempotencyKey.
func idempotencyKey(in *string, errs *apperr.UserErrors) string {
	if in == nil {
		return ""
	}
	key, err := validate.IdempotencyKey(*in)
	if err != nil {
		*errs = append(*errs, apperr.Field("idempotencyKey", apperr.Invalid, err.Error()))
		return ""
	}
	return key
}

// takesName reports whether err refuses the display name as TAKEN.
func takesName(err error) bool {
	errs, _ := apperr.AsUserErrors(err)
	for _, e := range errs {
		if e.Code == apperr.Taken {
			return true
		}
	}
	return false
}

// replay looks a key up: the id of the tenant it answered for the same
// input, CONFLICT for other input, or ok false when it is not recorded.
func (s *Service) replay(ctx context.Context, r idempotent) (id int, ok bool, err error) {
	k, err := s.Client.IdempotencyKey.Query().
		Where(idempotencykey.PartnerID(r.partnerID), idempotencykey.Mutation(r.mutation), idempotencykey.Key(r.key)).
		Only(rule.SystemContext(ctx))
	switch {
	case ent.IsNotFound(err):
		return 0, false, nil
	case err != nil:
		return 0, false, err
	case k.RequestDigest != r.digest:
		return 0, false, apperr.UserErrors{apperr.Field("idempotencyKey", apperr.Conflict,
			"this idempotency key was used with different input")}
	case k.TenantID == nil:
		return 0, false, fmt.Errorf("tenancy: idempotency key %d has no tenant", k.ID)
	}
	return *k.TenantID, true, nil
}

// recordKey records, in the transaction of the request's effect, that the
// request's key answered tenant.
func recordKey(ctx context.Context, tx *ent.Tx, r idempotent, tenantID int, at time.Time) error {
	if r.key == "" {
		return nil
	}
	err := tx.IdempotencyKey.Create().
		SetPartnerID(r.partnerID).SetMutation(r.mutation).SetKey(r.key).SetRequestDigest(r.digest).
		SetTenantID(tenantID).SetCreatedAt(at).
		Exec(rule.SystemContext(ctx))
	if sqlgraph.IsUniqueConstraintError(err) {
		return errKeyClaimed
	}
	return err
}

// digest fingerprints the normalised input a key is bound to: its parts,
// each already normalised (invalid ones raw, so they never match a valid one).
func digest(parts ...string) string {
	h := sha256.New()
	for _, part := range append([]string{"v1"}, parts...) {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
