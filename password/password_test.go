package password

import (
	"strings"
	"testing"
)

func TestHashVerify(t *testing.T) {
	h := Hash("正确的密码 correct horse", Fast)
	if !strings.HasPrefix(h, "$argon2id$v=19$") {
		t.Fatalf("hash %q is not argon2id PHC", h)
	}
	if ok, err := Verify("正确的密码 correct horse", h); !ok || err != nil {
		t.Fatalf("right password rejected: %v", err)
	}
	if ok, _ := Verify("wrong password", h); ok {
		t.Fatal("wrong password accepted")
	}
	if Hash("x", Fast) == Hash("x", Fast) {
		t.Fatal("salt not random")
	}
	if _, err := Verify("x", "$2a$10$bcrypt"); err == nil {
		t.Fatal("foreign hash format accepted")
	}
}
