package oci

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// The locked-down scenarios of issue 11: images that run as a non-root
// user, orchestrators that mount the root read-only and drop every
// capability. Every bundle of this suite already sets noNewPrivileges
// (no_new_privs), so each case below has it too. Everything an init does
// for the app needs none of these privileges and must work; what does
// (sethostname, rewriting /etc/hosts) is skipped with one line, never a
// failure.

// lockdown is one way of taking privileges away, and what the container's
// pid 1 must then look like in /proc/1/status.
type lockdown struct {
	name  string
	apply func(*bundleSpec)
	uid   string // the Uid line's first field
	noCap bool   // CapEff is all zero
	// hostsSkipped: /etc/hosts cannot be rewritten (not root's to write, or
	// on a read-only root).
	hostsSkipped bool
}

func lockdowns() []lockdown {
	return []lockdown{
		// A non-root user keeps no capability across exec (no ambient
		// set), whatever the bundle grants: as in Docker.
		{name: "user-1000", apply: func(s *bundleSpec) { s.UID, s.GID = 1000, 1000 }, uid: "1000", noCap: true, hostsSkipped: true},
		{name: "read-only-root", apply: func(s *bundleSpec) { s.ReadOnly = true }, uid: "0", hostsSkipped: true},
		// Root without CAP_DAC_OVERRIDE still owns /etc/hosts: it is written.
		{name: "no-capabilities", apply: func(s *bundleSpec) { s.NoCaps = true }, uid: "0", noCap: true},
		{name: "all", apply: func(s *bundleSpec) { s.UID, s.GID, s.ReadOnly, s.NoCaps = 1000, 1000, true, true }, uid: "1000", noCap: true, hostsSkipped: true},
	}
}

// TestLockedDownStop: the image's /etc/tinyinit.toml maps TERM to QUIT and
// asks for the workload FQDN; docker stop then drains the Resque job in
// hand and the container exits 0, however locked down. With -v, tinyinit
// says in one line each why sethostname and /etc/hosts were skipped.
func TestLockedDownStop(t *testing.T) {
	t.Parallel()
	requireOption(t, "--config", "issue 6: /etc/tinyinit.toml")
	for _, ld := range lockdowns() {
		t.Run(ld.name, func(t *testing.T) {
			t.Parallel()
			spec := bundleSpec{
				Args:   []string{"-v", "--", "resque"},
				Config: "[signals]\nTERM = \"QUIT\"\n[hostname]\ntemplate = \"{hostname}.{host}\"\nhost_fqdn = \"" + hostFQDN + "\"\n",
			}
			ld.apply(&spec)
			c := runContainer(t, newBundle(t, spec))
			if _, err := c.stdout.waitMatch(regexp.MustCompile(`^job 1 started$`), 10*time.Second); err != nil {
				t.Fatalf("worker: %v\nstderr:\n%s", err, c.stderr)
			}
			checkLockedDown(t, c, ld)
			stopAResqueJob(t, c, 0, "drained")

			lines := tinyinitLines(c.stderr.Lines())
			t.Logf("tinyinit -v printed:\n  %s", strings.Join(lines, "\n  "))
			if got := matching(lines, "sethostname not used"); len(got) != 1 {
				t.Errorf("want one line saying why sethostname was skipped, got %q", got)
			}
			hosts := matching(lines, "/etc/hosts")
			switch {
			case len(hosts) != 1:
				t.Errorf("want one line about /etc/hosts, got %q", hosts)
			case ld.hostsSkipped && !strings.Contains(hosts[0], "not mapping"):
				t.Errorf("/etc/hosts is not writable here, yet tinyinit said %q", hosts[0])
			case !ld.hostsSkipped && !strings.Contains(hosts[0], "maps "+wantFQDN):
				t.Errorf("/etc/hosts is writable here, yet tinyinit said %q", hosts[0])
			}
			for _, l := range lines {
				if strings.Contains(l, "fail") || strings.Contains(l, "cannot") {
					t.Errorf("tinyinit reported a failure: %q", l)
				}
			}
		})
	}
}

// TestLockedDownOrphans: orphans are reaped, and docker stop's TERM is
// forwarded and ends the app (143), in every locked-down container; with
// nothing asked that needs a privilege, tinyinit prints nothing at all.
func TestLockedDownOrphans(t *testing.T) {
	t.Parallel()
	// What proves reaping is that no zombie stays with pid 1 for reapBound.
	// How many coexist in one sample depends on the machine's load, so the
	// count is reported, not held to TestZombieFactory's limit. The cases
	// run one after the other, with a slow factory (5 orphans a second):
	// four fast factories at once beside TestZombieFactory's made its own
	// zombie count fail.
	const run, limit = 3 * time.Second, 1000
	for _, ld := range lockdowns() {
		t.Run(ld.name, func(t *testing.T) {
			spec := bundleSpec{Args: []string{"--", "zombies", "-every", "200ms", "-life", "20ms"}}
			ld.apply(&spec)
			c := runContainer(t, newBundle(t, spec))
			if _, err := c.stdout.waitMatch(regexp.MustCompile(`^ready `), 10*time.Second); err != nil {
				t.Fatalf("factory: %v\nstderr:\n%s", err, c.stderr)
			}
			checkLockedDown(t, c, ld)
			stop := c.sampleZombies(100*time.Millisecond, limit)
			select {
			case <-c.done:
				stop()
				t.Fatalf("the factory's container ended early, status %d\nstderr:\n%s", c.code, c.stderr)
			case <-time.After(run):
			}
			st := stop()
			t.Logf("%d samples, zombies max %d, oldest held by init %v", st.samples, st.max, st.oldestByInit)
			if st.oldestByInit >= reapBound {
				t.Errorf("orphans not reaped: a zombie held by init for %v (bound %v)", st.oldestByInit, reapBound)
			}
			code, took, killed := c.dockerStop(dockerGrace)
			if killed || code != 143 {
				t.Errorf("docker stop: exit %d after %v (KILL: %v), want 143 from the forwarded TERM", code, took, killed)
			}
			if lines := tinyinitLines(c.stderr.Lines()); len(lines) > 0 {
				t.Errorf("tinyinit printed without -v:\n  %s", strings.Join(lines, "\n  "))
			}
		})
	}
}

// checkLockedDown reads the container's pid 1 status, as the kernel sees
// it, so that a scenario cannot pass because the lockdown was not applied.
func checkLockedDown(t *testing.T, c *container, ld lockdown) {
	t.Helper()
	out, err := c.exec("cat", "/proc/1/status")
	if err != nil {
		t.Fatalf("runc exec: %v", err)
	}
	field := func(name string) string {
		for _, l := range strings.Split(out, "\n") {
			if v, ok := strings.CutPrefix(l, name+":"); ok {
				return strings.Fields(v)[0]
			}
		}
		return ""
	}
	want := map[string]string{"Uid": ld.uid, "NoNewPrivs": "1"}
	if ld.noCap {
		want["CapEff"], want["CapPrm"] = "0000000000000000", "0000000000000000"
	}
	for k, v := range want {
		if got := field(k); got != v {
			t.Errorf("pid 1 %s: %s, want %s", k, got, v)
		}
	}
	if ld.name == "read-only-root" || ld.name == "all" {
		if out, err := c.exec("touch", "/etc/x"); err == nil || !strings.Contains(out, "Read-only") {
			t.Errorf("root filesystem writable: touch /etc/x: %v %s", err, out)
		}
	}
}

// tinyinitLines are the lines tinyinit printed (the apps print others).
func tinyinitLines(lines []string) []string {
	return matching(lines, "tinyinit: ")
}

func matching(lines []string, part string) []string {
	var out []string
	for _, l := range lines {
		if strings.Contains(l, part) {
			out = append(out, l)
		}
	}
	return out
}
