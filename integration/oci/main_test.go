// Package oci runs tinyinit the way users run it: as the ENTRYPOINT of a
// container started by runc, Docker's runtime, with Docker's default
// capabilities, and with fixtures that behave like the Ruby servers the
// project was started for. Each test builds its own OCI bundle (a busybox
// root filesystem, the static tinyinit at /sbin/tinyinit, the fixtures) in a
// directory under the suite's work directory, runs it under a runc state
// root of its own, and removes both when it ends; TestMain then checks that
// nothing was left behind: containers, mounts, processes or cgroups.
//
// The suite needs root, runc and busybox-static (`make deps` installs them).
// TINYINIT_BIN names the binary to test; without it the suite builds one
// with `make build` at the repository root.
package oci

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The suite's paths are all derived from the test process's pid, so that
// TestMain and the tests agree on them without package-level variables, and
// two suites running at once (two worktrees) never share anything.

// workDir holds the built artifacts and every test's bundle.
func workDir() string {
	return filepath.Join(os.TempDir(), "tinyinit-oci-"+strconv.Itoa(os.Getpid()))
}

// cgroupParent is the cgroup, relative to runc's own, under which every
// container of this suite is placed: the end-of-suite check looks for
// processes still in it, and removes it.
func cgroupParent() string { return "tinyinit-oci-" + strconv.Itoa(os.Getpid()) }

// artifact is the path of a built program: "tinyinit", a fixture's name, or
// preloadLib.
func artifact(name string) string { return filepath.Join(workDir(), "artifacts", name) }

// preloadLib is the name of the hostname library of issue 8 (`make preload`).
const preloadLib = "libtinyinit-fqdn.so"

func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) int {
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "integration/oci: runc needs root; run the suite as root (make test)")
		return 1
	}
	for _, p := range []string{"runc", "/bin/busybox"} {
		if _, err := exec.LookPath(p); err != nil {
			fmt.Fprintf(os.Stderr, "integration/oci: %s missing (make deps installs runc and busybox-static): %v\n", p, err)
			return 1
		}
	}
	if err := os.MkdirAll(filepath.Join(workDir(), "artifacts"), 0o755); err != nil {
		fmt.Fprintf(os.Stderr, "integration/oci: %v\n", err)
		return 1
	}
	code := 0
	if err := buildArtifacts(); err != nil {
		fmt.Fprintf(os.Stderr, "integration/oci: %v\n", err)
		code = 1
	} else {
		code = m.Run()
	}
	if leaks := leftovers(); len(leaks) > 0 {
		fmt.Fprintf(os.Stderr, "integration/oci: left behind after the suite (removed where possible):\n  %s\n", strings.Join(leaks, "\n  "))
		code = 1
		// A container still running needs its state directory for
		// `runc delete`: keep everything if one could not be removed.
		if still := processesInCgroup("/" + cgroupParent() + "/"); len(still) > 0 {
			fmt.Fprintf(os.Stderr, "integration/oci: processes still running, %s kept for inspection\n", workDir())
			return code
		}
	}
	if err := os.RemoveAll(workDir()); err != nil {
		fmt.Fprintf(os.Stderr, "integration/oci: remove %s: %v\n", workDir(), err)
		code = 1
	}
	return code
}

// buildArtifacts puts tinyinit, the preload library when it was built, and
// the fixtures (static, like everything in a busybox root) in artifacts/.
func buildArtifacts() error {
	bin := os.Getenv("TINYINIT_BIN")
	if bin == "" {
		root, err := repoRoot()
		if err != nil {
			return err
		}
		if out, err := exec.Command("make", "-C", root, "build").CombinedOutput(); err != nil {
			return fmt.Errorf("make build: %w\n%s", err, out)
		}
		bin = filepath.Join(root, "bin", "tinyinit")
	}
	if err := copyFile(bin, artifact("tinyinit"), 0o755); err != nil {
		return fmt.Errorf("tinyinit binary (TINYINIT_BIN=%q): %w", os.Getenv("TINYINIT_BIN"), err)
	}
	// The library is optional until issue 8 lands: tests that need it skip.
	lib := filepath.Join(filepath.Dir(bin), preloadLib)
	if err := copyFile(lib, artifact(preloadLib), 0o755); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("preload library: %w", err)
	}
	build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(workDir(), "artifacts")+"/", "./fixtures/...")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build fixtures: %w\n%s", err, out)
	}
	return nil
}

// repoRoot is the module root, two levels above this package.
func repoRoot() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return "", fmt.Errorf("find the module root: %w", err)
	}
	return string(bytes.TrimSpace(out)), nil
}

func copyFile(from, to string, mode os.FileMode) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if err := os.WriteFile(to, b, mode); err != nil {
		return err
	}
	return os.Chmod(to, mode)
}

// leftovers lists what the suite failed to clean up: bundle directories
// (each test removes its own), containers in any runc root found there
// (deleted here, after being listed), mounts below the work directory,
// processes in the suite's cgroups, and the cgroups themselves (removed
// here; a busy one is a leak).
func leftovers() []string {
	var leaks []string
	bundles, _ := filepath.Glob(filepath.Join(workDir(), "t-*"))
	for _, b := range bundles {
		leaks = append(leaks, "test directory "+b)
		state := filepath.Join(b, "state")
		out, err := exec.Command("runc", "--root", state, "list", "-q").Output()
		if err != nil {
			continue // no state root: the test never started runc
		}
		for _, id := range strings.Fields(string(out)) {
			leaks = append(leaks, fmt.Sprintf("container %s in %s", id, state))
			if out, err := exec.Command("runc", "--root", state, "delete", "--force", id).CombinedOutput(); err != nil {
				leaks = append(leaks, fmt.Sprintf("runc delete --force %s: %v: %s", id, err, bytes.TrimSpace(out)))
			}
		}
	}
	if mi, err := os.ReadFile("/proc/self/mountinfo"); err == nil {
		for _, line := range strings.Split(string(mi), "\n") {
			if f := strings.Fields(line); len(f) > 4 && strings.HasPrefix(f[4], workDir()) {
				leaks = append(leaks, "mount "+f[4])
			}
		}
	}
	// runc delete --force SIGKILLs; the processes take a moment to go.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		procs := processesInCgroup("/" + cgroupParent() + "/")
		if len(procs) == 0 || time.Now().After(deadline) {
			for _, p := range procs {
				leaks = append(leaks, "process "+p)
			}
			break
		}
	}
	leaks = append(leaks, removeCgroupParents()...)
	return leaks
}

// processesInCgroup describes every host process whose cgroup path, in any
// hierarchy, contains part.
func processesInCgroup(part string) []string {
	var found []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cg, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cgroup"))
		if err != nil || !bytes.Contains(cg, []byte(part)) {
			continue
		}
		cmd, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		found = append(found, fmt.Sprintf("%s %q", e.Name(), bytes.ReplaceAll(cmd, []byte{0}, []byte{' '})))
	}
	return found
}

// cgroupDirs returns the directories of cgroup rel, relative to this
// process's own cgroup (as runc places a relative cgroupsPath), in every v1
// hierarchy and the unified one.
func cgroupDirs(rel string) ([]string, error) {
	self, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("own cgroups: %w", err)
	}
	var dirs []string
	for _, line := range strings.Split(strings.TrimSpace(string(self)), "\n") {
		// hierarchy-id:controllers:path; the directory under
		// /sys/fs/cgroup is named after the controllers, the name=
		// value, or "unified" for cgroup2.
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 {
			continue
		}
		mount := f[1]
		switch {
		case mount == "":
			mount = "unified"
		case strings.HasPrefix(mount, "name="):
			mount = strings.TrimPrefix(mount, "name=")
		}
		dirs = append(dirs, filepath.Join("/sys/fs/cgroup", mount, f[2], rel))
	}
	return dirs, nil
}

// removeCgroupParents removes the suite's parent cgroups. runc removes each
// container's own cgroup; the parent it created is ours to remove, and one
// that is busy is a leak.
func removeCgroupParents() []string {
	dirs, err := cgroupDirs(cgroupParent())
	if err != nil {
		return []string{err.Error()}
	}
	var leaks []string
	for _, dir := range dirs {
		if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
			leaks = append(leaks, fmt.Sprintf("cgroup %s: %v", dir, err))
		}
	}
	return leaks
}
