package hostname

import (
	"bytes"
	"errors"
	"io/fs"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// DefaultHostFQDNFile is where an operator mounts the host's FQDN when it
// is not passed in TINYINIT_HOST_FQDN (e.g. "-v /etc/hostname:/etc/tinyinit/host-fqdn:ro"
// on a host whose /etc/hostname holds its FQDN). A missing file means no
// host FQDN; a file named in TINYINIT_HOST_FQDN_FILE must exist.
const DefaultHostFQDNFile = "/etc/tinyinit/host-fqdn"

// Environment variables tinyinit reads for the name.
const (
	EnvTemplate     = "TINYINIT_HOSTNAME"
	EnvWorkload     = "TINYINIT_WORKLOAD"
	EnvIndex        = "TINYINIT_INDEX"
	EnvHostFQDN     = "TINYINIT_HOST_FQDN"
	EnvHostFQDNFile = "TINYINIT_HOST_FQDN_FILE"
	EnvHostnameEnv  = "TINYINIT_HOSTNAME_ENV"
)

// Settings say how to build the name. Each field maps to one key of the
// config file's [hostname] section (template, workload, index, host_fqdn,
// host_fqdn_file, hostname_env); an empty field is unset.
type Settings struct {
	Template     string // "" → DefaultTemplate when a host FQDN is known
	Workload     string
	Index        string
	HostFQDN     string
	HostFQDNFile string // "" → DefaultHostFQDNFile
	// HostnameEnv decides the app's HOSTNAME variable: "" or "keep" leaves
	// what the runtime set (programs may rely on the short name there);
	// "fqdn" sets it to the FQDN.
	HostnameEnv string
}

// FromEnv reads the settings given in the environment.
func FromEnv(env []string) Settings {
	return Settings{
		Template:     lookup(env, EnvTemplate),
		Workload:     lookup(env, EnvWorkload),
		Index:        lookup(env, EnvIndex),
		HostFQDN:     lookup(env, EnvHostFQDN),
		HostFQDNFile: lookup(env, EnvHostFQDNFile),
		HostnameEnv:  lookup(env, EnvHostnameEnv),
	}
}

// Or fills each unset field of s from lower, so that precedence reads as
// flag.Or(env).Or(config), field by field.
func (s Settings) Or(lower Settings) Settings {
	or := func(a, b string) string {
		if a != "" {
			return a
		}
		return b
	}
	return Settings{
		Template:     or(s.Template, lower.Template),
		Workload:     or(s.Workload, lower.Workload),
		Index:        or(s.Index, lower.Index),
		HostFQDN:     or(s.HostFQDN, lower.HostFQDN),
		HostFQDNFile: or(s.HostFQDNFile, lower.HostFQDNFile),
		HostnameEnv:  or(s.HostnameEnv, lower.HostnameEnv),
	}
}

// Resolve computes the FQDN the settings ask for, or "" when they ask for
// nothing (no template and no host FQDN: the container keeps its name). Any
// error means the configuration is wrong and nothing should be started.
func Resolve(s Settings) (string, error) {
	current, err := currentName()
	if err != nil {
		return "", err
	}
	return resolve(s, current, readFile)
}

func resolve(s Settings, current string, readFile func(string) ([]byte, error)) (string, error) {
	switch s.HostnameEnv {
	case "", "keep", "fqdn":
	default:
		return "", errors.New("hostname: hostname_env " + strconv.Quote(s.HostnameEnv) + ": want keep or fqdn")
	}
	host, err := hostFQDN(s, readFile)
	if err != nil {
		return "", err
	}
	tmpl := s.Template
	if tmpl == "" {
		if host == "" {
			return "", nil
		}
		tmpl = DefaultTemplate
	}
	// Only the first label: a restart inside a UTS namespace where tinyinit
	// already set the FQDN must not append the domain a second time.
	short, _, _ := strings.Cut(current, ".")
	name, err := Expand(tmpl, Vars{Hostname: short, Workload: s.Workload, Index: s.Index, Host: host})
	if err != nil {
		return "", err
	}
	if err := Validate(name); err != nil {
		return "", &wrapError{"", err, " (from template " + strconv.Quote(tmpl) + ")"}
	}
	return name, nil
}

// hostFQDN finds the host's FQDN: the setting itself, else the first line
// of the file. A trailing dot (the absolute form) is dropped: the name is
// used as a host name, not looked up.
func hostFQDN(s Settings, readFile func(string) ([]byte, error)) (string, error) {
	host := s.HostFQDN
	if host == "" {
		file := s.HostFQDNFile
		if file == "" {
			file = DefaultHostFQDNFile
		}
		data, err := readFile(file)
		switch {
		case errors.Is(err, fs.ErrNotExist) && s.HostFQDNFile == "":
			return "", nil
		case err != nil:
			return "", &wrapError{"hostname: host FQDN: ", err, ""}
		}
		line, _, _ := bytes.Cut(data, []byte("\n"))
		host = string(line)
		if strings.TrimSpace(host) == "" {
			return "", errors.New("hostname: host FQDN file " + file + " is empty")
		}
	}
	return strings.TrimSuffix(strings.TrimSpace(host), "."), nil
}

// currentName is the nodename the runtime gave the container.
func currentName() (string, error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "", &wrapError{"hostname: uname: ", err, ""}
	}
	return unix.ByteSliceToString(u.Nodename[:]), nil
}

// lookup is getenv on an environment list; like C's getenv (which the
// app's libraries use) the first entry wins.
func lookup(env []string, key string) string {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}
