package config

import (
	"io"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/tinyinit/tinyinit/hostname"
)

// DefaultPath is read when it exists and no other config is named.
const DefaultPath = "/etc/tinyinit.toml"

// maxFileSize bounds what tinyinit reads: a config is a few hundred bytes,
// and a huge or endless file must not make pid 1 hold it in memory.
const maxFileSize = 1 << 20

// File is the config file's schema. Decoding is strict: a key that is not
// here is an error, so a typo never silently does nothing. Each field's key
// is its name in snake case (NoShim: no_shim); decode lists them.
type File struct {
	Grace       any // "10s" (string), or seconds: int64 or float64
	Group       *bool
	NoShim      *bool
	Verbose     *int
	StopSignals []string
	Signals     map[string]any // FROM = "TO" (string), or a number (int64); 0/"none" drops

	Hostname  *HostnameSection
	Bootstrap *Command
	Commands  map[string]Command

	path string
	root *node // the document, while loading: the checks after decoding find their lines in it
}

// HostnameSection mirrors hostname.Settings.
type HostnameSection struct {
	Template     string
	Workload     string
	Index        string
	HostFQDN     string
	HostFQDNFile string
	HostnameEnv  string
}

// Command is one of the image's named commands (and the bootstrap step).
type Command struct {
	Description string
	Run         []string
	Check       []string
	Env         map[string]string
	Workdir     string
	Grace       any // as File.Grace
	Group       *bool
	StopSignals []string
	Signals     map[string]any // as File.Signals
	Needs       []string       // commands that must succeed first
}

// key is a key of the config: its last part, and the key of the table it
// is in (nil at the top level). Only an error renders it (String), so that
// a long table name costs its length once, not once for each key under it.
type key struct {
	up   *key
	name string
}

// String is the dotted key, as errors show it: commands.web.run.
func (k key) String() string {
	n := len(k.name)
	for p := k.up; p != nil; p = p.up {
		n += len(p.name) + 1
	}
	b := make([]byte, n)
	for p := &k; p != nil; p = p.up {
		n -= len(p.name)
		copy(b[n:], p.name)
		if p.up != nil {
			n--
			b[n] = '.'
		}
	}
	return string(b)
}

// line is the line of k in the file, or of the nearest table above it that
// is there (a missing run = ... is reported at its command's table); 0 for
// a File not read from a file.
func (f *File) line(k key) int {
	var parts []string
	for p := &k; p != nil; p = p.up {
		parts = append(parts, p.name)
	}
	line := 0
	for t, i := f.root, len(parts)-1; t != nil && t.kind == kindTable && i >= 0; i-- {
		if t = t.get(parts[i]); t != nil {
			line = t.line
		}
	}
	return line
}

// errorf reports a mistake in the config file as FILE:LINE: key: msg.
func (f *File) errorf(k key, msg string) error {
	loc := f.path
	if line := f.line(k); line > 0 {
		loc += ":" + strconv.Itoa(line)
	}
	return usage(loc + ": " + oneLine(k.String()+": "+msg))
}

// LoadFile reads and strictly decodes the config at path. A missing file
// is reported as such (os.ErrNotExist) for the caller to decide.
func LoadFile(path string) (*File, error) {
	b, err := readConfig(path)
	if err != nil {
		return nil, err
	}
	return parseFile(path, b)
}

// parseFile decodes a config's bytes; path only names it in errors.
func parseFile(path string, b []byte) (*File, error) {
	root, err := readTOML(b)
	if err != nil {
		return nil, usage(path + ":" + err.Error())
	}
	f := &File{path: path, root: root}
	if err := f.decode(root); err != nil {
		return nil, err
	}
	if err := f.validateCommands(); err != nil {
		return nil, err
	}
	if _, err := f.layer(); err != nil {
		return nil, err
	}
	// Every check that names a line has passed: pid 1 need not keep the
	// document for the life of the container.
	f.root = nil
	return f, nil
}

// readConfig opens path without blocking (a FIFO would hang pid 1 in open)
// and reads it only if it is a regular file of sane size.
func readConfig(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		if err == unix.ENOENT {
			return nil, missingFile(path)
		}
		return nil, usage(path + ": cannot read config: " + err.Error())
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	// Fstat, not f.Stat: os.FileInfo would link time formatting and time
	// zones into the binary (README, "Benchmarks").
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, usage(path + ": cannot read config: " + err.Error())
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, usage(path + ": config is not a regular file but " + kindOf(st.Mode))
	}
	b, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, usage(path + ": cannot read config: " + err.Error())
	}
	if len(b) > maxFileSize {
		return nil, usage(path + ": config is larger than " + strconv.Itoa(maxFileSize) + " bytes")
	}
	return b, nil
}

// missingFile is "PATH: file does not exist", which LoadProgram tells
// apart from other errors with errors.Is(err, os.ErrNotExist).
type missingFile string

func (p missingFile) Error() string { return string(p) + ": " + os.ErrNotExist.Error() }
func (p missingFile) Unwrap() error { return os.ErrNotExist }

func kindOf(mode uint32) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return "a directory"
	case unix.S_IFIFO:
		return "a FIFO"
	case unix.S_IFSOCK:
		return "a socket"
	case unix.S_IFCHR, unix.S_IFBLK:
		return "a device"
	}
	return "a special file"
}

// decode fills f from the document, strictly: every key must be in the
// schema and every value of its type. The checks that come after decoding
// (signal names, durations, needs) find their lines in the document again.
func (f *File) decode(root *node) error {
	for _, fl := range root.fields {
		k, v := key{name: fl.name}, fl.val
		var err error
		switch fl.name {
		case "grace":
			f.Grace, err = f.duration(k, v)
		case "group":
			f.Group, err = f.boolean(k, v)
		case "no_shim":
			f.NoShim, err = f.boolean(k, v)
		case "verbose":
			f.Verbose, err = f.integer(k, v)
		case "stop_signals":
			f.StopSignals, err = f.stringList(k, v)
		case "signals":
			f.Signals, err = f.signalFields(k, v)
		case "hostname":
			f.Hostname, err = f.hostnameSection(k, v)
		case "bootstrap":
			var c Command
			c, err = f.commandSection(k, v)
			f.Bootstrap = &c
		case "commands":
			f.Commands, err = f.commandSections(k, v)
		default:
			return f.unknown(k, v)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (f *File) unknown(k key, v *node) error {
	return usage(f.path + ":" + strconv.Itoa(v.line) + ": unknown key " + strconv.Quote(k.String()))
}

// wrongType is the error for a value of the wrong kind; want is what the
// key takes, in the words of the previous decoder's messages.
func (f *File) wrongType(k key, v *node, want string) error {
	return usage(f.path + ":" + strconv.Itoa(v.line) + ": " + oneLine(k.String()) + ": want " + want + ", not a TOML " + v.kind.String())
}

// table checks that v is a table and walks its keys in the file's order,
// each with its name and its key.
func (f *File) table(k key, v *node, each func(name string, k key, v *node) error) error {
	if v.kind != kindTable {
		return f.wrongType(k, v, "a table")
	}
	up := &k
	for _, fl := range v.fields {
		if err := each(fl.name, key{up, fl.name}, fl.val); err != nil {
			return err
		}
	}
	return nil
}

func (f *File) str(k key, v *node) (string, error) {
	if v.kind != kindString {
		return "", f.wrongType(k, v, "string")
	}
	return v.str, nil
}

func (f *File) boolean(k key, v *node) (*bool, error) {
	if v.kind != kindBool {
		return nil, f.wrongType(k, v, "bool")
	}
	b := v.bool
	return &b, nil
}

func (f *File) integer(k key, v *node) (*int, error) {
	if v.kind != kindInteger {
		return nil, f.wrongType(k, v, "int")
	}
	n := int(v.num)
	return &n, nil
}

// stringList reads a list of strings; an empty list is not a missing one
// (check = [] is an error, no check is not).
func (f *File) stringList(k key, v *node) ([]string, error) {
	if v.kind != kindArray {
		return nil, f.wrongType(k, v, "a list")
	}
	out := make([]string, 0, len(v.list))
	for _, e := range v.list {
		s, err := f.str(k, e)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// duration keeps a grace as written, for durationValue to read: a string,
// or a number of seconds.
func (f *File) duration(k key, v *node) (any, error) {
	switch v.kind {
	case kindString:
		return v.str, nil
	case kindInteger:
		return v.num, nil
	case kindFloat:
		return v.float, nil
	}
	return nil, f.wrongType(k, v, `a duration like "10s" or a number of seconds`)
}

// signalFields reads a [signals] table as written (FROM = "TO" or a
// number); File.signalTable checks the names when it builds the map.
func (f *File) signalFields(k key, v *node) (map[string]any, error) {
	m := map[string]any{}
	return m, f.table(k, v, func(name string, k key, v *node) error {
		switch v.kind {
		case kindString:
			m[name] = v.str
		case kindInteger:
			m[name] = v.num
		default:
			return f.wrongType(k, v, "a signal name or number")
		}
		return nil
	})
}

func (f *File) hostnameSection(k key, v *node) (*HostnameSection, error) {
	h := &HostnameSection{}
	return h, f.table(k, v, func(name string, k key, v *node) error {
		var dst *string
		switch name {
		case "template":
			dst = &h.Template
		case "workload":
			dst = &h.Workload
		case "index":
			dst = &h.Index
		case "host_fqdn":
			dst = &h.HostFQDN
		case "host_fqdn_file":
			dst = &h.HostFQDNFile
		case "hostname_env":
			dst = &h.HostnameEnv
		default:
			return f.unknown(k, v)
		}
		var err error
		*dst, err = f.str(k, v)
		return err
	})
}

func (f *File) commandSections(k key, v *node) (map[string]Command, error) {
	cmds := map[string]Command{}
	return cmds, f.table(k, v, func(name string, k key, v *node) error {
		c, err := f.commandSection(k, v)
		cmds[name] = c
		return err
	})
}

func (f *File) commandSection(k key, v *node) (Command, error) {
	var c Command
	return c, f.table(k, v, func(name string, k key, v *node) error {
		var err error
		switch name {
		case "description":
			c.Description, err = f.str(k, v)
		case "run":
			c.Run, err = f.stringList(k, v)
		case "check":
			c.Check, err = f.stringList(k, v)
		case "env":
			c.Env = map[string]string{}
			err = f.table(k, v, func(name string, k key, v *node) error {
				s, err := f.str(k, v)
				c.Env[name] = s
				return err
			})
		case "workdir":
			c.Workdir, err = f.str(k, v)
		case "grace":
			c.Grace, err = f.duration(k, v)
		case "group":
			c.Group, err = f.boolean(k, v)
		case "stop_signals":
			c.StopSignals, err = f.stringList(k, v)
		case "signals":
			c.Signals, err = f.signalFields(k, v)
		case "needs":
			c.Needs, err = f.stringList(k, v)
		default:
			return f.unknown(k, v)
		}
		return err
	})
}

// HostnameSettings returns the [hostname] section, or nil when there is
// none (or no file).
func (f *File) HostnameSettings() *hostname.Settings {
	if f == nil || f.Hostname == nil {
		return nil
	}
	h := f.Hostname
	return &hostname.Settings{
		Template:     h.Template,
		Workload:     h.Workload,
		Index:        h.Index,
		HostFQDN:     h.HostFQDN,
		HostFQDNFile: h.HostFQDNFile,
		HostnameEnv:  h.HostnameEnv,
	}
}
