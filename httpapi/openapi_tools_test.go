package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"poscare/internal/testenv"
)

// npmTools returns the folder holding node_modules/.bin with the pinned
// OpenAPI tools (scripts/npm-tools, installed by scripts/test and named by
// POSCARE_NPM_TOOLS). Without it the test is skipped, except under
// CI=true, where it fails: the document must be checked there.
func npmTools(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("POSCARE_NPM_TOOLS")
	if dir == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but POSCARE_NPM_TOOLS is not set: run the tests through scripts/test")
		}
		t.Skip("POSCARE_NPM_TOOLS is not set (scripts/test sets it)")
	}
	return dir
}

// runTool runs one of the npm tools in dir and returns its standard
// output; it fails the test with all its output when the tool fails,
// unless lenient, for a tool whose exit status only sums up its report.
func runTool(t *testing.T, lenient bool, tools, dir, name string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(tools, "node_modules", ".bin", name), args...)
	cmd.Dir = dir
	// No telemetry or update check: the run needs no network and sends nothing.
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true", "NO_UPDATE_NOTIFIER=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil && !(lenient && stdout.Len() > 0) {
		t.Fatalf("%s %s: %v\n%s\n%s", name, strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.Bytes()
}

// TestOpenAPIToolsAcceptTheDocument holds the served document to tools
// other than our own: Redocly CLI's recommended rules (redocly.yaml) find
// no error and no warning, openapi-typescript generates a client's types
// from it, and tsc --strict compiles a client using them
// (testdata/openapi_client.ts), where a field the server may send as null
// must be checked before use.
func TestOpenAPIToolsAcceptTheDocument(t *testing.T) {
	t.Parallel()
	tools := npmTools(t)
	e := newEnv(t, testenv.Stores(t)["sqlite"])
	res := e.do("GET", "/api/openapi.json", "", nil)
	if res.status != 200 || !json.Valid(res.body) {
		t.Fatalf("openapi.json: %d", res.status)
	}
	dir := t.TempDir()
	doc := filepath.Join(dir, "openapi.json")
	if err := os.WriteFile(doc, res.body, 0o644); err != nil {
		t.Fatal(err)
	}
	config, err := filepath.Abs("../redocly.yaml")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("RedoclyLint", func(t *testing.T) {
		out := runTool(t, true, tools, dir, "redocly", "lint", "--config", config, "--format", "json", "--max-problems", "10000", doc)
		var report struct {
			Totals   struct{ Errors, Warnings, Ignored int }
			Problems []struct {
				RuleID   string `json:"ruleId"`
				Severity string
				Message  string
				Location []struct{ Pointer string }
			}
		}
		if err := json.Unmarshal(out, &report); err != nil {
			t.Fatalf("redocly lint --format json: %v\n%s", err, out)
		}
		// Warnings do not fail redocly lint; here they do, and so would
		// problems hidden by an ignore file.
		for _, p := range report.Problems {
			where := ""
			if len(p.Location) > 0 {
				where = p.Location[0].Pointer
			}
			t.Errorf("%s %s at %s: %s", p.Severity, p.RuleID, where, p.Message)
		}
		if report.Totals.Errors+report.Totals.Warnings+report.Totals.Ignored != 0 || len(report.Problems) != 0 {
			t.Fatalf("redocly lint: %d errors, %d warnings, %d ignored", report.Totals.Errors, report.Totals.Warnings, report.Totals.Ignored)
		}
	})
	t.Run("TypeScriptClientCompiles", func(t *testing.T) {
		runTool(t, false, tools, dir, "openapi-typescript", doc, "--output", filepath.Join(dir, "api.d.ts"))
		src, err := os.ReadFile("testdata/openapi_client.ts")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "client.ts"), src, 0o644); err != nil {
			t.Fatal(err)
		}
		runTool(t, false, tools, dir, "tsc", "--noEmit", "--strict", "--target", "es2022", "--module", "es2022",
			"--moduleResolution", "bundler", "--skipLibCheck", "false", "client.ts")
	})
}
