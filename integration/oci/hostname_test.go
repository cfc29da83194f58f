package oci

import (
	"strings"
	"testing"
	"time"
)

// The FQDN scenarios of issue 8: the container is named after its workload
// (unicorn-1, as the runtime's hostname), the operator hands in the host's
// FQDN, and every program must see unicorn-1.server2.example.com.
const (
	hostFQDN = "server2.example.com"
	wantFQDN = "unicorn-1." + hostFQDN
)

// TestFQDNPreload: Docker's default capabilities refuse sethostname, so
// dynamically linked programs see the FQDN through the preload library.
// busybox is static: it sees the runtime's short name, the documented
// limit of a preload library.
func TestFQDNPreload(t *testing.T) {
	t.Parallel()
	requireOption(t, "--hostname", "issue 8: workload FQDN")
	b := newBundle(t, bundleSpec{
		Args:    []string{"--", "sh", "-c", "hostname-glibc; uname-glibc -n; hostname"},
		Env:     []string{"TINYINIT_HOST_FQDN=" + hostFQDN},
		Preload: true,
		Dynamic: []string{"hostname", "uname"},
	})
	c := runContainer(t, b)
	if code := c.mustExit(10 * time.Second); code != 0 {
		t.Fatalf("exit status %d\nstderr:\n%s", code, c.stderr)
	}
	want := []string{wantFQDN, wantFQDN, "unicorn-1"}
	if got := c.stdout.Lines(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("gethostname() (glibc), uname -n (glibc), hostname (static busybox) printed\n%q\nwant\n%q", got, want)
	}
}

// TestFQDNSethostname: a bundle that adds CAP_SYS_ADMIN to Docker's set
// lets tinyinit call sethostname in the container's UTS namespace, so
// static programs and the kernel see the FQDN too; from the environment's
// host FQDN with the default template, and from an explicit --hostname.
func TestFQDNSethostname(t *testing.T) {
	t.Parallel()
	requireOption(t, "--hostname", "issue 8: workload FQDN")
	for _, tc := range []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{name: "env", args: []string{"--"}, env: []string{"TINYINIT_HOST_FQDN=" + hostFQDN}, want: wantFQDN},
		{name: "flag", args: []string{"--hostname", "{hostname}.eu.example.net", "--"}, want: "unicorn-1.eu.example.net"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := runContainer(t, newBundle(t, bundleSpec{
				Args:      append(tc.args, "sh", "-c", "hostname; cat /proc/sys/kernel/hostname"),
				Env:       tc.env,
				ExtraCaps: []string{"CAP_SYS_ADMIN"},
			}))
			if code := c.mustExit(10 * time.Second); code != 0 {
				t.Fatalf("exit status %d\nstderr:\n%s", code, c.stderr)
			}
			want := []string{tc.want, tc.want}
			if got := c.stdout.Lines(); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("hostname (static), /proc/sys/kernel/hostname printed %q, want %q", got, want)
			}
		})
	}
}
