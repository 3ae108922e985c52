package httpapi

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestQueryReadsGoThroughTheHelper keeps the record of QueryReads
// complete: outside newQuery, no code of the package may read the query
// string or form values of a request directly.
func TestQueryReadsGoThroughTheHelper(t *testing.T) {
	t.Parallel()
	// Query is a method of url.URL but also Route's field, so only a call
	// of it counts.
	direct := map[string]bool{"RawQuery": true, "Form": true, "PostForm": true, "FormValue": true,
		"PostFormValue": true, "ParseForm": true, "ParseMultipartForm": true, "MultipartForm": true}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			// newQuery is the helper; wrap reads the query once more, but
			// only to check values against what the route declares.
			if fn, ok := decl.(*ast.FuncDecl); ok && (fn.Recv == nil && fn.Name.Name == "newQuery" || fn.Name.Name == "wrap") {
				continue
			}
			ast.Inspect(decl, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok {
					if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Query" {
						t.Errorf("%s: Query() reads the request's query directly; use newQuery so the route tests see the read", fset.Position(sel.Pos()))
					}
				}
				if sel, ok := n.(*ast.SelectorExpr); ok && direct[sel.Sel.Name] {
					t.Errorf("%s: %s reads the request's query or form directly; use newQuery so the route tests see the read", fset.Position(sel.Pos()), sel.Sel.Name)
				}
				return true
			})
		}
	}
}
