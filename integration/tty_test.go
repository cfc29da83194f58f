package integration

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY returns a pseudo-terminal's master and slave.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetUint32(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return m, s
}

// docker run -it: the terminal is tinyinit's controlling terminal. The app
// must be its foreground process group, so Ctrl-C and Ctrl-Z, which the
// kernel sends to that group, reach the app (and only the app's group).
func TestTerminalForeground(t *testing.T) {
	for _, mode := range [][]string{nil, {"--no-shim"}} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			master, slave := openPTY(t)
			cmd := exec.Command(bins.tinyinit, append(mode, "--", bins.fixture, "tty", "2")...)
			cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0, Cloneflags: syscall.CLONE_NEWPID}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan int, 1)
			go func() { done <- exitCode(cmd.Wait()) }()
			t.Cleanup(func() { _ = cmd.Process.Kill() })
			lines := make(chan string, 16)
			go func() {
				sc := bufio.NewScanner(master)
				for sc.Scan() {
					lines <- strings.TrimSpace(sc.Text())
				}
			}()
			want := func(s string) {
				t.Helper()
				for {
					select {
					case l := <-lines:
						if strings.HasSuffix(l, s) { // echo may precede it ("^Z20")
							return
						}
						if strings.HasPrefix(l, "foreground=") || strings.HasPrefix(l, "tinyinit") {
							t.Fatalf("terminal printed %q, want %q", l, s)
						}
					case <-time.After(5 * time.Second):
						t.Fatalf("no %q on the terminal", s)
					}
				}
			}
			want("foreground=true")
			want("ready")
			master.Write([]byte{0x1a}) // Ctrl-Z: SIGTSTP to the foreground group
			want("20")
			master.Write([]byte{0x03}) // Ctrl-C: SIGINT, the app exits on it
			want("2")
			select {
			case code := <-done:
				if code != 0 {
					t.Fatalf("exit code %d", code)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("tinyinit did not exit")
			}
		})
	}
}
