package signals

import (
	"os"
	"os/signal"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A write to a pipe without a reader fails with EPIPE and raises no SIGPIPE
// that tinyinit would see (and forward); the same write made plainly does,
// which shows the test can tell.
func TestQuietWriteRaisesNoSIGPIPE(t *testing.T) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	unix.Close(p[0])
	defer unix.Close(p[1])
	c := make(chan os.Signal, 4)
	signal.Notify(c, unix.SIGPIPE)
	defer signal.Stop(c)

	if _, err := quietFD(p[1]).Write([]byte("tinyinit: x\n")); err != unix.EPIPE {
		t.Fatalf("quiet write: %v, want EPIPE", err)
	}
	select {
	case <-c:
		t.Fatal("the quiet write raised SIGPIPE")
	case <-time.After(200 * time.Millisecond):
	}

	if _, err := unix.Write(p[1], []byte("x")); err != unix.EPIPE {
		t.Fatalf("plain write: %v, want EPIPE", err)
	}
	select {
	case <-c:
	case <-time.After(5 * time.Second):
		t.Fatal("a plain write to the same pipe raised no SIGPIPE: the test cannot tell")
	}
}
