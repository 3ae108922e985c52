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
	// The same password hashed twice differs: the salt is random.
	if first, second := Hash("x", Fast), Hash("x", Fast); first == second {
		t.Fatal("salt not random")
	}
	if _, err := Verify("x", "$2a$10$bcrypt"); err == nil {
		t.Fatal("foreign hash format accepted")
	}
}
