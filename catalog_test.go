package poscare

import (
	"encoding/json"
	"testing"
)

var _ = Register(map[string]Text{
	"test.handed":   {Zh: "已移交 {n} 家商户（{how}）", En: "{n} merchants handed over ({how})"},
	"test.strategy": {Zh: "全部交给备岗", En: "all to the backup"},
	"test.person":   {Zh: "{name} 已返岗", En: "{name} is back at work"},
})

func TestMsgRendersInTheReadersLanguage(t *testing.T) {
	m := M("test.handed", "n", 12, "how", M("test.strategy"))
	if got := m.In("zh"); got != "已移交 12 家商户（全部交给备岗）" {
		t.Errorf("zh: %q", got)
	}
	if got := m.In("en"); got != "12 merchants handed over (all to the backup)" {
		t.Errorf("en: %q", got)
	}
	if got := M("test.person", "name", Text{Zh: "张三", En: "Zhang San"}).In("en"); got != "Zhang San is back at work" {
		t.Errorf("text parameter: %q", got)
	}
	if got := M("no.such.key").In("zh"); got != "no.such.key" {
		t.Errorf("unknown key renders as %q, want the key", got)
	}
}

func TestMsgSurvivesStorage(t *testing.T) {
	m := M("test.handed", "n", 4012, "how", M("test.strategy"))
	back := DecodeMsg(m.Encode())
	if back.Text() != m.Text() {
		t.Errorf("after storage %+v, want %+v", back.Text(), m.Text())
	}
	// A stored number stays a number as written, not 4.012e+03.
	raw, _ := json.Marshal(back)
	if string(raw) != m.Encode() {
		t.Errorf("re-encoded %s, want %s", raw, m.Encode())
	}
	rec := Recorded(Text{Zh: "事件关闭", En: "incident closed"})
	if got := DecodeMsg(rec.Encode()).In("en"); got != "incident closed" {
		t.Errorf("recorded: %q", got)
	}
	// A row holding plain text (not a message) keeps its text.
	if got := DecodeMsg("旧的文字").In("en"); got != "旧的文字" {
		t.Errorf("plain text row: %q", got)
	}
}

func TestRegisterRefusesBrokenEntries(t *testing.T) {
	for name, entries := range map[string]map[string]Text{
		"duplicate":     {"test.person": {Zh: "重复", En: "again"}},
		"no English":    {"test.x1": {Zh: "只有中文"}},
		"placeholders":  {"test.x2": {Zh: "{n} 家", En: "{count} merchants"}},
		"empty Chinese": {"test.x3": {Zh: " ", En: "only English"}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Register accepted %v", name, entries)
				}
			}()
			Register(entries)
		}()
	}
}

func TestFailAndSayUseTheCatalog(t *testing.T) {
	err := Fail(EConflict, "test.person", "name", "李四")
	if err.Message.Zh != "李四 已返岗" || err.Message.En != "李四 is back at work" || err.Msg == nil || err.Msg.Key != "test.person" {
		t.Errorf("Fail: %+v", err)
	}
	p := Problems{}
	p.Say("name", "test.strategy")
	if p["name"].Zh != "姓名：全部交给备岗" {
		t.Errorf("Say: %+v", p["name"])
	}
}

// TestCatalogWholeInItsLanguages checks every entry registered in this
// package (the whole program's catalog is checked by cmd/poscare's test):
// both languages, the same placeholders, no English words in the Chinese.
func TestCatalogWholeInItsLanguages(t *testing.T) {
	n := 0
	for _, k := range CatalogKeys() {
		tmpl, _ := Template(k)
		if why := CheckTemplate(tmpl); why != "" {
			t.Errorf("%s: %s", k, why)
		}
		if k == "recorded" {
			continue // its words are the row's own
		}
		for _, why := range LanguageProblems(tmpl) {
			t.Errorf("%s: %s", k, why)
		}
		n++
	}
	if n < 3 {
		t.Fatalf("only %d keys registered: the catalog is not being read", n)
	}
}
