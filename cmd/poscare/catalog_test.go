package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"poscare"
)

// The program's one message catalog is checked here, where the whole
// program is linked and every package's entries are registered: the API's
// errors, the console's and the portal's labels, the messages sent.

// moduleRoot is the module's directory, two levels up from cmd/poscare.
const moduleRoot = "../.."

// dynamicPrefixes are the key prefixes the program reaches by joining a
// prefix and a value it holds, so that no literal names the whole key.
// Every key under one of them counts as used; each must still be found
// in the source (as the prefix in Go or in a template's printf, or the
// prefix without its dot as an Enum, enumOptions or valueKeys argument),
// so that a prefix no longer used cannot keep dead keys alive. A
// capability that joins keys the same way adds its prefix here.
var dynamicPrefixes = map[string]string{
	"field.":         "poscare.FieldLabel: \"field.\" + the field's JSON name",
	"entity.":        "poscare.EntityName: \"entity.\" + the entity kind",
	"action.":        "console history and portal activity: \"action.\" + the audit action",
	"channel.":       "console Enum \"channel\": a contact channel kind",
	"check.":         "console Enum \"check\": a playbook checklist item",
	"clang.":         "console Enum \"clang\": a contact's notice language",
	"crole.":         "console Enum \"crole\": a contact role",
	"fee.":           "console Enum \"fee\": a fee category",
	"mstatus.":       "console Enum \"mstatus\": a merchant status",
	"mtype.":         "console Enum \"mtype\": a merchant type",
	"nchannel.":      "console Enum \"nchannel\": an outbox channel",
	"nstatus.":       "console Enum \"nstatus\": an outbox delivery status",
	"role.":          "console Enum \"role\": a staff or merchant role",
	"settle.":        "console Enum \"settle\": a settlement account kind",
	"stage.":         "console Enum \"stage\": an onboarding stage",
	"strategy.":      "console Enum \"strategy\": a handover strategy",
	"tstatus.":       "console Enum \"tstatus\": a terminal status",
	"ustatus.":       "console Enum \"ustatus\": a staff work status",
	"task.":          "console tasks page: printf \"task.%s\" of the task kind",
	"removals.kind.": "console removals page: printf \"removals.kind.%s\" of the removed record's kind",
	"flash.":         "console Page.FlashText: \"flash.\" + the redirect's ?saved= value",
	"sd.kind.":       "servicedesk Kind.Name: a ticket kind",
	"sd.priority.":   "servicedesk Priority.Name: a ticket priority",
	"sd.channel.":    "servicedesk Channel.Name: the channel a ticket came by",
	"sd.status.":     "servicedesk Status.Name: a ticket status",
	"sd.clock.":      "servicedesk Clock.Name: a service-level clock",
	"sd.cause.":      "servicedesk Cause.Name: an investigation's root cause",
	"sd.level.":      "console registerValueWords: an escalation step in the audit trail",
}

// dynamicKeys are single keys reached the same way under a prefix that
// also holds keys named in full: console Enum "incident" is an incident
// kind, beside the incident page's labels.
var dynamicKeys = map[string]string{
	"incident.missing":  "console Enum \"incident\": the incident kind missing",
	"incident.departed": "console Enum \"incident\": the incident kind departed",
}

// TestCatalogComplete checks every registered entry: both languages, the
// same placeholders on both sides, each language whole (no English words
// in the Chinese but codes, no Chinese in the English).
func TestCatalogComplete(t *testing.T) {
	keys := poscare.CatalogKeys()
	if len(keys) < 400 {
		t.Fatalf("only %d keys registered: the program's catalog is not being read", len(keys))
	}
	for _, k := range keys {
		tmpl, _ := poscare.Template(k)
		if why := poscare.CheckTemplate(tmpl); why != "" {
			t.Errorf("%s: %s", k, why)
		}
		if !slices.Equal(poscare.Placeholders(tmpl.Zh), poscare.Placeholders(tmpl.En)) {
			t.Errorf("%s: placeholders %v in Chinese, %v in English", k, poscare.Placeholders(tmpl.Zh), poscare.Placeholders(tmpl.En))
		}
		if k == "recorded" {
			continue // its words are the row's own
		}
		for _, why := range poscare.LanguageProblems(tmpl) {
			t.Errorf("%s: %s: %q / %q", k, why, tmpl.Zh, tmpl.En)
		}
	}
}

// sourceUse is what the module's source says about catalog keys.
type sourceUse struct {
	// keyed are the literal keys given to M, Fail, Say, T and translate,
	// with where.
	keyed map[string][]string
	// literals are every other string literal of the Go source, and the
	// keys and Enum prefixes of the console's templates.
	literals map[string]bool
	// registered are the keys written in Register's tables.
	registered map[string]bool
	calls      int
	files      int
	templates  int
}

// keyArg is the position of the key among the arguments of the calls
// that take one: M(key, …), Fail(code, key, …), poscare.Say(lang, key,
// …) and Problems.Say(field, key, …), the console's T(key) and
// translate(lang, key).
var keyArg = map[string]int{"M": 0, "Fail": 1, "Say": 1, "T": 0, "translate": 1}

var (
	templateKey  = regexp.MustCompile(`\.T "([a-z0-9_.]+)"`)
	templateEnum = regexp.MustCompile(`\.Enum "([a-z0-9_]+)"`)
	templateJoin = regexp.MustCompile(`printf "([a-z0-9_.]+\.)%[sv]"`)
)

// readSource parses every non-test Go file of the module and every
// console template.
func readSource(t *testing.T) *sourceUse {
	t.Helper()
	u := &sourceUse{keyed: map[string][]string{}, literals: map[string]bool{}, registered: map[string]bool{}}
	fset := token.NewFileSet()
	err := filepath.WalkDir(moduleRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != moduleRoot && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		u.files++
		u.inspect(fset, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	templates, _ := filepath.Glob(filepath.Join(moduleRoot, "console", "templates", "*"))
	for _, path := range templates {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		u.templates++
		rel, _ := filepath.Rel(moduleRoot, path)
		for i, line := range strings.Split(string(b), "\n") {
			for _, m := range templateKey.FindAllStringSubmatch(line, -1) {
				u.keyed[m[1]] = append(u.keyed[m[1]], rel+":"+strconv.Itoa(i+1))
				u.calls++
			}
			for _, m := range templateJoin.FindAllStringSubmatch(line, -1) {
				u.literals[m[1]] = true
			}
			for _, m := range templateEnum.FindAllStringSubmatch(line, -1) {
				u.literals[m[1]] = true
			}
		}
	}
	return u
}

func (u *sourceUse) inspect(fset *token.FileSet, f *ast.File) {
	skip := map[*ast.BasicLit]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if callName(n) == "Register" && len(n.Args) == 1 {
				if lit, ok := n.Args[0].(*ast.CompositeLit); ok {
					for _, el := range lit.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok {
							if k, ok := kv.Key.(*ast.BasicLit); ok {
								if s, err := strconv.Unquote(k.Value); err == nil {
									u.registered[s] = true
									skip[k] = true
								}
							}
						}
					}
				}
				return true
			}
			i, ok := keyArg[callName(n)]
			if !ok || i >= len(n.Args) {
				return true
			}
			if lit, ok := n.Args[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					u.keyed[s] = append(u.keyed[s], fset.Position(lit.Pos()).String())
					u.calls++
					skip[lit] = true
				}
			}
		case *ast.BasicLit:
			if n.Kind == token.STRING && !skip[n] {
				if s, err := strconv.Unquote(n.Value); err == nil {
					u.literals[s] = true
				}
			}
		}
		return true
	})
}

func callName(c *ast.CallExpr) string {
	switch fn := c.Fun.(type) {
	case *ast.SelectorExpr:
		return fn.Sel.Name
	case *ast.Ident:
		return fn.Name
	}
	return ""
}

// TestCatalogKeysInSourceRegistered fails when the source names a key the
// catalog lacks (a reader would see the key itself), and when a
// registered key is used nowhere: neither named in the source nor under
// one of the documented dynamic prefixes.
func TestCatalogKeysInSourceRegistered(t *testing.T) {
	u := readSource(t)
	if u.files < 80 || u.templates < 15 || u.calls < 300 || len(u.registered) < 400 {
		t.Fatalf("read %d Go files, %d templates, %d keyed calls and %d registered keys: the scan is broken", u.files, u.templates, u.calls, len(u.registered))
	}
	t.Logf("%d Go files, %d templates, %d keyed calls, %d keys in Register tables, %d in the catalog", u.files, u.templates, u.calls, len(u.registered), len(poscare.CatalogKeys()))
	for key := range u.registered {
		if _, ok := poscare.Template(key); !ok {
			t.Errorf("key %q is written in a Register table but not in the program's catalog: is its package linked into the program?", key)
		}
	}
	for key, where := range u.keyed {
		if _, ok := poscare.Template(key); !ok {
			t.Errorf("%s: key %q is not in the catalog", where[0], key)
		}
	}
	for prefix, why := range dynamicPrefixes {
		if !u.literals[prefix] && !u.literals[strings.TrimSuffix(prefix, ".")] {
			t.Errorf("dynamic prefix %q (%s) is found nowhere in the source", prefix, why)
		}
	}
	for key := range dynamicKeys {
		prefix, value, _ := strings.Cut(key, ".")
		if !u.literals[prefix] || !u.literals[value] {
			t.Errorf("dynamic key %q: %q or %q is found nowhere in the source", key, prefix, value)
		}
	}
	registered := poscare.CatalogKeys()
	for _, key := range registered {
		if key == "recorded" || len(u.keyed[key]) > 0 || u.literals[key] || dynamicKeys[key] != "" {
			continue
		}
		if slices.ContainsFunc(slices.Collect(maps.Keys(dynamicPrefixes)), func(p string) bool { return strings.HasPrefix(key, p) }) {
			continue
		}
		t.Errorf("key %q is registered but used nowhere", key)
	}
}
