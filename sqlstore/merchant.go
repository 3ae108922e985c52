package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"poscare"
)

// Field names bound into ciphertexts and blind indexes.
const (
	fieldPrincipalID = "principal_id"
	fieldSettlement  = "settlement_account"
)

const merchantCols = `m.id, m.type, m.legal_name, m.uscc, m.principal_name, m.principal_id_masked, m.settlement_kind,
	m.settlement_masked, m.mid, m.mcc, m.fee_category, m.address, m.latitude, m.longitude, m.status, m.team_id,
	m.account_manager_id, m.backup_manager_id, m.created_at, m.updated_at, m.archived_at, m.archived_by, m.archive_reason`

func scanMerchant(r scanner) (*poscare.Merchant, error) {
	var m poscare.Merchant
	var uscc, mid sql.NullString
	var backup sql.NullInt64
	var created, updated int64
	var arch archCols
	err := r.Scan(&m.ID, &m.Type, &m.LegalName, &uscc, &m.PrincipalName, &m.PrincipalIDMasked, &m.SettlementKind,
		&m.SettlementMasked, &mid, &m.MCC, &m.FeeCategory, &m.Address, &m.Latitude, &m.Longitude, &m.Status, &m.TeamID,
		&m.AccountManagerID, &backup, &created, &updated, &arch.at, &arch.by, &arch.reason)
	if err != nil {
		return nil, err
	}
	m.USCC, m.MID, m.BackupManagerID = uscc.String, mid.String, int64Ptr(backup)
	m.CreatedAt, m.UpdatedAt, m.Archived = fromMicros(created), fromMicros(updated), arch.archival()
	return &m, nil
}

func (t *Tx) getMerchant(ctx context.Context, id int64) (*poscare.Merchant, error) {
	m, err := scanMerchant(t.queryRow(ctx, "SELECT "+merchantCols+" FROM merchants m WHERE m.id = ?", id))
	if err == sql.ErrNoRows {
		return nil, poscare.NotFound(poscare.EntityMerchant)
	}
	return m, t.s.translate(err)
}

// visibleMerchant loads a merchant the actor may see; one outside the
// actor's scope is reported exactly like one that does not exist.
func (t *Tx) visibleMerchant(ctx context.Context, a poscare.Actor, id int64) (*poscare.Merchant, error) {
	m, err := t.getMerchant(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.MerchantScope().Holds(m) {
		return nil, poscare.NotFound(poscare.EntityMerchant)
	}
	return m, nil
}

// checkMerchantRefs makes sure the team exists and the account manager and
// backup are people who may hold the merchant, by
// poscare.CheckMerchantPeople: both at work in the merchant's team, and
// not the same person.
func (t *Tx) checkMerchantRefs(ctx context.Context, m *poscare.Merchant) error {
	p := poscare.Problems{}
	if tm, err := t.getTeam(ctx, m.TeamID); err != nil || tm.Archived != nil {
		p.Say("team_id", "record.no_team_or_archived")
	}
	person := func(id int64) (*poscare.User, error) {
		u, err := t.getUser(ctx, id)
		if poscare.ErrorCode(err) == poscare.ENotFound {
			return nil, nil
		}
		return u, err
	}
	manager, err := person(m.AccountManagerID)
	if err != nil {
		return err
	}
	var backup *poscare.User
	if m.BackupManagerID != nil {
		if backup, err = person(*m.BackupManagerID); err != nil {
			return err
		}
	}
	return joinInvalid(p.Err(), poscare.CheckMerchantPeople(m, manager, backup))
}

// sealSensitive encrypts the clear sensitive fields of m into its columns'
// values and clears them from m, so they never reach a response or the
// audit trail. Empty means "keep" and returns ok=false for that field.
type sealed struct {
	enc, hash, masked string
	set               bool
}

func (s *Store) seal(field, clear string, mask func(string) string) (sealed, error) {
	if clear == "" {
		return sealed{}, nil
	}
	enc, err := s.vault.Encrypt(field, clear)
	if err != nil {
		return sealed{}, poscare.Internal(err)
	}
	return sealed{enc: enc, hash: s.vault.BlindIndex(field, clear), masked: mask(clear), set: true}, nil
}

// CreateMerchant adds a merchant. An agent creates merchants they manage; a
// lead within the team. Errors: EForbidden, EInvalid, EConflict.
func (s *Store) CreateMerchant(ctx context.Context, a poscare.Actor, m *poscare.Merchant) error {
	return s.CreateMerchants(ctx, a, []*MerchantImport{{Merchant: m}})
}

// MerchantImport is one merchant with its contacts, for bulk creation.
type MerchantImport struct {
	Merchant *poscare.Merchant
	Contacts []*poscare.Contact
}

// CreateMerchants adds many merchants with their contacts in one
// transaction: all of them or, if any is invalid, none. Field errors of the
// i-th item are reported as "i.field" when more than one is given.
func (s *Store) CreateMerchants(ctx context.Context, a poscare.Actor, items []*MerchantImport) error {
	if !a.Can(poscare.EntityMerchant, poscare.ActCreate) {
		return poscare.Forbidden()
	}
	p := poscare.Problems{}
	for i, it := range items {
		errs := []error{it.Merchant.Validate(true)}
		for _, c := range it.Contacts {
			c.MerchantID = -1 // set after insert; validated for the rest now
			errs = append(errs, c.Validate())
		}
		if err := joinInvalid(errs...); err != nil {
			e, ok := err.(*poscare.Error)
			if !ok {
				return err
			}
			for k, v := range e.Fields {
				if len(items) > 1 {
					k = fmt.Sprintf("%d.%s", i, k)
				}
				p[k] = v
			}
		}
	}
	if err := p.Err(); err != nil {
		return err
	}
	// Encryption and search grams need no database: done on every core
	// before the write transaction starts, so it is held for less time.
	prep := make([]merchantPrep, len(items))
	if err := parallel(len(items), func(i int) (err error) {
		prep[i], err = s.prepareMerchant(items[i].Merchant)
		return err
	}); err != nil {
		return err
	}
	return s.inWrite(ctx, func(t *Tx) error {
		if err := t.deferForeignKeys(ctx); err != nil {
			return err
		}
		refsChecked := map[[3]int64]bool{}
		ms := make([]*poscare.Merchant, len(items))
		var contacts []*poscare.Contact
		for i, it := range items {
			m := it.Merchant
			if err := a.CheckAssignment(nil, m); err != nil {
				return err
			}
			key := [3]int64{m.TeamID, m.AccountManagerID, deref(m.BackupManagerID)}
			if !refsChecked[key] {
				if err := t.checkMerchantRefs(ctx, m); err != nil {
					return err
				}
				refsChecked[key] = true
			}
			ms[i] = m
		}
		if err := t.assignMerchantIDs(ctx, ms); err != nil {
			return err
		}
		for _, it := range items {
			for _, c := range it.Contacts {
				c.MerchantID = it.Merchant.ID
				contacts = append(contacts, c)
			}
		}
		if err := t.assignContactIDs(ctx, contacts); err != nil {
			return err
		}
		// One audit entry per merchant, carrying the contacts created with
		// it: an import of 100,000 merchants writes 100,000 entries, not
		// three times as many, and the history still shows every value.
		// With every id known, the entries are computed on another core
		// while this one writes the rows.
		if err := t.recordAside(ctx, a, poscare.EntityMerchant, len(items), func(i int) (int64, any) {
			return items[i].Merchant.ID, merchantCreated{Merchant: items[i].Merchant, Contacts: items[i].Contacts}
		}); err != nil {
			return err
		}
		if err := t.insertMerchants(ctx, ms, prep); err != nil {
			return err
		}
		return t.writeContacts(ctx, contacts)
	})
}

// merchantPrep is what a new merchant's row needs computed beforehand: its
// sealed sensitive fields and its search grams.
type merchantPrep struct {
	pid, acct sealed
	grams     string
}

// prepareMerchant seals the clear sensitive fields of m, clearing them so
// they never reach a response or the audit trail.
func (s *Store) prepareMerchant(m *poscare.Merchant) (merchantPrep, error) {
	pid, err := s.seal(fieldPrincipalID, m.PrincipalIDNumber, poscare.MaskIDNumber)
	if err != nil {
		return merchantPrep{}, err
	}
	acct, err := s.seal(fieldSettlement, m.SettlementAccount, poscare.MaskAccount)
	if err != nil {
		return merchantPrep{}, err
	}
	m.PrincipalIDNumber, m.SettlementAccount = "", ""
	m.PrincipalIDMasked, m.SettlementMasked = pid.masked, acct.masked
	return merchantPrep{pid: pid, acct: acct, grams: poscare.SearchGrams(m.LegalName, m.PrincipalName)}, nil
}

// merchantCreated is the audit view of a merchant created together with
// its contacts: the merchant's fields and a "contacts" list beside them.
type merchantCreated struct {
	*poscare.Merchant
	Contacts []*poscare.Contact `json:"contacts,omitempty"`
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// assignMerchantIDs gives new merchants their ids and creation times.
func (t *Tx) assignMerchantIDs(ctx context.Context, ms []*poscare.Merchant) error {
	ids, err := t.reserveIDs(ctx, "merchants", len(ms))
	if err != nil {
		return err
	}
	for i, m := range ms {
		m.ID, m.CreatedAt, m.UpdatedAt = ids[i], t.now, t.now
	}
	return nil
}

// insertMerchants writes validated, prepared merchants whose ids are
// assigned. The caller records them in the audit trail.
func (t *Tx) insertMerchants(ctx context.Context, ms []*poscare.Merchant, prep []merchantPrep) error {
	rows := make([][]any, len(ms))
	for i, m := range ms {
		pid, acct, grams := prep[i].pid, prep[i].acct, prep[i].grams
		rows[i] = []any{m.ID, m.Type, m.LegalName, nullStr(m.USCC), m.PrincipalName, pid.enc, pid.hash, pid.masked, m.SettlementKind,
			acct.enc, acct.hash, acct.masked, nullStr(m.MID), m.MCC, m.FeeCategory, m.Address, m.Latitude, m.Longitude,
			m.Status, m.TeamID, m.AccountManagerID, nullInt(m.BackupManagerID), grams, micros(t.now), micros(t.now)}
		if t.s.dialect == SQLite {
			t.pendingSearch = append(t.pendingSearch, []any{m.ID, grams})
		}
	}
	return t.insertRows(ctx, "merchants", []string{"id", "type", "legal_name", "uscc", "principal_name", "principal_id_enc",
		"principal_id_hash", "principal_id_masked", "settlement_kind", "settlement_enc", "settlement_hash", "settlement_masked",
		"mid", "mcc", "fee_category", "address", "latitude", "longitude", "status", "team_id", "account_manager_id",
		"backup_manager_id", "search_grams", "created_at", "updated_at"}, rows)
}

// UpdateMerchant changes a merchant. Empty sensitive fields keep their
// stored values. Errors: EForbidden, ENotFound, EInvalid, EConflict.
func (s *Store) UpdateMerchant(ctx context.Context, a poscare.Actor, m *poscare.Merchant) error {
	if !a.Can(poscare.EntityMerchant, poscare.ActUpdate) {
		return poscare.Forbidden()
	}
	return s.inWrite(ctx, func(t *Tx) error {
		before, err := t.visibleMerchant(ctx, a, m.ID)
		if err != nil {
			return err
		}
		if before.Archived != nil {
			return poscare.Fail(poscare.EConflict, "record.merchant.restore")
		}
		// A merchant that becomes micro needs the ID number it never had,
		// and a new kind of settlement account needs its new number.
		needNew := (m.Type == poscare.MerchantMicro && m.PrincipalIDNumber == "" && before.PrincipalIDMasked == "") ||
			(m.SettlementKind != before.SettlementKind && m.SettlementAccount == "")
		if err := m.Validate(needNew); err != nil {
			return err
		}
		if err := a.CheckAssignment(before, m); err != nil {
			return err
		}
		if err := t.checkMerchantRefs(ctx, m); err != nil {
			return err
		}
		pid, err := s.seal(fieldPrincipalID, m.PrincipalIDNumber, poscare.MaskIDNumber)
		if err != nil {
			return err
		}
		acct, err := s.seal(fieldSettlement, m.SettlementAccount, poscare.MaskAccount)
		if err != nil {
			return err
		}
		m.PrincipalIDNumber, m.SettlementAccount = "", ""
		m.PrincipalIDMasked, m.SettlementMasked = before.PrincipalIDMasked, before.SettlementMasked
		q := `UPDATE merchants SET type = ?, legal_name = ?, uscc = ?, principal_name = ?, settlement_kind = ?, mid = ?, mcc = ?,
			fee_category = ?, address = ?, latitude = ?, longitude = ?, status = ?, team_id = ?, account_manager_id = ?,
			backup_manager_id = ?, search_grams = ?, updated_at = ?`
		args := []any{m.Type, m.LegalName, nullStr(m.USCC), m.PrincipalName, m.SettlementKind, nullStr(m.MID), m.MCC,
			m.FeeCategory, m.Address, m.Latitude, m.Longitude, m.Status, m.TeamID, m.AccountManagerID,
			nullInt(m.BackupManagerID), poscare.SearchGrams(m.LegalName, m.PrincipalName), micros(t.now)}
		if pid.set {
			q += ", principal_id_enc = ?, principal_id_hash = ?, principal_id_masked = ?"
			args = append(args, pid.enc, pid.hash, pid.masked)
			m.PrincipalIDMasked = pid.masked
		}
		if acct.set {
			q += ", settlement_enc = ?, settlement_hash = ?, settlement_masked = ?"
			args = append(args, acct.enc, acct.hash, acct.masked)
			m.SettlementMasked = acct.masked
		}
		if _, err := t.exec(ctx, q+" WHERE id = ?", append(args, m.ID)...); err != nil {
			return err
		}
		// What the old account manager owed this merchant goes with it to
		// the new one: the old one may no longer see the merchant at all.
		if m.AccountManagerID != before.AccountManagerID {
			if _, err := t.exec(ctx, "UPDATE tasks SET user_id = ? WHERE merchant_id = ? AND user_id = ? AND done_at IS NULL",
				m.AccountManagerID, m.ID, before.AccountManagerID); err != nil {
				return err
			}
		}
		m.CreatedAt, m.UpdatedAt, m.Archived = before.CreatedAt, t.now, nil
		return t.record(ctx, a, "update", poscare.EntityMerchant, m.ID, before, m)
	})
}

// GetMerchant returns a merchant the actor may see. Errors: EForbidden,
// ENotFound (also for merchants outside the actor's portfolio).
func (s *Store) GetMerchant(ctx context.Context, a poscare.Actor, id int64) (*poscare.Merchant, error) {
	if !a.Can(poscare.EntityMerchant, poscare.ActRead) {
		return nil, poscare.Forbidden()
	}
	return readOne(ctx, s, func(t *Tx) (*poscare.Merchant, error) { return t.visibleMerchant(ctx, a, id) })
}

// RevealMerchant returns a merchant's sensitive fields in clear and records
// the view in the audit trail. Errors: EForbidden, ENotFound.
func (s *Store) RevealMerchant(ctx context.Context, a poscare.Actor, id int64) (*poscare.MerchantSensitive, error) {
	if !a.Can(poscare.EntityMerchant, poscare.ActReveal) {
		return nil, poscare.Forbidden()
	}
	var out poscare.MerchantSensitive
	err := s.inWrite(ctx, func(t *Tx) error {
		if _, err := t.visibleMerchant(ctx, a, id); err != nil {
			return err
		}
		var pidEnc, acctEnc string
		if err := t.queryRow(ctx, "SELECT principal_id_enc, settlement_enc FROM merchants WHERE id = ?", id).Scan(&pidEnc, &acctEnc); err != nil {
			return t.s.translate(err)
		}
		var err error
		if out.PrincipalIDNumber, err = s.vault.Decrypt(fieldPrincipalID, pidEnc); err != nil {
			return poscare.Internal(err)
		}
		if out.SettlementAccount, err = s.vault.Decrypt(fieldSettlement, acctEnc); err != nil {
			return poscare.Internal(err)
		}
		out.MerchantID = id
		return t.record(ctx, a, poscare.AuditView, poscare.EntityMerchant, id, nil,
			map[string][]string{"fields": {"principal_id_number", "settlement_account"}})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// scopeSQL is the SQL form of poscare.Scope.Holds over alias m; both must
// say the same thing, and the store tests check they do.
func (s *Store) scopeSQL(sc poscare.Scope) (string, []any) {
	switch {
	case sc.None:
		return "1=0", nil
	case sc.All:
		return "1=1", nil
	case sc.ManagerID != 0 && s.dialect == SQLite:
		// An agent's portfolio is a few thousand merchants at most: start
		// from the two indexes. SQLite's planner, seeing a few giant
		// portfolios in its statistics, would otherwise scan the table.
		covered, args := coveredSQL(sc)
		return `m.id IN (SELECT id FROM merchants INDEXED BY merchants_manager WHERE account_manager_id = ?
			UNION ALL SELECT id FROM merchants INDEXED BY merchants_backup WHERE backup_manager_id = ?` + covered + `)`, append([]any{sc.ManagerID, sc.ManagerID}, args...)
	case sc.ManagerID != 0:
		if len(sc.Covers) > 0 {
			in, args := inList(sc.Covers)
			return "(m.account_manager_id = ? OR m.backup_manager_id = ? OR m.account_manager_id IN " + in + ")", append([]any{sc.ManagerID, sc.ManagerID}, args...)
		}
		return "(m.account_manager_id = ? OR m.backup_manager_id = ?)", []any{sc.ManagerID, sc.ManagerID}
	case sc.TeamID != 0:
		return "m.team_id = ?", []any{sc.TeamID}
	case sc.MerchantID != 0:
		return "m.id = ?", []any{sc.MerchantID}
	}
	return "1=0", nil
}

// coveredSQL is the part of an agent's portfolio on SQLite that belongs to
// the colleagues on leave they cover: " UNION SELECT …", or nothing.
func coveredSQL(sc poscare.Scope) (string, []any) {
	if len(sc.Covers) == 0 {
		return "", nil
	}
	in, args := inList(sc.Covers)
	return " UNION SELECT id FROM merchants INDEXED BY merchants_manager WHERE account_manager_id IN " + in, args
}

// ListMerchants lists and searches the merchants the actor may see, newest
// first. Q matches a name fragment (legal or principal name), a phone
// number (whole or leading digits), a USCC, a MID or an ID number.
// It returns one more row than the page when there is a next page.
func (s *Store) ListMerchants(ctx context.Context, a poscare.Actor, f poscare.MerchantFilter) ([]*poscare.Merchant, error) {
	if !a.Can(poscare.EntityMerchant, poscare.ActRead) {
		return nil, poscare.Forbidden()
	}
	f.Normalize()
	sc := a.MerchantScope()
	from, order := "merchants m", "m.id DESC"
	var args []any
	where := []string{"m." + archivedCond(f.Archived)}
	if sc.ManagerID != 0 && s.dialect == SQLite {
		// An agent's portfolio (a few thousand at most) drives the query:
		// filters and search then look at those rows only. CROSS JOIN
		// tells SQLite to keep that order rather than walk all merchants.
		covered, cargs := coveredSQL(sc)
		from = `(SELECT id FROM merchants INDEXED BY merchants_manager WHERE account_manager_id = ?
			UNION SELECT id FROM merchants INDEXED BY merchants_backup WHERE backup_manager_id = ?` + covered + `) p CROSS JOIN merchants m ON m.id = p.id`
		args = append(append(args, sc.ManagerID, sc.ManagerID), cargs...)
	} else {
		cond, sa := s.scopeSQL(sc)
		where = append(where, cond)
		args = append(args, sa...)
	}
	if f.Status != "" {
		where = append(where, "m.status = ?")
		args = append(args, f.Status)
	}
	if f.Type != "" {
		where = append(where, "m.type = ?")
		args = append(args, f.Type)
	}
	if f.TeamID != nil {
		where = append(where, "m.team_id = ?")
		args = append(args, *f.TeamID)
	}
	if f.AccountManagerID != nil {
		where = append(where, "m.account_manager_id = ?")
		args = append(args, *f.AccountManagerID)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		found, ok := s.searchCond(q, sc)
		if !ok {
			return []*poscare.Merchant{}, nil
		}
		where = append(where, found.cond)
		args = append(args, found.args...)
		if found.from != "" {
			from, order = found.from, found.order
		}
	}
	if f.BeforeID > 0 {
		// Bound the column the rows are read in order of, so that a page
		// starts where the last ended instead of walking past it.
		key := "m.id"
		if strings.HasPrefix(order, "s.rowid") {
			key = "s.rowid"
		}
		where = append(where, key+" < ?")
		args = append(args, f.BeforeID)
	}
	query := "SELECT " + merchantCols + " FROM " + from + " WHERE " + strings.Join(where, " AND ") +
		" ORDER BY " + order + " LIMIT ? OFFSET ?"
	args = append(args, f.Limit+1, f.Offset)
	return queryAll(ctx, s, query, args, scanMerchant)
}

// search is how a search text is looked up: a condition, and for a name
// search on SQLite, the full-text index as the driving table and its order.
type search struct {
	cond, from, order string
	args              []any
}

// searchCond builds the lookup for a search text: identifiers by exact
// match through their indexes, digits as a phone prefix, anything else as
// a name through the full-text index of bigrams.
func (s *Store) searchCond(q string, sc poscare.Scope) (search, bool) {
	upper := strings.ToUpper(strings.ReplaceAll(q, " ", ""))
	switch {
	case poscare.ValidUSCC(upper) && poscare.ValidResidentID(upper):
		// About one ID number in 340 is also a well-formed USCC.
		return search{cond: "(m.uscc = ? OR m.principal_id_hash = ?)", args: []any{upper, s.vault.BlindIndex(fieldPrincipalID, upper)}}, true
	case poscare.ValidUSCC(upper):
		return search{cond: "m.uscc = ?", args: []any{upper}}, true
	case poscare.ValidResidentID(upper):
		return search{cond: "m.principal_id_hash = ?", args: []any{s.vault.BlindIndex(fieldPrincipalID, upper)}}, true
	case len(upper) == 15 && poscare.ValidMID(upper):
		return search{cond: "m.mid = ?", args: []any{upper}}, true
	case len(upper) >= 3 && isDigits(upper):
		// Phone numbers: an 11-digit number exactly, fewer digits as a
		// prefix, through the index on contact_channels.value.
		sub := "SELECT merchant_id FROM contact_channels WHERE removed_at IS NULL AND value = ?"
		args := []any{upper}
		if len(upper) < 11 {
			sub = "SELECT merchant_id FROM contact_channels WHERE removed_at IS NULL AND value >= ? AND value < ?"
			args = []any{upper, upper + ":"} // ':' sorts right after '9'
		}
		return search{cond: "m.id IN (" + sub + ")", args: args}, true
	}
	sq := poscare.ParseSearch(q)
	if sq.Empty() {
		return search{}, false
	}
	like := "%" + likeEscape(strings.TrimSpace(q)) + "%"
	if s.dialect == Postgres {
		var ts string
		if sq.Prefix != "" {
			ts = sq.Prefix + ":*"
		} else {
			ts = strings.Join(sq.Grams, " & ")
		}
		return search{cond: "to_tsvector('simple', m.search_grams) @@ to_tsquery('simple', ?) AND (m.legal_name ILIKE ? OR m.principal_name ILIKE ?)",
			args: []any{ts, like, like}}, true
	}
	var match string
	if sq.Prefix != "" {
		match = `"` + sq.Prefix + `"*`
	} else {
		match = `"` + strings.Join(sq.Grams, `" AND "`) + `"`
	}
	verify := "(m.legal_name LIKE ? OR m.principal_name LIKE ?)"
	if sc.ManagerID != 0 {
		// A portfolio of a few thousand is read faster than the index.
		return search{cond: verify, args: []any{like, like}}, true
	}
	if sc.All || sc.TeamID != 0 {
		// A wide scope: walk the index newest first and stop at the page,
		// instead of collecting every match of a common name first.
		return search{cond: "s.merchant_search MATCH ? AND " + verify, args: []any{match, like, like},
			from: "merchant_search s JOIN merchants m ON m.id = s.rowid", order: "s.rowid DESC"}, true
	}
	// A narrow scope (one agent's portfolio) is the smaller set to start from.
	return search{cond: "m.id IN (SELECT rowid FROM merchant_search WHERE merchant_search MATCH ?) AND " + verify, args: []any{match, like, like}}, true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func errArchivedMerchant() error {
	return poscare.Fail(poscare.EConflict, "record.merchant.restore")
}

// where is the AND-ed conditions of a list query, each with its
// arguments, so that the two cannot drift apart.
type where struct {
	conds []string
	args  []any
}

func (w *where) and(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) String() string { return " WHERE " + strings.Join(w.conds, " AND ") }

// childList starts the conditions of a list of records that hang off
// merchants (alias x; their merchant is alias m): archived or live, of one
// merchant when merchantID is set, and in the actor's scope. A list of one
// merchant's records checks that merchant once and then needs no scope
// condition. ok is false when the actor may not see the merchant; joinM
// tells whether the conditions refer to m.
func (s *Store) childList(ctx context.Context, a poscare.Actor, x string, merchantID *int64, archived bool) (w *where, joinM, ok bool, err error) {
	w = &where{}
	w.and(x + "." + archivedCond(archived))
	sc := a.MerchantScope()
	if merchantID != nil {
		w.and(x+".merchant_id = ?", *merchantID)
		if !sc.All {
			_, err = readOne(ctx, s, func(t *Tx) (*poscare.Merchant, error) { return t.visibleMerchant(ctx, a, *merchantID) })
			if poscare.ErrorCode(err) == poscare.ENotFound {
				return w, false, false, nil
			}
			return w, false, err == nil, err
		}
	}
	if !sc.All {
		cond, args := s.scopeSQL(sc)
		w.and(cond, args...)
		joinM = true
	}
	return w, joinM, true, nil
}
