package poscare

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Messages are stored and sent as a key and its parameters, and put into
// words only when someone reads them, in the reader's language: an
// incident's timeline, a task's title, a notice in the outbox, an alert,
// an error. Fixing a wording or adding a language is then an edit of the
// catalog, not a migration of rows.
//
// The catalog is one table of templates, each in Chinese and English,
// whose placeholders name the parameters: "已移交 {n} 家商户（{how}）".
// Every capability registers its own entries (Register) beside its
// rules; a key registered twice, a template missing a language or the two
// languages naming different placeholders fail at start-up and in the
// catalog's test.

// Msg is one message: a catalog key and its parameters. A parameter is a
// string, a number, a Text (both languages given) or another Msg
// (rendered in the same language).
type Msg struct {
	Key  string         `json:"key"`
	Args map[string]any `json:"args,omitempty"`
}

// M builds a message from its key and parameters given as name, value
// pairs: M("incident.handed.merchants", "n", 12, "how", M("strategy.backup")).
func M(key string, nameValues ...any) Msg {
	m := Msg{Key: key}
	if len(nameValues)%2 != 0 {
		panic("poscare.M: parameters must come in name, value pairs: " + key)
	}
	for i := 0; i < len(nameValues); i += 2 {
		name, ok := nameValues[i].(string)
		if !ok {
			panic("poscare.M: a parameter name is not a string: " + key)
		}
		if m.Args == nil {
			m.Args = make(map[string]any, len(nameValues)/2)
		}
		m.Args[name] = nameValues[i+1]
	}
	return m
}

// Recorded is a message whose words were fixed when it was written,
// before messages were keyed: rows migrated from the time when timelines
// and titles were stored as text keep their text this way.
func Recorded(t Text) Msg { return M("recorded", "text", t) }

// IsZero reports whether m is no message at all.
func (m Msg) IsZero() bool { return m.Key == "" }

// In renders m in a language ("en", anything else for zh-CN). A key the
// catalog lacks renders as the key itself, which the catalog's test
// forbids from reaching a reader.
func (m Msg) In(lang string) string {
	t, ok := lookup(m.Key)
	if !ok {
		return m.Key
	}
	return fill(t.In(lang), m.Args, lang)
}

// Text renders m in both languages.
func (m Msg) Text() Text { return Text{Zh: m.In("zh"), En: m.In("en")} }

// String renders m in Chinese, for logs and fmt.
func (m Msg) String() string { return m.In("zh") }

// fill replaces each {name} in tmpl by its parameter in lang.
func fill(tmpl string, args map[string]any, lang string) string {
	if !strings.Contains(tmpl, "{") {
		return tmpl
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:i])
		if name, forms, ok := strings.Cut(tmpl[i+1:i+j], "|"); ok {
			b.WriteString(pluralForm(argIn(args[name], lang), forms))
		} else {
			b.WriteString(argIn(args[name], lang))
		}
		tmpl = tmpl[i+j+1:]
	}
}

// pluralForm chooses between "one|other" for the count n, rendered: an
// English template says "{n} {n|change|changes}", so that one change is
// not "1 changes"; Chinese needs no such placeholder.
func pluralForm(n, forms string) string {
	one, other, _ := strings.Cut(forms, "|")
	if n == "1" {
		return one
	}
	return other
}

// argIn renders one parameter.
func argIn(v any, lang string) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case Msg:
		return x.In(lang)
	case *Msg:
		return x.In(lang)
	case Text:
		return x.In(lang)
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// UnmarshalJSON reads a stored message back: numbers stay as written, and
// a parameter that is itself a message ({"key": …}) or a pair of texts
// ({"zh": …, "en": …}) becomes a Msg or a Text again.
func (m *Msg) UnmarshalJSON(b []byte) error {
	var raw struct {
		Key  string                     `json:"key"`
		Args map[string]json.RawMessage `json:"args"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	m.Key, m.Args = raw.Key, nil
	for name, v := range raw.Args {
		a, err := decodeArg(v)
		if err != nil {
			return fmt.Errorf("message %s, parameter %s: %w", raw.Key, name, err)
		}
		if m.Args == nil {
			m.Args = make(map[string]any, len(raw.Args))
		}
		m.Args[name] = a
	}
	return nil
}

func decodeArg(v json.RawMessage) (any, error) {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '{' {
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(v, &probe); err != nil {
			return nil, err
		}
		if _, ok := probe["key"]; ok {
			var inner Msg
			err := json.Unmarshal(v, &inner)
			return inner, err
		}
		var t Text
		err := json.Unmarshal(v, &t)
		return t, err
	}
	d := json.NewDecoder(bytes.NewReader(v))
	d.UseNumber()
	var a any
	err := d.Decode(&a)
	return a, err
}

// Encode is m as stored in a row: JSON.
func (m Msg) Encode() string {
	b, err := json.Marshal(m)
	if err != nil { // only an unencodable parameter, a programming error
		panic("poscare: message " + m.Key + " cannot be stored: " + err.Error())
	}
	return string(b)
}

// DecodeMsg reads a message stored by Encode. A row that holds no valid
// message reads as the text it holds, so that nothing stored is lost.
func DecodeMsg(s string) Msg {
	var m Msg
	if err := json.Unmarshal([]byte(s), &m); err != nil || m.Key == "" {
		return Recorded(Text{Zh: s, En: s})
	}
	return m
}

var (
	catalogMu sync.RWMutex
	catalog   = map[string]Text{}
)

// Register adds entries to the catalog. It panics on a key registered
// twice, a template missing a language, or the two languages naming
// different placeholders: a mistake found when the program starts, not
// when a reader meets it. It returns true so that a package can register
// as a variable declaration: var _ = poscare.Register(…).
func Register(entries map[string]Text) bool {
	catalogMu.Lock()
	defer catalogMu.Unlock()
	for k, t := range entries {
		if _, dup := catalog[k]; dup {
			panic("poscare: message key registered twice: " + k)
		}
		if why := CheckTemplate(t); why != "" {
			panic("poscare: message " + k + ": " + why)
		}
	}
	maps.Copy(catalog, entries)
	return true
}

// CheckTemplate says what is wrong with a catalog entry ("" when
// nothing): an empty language, or placeholders that differ between the
// two.
func CheckTemplate(t Text) string {
	if strings.TrimSpace(t.Zh) == "" || strings.TrimSpace(t.En) == "" {
		return "a language is empty"
	}
	zh, en := Placeholders(t.Zh), Placeholders(t.En)
	if !slices.Equal(zh, en) {
		return fmt.Sprintf("the Chinese names %v and the English %v", zh, en)
	}
	return ""
}

// Placeholders are the parameter names a template uses, sorted, once each.
func Placeholders(tmpl string) []string {
	seen := map[string]bool{}
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			break
		}
		name, _, _ := strings.Cut(tmpl[i+1:i+j], "|")
		seen[name] = true
		tmpl = tmpl[i+j+1:]
	}
	return slices.Sorted(maps.Keys(seen))
}

func lookup(key string) (Text, bool) {
	catalogMu.RLock()
	defer catalogMu.RUnlock()
	t, ok := catalog[key]
	return t, ok
}

// Template is a key's entry in the catalog.
func Template(key string) (Text, bool) { return lookup(key) }

// CatalogKeys are every registered key, sorted.
func CatalogKeys() []string {
	catalogMu.RLock()
	defer catalogMu.RUnlock()
	return slices.Sorted(maps.Keys(catalog))
}

// Say renders a key in a language: a console label, a button.
func Say(lang, key string, nameValues ...any) string { return M(key, nameValues...).In(lang) }

// Fail is an Error whose message comes from the catalog.
func Fail(code, key string, nameValues ...any) *Error {
	m := M(key, nameValues...)
	return &Error{Code: code, Message: m.Text(), Msg: &m}
}

// Say records a problem with field, its words from the catalog; like
// Add, the message names the field in both languages.
func (p Problems) Say(field, key string, nameValues ...any) {
	t := M(key, nameValues...).Text()
	p.Add(field, t.Zh, t.En)
}

var _ = Register(map[string]Text{
	"recorded": {Zh: "{text}", En: "{text}"},
})
