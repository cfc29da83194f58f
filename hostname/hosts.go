package hostname

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// hostsMarker ends the line tinyinit adds, so that a restart finds and
// replaces it instead of adding a second one.
const hostsMarker = "# added by tinyinit"

// fallbackAddr is Debian's convention for a host name with no known
// address: on loopback, but not 127.0.0.1, which stays "localhost".
const fallbackAddr = "127.0.1.1"

// editHosts returns the hosts file content with one line mapping fqdn (and
// its first label) to the container's address: the address the runtime
// mapped its short name runtimeName to (Docker writes "172.17.0.2 abc123"),
// else fallbackAddr. A line added earlier by tinyinit is replaced; when
// another line already names fqdn, the operator's mapping is left alone.
func editHosts(content []byte, fqdn, runtimeName string) []byte {
	var kept [][]byte
	addr := ""
	mapped := false
	for _, line := range bytes.SplitAfter(content, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		text := string(line)
		if strings.HasSuffix(strings.TrimSpace(text), hostsMarker) {
			continue
		}
		kept = append(kept, line)
		body, _, _ := strings.Cut(text, "#")
		fields := strings.Fields(body)
		if len(fields) < 2 {
			continue
		}
		for _, name := range fields[1:] {
			if strings.EqualFold(name, fqdn) {
				mapped = true
			}
			if addr == "" && runtimeName != "" && name == runtimeName && isContainerAddr(fields[0]) {
				addr = fields[0]
			}
		}
	}
	var b bytes.Buffer
	for _, l := range kept {
		b.Write(l)
	}
	if mapped {
		return b.Bytes()
	}
	if b.Len() > 0 && !bytes.HasSuffix(b.Bytes(), []byte("\n")) {
		b.WriteByte('\n')
	}
	if addr == "" {
		addr = fallbackAddr
	}
	names := fqdn
	if short, _, _ := strings.Cut(fqdn, "."); short != fqdn {
		names += " " + short
	}
	b.WriteString(addr + "\t" + names + "\t" + hostsMarker + "\n")
	return b.Bytes()
}

// isContainerAddr accepts an address that other hosts could reach the
// container at: loopback lines and garbage are not the container's address.
// A character check rather than net/netip, which would add about 150 KB to
// the static binary for this one line.
func isContainerAddr(addr string) bool {
	switch {
	case strings.HasPrefix(addr, "127."), addr == "0.0.0.0", addr == "::1", addr == "::",
		strings.Trim(addr, "0123456789abcdefABCDEF.:") != "", !strings.ContainsAny(addr, ".:"):
		return false
	}
	return true
}

// updateHosts edits the hosts file at path; it reports whether the file
// changed. A missing file is created.
func updateHosts(path, fqdn, runtimeName string) (bool, error) {
	path = resolveLinks(path)
	old, err := readFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	updated := editHosts(old, fqdn, runtimeName)
	if bytes.Equal(old, updated) {
		return false, nil
	}
	if err := replaceFile(path, updated); err == nil {
		return true, nil
	}
	if err := writeInPlace(path, old, updated); err != nil {
		if errors.Is(err, syscall.EROFS) || errors.Is(err, fs.ErrPermission) {
			return false, errors.New(path + " is read-only")
		}
		return false, err
	}
	return true, nil
}

// replaceFile swaps in the new content atomically (temporary file, then
// rename): a reader sees the old file or the new one. It fails when path is
// a mount point, which is how runtimes provide /etc/hosts (rename: EBUSY),
// or when the directory is read-only while the file is not (docker run
// --read-only); the caller then writes in place.
func replaceFile(path string, data []byte) error {
	var st unix.Stat_t
	statErr := unix.Stat(path, &st)
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tinyinit-hosts-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, a no-op
	mode := fs.FileMode(0o644)
	if statErr == nil {
		mode = fs.FileMode(st.Mode) & fs.ModePerm
		_ = tmp.Chown(int(st.Uid), int(st.Gid))
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	// unix.Rename, not os.Rename, which Lstats the target (see readFile).
	return unix.Rename(tmp.Name(), path)
}

// writeInPlace rewrites path through its existing inode, which is what a
// bind mount needs. It is not atomic, and that is acceptable here: tinyinit
// does it before starting the app, so no process in the container reads the
// file meanwhile. It still keeps the window small: the common first start
// only appends, which leaves every existing byte in place.
func writeInPlace(path string, old, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if bytes.HasPrefix(data, old) {
		_, err = f.WriteAt(data[len(old):], int64(len(old)))
	} else {
		_, err = f.WriteAt(data, 0)
		if err == nil {
			err = f.Truncate(int64(len(data)))
		}
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// resolveLinks returns the file path names after following symlinks (a
// hosts file may be a link into a runtime's directory), or path itself when
// that cannot be learned. It asks the kernel for the opened file's name
// instead of walking the links with Lstat as filepath.EvalSymlinks does:
// os.FileInfo would link time formatting and time zones into the binary
// (README, "Benchmarks").
func resolveLinks(path string) string {
	fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return path
	}
	defer unix.Close(fd)
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlink("/proc/self/fd/"+strconv.Itoa(fd), buf)
	if err != nil || n == 0 || n == len(buf) || buf[0] != '/' {
		return path
	}
	return string(buf[:n])
}

// readFile is os.ReadFile without its Stat, for the same reason.
func readFile(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	var out []byte
	buf := make([]byte, 4096)
	for {
		n, err := unix.Read(fd, buf)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		case n == 0:
			return out, nil
		}
		out = append(out, buf[:n]...)
	}
}
