package poscare

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// wholeLanguage returns what is wrong with a message pair (see
// LanguageProblems).
func wholeLanguage(zh, en string) []string { return LanguageProblems(Text{Zh: zh, En: en}) }

// under is the catalog's entries whose keys begin with prefix, by the
// rest of the key: under("field.")["login"] is the login field's label.
func under(prefix string) map[string]Text {
	out := map[string]Text{}
	for _, k := range CatalogKeys() {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			out[rest], _ = Template(k)
		}
	}
	return out
}

// fieldLabels and entityNames are the catalog's field labels and entity
// names.
func fieldLabels() map[string]Text { return under("field.") }
func entityNames() map[string]Text { return under("entity.") }

func checkText(t *testing.T, where string, m Text) {
	t.Helper()
	for _, why := range wholeLanguage(m.Zh, m.En) {
		t.Errorf("%s: %s: %q / %q", where, why, m.Zh, m.En)
	}
}

func checkError(t *testing.T, where string, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: %v is not an *Error", where, err)
	}
	checkText(t, where, e.Message)
	for f, m := range e.Fields {
		checkText(t, where+" field "+f, m)
	}
}

// TestMessagesWholeInTheirLanguage builds every message the domain can
// build — "not found" for every entity kind, a field error for every
// field label, and every validation error of every record type — and
// fails when a Chinese message has English words in it (other than codes
// such as MID or API values) or an English one has Chinese.
func TestMessagesWholeInTheirLanguage(t *testing.T) {
	for e := range entityNames() {
		checkError(t, "NotFound("+e+")", NotFound(e))
	}
	if len(entityNames()) < 10 || len(fieldLabels()) < 50 {
		t.Fatalf("%d entity names and %d field labels in the catalog: it is not being read", len(entityNames()), len(fieldLabels()))
	}
	for f := range fieldLabels() {
		p := Problems{}
		p.Add(f, "必填", "required")
		checkError(t, "field "+f, p.Err())
	}
	checkError(t, "Forbidden", Forbidden())
	checkError(t, "Internal", Internal(errors.New("disk full")))
	long := strings.Repeat("长", 10_000)
	kind := ChannelKind("fax")
	bad := Date("2026-13-45")
	invalid := map[string]error{
		"Merchant":          (&Merchant{}).Validate(true),
		"Merchant long":     (&Merchant{Type: MerchantMicro, USCC: "X", LegalName: long, PrincipalName: long, Address: long, MID: "1", SettlementKind: SettleCorporate, FeeCategory: "x"}).Validate(true),
		"Contact":           (&Contact{Role: "boss", Lang: "fr", Channels: []Channel{{Kind: kind}, {Kind: ChannelPhone, Value: "1"}, {Kind: ChannelEmail, Value: "x"}, {Kind: ChannelWeChat, Value: "1"}}, PreferredChannel: ChannelEmail}).Validate(),
		"Contact long":      (&Contact{Name: long, Reason: long}).Validate(),
		"Terminal":          (&Terminal{Status: TerminalActive, TID: "x", MID: "1", WarrantyEnd: &bad, Model: long, Vendor: long, InstallAddress: long}).Validate(),
		"Terminal empty":    (&Terminal{Status: "x"}).Validate(),
		"Contract":          (&Contract{StartsOn: bad, DepositFen: -1, Fees: FeeSchedule{Credit: -1}}).Validate(),
		"Application":       (&Application{Documents: []Document{{Kind: "x"}}}).Validate(MerchantEnterprise),
		"Application steps": (&Application{Steps: make([]StageStep, len(Stages))}).Validate(MerchantMicro),
		"Team":              (&Team{Name: long}).Validate(),
		"User":              (&User{Name: long, Role: "boss", Status: "x", Mobile: "1", Email: "x", WeChat: "1", StatusReason: long}).Validate(),
		"User merchant":     (&User{Role: RoleMerchant, TeamID: new(int64)}).Validate(),
		"User agent":        (&User{Role: RoleAgent, MerchantID: new(int64)}).Validate(),
		"StatusChange":      (&StatusChange{Status: UserOnLeave, AwayUntil: &bad}).Validate(&User{Role: RoleMerchant}),
		"StatusChange gone": (&StatusChange{Status: UserDeparted, CoverID: new(int64)}).Validate(&User{Role: RoleAgent}),
		"Declaration":       (&Declaration{Kind: "x", Strategy: "x", Reason: long}).Validate(),
		"OwnContact":        (&OwnContact{Email: "x", WeChat: "1"}).Validate(),
		"Password":          ValidatePassword("short"),
		"Reason":            ValidateReason(long),
		"Note":              ValidateNote("notes", long, MaxNote),
		"Policy":            ContinuityPolicy{}.Validate(),
	}
	for name, err := range invalid {
		if ErrorCode(err) != EInvalid {
			t.Errorf("%s: %v, want an EInvalid error to check", name, err)
			continue
		}
		checkError(t, name, err)
	}
}

// TestMessagesInSourceWholeInTheirLanguage reads every Go file of the
// module and checks each message written out in it: the Chinese and
// English of poscare.Errorf and Problems.Add, every Text{Zh, En} literal,
// that each field given to Add has a label, and that each entity kind
// given to NotFound has a name (a kind without one would be shown as is,
// "未找到task").
func TestMessagesInSourceWholeInTheirLanguage(t *testing.T) {
	fset := token.NewFileSet()
	entityConsts := map[string]string{} // EntityTask → "task"
	var files []*ast.File
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != "." || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files = append(files, f)
		if f.Name.Name == "poscare" {
			for _, decl := range f.Decls {
				if g, ok := decl.(*ast.GenDecl); ok && g.Tok == token.CONST {
					for _, spec := range g.Specs {
						vs := spec.(*ast.ValueSpec)
						for i, n := range vs.Names {
							if i < len(vs.Values) && strings.HasPrefix(n.Name, "Entity") {
								if s, ok := str(vs.Values[i]); ok {
									entityConsts[n.Name] = s
								}
							}
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 50 || len(entityConsts) < 10 {
		t.Fatalf("read %d files and %d entity kinds: the scan is broken", len(files), len(entityConsts))
	}
	checked := 0
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				name := callName(n)
				at := fset.Position(n.Pos()).String()
				switch {
				case name == "NotFound" && len(n.Args) == 1:
					kind, ok := str(n.Args[0])
					if !ok {
						id := ""
						switch a := n.Args[0].(type) {
						case *ast.SelectorExpr:
							id = a.Sel.Name
						case *ast.Ident:
							id = a.Name
						}
						kind, ok = entityConsts[id]
						if !ok {
							return true // a variable: the entity kinds are checked by name above
						}
					}
					if _, known := entityNames()[kind]; !known {
						t.Errorf("%s: NotFound(%q): the entity kind has no name in entityNames", at, kind)
					}
					checked++
				case (name == "Errorf" || name == "Add") && len(n.Args) >= 3:
					if name == "Add" {
						if field, ok := str(n.Args[0]); ok {
							if _, known := fieldLabels()[field]; !known {
								t.Errorf("%s: Add(%q): the field has no label in fieldLabels", at, field)
							}
						}
					}
					zh, ok1 := str(n.Args[1])
					en, ok2 := str(n.Args[2])
					if ok1 && ok2 {
						for _, why := range wholeLanguage(zh, en) {
							t.Errorf("%s: %s: %q / %q", at, why, zh, en)
						}
						checked++
					}
				}
			case *ast.CompositeLit:
				lits := []*ast.CompositeLit{n}
				if isTextMap(n.Type) {
					// A catalog table (Register's argument): its
					// entries are Text literals with the type elided.
					lits = lits[:0]
					for _, el := range n.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok {
							if v, ok := kv.Value.(*ast.CompositeLit); ok && v.Type == nil {
								lits = append(lits, v)
							}
						}
					}
				} else if !isText(n.Type) {
					return true
				}
				for _, l := range lits {
					zh, en, ok := textLit(l)
					if ok {
						for _, why := range wholeLanguage(zh, en) {
							t.Errorf("%s: %s: %q / %q", fset.Position(l.Pos()), why, zh, en)
						}
						checked++
					}
				}
			}
			return true
		})
	}
	if checked < 100 {
		t.Fatalf("checked only %d messages: the scan is broken", checked)
	}
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

// textLit is the Chinese and English of a Text literal, when both are
// string literals.
func textLit(n *ast.CompositeLit) (zh, en string, ok bool) {
	var ok1, ok2 bool
	for i, el := range n.Elts {
		if kv, ok := el.(*ast.KeyValueExpr); ok {
			switch kv.Key.(*ast.Ident).Name {
			case "Zh":
				zh, ok1 = str(kv.Value)
			case "En":
				en, ok2 = str(kv.Value)
			}
		} else if i == 0 {
			zh, ok1 = str(el)
		} else if i == 1 {
			en, ok2 = str(el)
		}
	}
	return zh, en, ok1 && ok2
}

// isTextMap tells whether e is the type map[string]Text (a catalog
// table).
func isTextMap(e ast.Expr) bool {
	m, ok := e.(*ast.MapType)
	return ok && isText(m.Value)
}

func isText(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name == "Text"
	case *ast.SelectorExpr:
		return x.Sel.Name == "Text"
	}
	return false
}

// str returns the value of a string literal, or of a concatenation of
// string literals.
func str(e ast.Expr) (string, bool) {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind == token.STRING {
			s, err := strconv.Unquote(x.Value)
			return s, err == nil
		}
	case *ast.BinaryExpr:
		if x.Op == token.ADD {
			a, ok1 := str(x.X)
			b, ok2 := str(x.Y)
			return a + b, ok1 && ok2
		}
	}
	return "", false
}
