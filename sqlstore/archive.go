package sqlstore

import (
	"context"

	"poscare"
)

// archivable names, for each kind of record, its table and how to load it
// as the actor may see it. Archive and restore are one mechanism for all
// records, so no kind can be missed by the never-hard-delete rule.
var archivable = map[string]struct {
	table string
	load  func(ctx context.Context, t *Tx, a poscare.Actor, id int64) (any, *poscare.Archival, error)
}{
	poscare.EntityMerchant: {"merchants", func(ctx context.Context, t *Tx, a poscare.Actor, id int64) (any, *poscare.Archival, error) {
		m, err := t.visibleMerchant(ctx, a, id)
		if err != nil {
			return nil, nil, err
		}
		return m, m.Archived, nil
	}},
	poscare.EntityContact: {"contacts", func(ctx context.Context, t *Tx, a poscare.Actor, id int64) (any, *poscare.Archival, error) {
		c, err := t.visibleContact(ctx, a, id)
		if err != nil {
			return nil, nil, err
		}
		return c, c.Archived, nil
	}},
	poscare.EntityTerminal: {"terminals", func(ctx context.Context, t *Tx, a poscare.Actor, id int64) (any, *poscare.Archival, error) {
		x, err := t.visibleTerminal(ctx, a, id)
		if err != nil {
			return nil, nil, err
		}
		return x, x.Archived, nil
	}},
	poscare.EntityApplication: {"applications", func(ctx context.Context, t *Tx, a poscare.Actor, id int64) (any, *poscare.Archival, error) {
		x, _, err := t.visibleApplication(ctx, a, id)
		if err != nil {
			return nil, nil, err
		}
		return x, x.Archived, nil
	}},
	poscare.EntityContract: {"contracts", func(ctx context.Context, t *Tx, a poscare.Actor, id int64) (any, *poscare.Archival, error) {
		c, err := t.visibleContract(ctx, a, id)
		if err != nil {
			return nil, nil, err
		}
		return c, c.Archived, nil
	}},
	poscare.EntityUser: {"users", func(ctx context.Context, t *Tx, a poscare.Actor, id int64) (any, *poscare.Archival, error) {
		u, err := t.getUser(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		if !a.CanSeeUser(u) {
			return nil, nil, poscare.NotFound(poscare.EntityUser)
		}
		return u, u.Archived, nil
	}},
	poscare.EntityTeam: {"teams", func(ctx context.Context, t *Tx, a poscare.Actor, id int64) (any, *poscare.Archival, error) {
		tm, err := t.getTeam(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		return tm, tm.Archived, nil
	}},
}

// Archive takes a record out of use with a reason. It is the only way to
// "delete" anything: the row stays, with who, when and why, and Restore
// puts it back. Errors: EForbidden, ENotFound, EInvalid, EConflict.
func (s *Store) Archive(ctx context.Context, a poscare.Actor, entity string, id int64, reason string) error {
	return s.alertOnBlock(ctx, a, s.setArchived(ctx, a, entity, id, reason, true))
}

// Restore puts an archived record back into use.
func (s *Store) Restore(ctx context.Context, a poscare.Actor, entity string, id int64, reason string) error {
	return s.setArchived(ctx, a, entity, id, reason, false)
}

func (s *Store) setArchived(ctx context.Context, a poscare.Actor, entity string, id int64, reason string, archive bool) error {
	kind, ok := archivable[entity]
	if !ok {
		return poscare.NotFound(entity)
	}
	act, verb := poscare.ActRestore, "restore"
	if archive {
		act, verb = poscare.ActArchive, "archive"
	}
	if !a.Can(entity, act) {
		return poscare.Forbidden()
	}
	if err := poscare.ValidateReason(reason); err != nil {
		return err
	}
	return s.inWrite(ctx, func(t *Tx) error {
		before, arch, err := kind.load(ctx, t, a, id)
		if err != nil {
			return err
		}
		if archive == (arch != nil) {
			if archive {
				return poscare.Fail(poscare.EConflict, "record.already_archived")
			}
			return poscare.Fail(poscare.EConflict, "record.not_archived")
		}
		if archive && entity == poscare.EntityUser {
			if err := t.stillHolds(ctx, id); err != nil {
				return err
			}
		}
		if archive && (entity == poscare.EntityMerchant || entity == poscare.EntityContact) {
			if err := t.guardRemovals(ctx, a); err != nil {
				return err
			}
		}
		if archive {
			_, err = t.exec(ctx, "UPDATE "+kind.table+" SET archived_at = ?, archived_by = ?, archive_reason = ?, updated_at = ? WHERE id = ?",
				micros(t.now), a.UserID, reason, micros(t.now), id)
		} else {
			_, err = t.exec(ctx, "UPDATE "+kind.table+" SET archived_at = NULL, archived_by = NULL, archive_reason = NULL, updated_at = ? WHERE id = ?",
				micros(t.now), id)
		}
		if err != nil {
			return err
		}
		if entity == poscare.EntityUser && archive {
			if err := t.revokeTokens(ctx, id); err != nil {
				return err
			}
		}
		if entity == poscare.EntityMerchant && !archive {
			if err := t.restoredMerchant(ctx, a, id); err != nil {
				return err
			}
		}
		after, _, err := kind.load(ctx, t, poscare.SystemActor(""), id)
		if err != nil {
			return err
		}
		return t.record(ctx, a, verb, entity, id, before, map[string]any{"reason": reason, "record": after})
	})
}
