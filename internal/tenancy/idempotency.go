package tenancy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"entgo.io/ent/dialect/sql/sqlgraph"

	"github.com/phystack/managed-tenants-api/ent"
	"github.com/phystack/managed-tenants-api/ent/idempotencykey"
	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/internal/apperr"
)

var errKeyClaimed = errors.New("tenancy: idempotency key recorded by a concurrent request")

// once runs create at most once per partner and idempotency key (SPEC 4).
// A recorded key answers the tenant it created (same input) or CONFLICT
// (other input) without running create. A key is recorded only by a
// successful creation, in its transaction (recordKey), so concurrent
// requests with one key create one tenant: the others lose on the key's
// unique index, or on the name's, and answer what the first created.
// Without a key, create just runs.
func (s *Service) once(ctx context.Context, partnerID int, key, digest string, create func() (int, error)) (int, error) {
	if key == "" {
		return create()
	}
	// A retry is answered before anything else is checked: the first
	// request's input was valid, and its plans may since have been retired.
	if id, ok, err := s.replay(ctx, partnerID, key, digest); ok || err != nil {
		return id, err
	}
	id, err := create()
	if !errors.Is(err, errKeyClaimed) && !takesName(err) {
		return id, err
	}
	if rid, ok, rerr := s.replay(ctx, partnerID, key, digest); ok || rerr != nil {
		return rid, rerr
	}
	if errors.Is(err, errKeyClaimed) {
		return 0, fmt.Errorf("tenancy: idempotency key claimed but not found")
	}
	return 0, err // the name was taken by a creation without our key
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

// replay looks a key up: the id of the tenant it created for the same
// input, CONFLICT for other input, or ok false when it is not recorded.
func (s *Service) replay(ctx context.Context, partnerID int, key, digest string) (id int, ok bool, err error) {
	k, err := s.Client.IdempotencyKey.Query().
		Where(idempotencykey.PartnerID(partnerID), idempotencykey.Key(key)).
		Only(rule.SystemContext(ctx))
	switch {
	case ent.IsNotFound(err):
		return 0, false, nil
	case err != nil:
		return 0, false, err
	case k.RequestDigest != digest:
		return 0, false, apperr.UserErrors{apperr.Field("idempotencyKey", apperr.Conflict,
			"this idempotency key was used with different input")}
	case k.TenantID == nil:
		return 0, false, fmt.Errorf("tenancy: idempotency key %d has no tenant", k.ID)
	}
	return *k.TenantID, true, nil
}

// recordKey records, in the creating transaction, that key created tenant.
func recordKey(ctx context.Context, tx *ent.Tx, partnerID int, key, digest string, tenantID int, at time.Time) error {
	if key == "" {
		return nil
	}
	err := tx.IdempotencyKey.Create().
		SetPartnerID(partnerID).SetKey(key).SetRequestDigest(digest).SetTenantID(tenantID).SetCreatedAt(at).
		Exec(rule.SystemContext(ctx))
	if sqlgraph.IsUniqueConstraintError(err) {
		return errKeyClaimed
	}
	return err
}

// digest fingerprints the normalised input a key is bound to ("equal after
// normalising name and country"). Invalid fields go in raw, so they never
// match a valid one.
func (c *creation) digest() string {
	name, country := c.name, c.country
	if name == "" {
		name = "\x00raw:" + c.in.DisplayName
	}
	if country == "" {
		country = "\x00raw:" + c.in.Country
	}
	h := sha256.New()
	for _, part := range []string{"v1", strconv.Itoa(c.in.PartnerID), name, country,
		strconv.Itoa(c.in.TenantPlanID), strconv.Itoa(c.in.SupportPlanID)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
