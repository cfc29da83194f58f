package reaper

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestExitCode(t *testing.T) {
	cases := []struct {
		name string
		ws   unix.WaitStatus
		want int
	}{
		{"exit 0", 0, 0},
		{"exit 3", 3 << 8, 3},
		{"exit 255", 255 << 8, 255},
		{"killed by TERM", unix.WaitStatus(unix.SIGTERM), 143},
		{"killed by KILL", unix.WaitStatus(unix.SIGKILL), 137},
		{"killed by SEGV, core dumped", unix.WaitStatus(unix.SIGSEGV) | 0x80, 139},
		{"ExitedStatus(127)", ExitedStatus(127), 127},
		{"stopped", 0x137f, 1},
	}
	for _, c := range cases {
		if got := ExitCode(c.ws); got != c.want {
			t.Errorf("%s: ExitCode(%#x) = %d, want %d", c.name, uint32(c.ws), got, c.want)
		}
	}
}
