package oci

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// bundleSpec is what a scenario asks of its container image and runtime.
type bundleSpec struct {
	// Args follow "/sbin/tinyinit" in the process args, exactly as Docker
	// joins ENTRYPOINT ["/sbin/tinyinit", "--"] with CMD (or with other
	// tinyinit flags before the "--", when a scenario needs them).
	Args     []string
	Hostname string   // default "unicorn-1"
	Env      []string // added to PATH and HOME
	// Config, when set, is the image's /etc/tinyinit.toml.
	Config string
	// Preload puts the hostname library beside /sbin/tinyinit; the test
	// skips when it was not built.
	Preload bool
	// Dynamic copies host programs into the root with the shared libraries
	// they need, at /usr/local/bin/NAME-glibc: the preload library only
	// reaches dynamically linked programs, and busybox is static.
	Dynamic []string
	// ExtraCaps are added to Docker's default set (e.g. CAP_SYS_ADMIN).
	ExtraCaps []string
	// UID and GID run the container's process as that user (a Dockerfile's
	// USER 1000); zero is root, the default.
	UID, GID int
	// ReadOnly mounts the root filesystem read-only (docker run --read-only).
	ReadOnly bool
	// NoCaps empties every capability set (docker run --cap-drop ALL).
	NoCaps bool
}

// bundle is one test's container on disk.
type bundle struct {
	dir    string // holds config.json, rootfs/ and state/
	rootfs string
	state  string // the runc --root for this test alone
}

// busyboxApplets are the commands scenarios use inside the container.
var busyboxApplets = []string{"sh", "sleep", "ps", "cat", "kill", "hostname", "uname", "echo", "true", "ls", "touch"}

// dockerCaps is Docker's default capability set (moby's
// oci/caps/defaults.go): notably no CAP_SYS_ADMIN, so sethostname fails.
var dockerCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// newBundle builds the bundle in a fresh directory under the suite's work
// directory, removed when the test ends.
func newBundle(t *testing.T, spec bundleSpec) *bundle {
	t.Helper()
	dir, err := os.MkdirTemp(workDir(), "t-"+strings.ReplaceAll(t.Name(), "/", "_")+"-")
	if err != nil {
		t.Fatalf("bundle dir: %v", err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("remove bundle %s: %v", dir, err)
		}
	})
	b := &bundle{dir: dir, rootfs: filepath.Join(dir, "rootfs"), state: filepath.Join(dir, "state")}
	if spec.Preload {
		if _, err := os.Stat(artifact(preloadLib)); err != nil {
			t.Skipf("needs %s (issue 8, `make preload`), not built: %v", preloadLib, err)
		}
	}
	if err := b.populate(spec); err != nil {
		t.Fatalf("root filesystem: %v", err)
	}
	if err := b.writeConfig(spec); err != nil {
		t.Fatalf("config.json: %v", err)
	}
	return b
}

func (b *bundle) populate(spec bundleSpec) error {
	for _, d := range []string{"bin", "sbin", "etc", "proc", "sys", "dev", "tmp", "usr/local/bin", "root"} {
		if err := os.MkdirAll(filepath.Join(b.rootfs, d), 0o755); err != nil {
			return err
		}
	}
	if err := linkOrCopy("/bin/busybox", filepath.Join(b.rootfs, "bin/busybox"), 0o755); err != nil {
		return fmt.Errorf("busybox: %w", err)
	}
	for _, a := range busyboxApplets {
		if err := os.Symlink("busybox", filepath.Join(b.rootfs, "bin", a)); err != nil {
			return err
		}
	}
	if err := linkOrCopy(artifact("tinyinit"), filepath.Join(b.rootfs, "sbin/tinyinit"), 0o755); err != nil {
		return fmt.Errorf("tinyinit: %w", err)
	}
	if spec.Preload {
		// Beside the binary, where issue 8 installs it.
		if err := linkOrCopy(artifact(preloadLib), filepath.Join(b.rootfs, "sbin", preloadLib), 0o755); err != nil {
			return fmt.Errorf("preload library: %w", err)
		}
	}
	for _, f := range []string{"unicorn", "resque", "zombies"} {
		if err := linkOrCopy(artifact(f), filepath.Join(b.rootfs, "usr/local/bin", f), 0o755); err != nil {
			return fmt.Errorf("fixture %s: %w", f, err)
		}
	}
	for _, prog := range spec.Dynamic {
		if err := b.addDynamic(prog); err != nil {
			return err
		}
	}
	if spec.Preload {
		if err := b.addLibraries(artifact(preloadLib)); err != nil {
			return err
		}
	}
	files := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/tmp:/bin/sh\n",
		"etc/group":  "root:x:0:\napp:x:1000:\n",
		"etc/hosts":  "127.0.0.1\tlocalhost\n",
	}
	if spec.Config != "" {
		files["etc/tinyinit.toml"] = spec.Config
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(b.rootfs, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// addDynamic copies a host program and the libraries ldd names for it.
func (b *bundle) addDynamic(prog string) error {
	path, err := exec.LookPath(prog)
	if err != nil {
		return fmt.Errorf("dynamic program %s: %w", prog, err)
	}
	if err := linkOrCopy(path, filepath.Join(b.rootfs, "usr/local/bin", filepath.Base(prog)+"-glibc"), 0o755); err != nil {
		return fmt.Errorf("dynamic program %s: %w", prog, err)
	}
	return b.addLibraries(path)
}

// addLibraries copies into the root the shared libraries ldd names for the
// program or library at path, at the same paths.
func (b *bundle) addLibraries(path string) error {
	out, err := exec.Command("ldd", path).Output()
	if err != nil {
		return fmt.Errorf("ldd %s: %w", path, err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		// "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or
		// "/lib64/ld-linux-x86-64.so.2 (0x...)"; the vdso has no file.
		for _, f := range strings.Fields(line) {
			if !strings.HasPrefix(f, "/") {
				continue
			}
			dst := filepath.Join(b.rootfs, f)
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
			if err := linkOrCopy(f, dst, 0o755); err != nil && !os.IsExist(err) {
				return fmt.Errorf("library %s for %s: %w", f, path, err)
			}
		}
	}
	return nil
}

// linkOrCopy hard-links when it can (the artifacts share the work
// directory's file system) and copies otherwise (busybox, host libraries).
// Symbolic links are resolved first: link(2) would link the symlink itself,
// and /lib64/ld-linux-x86-64.so.2 points at a path the root may not have.
func linkOrCopy(from, to string, mode os.FileMode) error {
	if _, err := os.Stat(to); err == nil {
		return nil
	}
	from, err := filepath.EvalSymlinks(from)
	if err != nil {
		return err
	}
	if err := os.Link(from, to); err == nil {
		return nil
	}
	return copyFile(from, to, mode)
}

func (b *bundle) writeConfig(spec bundleSpec) error {
	hostname := spec.Hostname
	if hostname == "" {
		hostname = "unicorn-1"
	}
	caps := append(append([]string(nil), dockerCaps...), spec.ExtraCaps...)
	if spec.NoCaps {
		caps = []string{}
	}
	id := filepath.Base(b.dir)
	cfg := map[string]any{
		"ociVersion": "1.0.2",
		"process": map[string]any{
			"terminal": false,
			"user":     map[string]any{"uid": spec.UID, "gid": spec.GID},
			"args":     append([]string{"/sbin/tinyinit"}, spec.Args...),
			"env":      append([]string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "HOSTNAME=" + hostname}, spec.Env...),
			"cwd":      "/",
			"capabilities": map[string]any{
				"bounding": caps, "effective": caps, "permitted": caps,
				"inheritable": []string{}, "ambient": []string{},
			},
			"noNewPrivileges": true,
		},
		"root":     map[string]any{"path": "rootfs", "readonly": spec.ReadOnly},
		"hostname": hostname,
		"mounts": []any{
			map[string]any{"destination": "/proc", "type": "proc", "source": "proc"},
			map[string]any{"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			map[string]any{"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
			map[string]any{"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
			map[string]any{"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": []string{"nosuid", "noexec", "nodev"}},
			map[string]any{"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": []string{"nosuid", "noexec", "nodev", "ro"}},
			map[string]any{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": []string{"nosuid", "nodev", "mode=1777"}},
		},
		"linux": map[string]any{
			// Relative: below runc's own cgroup, inside the suite's
			// parent, so the end-of-suite check can find strays.
			"cgroupsPath": cgroupParent() + "/" + id,
			"resources":   map[string]any{"devices": []any{map[string]any{"allow": false, "access": "rwm"}}},
			"namespaces": []any{
				map[string]any{"type": "pid"}, map[string]any{"type": "ipc"},
				map[string]any{"type": "uts"}, map[string]any{"type": "mount"},
			},
			"maskedPaths":   []string{"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"},
			"readonlyPaths": []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"},
		},
	}
	data, err := json.MarshalIndent(cfg, "", "\t")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(b.dir, "config.json"), data, 0o644)
}
