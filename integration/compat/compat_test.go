package compat

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// kase is one command line, run under a peer and under tinyinit.
type kase struct {
	name  string
	peer  string   // tini, tini-static or dumb-init: the real program
	as    string   // the name tinyinit runs under; the peer's when empty
	args  []string // the init's arguments; FIXTURE is the fixture's path
	env   []string
	mode  mode
	app   bool // the app prints "ready" before the steps begin
	steps []step
	// differ asserts a deliberate difference (README, "Drop-in for tini
	// and dumb-init"); nil means every compared observation must match.
	differ func(peer, ours obs) error
}

const (
	hup  = syscall.SIGHUP
	intr = syscall.SIGINT
	quit = syscall.SIGQUIT
	usr1 = syscall.SIGUSR1
	usr2 = syscall.SIGUSR2
	term = syscall.SIGTERM
	cont = syscall.SIGCONT
	tstp = syscall.SIGTSTP
	ttin = syscall.SIGTTIN
	ttou = syscall.SIGTTOU
	winc = syscall.SIGWINCH
)

// app is "-- FIXTURE args...": the fixture as the command.
func app(args ...string) []string { return append([]string{"--", "FIXTURE"}, args...) }

// opts puts the init's options before the command.
func opts(o []string, cmd []string) []string { return append(append([]string{}, o...), cmd...) }

// orphanSteps counts the adopted orphans, has the app release them (any
// signal does), counts the zombies once they have exited, and ends the app.
var orphanSteps = []step{{probe: adopted}, {sig: usr1}, {probe: orphansGone}, {sig: term}}

func cases() []kase {
	o := func(s ...string) []string { return s }
	return []kase{
		// tini: delivery and order.
		{name: "tini/TERM", peer: "tini", args: app("record", "15"), app: true, steps: sigs(term)},
		{name: "tini/INT", peer: "tini", args: app("record", "2"), app: true, steps: sigs(intr)},
		{name: "tini/HUP-USR1-TERM in order", peer: "tini", args: app("record", "15"), app: true, steps: sigs(hup, usr1, term)},
		{name: "tini/USR2-QUIT-WINCH-TERM in order", peer: "tini", args: app("record", "15"), app: true, steps: sigs(usr2, quit, winc, term)},
		{name: "tini/TSTP forwarded", peer: "tini", args: app("record", "15"), app: true, steps: sigs(tstp, term)},
		{name: "tini-static/TERM", peer: "tini-static", args: app("record", "15"), app: true, steps: sigs(term)},
		{name: "tini/group not signalled by default", peer: "tini", args: app("record", "-member", "15"), app: true, steps: sigs(hup, term)},
		{name: "tini/-g signals the group", peer: "tini", args: opts(o("-g"), app("record", "-member", "15")), app: true, steps: sigs(hup, term)},
		{name: "tini/TINI_KILL_PROCESS_GROUP", peer: "tini", env: o("TINI_KILL_PROCESS_GROUP=1"), args: app("record", "-member", "15"), app: true, steps: sigs(hup, term)},
		{name: "tini/-vvv", peer: "tini", args: opts(o("-vvv"), app("record", "15")), app: true, steps: sigs(usr1, term)},
		{name: "tini/TINI_VERBOSITY=3", peer: "tini", env: o("TINI_VERBOSITY=3"), args: app("record", "15"), app: true, steps: sigs(term)},
		// tini: exit codes.
		{name: "tini/exit 42", peer: "tini", args: app("exit", "42")},
		{name: "tini/-e 3, exit 3", peer: "tini", args: opts(o("-e", "3"), app("exit", "3"))},
		{name: "tini/-e 3 -e 4, exit 4", peer: "tini", args: opts(o("-e", "3", "-e", "4"), app("exit", "4"))},
		{name: "tini/-e 3, exit 5", peer: "tini", args: opts(o("-e", "3"), app("exit", "5"))},
		{name: "tini/app killed by TERM", peer: "tini", args: app("record", "-die", "15"), app: true, steps: sigs(term)},
		{name: "tini/-e 143, app killed by TERM", peer: "tini", args: opts(o("-e", "143"), app("record", "-die", "15")), app: true, steps: sigs(term)},
		{name: "tini/app kills itself with KILL", peer: "tini", args: app("killself", "9")},
		{name: "tini/clustered -sg -e", peer: "tini", args: opts(o("-sg", "-e", "3"), app("record", "-member", "-code", "3", "15")), app: true, steps: sigs(term)},
		{name: "tini/command not found", peer: "tini", args: o("--", "/nonexistent/app")},
		// tini: reaping, subreaper, parent death.
		{name: "tini/orphans reaped as pid 1", peer: "tini", args: app("orphans", "3", "15"), app: true, steps: orphanSteps},
		{name: "tini/-w warns per orphan", peer: "tini", args: opts(o("-w"), app("orphans", "3", "15")), app: true, steps: orphanSteps},
		{name: "tini/-s not pid 1", peer: "tini", mode: notPid1, args: opts(o("-s"), app("orphans", "3", "15")), app: true, steps: orphanSteps},
		{name: "tini/TINI_SUBREAPER not pid 1", peer: "tini", mode: notPid1, env: o("TINI_SUBREAPER=1"), args: app("orphans", "3", "15"), app: true, steps: orphanSteps},
		{name: "tini/-p SIGUSR1 when the parent dies", peer: "tini", mode: parentDies, args: opts(o("-p", "SIGUSR1"), app("record", "10")), app: true, steps: []step{{probe: killParent}}},
		// tini: information.
		{name: "tini/-l", peer: "tini", args: o("-l")},
		{name: "tini/--version", peer: "tini", args: o("--version")},
		{name: "tini/-h", peer: "tini", args: o("-h")},
		// tini: deliberate differences.
		{name: "tini/not pid 1 without -s", peer: "tini", mode: notPid1, args: app("orphans", "3", "15"), app: true, steps: orphanSteps,
			differ: func(p, u obs) error {
				if p.Adopted != 0 || !strings.Contains(p.Stderr, "subreaper") {
					return fmt.Errorf("tini: adopted %d orphans, stderr %q; want 0 and a warning", p.Adopted, p.Stderr)
				}
				if u.Adopted != 3 || u.Zombies != 0 {
					return fmt.Errorf("tinyinit: adopted %d, zombies %d; want 3 reaped (always a subreaper)", u.Adopted, u.Zombies)
				}
				return same(p, u, "App", "Code", "Ready")
			}},
		{name: "tini/TTIN and TTOU", peer: "tini", args: app("record", "15"), app: true, steps: sigs(ttin, ttou, term),
			differ: func(p, u obs) error {
				if !slices.Equal(p.App, []string{"15"}) || !slices.Equal(u.App, []string{"21", "22", "15"}) {
					return fmt.Errorf("app saw %v under tini, %v under tinyinit; want [15] and [21 22 15]", p.App, u.App)
				}
				return same(p, u, "Code", "Member")
			}},
		{name: "tini/unknown option", peer: "tini", args: opts(o("-x"), app("exit", "0")), differ: usageDiffers},
		{name: "tini/-e 256", peer: "tini", args: opts(o("-e", "256"), app("exit", "0")), differ: usageDiffers},

		// dumb-init: a new session, signals to the group.
		{name: "dumb-init/TERM to the group", peer: "dumb-init", args: app("record", "-member", "15"), app: true, steps: sigs(term)},
		{name: "dumb-init/HUP-USR1-INT in order", peer: "dumb-init", args: app("record", "-member", "2"), app: true, steps: sigs(hup, usr1, intr)},
		{name: "dumb-init/--rewrite 15:3", peer: "dumb-init", args: opts(o("--rewrite", "15:3"), app("record", "-member", "3")), app: true, steps: sigs(term)},
		{name: "dumb-init/-r 15:0 drops TERM", peer: "dumb-init", args: opts(o("-r", "15:0"), app("record", "2")), app: true, steps: sigs(term, intr)},
		{name: "dumb-init/-r 10:15 -r 2:0, app killed", peer: "dumb-init", args: opts(o("-r", "10:15", "-r", "2:0"), app("record", "-die", "15")), app: true, steps: sigs(intr, usr1)},
		{name: "dumb-init/--single-child", peer: "dumb-init", args: opts(o("--single-child"), app("record", "-member", "15")), app: true, steps: sigs(hup, term), differ: ownGroup},
		{name: "dumb-init/-c", peer: "dumb-init", args: opts(o("-c"), app("record", "-member", "15")), app: true, steps: sigs(hup, term), differ: ownGroup},
		{name: "dumb-init/DUMB_INIT_SETSID=0", peer: "dumb-init", env: o("DUMB_INIT_SETSID=0"), args: app("record", "-member", "15"), app: true, steps: sigs(hup, term), differ: ownGroup},
		{name: "dumb-init/DUMB_INIT_SETSID=1", peer: "dumb-init", env: o("DUMB_INIT_SETSID=1"), args: app("record", "-member", "15"), app: true, steps: sigs(term)},
		{name: "dumb-init/-v", peer: "dumb-init", args: opts(o("-v"), app("record", "-member", "15")), app: true, steps: sigs(usr2, term)},
		{name: "dumb-init/app killed by TERM", peer: "dumb-init", args: app("record", "-die", "15"), app: true, steps: sigs(term)},
		{name: "dumb-init/exit 3", peer: "dumb-init", args: app("exit", "3")},
		{name: "dumb-init/app kills itself with KILL", peer: "dumb-init", args: app("killself", "9")},
		{name: "dumb-init/orphans reaped as pid 1", peer: "dumb-init", args: app("orphans", "3", "15"), app: true, steps: orphanSteps},
		{name: "dumb-init/TSTP stops the group, CONT resumes it", peer: "dumb-init", args: app("record", "-member", "15"), app: true,
			steps: []step{{sig: tstp}, {probe: stopped}, {sig: cont}, {sig: term}}},
		{name: "dumb-init/--version", peer: "dumb-init", args: o("--version")},
		// tinyinit's own name with dumb-init-only flags or environment.
		{name: "tinyinit/--rewrite 15:3 means dumb-init", peer: "dumb-init", as: "tinyinit", args: opts(o("--rewrite", "15:3"), app("record", "-member", "3")), app: true, steps: sigs(term)},
		{name: "tinyinit/--single-child means dumb-init", peer: "dumb-init", as: "tinyinit", args: opts(o("--single-child"), app("record", "-member", "15")), app: true, steps: sigs(hup, term), differ: ownGroup},
		{name: "tinyinit/DUMB_INIT_SETSID=0 means dumb-init", peer: "dumb-init", as: "tinyinit", env: o("DUMB_INIT_SETSID=0"), args: app("record", "-member", "15"), app: true, steps: sigs(hup, term), differ: ownGroup},
		{name: "tinyinit/DUMB_INIT_SETSID=1 means dumb-init", peer: "dumb-init", as: "tinyinit", env: o("DUMB_INIT_SETSID=1"), args: app("record", "-member", "15"), app: true, steps: sigs(hup, term)},
		{name: "tinyinit/-g as tini", peer: "tini", as: "tinyinit", args: opts(o("-g"), app("record", "-member", "15")), app: true, steps: sigs(hup, term)},
		{name: "tinyinit/-e 3 as tini", peer: "tini", as: "tinyinit", args: opts(o("-s", "-e", "3"), app("exit", "3"))},
		// dumb-init: deliberate differences.
		{name: "dumb-init/TSTP outside a container", peer: "dumb-init", mode: notPid1, args: app("record", "-member", "15"), app: true,
			steps: []step{{sig: tstp}, {probe: stopped}, {sig: cont}, {probe: running}, {sig: term}},
			differ: func(p, u obs) error {
				if !p.InitStopped || u.InitStopped {
					return fmt.Errorf("init stopped: dumb-init %v, tinyinit %v; want true, false", p.InitStopped, u.InitStopped)
				}
				if p.Stopped != 2 || u.Stopped != 2 {
					return fmt.Errorf("stopped processes: dumb-init %d, tinyinit %d; want the app's group stopped in both", p.Stopped, u.Stopped)
				}
				return same(p, u, "App", "Member", "Code", "Ready")
			}},
		{name: "dumb-init/--rewrite 15:99", peer: "dumb-init", args: opts(o("--rewrite", "15:99"), app("exit", "0")), differ: usageDiffers},
		{name: "dumb-init/command not found", peer: "dumb-init", args: o("--", "/nonexistent/app"),
			differ: func(p, u obs) error {
				if p.Code != 2 || u.Code != 127 {
					return fmt.Errorf("exit code: dumb-init %d, tinyinit %d; want 2 and 127", p.Code, u.Code)
				}
				return nil
			}},
	}
}

// ownGroup: in single-child mode dumb-init leaves the app in its own
// process group; tinyinit gives the app a group of its own in every mode
// (the shim's cleanup and the terminal's foreground group rely on it).
// Signals still reach the app alone, as with dumb-init.
func ownGroup(p, u obs) error {
	if p.Ready != "ready session-leader=false group-leader=false" || u.Ready != "ready session-leader=false group-leader=true" {
		return fmt.Errorf("ready: dumb-init %q, tinyinit %q; want the app leading a group only under tinyinit", p.Ready, u.Ready)
	}
	return same(p, u, "App", "Member", "Code")
}

// usageDiffers: a bad command line is exit code 1 for tini and dumb-init,
// and 2 with one "tinyinit:" line for tinyinit; nothing starts in either.
func usageDiffers(p, u obs) error {
	if p.Code != 1 || u.Code != 2 {
		return fmt.Errorf("exit code: peer %d, tinyinit %d; want 1 and 2", p.Code, u.Code)
	}
	if lines := strings.Split(strings.TrimSuffix(u.Stderr, "\n"), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "tinyinit: ") {
		return fmt.Errorf("tinyinit stderr %q: want one line starting \"tinyinit: \"", u.Stderr)
	}
	if p.Ready != "" || u.Ready != "" {
		return fmt.Errorf("the app started")
	}
	return nil
}

// same compares the named observations of two runs.
func same(p, u obs, fields ...string) error {
	for _, f := range fields {
		var a, b any
		switch f {
		case "Code":
			a, b = p.Code, u.Code
		case "Ready":
			a, b = p.Ready, u.Ready
		case "App":
			a, b = p.App, u.App
		case "Member":
			a, b = p.Member, u.Member
		default:
			panic("same: unknown field " + f)
		}
		if fmt.Sprint(a) != fmt.Sprint(b) {
			return fmt.Errorf("%s: peer %v, tinyinit %v", f, a, b)
		}
	}
	return nil
}

func TestCompat(t *testing.T) {
	e := setup(t)
	for _, c := range cases() {
		t.Run(c.name, func(t *testing.T) {
			as := c.as
			if as == "" {
				as = c.peer
			}
			// Both sides at once: they are independent namespaces (or
			// independent process trees), and it halves the suite's time.
			var peer, ours obs
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); peer = e.run(t, e.peers[c.peer], c) }()
			go func() { defer wg.Done(); ours = e.run(t, e.ours+"/"+as, c) }()
			wg.Wait()
			if t.Failed() {
				return
			}
			if c.differ != nil {
				if err := c.differ(peer, ours); err != nil {
					t.Errorf("deliberate difference does not hold: %v\n%s: %s\ntinyinit: %s\ntinyinit stderr: %s", err, c.peer, peer.comparable(), ours.comparable(), ours.Stderr)
				}
				return
			}
			if peer.comparable() != ours.comparable() {
				t.Errorf("differs from %s\n%s:\t%s\ntinyinit:\t%s\n%s stderr: %s\ntinyinit stderr: %s",
					c.peer, c.peer, peer.comparable(), ours.comparable(), c.peer, peer.Stderr, ours.Stderr)
			}
		})
	}
}
