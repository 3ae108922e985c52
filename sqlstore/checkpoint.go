package sqlstore

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"poscare"
)

// AuditCheckpointMarker starts a checkpoint line in the checkpoint file;
// the server logs each checkpoint with it as the message, so that a
// shipped log verifies the database as the file does.
const AuditCheckpointMarker = "audit_checkpoint"

// CheckpointAudit appends the audit chain's head to the checkpoint file
// (AuditCheckpoints) when it moved since this store last wrote one, and
// returns it; written says whether a line was added. A head below the last
// checkpoint is not written over: it is an error, as entries were deleted.
// The file is created readable by its owner only, and each line is synced
// before CheckpointAudit returns.
func (s *Store) CheckpointAudit(ctx context.Context) (cp poscare.AuditCheckpoint, written bool, err error) {
	if s.AuditCheckpoints == "" {
		return cp, false, errors.New("audit checkpoints: no checkpoint file configured")
	}
	mac, err := s.vault.AuditMAC()
	if err != nil {
		return cp, false, err
	}
	if err := s.loadLastCheckpoint(); err != nil {
		return cp, false, err
	}
	s.auditCkptMu.Lock()
	defer s.auditCkptMu.Unlock()
	var seq sql.NullInt64
	var head sql.NullString
	err = s.read.QueryRowContext(ctx, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").Scan(&seq, &head)
	if err != nil && err != sql.ErrNoRows {
		return cp, false, s.translate(err)
	}
	last := s.auditCkptLast
	switch {
	case seq.Int64 == last.Seq && head.String == last.Hash:
		return last, false, nil
	case seq.Int64 <= last.Seq:
		return last, false, fmt.Errorf("audit checkpoints: the chain's head is entry %d, but entry %d was checkpointed at %s: entries were deleted or rewritten",
			seq.Int64, last.Seq, last.At.Format(time.RFC3339))
	}
	cp = poscare.AuditCheckpoint{Seq: seq.Int64, Hash: head.String, At: s.Now().UTC()}
	cp.MAC = cp.ComputeMAC(mac)
	f, err := os.OpenFile(s.AuditCheckpoints, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return cp, false, fmt.Errorf("audit checkpoints: %w", err)
	}
	_, err = fmt.Fprintf(f, "%s seq=%d hash=%s at=%s mac=%s\n", AuditCheckpointMarker, cp.Seq, cp.Hash, cp.At.Format(time.RFC3339Nano), cp.MAC)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return cp, false, fmt.Errorf("audit checkpoints: %w", err)
	}
	s.auditCkptLast = cp
	return cp, true, nil
}

// loadLastCheckpoint takes, the first time, the newest checkpoint already
// in the file as the one to stay above, so that entries deleted while no
// server ran are reported at the first checkpoint after a start.
func (s *Store) loadLastCheckpoint() error {
	s.auditCkptMu.Lock()
	loaded := s.auditCkptLoaded
	s.auditCkptMu.Unlock()
	if loaded {
		return nil
	}
	cps, brk, err := s.readCheckpoints(s.AuditCheckpoints)
	if err != nil {
		return err
	}
	if brk != nil {
		return fmt.Errorf("audit checkpoints: %s", brk.Reason)
	}
	s.auditCkptMu.Lock()
	defer s.auditCkptMu.Unlock()
	if !s.auditCkptLoaded {
		for _, c := range cps {
			if c.Seq > s.auditCkptLast.Seq {
				s.auditCkptLast = c
			}
		}
		s.auditCkptLoaded = true
	}
	return nil
}

// readCheckpoints reads the checkpoints in path: the lines of a checkpoint
// file, or of a log that repeats them, and the last one this store wrote.
// Other lines are skipped. A checkpoint line that does not parse or whose
// MAC is wrong is a break; a missing file is no checkpoints, unless this
// store has written one to it.
func (s *Store) readCheckpoints(path string) ([]poscare.AuditCheckpoint, *poscare.ChainBreak, error) {
	mac, err := s.vault.AuditMAC()
	if err != nil {
		return nil, nil, poscare.Internal(err)
	}
	s.auditCkptMu.Lock()
	mine := s.auditCkptLast
	s.auditCkptMu.Unlock()
	var out []poscare.AuditCheckpoint
	if mine.Seq > 0 {
		out = append(out, mine)
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		if mine.Seq > 0 {
			return nil, &poscare.ChainBreak{Kind: poscare.BreakCheckpoint, Seq: mine.Seq, Reason: "the checkpoint file " + path + " is gone"}, nil
		}
		return out, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("audit checkpoints: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		cp, ok, err := parseCheckpoint(sc.Text())
		if !ok {
			continue
		}
		bad := func(why string) *poscare.ChainBreak {
			return &poscare.ChainBreak{Kind: poscare.BreakCheckpoint, Seq: cp.Seq, Reason: fmt.Sprintf("%s line %d: %s", path, line, why)}
		}
		if err != nil {
			return nil, bad(err.Error()), nil
		}
		mac.Reset()
		if cp.ComputeMAC(mac) != cp.MAC {
			return nil, bad("the checkpoint's MAC does not match under the audit key: it was edited"), nil
		}
		out = append(out, cp)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("audit checkpoints: %w", err)
	}
	return out, nil, nil
}

// parseCheckpoint reads one checkpoint line: "audit_checkpoint seq=… hash=…
// at=… mac=…", or a log line whose message is audit_checkpoint with the
// same attributes. ok is false for a line that is no checkpoint at all.
func parseCheckpoint(line string) (cp poscare.AuditCheckpoint, ok bool, err error) {
	fields := strings.Fields(line)
	attrs := map[string]string{}
	for _, f := range fields {
		if f == AuditCheckpointMarker || f == "msg="+AuditCheckpointMarker {
			ok = true
			continue
		}
		if k, v, found := strings.Cut(f, "="); found {
			if uq, err := strconv.Unquote(v); err == nil {
				v = uq
			}
			attrs[k] = v
		}
	}
	if !ok {
		return cp, false, nil
	}
	cp.Hash, cp.MAC = attrs["hash"], attrs["mac"]
	var e1, e2 error
	cp.Seq, e1 = strconv.ParseInt(attrs["seq"], 10, 64)
	cp.At, e2 = time.Parse(time.RFC3339Nano, attrs["at"])
	if e1 != nil || e2 != nil || cp.Seq < 1 || cp.Hash == "" || cp.MAC == "" {
		return cp, true, errors.New("not a checkpoint: want seq=, hash=, at= and mac=")
	}
	return cp, true, nil
}
