package password

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
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

func TestGateBoundsConcurrentWork(t *testing.T) {
	g := NewGate(2, time.Second)
	var running, peak atomic.Int64
	g.Observe = func(d int) {
		if n := running.Add(int64(d)); n > peak.Load() {
			peak.Store(n)
		}
	}
	h := Hash("a password for the gate", Fast)
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, err := g.Verify(context.Background(), "a password for the gate", h); !ok || err != nil {
				t.Errorf("verify: %v %v", ok, err)
			}
		}()
	}
	wg.Wait()
	if p := peak.Load(); p < 1 || p > 2 {
		t.Fatalf("peak of concurrent verifications %d, want 1..2", p)
	}
}

func TestGateAnswersBusyAfterWaiting(t *testing.T) {
	g := NewGate(1, 20*time.Millisecond)
	g.slots <- struct{}{} // every slot taken
	if _, err := g.Verify(context.Background(), "x", Hash("x", Fast)); !errors.Is(err, ErrBusy) {
		t.Fatalf("verify with every slot taken: %v, want ErrBusy", err)
	}
	<-g.slots
	if ok, err := g.Verify(context.Background(), "x", Hash("x", Fast)); !ok || err != nil {
		t.Fatalf("verify with a free slot: %v %v", ok, err)
	}
}
