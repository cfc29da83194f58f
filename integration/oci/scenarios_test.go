package oci

import (
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// dockerGrace is `docker stop`'s default time between TERM and KILL.
const dockerGrace = 10 * time.Second

// requireOption skips the test when the tinyinit under test does not list
// option in its --help: the scenario is written against the interface an
// open issue specifies, and runs as soon as that issue is merged.
func requireOption(t *testing.T, option, issue string) {
	t.Helper()
	out, err := exec.Command(artifact("tinyinit"), "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("tinyinit --help: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), option) {
		t.Skipf("tinyinit --help has no %s yet (%s)", option, issue)
	}
}

// TestExitStatus: `runc run`, like `docker run`, reports the app's code,
// or 128+N when a signal N killed the app.
func TestExitStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		script string
		signal string // sent with runc kill once the app said "ready"
		want   int
	}{
		{name: "exit3", script: "exit 3", want: 3},
		// The app dies of the TERM that runc sent to pid 1 and tinyinit
		// forwarded; a shell would run its trap, so the app is sleep.
		{name: "term143", script: "echo ready; exec sleep 1000", signal: "TERM", want: 143},
		{name: "kill137", script: "kill -KILL $$", want: 137},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := runContainer(t, newBundle(t, bundleSpec{Args: []string{"--", "sh", "-c", tc.script}}))
			if tc.signal != "" {
				if _, err := c.stdout.waitMatch(regexp.MustCompile(`^ready$`), 10*time.Second); err != nil {
					t.Fatalf("app: %v", err)
				}
				c.kill(tc.signal)
			}
			if got := c.mustExit(10 * time.Second); got != tc.want {
				t.Errorf("runc run exited %d, want %d\nstderr:\n%s", got, tc.want, c.stderr)
			}
		})
	}
}

// TestDockerStopResque: docker stop (TERM, 10 s, KILL) against a
// Resque-like worker. With TERM mapped to QUIT the job in hand completes
// and the container exits 0 long before KILL; without, the job is aborted.
func TestDockerStopResque(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		args     []string
		config   string
		needs    string // an option the binary must have, or ""
		want     int
		wantLine string
	}{
		{name: "map-flag", args: []string{"--map", "TERM:QUIT", "--", "resque"}, want: 0, wantLine: "drained"},
		{name: "no-map", args: []string{"--", "resque"}, want: 1, wantLine: "aborted"},
		// The image's own config file (issue 6): no flag on the command line.
		{name: "config-file", args: []string{"--", "resque"}, config: "[signals]\nTERM = \"QUIT\"\n", needs: "--config", want: 0, wantLine: "drained"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.needs != "" {
				requireOption(t, tc.needs, "issue 6: /etc/tinyinit.toml")
			}
			c := runContainer(t, newBundle(t, bundleSpec{Args: tc.args, Config: tc.config}))
			stopAResqueJob(t, c, tc.want, tc.wantLine)
		})
	}
}

// stopAResqueJob waits until the worker holds a job, stops the container as
// docker stop does, and checks how it ended.
func stopAResqueJob(t *testing.T, c *container, want int, wantLine string) {
	t.Helper()
	m, err := c.stdout.waitMatch(regexp.MustCompile(`^ready pid=(\d+) ppid=(\d+)$`), 10*time.Second)
	if err != nil {
		t.Fatalf("worker: %v", err)
	}
	if m[2] == "1" {
		t.Errorf("the worker's parent is pid 1: no shim between init and the app")
	}
	if _, err := c.stdout.waitMatch(regexp.MustCompile(`^job 1 started$`), 10*time.Second); err != nil {
		t.Fatalf("worker: %v", err)
	}
	code, took, killed := c.dockerStop(dockerGrace)
	t.Logf("docker stop: exit %d after %v (KILL needed: %v)", code, took.Round(time.Millisecond), killed)
	if killed {
		t.Errorf("the container outlived the %v grace: docker stop had to KILL it", dockerGrace)
	}
	if code != want {
		t.Errorf("exit status %d, want %d", code, want)
	}
	if !contains(c.stdout.Lines(), wantLine) {
		t.Errorf("the worker never printed %q", wantLine)
	}
	// A drained job ends within one job's length (1.5 s) plus start-up;
	// half the grace is far from KILL yet catches a stop that waited.
	if took > dockerGrace/2 {
		t.Errorf("stop took %v, want well inside %v", took, dockerGrace)
	}
}

func contains(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

// TestZombieFactory: an app leaking orphans continuously for 30 s (the
// issue's figure) never has 5 zombies at once in its container.
func TestZombieFactory(t *testing.T) {
	// Not parallel: the other scenarios start dozens of Go processes on
	// this machine's two cores, and a sample then measures the scheduler's
	// backlog as much as pid 1's reaping. Alone, it measures tinyinit.
	const run, limit = 30 * time.Second, 5
	c := runContainer(t, newBundle(t, bundleSpec{Args: []string{"--", "zombies", "-every", "40ms", "-life", "20ms"}}))
	if _, err := c.stdout.waitMatch(regexp.MustCompile(`^ready `), 10*time.Second); err != nil {
		t.Fatalf("factory: %v", err)
	}
	stop := c.sampleZombies(100*time.Millisecond, limit)
	select {
	case <-c.done:
		stop()
		t.Fatalf("the factory's container ended early, status %d", c.code)
	case <-time.After(run):
	}
	st := stop()
	orphans := 0
	for _, l := range c.stdout.Lines() {
		if n, ok := strings.CutPrefix(l, "orphans "); ok {
			orphans, _ = strconv.Atoi(n)
		}
	}
	t.Logf("%d samples, zombies max %d, samples with any zombie %d (held by init %d, by others %d, lingering %d, oldest by init %v, by others %v), processes max %d, orphans made ≥ %d",
		st.samples, st.max, st.nonzero, st.byInit, st.byOthers, st.lingering, st.oldestByInit, st.oldestByOthers, st.maxProc, orphans)
	if st.samples < int(run/(100*time.Millisecond))/2 {
		t.Errorf("only %d samples in %v: the sampler fell behind", st.samples, run)
	}
	if orphans < 100 {
		t.Errorf("only %d orphans made: the factory did not leak enough to prove anything", orphans)
	}
	if len(st.over) > 0 {
		t.Errorf("%d samples had %d or more zombies: %v", len(st.over), limit, st.over)
	}
	if st.oldestByInit >= reapBound {
		t.Errorf("a zombie left to tinyinit stayed unreaped for %v (bound %v)", st.oldestByInit, reapBound)
	}
	code, took, killed := c.dockerStop(dockerGrace)
	if killed || code != 143 {
		t.Errorf("docker stop: exit %d after %v (KILL: %v), want 143 from the TERM", code, took, killed)
	}
}

// TestLeftBehindAreStopped: when the app exits and leaves processes behind,
// tinyinit stops them with TERM (they can clean up) and reaps them before
// the container ends with the app's code; nothing of the container stays
// on the host. Were pid 1 simply to exit, the kernel would SIGKILL them and
// the child would never print its line.
func TestLeftBehindAreStopped(t *testing.T) {
	t.Parallel()
	script := `(trap 'echo child got TERM; exit 0' TERM; echo child ready; while :; do sleep 0.1; done) &
while ! [ -e /tmp/ready ]; do sleep 0.05; done; exit 3`
	c := runContainer(t, newBundle(t, bundleSpec{Args: []string{"--", "sh", "-c", script}}))
	if _, err := c.stdout.waitMatch(regexp.MustCompile(`^child ready$`), 10*time.Second); err != nil {
		t.Fatalf("background child: %v", err)
	}
	if out, err := c.exec("touch", "/tmp/ready"); err != nil {
		t.Fatalf("runc exec: %v: %s", err, out)
	}
	start := time.Now()
	code := c.mustExit(10 * time.Second)
	t.Logf("exit %d, %v after the app was told to exit", code, time.Since(start).Round(time.Millisecond))
	if code != 3 {
		t.Errorf("exit status %d, want the app's 3", code)
	}
	if !contains(c.stdout.Lines(), "child got TERM") {
		t.Errorf("the left-behind child was not sent TERM before the container ended")
	}
	if _, err := c.runc("delete", "--force", c.id); err != nil && !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("%v", err)
	}
	if left := c.leftovers(); len(left) > 0 {
		t.Errorf("left on the host: %v", left)
	}
}

// TestNamedCommand: the image's config names its personalities (issue 7);
// `docker run IMAGE worker` runs the worker with the worker's own signal
// table, so docker stop drains the job in hand.
func TestNamedCommand(t *testing.T) {
	t.Parallel()
	requireOption(t, "--list", "issue 7: named commands")
	config := `[commands.web]
description = "Unicorn-like server"
run = ["unicorn", "-workers", "2"]

[commands.worker]
description = "Resque-like worker"
run = ["resque"]

[commands.worker.signals]
TERM = "QUIT"
`
	c := runContainer(t, newBundle(t, bundleSpec{Args: []string{"--", "worker"}, Config: config}))
	out, err := c.exec("/sbin/tinyinit", "--list")
	if err != nil {
		t.Errorf("tinyinit --list inside the container: %v", err)
	}
	for _, name := range []string{"web", "worker"} {
		if !regexp.MustCompile(`(?m)^\s*` + name + `\b`).MatchString(out) {
			t.Errorf("tinyinit --list does not list %q:\n%s", name, out)
		}
	}
	stopAResqueJob(t, c, 0, "drained")
}
