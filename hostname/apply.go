package hostname

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// LibraryName is the preload library's file name; tinyinit looks for it
// beside its own executable, then at DefaultLibrary.
const (
	LibraryName    = "libtinyinit-fqdn.so"
	DefaultLibrary = "/usr/lib/tinyinit/" + LibraryName
)

// EnvFQDN always holds the FQDN in the app's environment; the preload
// library reads it from there.
const EnvFQDN = "TINYINIT_FQDN"

// initUTSInode is the inode of the host's (initial) UTS namespace, fixed by
// the kernel (PROC_UTS_INIT_INO): in it, sethostname renames the machine.
const initUTSInode = "uts:[4026531838]"

// ApplyOptions say where things are; the zero value is right in a container.
type ApplyOptions struct {
	// SetHostnameEnv sets HOSTNAME to the FQDN in the app's environment
	// (hostname_env = "fqdn"); otherwise HOSTNAME stays as the runtime set it.
	SetHostnameEnv bool
	// Library is the preload library to use; "" searches beside the
	// executable, then DefaultLibrary.
	Library string
	// HostsFile is "" for /etc/hosts.
	HostsFile string
}

// Result is what Apply did.
type Result struct {
	FQDN        string
	Sethostname bool   // the kernel holds the FQDN: every program sees it
	Preload     string // the library put in LD_PRELOAD, or ""
	Hosts       bool   // the hosts file maps the FQDN
	setHOSTNAME bool
	// Notes say which mechanism took effect and why the others did not,
	// one line each (for -v). Warnings are worth showing without -v.
	Notes    []string
	Warnings []string
}

// Apply makes the FQDN visible by every mechanism that works here, in
// order: sethostname(2); else the preload library; and /etc/hosts. None of
// them failing stops the container: the app still gets TINYINIT_FQDN, and
// the Notes say what happened. It must run before the app starts, while no
// other process reads /etc/hosts.
func Apply(fqdn string, o ApplyOptions) Result {
	r := Result{FQDN: fqdn, setHOSTNAME: o.SetHostnameEnv}
	note := func(s string) { r.Notes = append(r.Notes, s) }

	// Read before sethostname changes it: the runtime's name is how
	// /etc/hosts knows the container's address.
	runtimeName, _ := currentName()

	if err := setKernelName(fqdn); err != nil {
		note("hostname " + fqdn + ": sethostname not used: " + err.Error())
	} else {
		r.Sethostname = true
		note("hostname " + fqdn + ": set with sethostname(2); every program sees it")
	}

	if r.Sethostname {
		note("preload library not needed")
	} else if lib, err := findLibrary(o.Library); err != nil {
		note("preload library not used: " + err.Error() + "; programs see " + strconv.Quote(runtimeName))
	} else {
		r.Preload = lib
		note("preload library " + lib + " in LD_PRELOAD: dynamically linked programs see " + fqdn + ", static ones " + strconv.Quote(runtimeName))
	}

	hosts := o.HostsFile
	if hosts == "" {
		hosts = "/etc/hosts"
	}
	short, _, _ := strings.Cut(runtimeName, ".")
	changed, err := updateHosts(hosts, fqdn, short)
	switch {
	case err != nil:
		r.Warnings = append(r.Warnings, "hostname: "+err.Error()+": not mapping "+fqdn+" there")
	case changed:
		r.Hosts = true
		note(hosts + " maps " + fqdn)
	default:
		r.Hosts = true
		note(hosts + " already maps " + fqdn)
	}
	return r
}

// setKernelName calls sethostname(2) unless that would rename the host.
// Whether it is allowed is learnt by trying: CAP_SYS_ADMIN over the UTS
// namespace's owner is what counts, and capability sets do not tell that
// simply (user namespaces, bounding sets).
func setKernelName(fqdn string) error {
	ns, err := os.Readlink("/proc/self/ns/uts")
	switch {
	case err != nil:
		return errors.New("cannot tell whether the UTS namespace is the host's (" + err.Error() + ")")
	case ns == initUTSInode:
		return errors.New("tinyinit runs in the host's UTS namespace, where it would rename the machine")
	}
	err = unix.Sethostname([]byte(fqdn))
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.EPERM):
		return errors.New("refused (EPERM: no CAP_SYS_ADMIN, as with Docker's default capabilities)")
	case errors.Is(err, unix.EINVAL) && len(fqdn) > len(unix.Utsname{}.Nodename)-1:
		return errors.New("the name is " + strconv.Itoa(len(fqdn)) + " bytes, longer than the kernel's limit of " + strconv.Itoa(len(unix.Utsname{}.Nodename)-1))
	}
	return &wrapError{"sethostname: ", err, ""}
}

// findLibrary returns the preload library's path: explicit, or beside the
// executable (where "make install" puts it), or DefaultLibrary.
func findLibrary(explicit string) (string, error) {
	candidates := []string{explicit}
	if explicit == "" {
		candidates = nil
		if exe, err := os.Executable(); err == nil {
			candidates = append(candidates, filepath.Join(filepath.Dir(exe), LibraryName))
		}
		candidates = append(candidates, DefaultLibrary)
	}
	for _, c := range candidates {
		// ld.so splits LD_PRELOAD at spaces and colons.
		if strings.ContainsAny(c, ": \t\n") {
			continue
		}
		var st unix.Stat_t
		if unix.Stat(c, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFREG {
			return c, nil
		}
	}
	return "", errors.New(LibraryName + " not installed (looked at " + strings.Join(candidates, ", ") + ")")
}

// Env returns base with the app's additions: TINYINIT_FQDN, the preload
// library appended to LD_PRELOAD (never replacing what the image preloads),
// and HOSTNAME when asked. base is not modified.
func (r Result) Env(base []string) []string {
	env := set(base, EnvFQDN, r.FQDN)
	if r.Preload != "" {
		env = set(env, "LD_PRELOAD", appendPreload(lookup(env, "LD_PRELOAD"), r.Preload))
	}
	if r.setHOSTNAME {
		env = set(env, "HOSTNAME", r.FQDN)
	}
	return env
}

// appendPreload adds lib to an LD_PRELOAD value unless it is already there
// (a nested tinyinit, or an image that preloads it itself).
func appendPreload(value, lib string) string {
	for _, l := range strings.FieldsFunc(value, func(c rune) bool { return c == ':' || c == ' ' }) {
		if l == lib {
			return value
		}
	}
	if strings.Trim(value, ": ") == "" {
		return lib
	}
	return value + ":" + lib
}

// set returns a copy of env with key=value as its only entry for key.
func set(env []string, key, value string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if k, _, ok := strings.Cut(kv, "="); ok && k == key {
			continue
		}
		out = append(out, kv)
	}
	return append(out, key+"="+value)
}
