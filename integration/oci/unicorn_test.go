package oci

import (
	"regexp"
	"strconv"
	"testing"
	"time"
)

// TestUnicornUpgrade takes a Unicorn-like master through its life in a
// container: workers that die are re-forked (each leaving an orphan behind),
// USR2 forks a new master, and QUIT from the runtime stops the old master
// gracefully; the container then ends with its code, after tinyinit has
// stopped the new master it left behind. Zombies are sampled from the host
// every 100 ms throughout, and the master tinyinit started must never see
// ppid 1.
//
// What "zero zombies" can mean to a sampler: every process is a zombie from
// its exit until its parent reaps it, and on a loaded machine a sample
// catches some in that instant, held by tinyinit and by the masters alike.
// What must never happen is a zombie left to pid 1 that pid 1 does not
// reap: one it holds for reapBound or more.
func TestUnicornUpgrade(t *testing.T) {
	t.Parallel()
	c := runContainer(t, newBundle(t, bundleSpec{Args: []string{"--", "unicorn",
		"-workers", "3", "-life", "1500ms", "-helper-life", "2s", "-report", "100ms"}}))
	stop := c.sampleZombies(100*time.Millisecond, 1)
	wait := func(what string, pattern string) []string {
		t.Helper()
		m, err := c.stdout.waitMatch(regexp.MustCompile(pattern), 15*time.Second)
		if err != nil {
			stop()
			t.Fatalf("%s: %v", what, err)
		}
		return m
	}

	master0 := wait("first master", `^master gen=0 pid=(\d+) ppid=(\d+)$`)
	wait("first master's workers", `^master gen=0 ready`)
	// A worker killed from outside (runc exec, inside the container) is
	// re-forked; its helper is left an orphan for pid 1.
	victim := wait("a worker", `^worker gen=0 pid=(\d+) ppid=`+master0[1]+`$`)[1]
	if out, err := c.exec("kill", "-KILL", victim); err != nil {
		t.Fatalf("kill worker %s: %v: %s", victim, err, out)
	}
	wait("the killed worker's replacement", `^master gen=0 respawn old=`+victim+` new=\d+$`)

	c.kill("USR2")
	master1 := wait("the new master", `^master gen=1 pid=(\d+) ppid=(\d+)$`)
	wait("the new master's workers", `^master gen=1 ready`)
	// Both generations serve for a while, with their workers cycling.
	time.Sleep(3 * time.Second)
	c.kill("QUIT")
	wait("the old master's graceful stop", `^master gen=0 stopped$`)
	code := c.mustExit(10 * time.Second)
	st := stop()
	t.Logf("%d samples, zombies max %d (samples with any: %d; of init %d, of others %d, lingering %d, oldest by init %v, by others %v), processes max %d; exit %d",
		st.samples, st.max, st.nonzero, st.byInit, st.byOthers, st.lingering, st.oldestByInit, st.oldestByOthers, st.maxProc, code)

	if code != 0 {
		t.Errorf("container exited %d, want 0: the old master's graceful QUIT", code)
	}
	if st.samples < 30 {
		t.Errorf("only %d zombie samples: the scenario ran too briefly to prove anything", st.samples)
	}
	if st.oldestByInit >= reapBound {
		t.Errorf("a zombie left to tinyinit stayed unreaped for %v (bound %v)", st.oldestByInit, reapBound)
	}
	if master1[2] != master0[1] {
		t.Errorf("the new master's parent is %s, want the old master %s", master1[2], master0[1])
	}
	checkPPIDs(t, c.stdout.Lines(), master0[1], master0[2], master1[1])
}

var (
	ppidLine = regexp.MustCompile(`^ppid role=(\w+) gen=(\d+) pid=(\d+) ppid=(\d+)$`)
	stopLine = regexp.MustCompile(`^master gen=0 stopped$`)
)

// checkPPIDs reads every getppid() the processes reported. The first master
// must always see the shim tinyinit started it under; the new master sees
// the old one while it lives; no process sees 1 while its parent lives.
// After the old master has gone, the new master is an orphan like any
// other: it goes to pid 1 (the shim is never a reaper) until tinyinit's
// sweep stops it; whether it reported that is logged, not judged.
func checkPPIDs(t *testing.T, lines []string, master0, shim, master1 string) {
	t.Helper()
	masters := map[string]string{"0": master0, "1": master1}
	old := true
	reports, orphaned := 0, 0
	for _, l := range lines {
		if stopLine.MatchString(l) {
			old = false
			continue
		}
		m := ppidLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		reports++
		role, gen, pid, ppid := m[1], m[2], m[3], m[4]
		switch {
		case role == "master" && gen == "0":
			if ppid != shim {
				t.Errorf("the first master saw ppid %s, want the shim %s", ppid, shim)
			}
		case role == "master" && gen == "1":
			if old && ppid != master0 {
				t.Errorf("the new master saw ppid %s while the old master %s lived", ppid, master0)
			}
			if !old && ppid == "1" {
				orphaned++
			}
		case role == "worker":
			// A worker reports only while its master waits for it
			// (gen 0) or runs (gen 1, until the sweep).
			if ppid != masters[gen] && (gen == "0" || old) {
				t.Errorf("worker %s of gen %s saw ppid %s, want its master %s", pid, gen, ppid, masters[gen])
			}
		}
	}
	if reports < 50 {
		t.Errorf("only %d getppid() reports: too few to judge", reports)
	}
	t.Logf("%d getppid() reports; the new master reported ppid 1 %d times after the old master stopped", reports, orphaned)
	if _, err := strconv.Atoi(shim); err != nil || shim == "1" {
		t.Errorf("the first master's parent is %q: want the shim, not pid 1", shim)
	}
}
