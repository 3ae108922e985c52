package testenv

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Mailpit is the real SMTP server the e-mail tests send to: mailpit, which
// scripts/test builds and starts on 127.0.0.1, seen through its REST API
// (https://mailpit.axllent.org/docs/api-v1/). Every test shares the one
// server, so a test finds its own mail by a recipient or subject nobody
// else uses (NewAddress) and never counts the whole mailbox.
type Mailpit struct {
	SMTP string // host:port that accepts mail, without authentication or TLS
	API  string // base URL of the web UI and REST API, e.g. http://127.0.0.1:58026
	HTTP *http.Client
}

// MailAddress is a mailbox in a message's headers, as mailpit reports it.
type MailAddress struct {
	Name    string
	Address string
}

// MailSummary is one message in a list or search result.
type MailSummary struct {
	ID        string // mailpit's database ID, for Message
	MessageID string // the Message-ID header without angle brackets
	From      *MailAddress
	To        []MailAddress
	Subject   string // decoded
	Created   time.Time
	Snippet   string
}

// Mail is one message with its decoded text body.
type Mail struct {
	ID        string
	MessageID string
	From      *MailAddress
	To        []MailAddress
	Subject   string    // decoded
	Date      time.Time // the Date header, or the time received when there is none
	Text      string    // the text/plain body, transfer encoding and charset undone
	HTML      string
	Size      int
}

// MailpitServer returns the mailpit that scripts/test started, named by
// POSCARE_TEST_MAILPIT_SMTP and POSCARE_TEST_MAILPIT_API. Without them the
// test is skipped, except under CI=true, where it fails: the e-mail suite
// must not shrink silently.
func MailpitServer(t testing.TB) *Mailpit {
	t.Helper()
	smtpAddr, api := os.Getenv("POSCARE_TEST_MAILPIT_SMTP"), os.Getenv("POSCARE_TEST_MAILPIT_API")
	if smtpAddr == "" || api == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but POSCARE_TEST_MAILPIT_SMTP or POSCARE_TEST_MAILPIT_API is not set: run the tests through scripts/test")
		}
		t.Skip("no mailpit: POSCARE_TEST_MAILPIT_SMTP and POSCARE_TEST_MAILPIT_API are not set (scripts/test starts one)")
	}
	return &Mailpit{SMTP: smtpAddr, API: strings.TrimRight(api, "/"), HTTP: &http.Client{Timeout: 10 * time.Second}}
}

// NewAddress returns an e-mail address no other test uses, such as
// notify-3f9c2a1b7e@mailpit.poscare.example; search for it with
// "to:" + address. It holds no underscore, which mailpit's search would
// read as a wildcard.
func (mp *Mailpit) NewAddress(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b) + "@mailpit.poscare.example"
}

// Messages lists the newest messages in the mailbox, at most limit.
func (mp *Mailpit) Messages(ctx context.Context, limit int) ([]MailSummary, error) {
	var res struct{ Messages []MailSummary }
	err := mp.get(ctx, fmt.Sprintf("/api/v1/messages?limit=%d", limit), &res)
	return res.Messages, err
}

// Search lists the messages matching a mailpit search, newest first: for
// example `to:someone@example.cn`, `subject:"服务联系人"` or
// `message-id:incident.1`. Filters are substring matches.
func (mp *Mailpit) Search(ctx context.Context, query string) ([]MailSummary, error) {
	var res struct{ Messages []MailSummary }
	err := mp.get(ctx, "/api/v1/search?limit=200&query="+url.QueryEscape(query), &res)
	return res.Messages, err
}

// Message returns one message with its body. Mailpit marks it read.
func (mp *Mailpit) Message(ctx context.Context, id string) (*Mail, error) {
	var m Mail
	if err := mp.get(ctx, "/api/v1/message/"+url.PathEscape(id), &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// Headers returns a message's headers by canonical name, exactly as
// received: RFC 2047 encoded words are left encoded (Message decodes them).
func (mp *Mailpit) Headers(ctx context.Context, id string) (map[string][]string, error) {
	var h map[string][]string
	err := mp.get(ctx, "/api/v1/message/"+url.PathEscape(id)+"/headers", &h)
	return h, err
}

// Raw returns a message's source as it was received, plus the Return-Path
// line mailpit adds.
func (mp *Mailpit) Raw(ctx context.Context, id string) ([]byte, error) {
	res, err := mp.do(ctx, http.MethodGet, "/api/v1/message/"+url.PathEscape(id)+"/raw")
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	return io.ReadAll(res.Body)
}

// DeleteMatching deletes the messages matching a search, so a test can
// tidy up after itself. It refuses an empty query, which would empty the
// mailbox under every other test.
func (mp *Mailpit) DeleteMatching(ctx context.Context, query string) error {
	if strings.TrimSpace(query) == "" {
		return fmt.Errorf("mailpit: refusing to delete with an empty search")
	}
	res, err := mp.do(ctx, http.MethodDelete, "/api/v1/search?query="+url.QueryEscape(query))
	if err != nil {
		return err
	}
	return res.Body.Close()
}

// WaitFor polls the search until it finds at least want messages and
// returns them, newest first; it fails the test when none of that many
// arrive within 10 seconds. SMTP delivery to mailpit is synchronous, so
// the wait only guards against a slow machine.
func (mp *Mailpit) WaitFor(t testing.TB, query string, want int) []MailSummary {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var found []MailSummary
	var lastErr error
	for {
		found, lastErr = mp.Search(ctx, query)
		if lastErr == nil && len(found) >= want {
			return found
		}
		select {
		case <-ctx.Done():
			t.Fatalf("mailpit: %d message(s) matching %q after 10 s, want %d (last error: %v)", len(found), query, want, lastErr)
			return nil
		case <-tick.C:
		}
	}
}

// WaitForOne waits for the message matching query, fails the test unless
// it is the only one, and returns it with its body.
func (mp *Mailpit) WaitForOne(t testing.TB, query string) *Mail {
	t.Helper()
	found := mp.WaitFor(t, query, 1)
	if len(found) != 1 {
		t.Fatalf("mailpit: %d messages match %q, want exactly 1: %+v", len(found), query, found)
	}
	m, err := mp.Message(context.Background(), found[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (mp *Mailpit) get(ctx context.Context, path string, into any) error {
	res, err := mp.do(ctx, http.MethodGet, path)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(into); err != nil {
		return fmt.Errorf("mailpit: GET %s: %w", path, err)
	}
	return nil
}

// do sends a request and returns the response when it is a 200.
func (mp *Mailpit) do(ctx context.Context, method, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, mp.API+path, nil)
	if err != nil {
		return nil, err
	}
	res, err := mp.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		res.Body.Close()
		return nil, fmt.Errorf("mailpit: %s %s: %s: %s", method, path, res.Status, strings.TrimSpace(string(b)))
	}
	return res, nil
}

// MailpitBinary is the mailpit program, for tests that start a server of
// their own (SMTP AUTH, STARTTLS, implicit TLS): POSCARE_TEST_MAILPIT_BIN,
// which scripts/test exports, else the binary scripts/test caches. Without
// one the test is skipped, except under CI=true, where it fails.
func MailpitBinary(t testing.TB) string {
	t.Helper()
	bin := os.Getenv("POSCARE_TEST_MAILPIT_BIN")
	if bin == "" {
		cache := os.Getenv("POSCARE_CACHE_DIR")
		if cache == "" {
			if dir, err := os.UserCacheDir(); err == nil {
				cache = filepath.Join(dir, "poscare")
			}
		}
		bin = filepath.Join(cache, "mailpit-"+MailpitVersion, "mailpit")
	}
	if fi, err := os.Stat(bin); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but no mailpit program at %s: run the tests through scripts/test", bin)
		}
		t.Skipf("no mailpit program at %s (scripts/test builds it; or set POSCARE_TEST_MAILPIT_BIN)", bin)
	}
	return bin
}

// MailpitVersion is the mailpit scripts/test builds.
const MailpitVersion = "v1.31.0"

// StartMailpit starts a mailpit of the test's own on free 127.0.0.1 ports,
// with a throwaway database and the given extra flags (such as
// --smtp-auth-file or --smtp-tls-cert), and stops it when the test ends.
func StartMailpit(t testing.TB, flags ...string) *Mailpit {
	t.Helper()
	bin := MailpitBinary(t)
	var lastLog string
	for range 3 {
		smtpAddr, apiAddr := freeAddr(t), freeAddr(t)
		dir := t.TempDir()
		logFile, err := os.Create(filepath.Join(dir, "mailpit.log"))
		if err != nil {
			t.Fatal(err)
		}
		args := append([]string{"--smtp", smtpAddr, "--listen", apiAddr, "--database", filepath.Join(dir, "mailpit.db"),
			"--max", "0", "--quiet", "--disable-version-check", "--smtp-disable-rdns", "--smtp-strict-rfc-headers"}, flags...)
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = logFile, logFile
		if err := cmd.Start(); err != nil {
			logFile.Close()
			t.Fatalf("start mailpit: %v", err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		stop := func() {
			cmd.Process.Kill()
			<-exited
			logFile.Close()
		}
		mp := &Mailpit{SMTP: smtpAddr, API: "http://" + apiAddr, HTTP: &http.Client{Timeout: 10 * time.Second}}
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			select {
			case <-exited:
				deadline = time.Time{}
				continue
			default:
			}
			if res, err := mp.do(context.Background(), http.MethodGet, "/readyz"); err == nil {
				res.Body.Close()
				if c, err := net.DialTimeout("tcp", smtpAddr, time.Second); err == nil {
					c.Close()
					t.Cleanup(stop)
					return mp
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
		stop()
		b, _ := os.ReadFile(logFile.Name())
		lastLog = string(b)
		// A port taken between choosing and binding: try other ones.
		if !strings.Contains(lastLog, "address already in use") {
			break
		}
	}
	t.Fatalf("mailpit did not start:\n%s", lastLog)
	return nil
}

// freeAddr is a 127.0.0.1 address whose port was free a moment ago.
func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TLSCert writes a throwaway self-signed certificate for 127.0.0.1 and
// localhost into a temporary folder and returns its files and a pool
// that trusts it (what a private CA would be).
func TLSCert(t testing.TB) (certFile, keyFile string, roots *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "poscare test mail server"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:    []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots = x509.NewCertPool()
	roots.AddCert(cert)
	return certFile, keyFile, roots
}
