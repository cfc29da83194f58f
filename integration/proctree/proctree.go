// Package proctree reads the process tree from /proc for the integration
// tests, as the host sees it: which processes run below a test's init, in
// which state. It is test support, shared by the suites that need it.
package proctree

import (
	"os"
	"strconv"
	"strings"
)

// Proc is one process as /proc shows it.
type Proc struct {
	Pid, PPid int
	State     byte   // R, S, D, T, Z...
	Comm      string // the command name, as in /proc/PID/stat
}

// Tree lists root's descendants (not root itself).
func Tree(root int) []Proc {
	ents, _ := os.ReadDir("/proc")
	all := map[int]Proc{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, ok := Read(pid); ok {
			all[pid] = p
		}
	}
	var out []Proc
	for _, p := range all {
		for a, hops := p.PPid, 0; a > 0 && hops < 64; a, hops = all[a].PPid, hops+1 {
			if a == root {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// Read reads one process's /proc/PID/stat. The command name may hold spaces
// and parentheses, so the fields are counted after the last ')'.
func Read(pid int) (Proc, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return Proc{}, false
	}
	s := string(b)
	open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || close < open {
		return Proc{}, false
	}
	f := strings.Fields(s[close+1:])
	if len(f) < 2 {
		return Proc{}, false
	}
	ppid, _ := strconv.Atoi(f[1])
	return Proc{Pid: pid, PPid: ppid, State: f[0][0], Comm: s[open+1 : close]}, true
}

// Zombies counts the processes in ps that are zombies.
func Zombies(ps []Proc) int {
	n := 0
	for _, p := range ps {
		if p.State == 'Z' {
			n++
		}
	}
	return n
}
