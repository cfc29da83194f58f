package reaper

import (
	"os"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Children started through Start are reaped and reported, including those
// that exit before Start returns; under -race this also checks the
// hand-off between go-reap's goroutine, ours and the caller.
func TestStartReportsEveryChild(t *testing.T) {
	r := Start()
	defer r.Stop()
	var gone []<-chan struct{}
	for i := 0; i < 50; i++ {
		_, ch, err := r.Start(func() (int, error) {
			return syscall.ForkExec("/bin/true", []string{"true"}, &syscall.ProcAttr{Files: []uintptr{0, 1, 2}})
		})
		if err != nil {
			t.Fatal(err)
		}
		gone = append(gone, ch)
	}
	for i, ch := range gone {
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Fatalf("child %d never reported as reaped", i)
		}
	}
}

func TestStartError(t *testing.T) {
	r := Start()
	defer r.Stop()
	_, _, err := r.Start(func() (int, error) {
		return syscall.ForkExec("/no/such/file", nil, &syscall.ProcAttr{})
	})
	if err == nil {
		t.Fatal("want the start function's error")
	}
}

// A subreaper's sweep ends what its children left behind: the orphaned
// sleep comes to us, and Sweep terminates it, reaps it and counts it.
func TestSweepDescendants(t *testing.T) {
	if os.Getpid() == 1 {
		t.Skip("runs as a subreaper, not pid 1")
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Skipf("cannot become a subreaper: %v", err)
	}
	defer unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
	r := Start()
	defer r.Stop()
	// No descriptors: an orphan holding the test's stdout would keep
	// "go test" waiting for it.
	_, ch, err := r.Start(func() (int, error) {
		return syscall.ForkExec("/bin/sh", []string{"sh", "-c", "sleep 60 & exit 0"}, &syscall.ProcAttr{})
	})
	if err != nil {
		t.Fatal(err)
	}
	<-ch
	if n := r.Sweep(5 * time.Second); n != 1 {
		t.Fatalf("Sweep found %d descendants, want the orphaned sleep", n)
	}
	if left := (descendants{self: os.Getpid(), visible: true}).count(); left != 0 {
		t.Fatalf("%d descendants left after Sweep", left)
	}
}

func TestProcReaders(t *testing.T) {
	me := strconv.Itoa(os.Getpid())
	if !slices.Contains(procNames(), me) {
		t.Errorf("procNames does not list this process (%s)", me)
	}
	if ppid, ok := readPPID(os.Getpid()); !ok || ppid != os.Getppid() {
		t.Errorf("readPPID(self) = %d, %v; want %d", ppid, ok, os.Getppid())
	}
	if _, ok := readPPID(1 << 30); ok {
		t.Error("readPPID of a pid that cannot exist succeeded")
	}
}
