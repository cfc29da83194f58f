package shim

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tinyinit/tinyinit/reaper"
	"github.com/tinyinit/tinyinit/signals"
)

func TestLaunchAndWait(t *testing.T) {
	r := reaper.Start()
	defer r.Stop()
	cases := []struct {
		name   string
		noShim bool
		argv   []string
		code   int
	}{
		{"exit 3", false, []string{"/bin/sh", "-c", "exit 3"}, 3},
		{"killed", false, []string{"/bin/sh", "-c", "kill -TERM $$"}, 143},
		{"not found", false, []string{"/no/such"}, CodeNotFound},
		{"exit 4, no shim", true, []string{"/bin/sh", "-c", "exit 4"}, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.noShim && !NoShimSupported() {
				t.Skip(ErrNoExitInfo)
			}
			sup, err := Launch(r, Options{App: App{Argv: c.argv, Env: os.Environ()}, NoShim: c.noShim})
			if err != nil {
				if se, ok := err.(*StartError); ok && se.Code == c.code {
					return // --no-shim reports exec failures from Launch
				}
				t.Fatal(err)
			}
			res := waitResult(t, sup, nil)
			if res.Code != c.code {
				t.Fatalf("code %d, want %d", res.Code, c.code)
			}
		})
	}
}

// A signal sent before the app runs is held, then delivered translated.
func TestSignalBeforeStartIsDelivered(t *testing.T) {
	r := reaper.Start()
	defer r.Stop()
	sup, err := Launch(r, Options{
		App: App{Argv: []string{"/bin/sh", "-c", "trap 'exit 7' QUIT; trap 'exit 9' TERM; while :; do sleep 0.01; done"}, Env: os.Environ()},
		Map: signals.Map{unix.SIGTERM: unix.SIGQUIT},
	})
	if err != nil {
		t.Fatal(err)
	}
	sigs := make(chan os.Signal, 1)
	sigs <- unix.SIGTERM // before the shim has said the app runs
	// The shell may not have set its traps yet when QUIT arrives, and dies
	// of it (131); either way it got QUIT and not TERM (143).
	if res := waitResult(t, sup, sigs); res.Code != 7 && res.Code != 131 {
		t.Fatalf("code %d, want 7 or 131 (TERM translated to QUIT)", res.Code)
	}
}

func TestGraceEscalates(t *testing.T) {
	r := reaper.Start()
	defer r.Stop()
	ready := filepath.Join(t.TempDir(), "ready")
	sup, err := Launch(r, Options{
		App:         App{Argv: []string{"/bin/sh", "-c", "trap '' TERM; : > \"$0\"; while :; do sleep 0.01; done", ready}, Env: os.Environ()},
		Grace:       200 * time.Millisecond,
		StopSignals: []unix.Signal{unix.SIGTERM},
	})
	if err != nil {
		t.Fatal(err)
	}
	sigs := make(chan os.Signal, 1)
	go func() {
		// TERM once the shell ignores it. A fixed sleep was not enough
		// under -race on a loaded machine: the TERM came before the app
		// had started, and the grace period, which counts from the first
		// stop signal, ended with the shim killed (125) instead.
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if _, err := os.Stat(ready); err == nil {
				break
			}
		}
		sigs <- unix.SIGTERM
	}()
	res := waitResult(t, sup, sigs)
	if res.Code != 137 || !res.Escalated || !res.Stopped {
		t.Fatalf("result %+v, want 137, escalated, stopped", res)
	}
}

func waitResult(t *testing.T, sup *Supervisor, sigs chan os.Signal) Result {
	t.Helper()
	if sigs == nil {
		sigs = make(chan os.Signal)
	}
	done := make(chan Result, 1)
	go func() { done <- sup.Wait(sigs) }()
	select {
	case res := <-done:
		return res
	case <-time.After(10 * time.Second):
		t.Fatal("Wait did not return")
	}
	return Result{}
}

// writeMessage is the shim's send, for tests that play the shim.
func writeMessage(w io.Writer, m message) error {
	var b [recordLen]byte
	b[0] = m.kind
	binary.LittleEndian.PutUint32(b[1:], m.value)
	_, err := w.Write(b[:])
	return err
}

func TestMessagesRoundTrip(t *testing.T) {
	rd, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	want := []message{{msgStarted, 42}, {msgExited, 0x0300}, {msgExited, 0xffffffff}}
	for _, m := range want {
		if err := writeMessage(wr, m); err != nil {
			t.Fatal(err)
		}
	}
	wr.Write([]byte{msgExited, 1}) // a torn record at EOF is dropped
	wr.Close()
	out := make(chan message, 8)
	readMessages(rd, out)
	var got []message
	for m := range out {
		got = append(got, m)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestForkPlan(t *testing.T) {
	o := Options{
		App:         App{Argv: []string{"app", "-x"}, Env: []string{"A=1"}, Dir: "/srv", Setsid: true},
		Map:         signals.Map{unix.SIGTERM: unix.SIGQUIT, unix.SIGHUP: signals.Drop},
		Group:       true,
		StopSignals: []unix.Signal{unix.SIGTERM, unix.SIGINT},
	}
	m, err := newForkPlan(o, "/bin/app", 7, 6)
	if err != nil {
		t.Fatal(err)
	}
	defer m.release()
	p := m.plan
	cases := []struct {
		sig, to unix.Signal
		waited  bool
	}{
		{unix.SIGTERM, unix.SIGQUIT, true},
		{unix.SIGHUP, signals.Drop, true},
		{unix.SIGUSR1, unix.SIGUSR1, true},
		{35, 35, true}, // SIGRTMIN+1,
		{64, 64, true},
		{unix.SIGCHLD, 0, true}, // waited for, never delivered
		{unix.SIGKILL, 0, false},
		{unix.SIGSTOP, 0, false},
	}
	for _, c := range cases {
		if got := unix.Signal(p.table[c.sig]); got != c.to {
			t.Errorf("table[%v] = %v, want %v", c.sig, got, c.to)
		}
		if got := p.wait&sigbit(c.sig) != 0; got != c.waited {
			t.Errorf("%v waited for: %v, want %v", c.sig, got, c.waited)
		}
	}
	if p.stop != sigbit(unix.SIGTERM)|sigbit(unix.SIGINT) {
		t.Errorf("stop set %#x", p.stop)
	}
	if !p.setsid || p.foreground || !p.group || p.report != 7 || p.reportRead != 6 {
		t.Errorf("plan %+v", p)
	}
	if got := m.cString(p.path); got != "/bin/app" {
		t.Errorf("path %q", got)
	}
	if got := m.cString(p.dir); got != "/srv" {
		t.Errorf("dir %q", got)
	}
	if got := unix.BytePtrToString(&p.name[0]); got != shimName {
		t.Errorf("name %q", got)
	}
	if got := m.cStrings(p.argv); !reflect.DeepEqual(got, o.App.Argv) {
		t.Errorf("argv %q, want %q", got, o.App.Argv)
	}
	if got := m.cStrings(p.envv); !reflect.DeepEqual(got, o.App.Env) {
		t.Errorf("env %q, want %q", got, o.App.Env)
	}
	// Everything the shim reads lies in the plan's own mapping, which is
	// never left behind.
	keep := m.bounds()
	for _, a := range []uintptr{p.path, p.dir, p.argv, p.envv} {
		if a < keep.lo || a >= keep.hi {
			t.Errorf("address %#x outside the plan's mapping %#x-%#x", a, keep.lo, keep.hi)
		}
	}
	for _, r := range p.leave[:p.nleave] {
		if r.lo < keep.hi && keep.lo < r.hi {
			t.Errorf("left behind %#x-%#x overlaps the plan %#x-%#x", r.lo, r.hi, keep.lo, keep.hi)
		}
	}
	if _, err := newForkPlan(Options{App: App{Argv: []string{"a\x00b"}}}, "/a", 1, 0); err == nil {
		t.Error("an argument with a NUL byte was accepted")
	}
}

// cString reads the C string at a in m, for tests.
func (m *planMemory) cString(a uintptr) string {
	if a == 0 {
		return ""
	}
	b := m.mem[a-m.bounds().lo:]
	return string(b[:bytes.IndexByte(b, 0)])
}

// cStrings reads the NULL-terminated array at a in m.
func (m *planMemory) cStrings(a uintptr) []string {
	var out []string
	for off := a - m.bounds().lo; ; off += 8 {
		p := uintptr(binary.NativeEndian.Uint64(m.mem[off:]))
		if p == 0 {
			return out
		}
		out = append(out, m.cString(p))
	}
}

// A working directory that cannot be entered is reported as such, with
// 125, in both modes: not as "not found", which would send the user
// looking for the program.
func TestMissingWorkdir(t *testing.T) {
	r := reaper.Start()
	defer r.Stop()
	for _, noShim := range []bool{false, true} {
		if noShim && !NoShimSupported() {
			continue
		}
		sup, err := Launch(r, Options{App: App{Argv: []string{"/bin/true"}, Env: os.Environ(), Dir: "/no/such/dir"}, NoShim: noShim})
		var se *StartError
		switch {
		case err != nil && errors.As(err, &se):
			// --no-shim reports it from Launch.
		case err != nil:
			t.Fatal(err)
		default:
			if res := waitResult(t, sup, nil); res.Code != CodeInternal {
				t.Fatalf("no-shim %v: code %d, want %d", noShim, res.Code, CodeInternal)
			}
			se = sup.failed.(*StartError)
		}
		want := `exec "/bin/true": working directory "/no/such/dir": no such file or directory`
		if se.Code != CodeInternal || se.Error() != want {
			t.Errorf("no-shim %v: %q (code %d), want %q (125)", noShim, se.Error(), se.Code, want)
		}
	}
}

// -v describes what was started; a program not found in PATH before the fork
// started nothing, and the line must not name a shim of pid 0.
func TestDescribeNothingStarted(t *testing.T) {
	r := reaper.Start()
	defer r.Stop()
	sup, err := Launch(r, Options{App: App{Argv: []string{"no-such-program"}, Env: os.Environ()}})
	if err != nil {
		t.Fatal(err)
	}
	if got := sup.Describe(); got != "nothing started, it cannot start: no-such-program" {
		t.Errorf("Describe() = %q", got)
	}
	if res := waitResult(t, sup, nil); res.Code != CodeNotFound {
		t.Errorf("code %d, want %d", res.Code, CodeNotFound)
	}
}

func TestParseMaps(t *testing.T) {
	const maps = `00400000-00520000 r-xp 00000000 fe:00 10003259                           /sbin/tinyinit
00520000-0066a000 r--p 00120000 fe:00 10003259                           /sbin/tinyinit
0066a000-00678000 rw-p 0026a000 fe:00 10003259                           /sbin/tinyinit
00678000-006ae000 rw-p 00000000 00:00 0
2a1afc000000-2a1afd000000 ---p 00000000 00:00 0
2a1afd000000-2a1afd400000 rw-p 00000000 00:00 0
7f014d560000-7f014d700000 rw-p 00000000 00:00 0
7f01941fe000-7f0194202000 r--p 00000000 00:00 0                          [vvar]
7f0194204000-7f0194206000 r-xp 00000000 00:00 0                          [vdso]
7ffcf22e2000-7ffcf2303000 rw-p 00000000 00:00 0                          [stack]
garbage line
`
	cases := []struct {
		name string
		keep memRange
		want []memRange
	}{
		{"keep elsewhere", memRange{0x1000, 0x2000}, []memRange{
			{0x2a1afd000000, 0x2a1afd400000}, {0x7f014d560000, 0x7f014d700000}}},
		{"keep merged inside", memRange{0x7f014d600000, 0x7f014d601000}, []memRange{
			{0x2a1afd000000, 0x2a1afd400000}, {0x7f014d560000, 0x7f014d600000}, {0x7f014d601000, 0x7f014d700000}}},
		{"keep at the start", memRange{0x7f014d560000, 0x7f014d561000}, []memRange{
			{0x2a1afd000000, 0x2a1afd400000}, {0x7f014d561000, 0x7f014d700000}}},
	}
	for _, c := range cases {
		var out [maxLeave]memRange
		n := parseMaps([]byte(maps), c.keep, &out)
		if got := out[:n]; !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: left behind %x, want %x (never the bss at 0x678000, the stack or the vdso)", c.name, got, c.want)
		}
	}
}

// The shim forked without init's heap still runs the app, reports it and
// exits: every statement past the fork touches only what it kept.
func TestShimLeavesHeapBehind(t *testing.T) {
	if raceEnabled {
		t.Skip("under the race detector the shim shares all of init's memory")
	}
	r := reaper.Start()
	defer r.Stop()
	sup, err := Launch(r, Options{App: App{Argv: []string{"/bin/sh", "-c", "exit 5"}, Env: os.Environ(), Dir: "/"}})
	if err != nil {
		t.Fatal(err)
	}
	if res := waitResult(t, sup, nil); res.Code != 5 {
		t.Fatalf("code %d, want 5", res.Code)
	}
}

func TestLookPath(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "prog")
	plain := filepath.Join(dir, "plain")
	os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755)
	os.WriteFile(plain, []byte("x"), 0o644)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	env := []string{"PATH=/nonexistent:" + dir}
	cases := []struct {
		prog string
		want string
		code int
	}{
		{"prog", exe, 0},
		{"plain", "", CodeNotExecutable},
		{"sub", "", CodeNotFound},
		{"missing", "", CodeNotFound},
		{"", "", CodeNotFound},
		{"./relative", "./relative", 0},
		{"/abs/path", "/abs/path", 0},
	}
	for _, c := range cases {
		got, err := lookPath(c.prog, env)
		var se *StartError
		code := 0
		if errors.As(err, &se) {
			code = se.Code
		}
		if got != c.want || code != c.code {
			t.Errorf("lookPath(%q) = %q, code %d; want %q, %d", c.prog, got, code, c.want, c.code)
		}
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		err  error
		code int
	}{
		{unix.ENOENT, CodeNotFound},
		{unix.ENOTDIR, CodeNotFound},
		{unix.EACCES, CodeNotExecutable},
		{unix.ENOEXEC, CodeNotExecutable},
		{unix.EISDIR, CodeNotExecutable},
		{unix.EAGAIN, CodeInternal},
		{errors.New("odd"), CodeInternal},
	}
	for _, c := range cases {
		var se *StartError
		if !errors.As(classify("p", c.err), &se) || se.Code != c.code {
			t.Errorf("classify(%v) code %v, want %d", c.err, se, c.code)
		}
	}
	var b bytes.Buffer
	b.WriteString((&StartError{Prog: "x", Code: CodeNotFound, Err: unix.ENOENT}).Error())
	if b.String() != `exec "x": not found` {
		t.Errorf("message %q", b.String())
	}
}

func TestAtLeast(t *testing.T) {
	cases := []struct {
		release string
		want    bool
	}{
		{"6.18.44-fc-v782", true},
		{"6.15.0", true},
		{"6.14.9-arch1", false},
		{"5.19.0", false},
		{"7.0", true},
		{"garbage", false},
	}
	for _, c := range cases {
		if got := atLeast(c.release, 6, 15); got != c.want {
			t.Errorf("atLeast(%q, 6, 15) = %v", c.release, got)
		}
	}
}
