package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"poscare"
)

// TestIncidentBackupButton: a lead takes a backup from the incident page;
// the file lands in the backup folder and the checklist names it with its
// SHA-256. An auditor, who may read the incident, has no button and is
// refused.
func TestIncidentBackupButton(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	s.s.BackupDir = filepath.Join(t.TempDir(), "backups")
	x, err := s.s.DeclareIncident(context.Background(), poscare.SystemActor("test"), s.w.Spare.ID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "测试备份按钮"})
	if err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/incidents/%d", x.ID)

	auditor := s.browser()
	s.login(auditor, s.w.Users[poscare.RoleAuditor].Login)
	_, body := s.get(auditor, page)
	if strings.Contains(body, `id="backup-now"`) {
		t.Error("the auditor is offered the backup button")
	}
	token := csrfRe.FindStringSubmatch(body)
	if token == nil {
		t.Fatal("no csrf token on the page")
	}
	res, _ := auditor.PostForm(s.srv.URL+page+"/backup", url.Values{"csrf": {token[1]}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("auditor's backup: %d", res.StatusCode)
	}
	res.Body.Close()

	lead := s.browser()
	s.login(lead, s.w.Users[poscare.RoleLead].Login)
	_, body = s.get(lead, page)
	if !strings.Contains(body, `id="backup-now"`) || !strings.Contains(body, "立即备份") {
		t.Fatal("no backup button for the lead")
	}
	token = csrfRe.FindStringSubmatch(body)
	res, err = lead.PostForm(s.srv.URL+page+"/backup", url.Values{"csrf": {token[1]}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("backup: %d", res.StatusCode)
	}
	files, _ := os.ReadDir(s.s.BackupDir)
	if len(files) != 1 {
		t.Fatalf("%d files in the backup folder", len(files))
	}
	_, body = s.get(lead, page)
	got, _ := s.s.GetIncident(context.Background(), poscare.SystemActor("test"), x.ID)
	for _, c := range got.Checklist {
		if c.Item == poscare.CheckDataBackup && (c.Done == nil || !strings.Contains(c.Notes, files[0].Name()) || !strings.Contains(c.Notes, "sha256:")) {
			t.Errorf("data backup item: %+v", c)
		}
	}
	if !strings.Contains(body, files[0].Name()) {
		t.Error("the incident page does not name the backup")
	}
}
