package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
	"golang.org/x/sys/unix"

	"github.com/tinyinit/tinyinit/hostname"
)

// DefaultPath is read when it exists and no other config is named.
const DefaultPath = "/etc/tinyinit.toml"

// maxFileSize bounds what tinyinit reads: a config is a few hundred bytes,
// and a huge or endless file must not make pid 1 hold it in memory.
const maxFileSize = 1 << 20

// File is the config file's schema. Decoding is strict: a key that is not
// here is an error, so a typo never silently does nothing.
type File struct {
	Grace       any            `toml:"grace"` // "10s", or seconds as a number
	Group       *bool          `toml:"group"`
	NoShim      *bool          `toml:"no_shim"`
	Verbose     *int           `toml:"verbose"`
	StopSignals []string       `toml:"stop_signals"`
	Signals     map[string]any `toml:"signals"` // FROM = "TO", or a number; 0/"none" drops

	Hostname  *HostnameSection   `toml:"hostname"`
	Bootstrap *Command           `toml:"bootstrap"`
	Commands  map[string]Command `toml:"commands"`

	path  string
	lines map[string]int // dotted key → line, for errors found after decoding
}

// HostnameSection mirrors hostname.Settings.
type HostnameSection struct {
	Template     string `toml:"template"`
	Workload     string `toml:"workload"`
	Index        string `toml:"index"`
	HostFQDN     string `toml:"host_fqdn"`
	HostFQDNFile string `toml:"host_fqdn_file"`
	HostnameEnv  string `toml:"hostname_env"`
}

// Command is one of the image's named commands (and the bootstrap step).
type Command struct {
	Description string            `toml:"description"`
	Run         []string          `toml:"run"`
	Check       []string          `toml:"check"`
	Env         map[string]string `toml:"env"`
	Workdir     string            `toml:"workdir"`
	Grace       any               `toml:"grace"`
	Group       *bool             `toml:"group"`
	StopSignals []string          `toml:"stop_signals"`
	Signals     map[string]any    `toml:"signals"`
	Needs       []string          `toml:"needs"` // commands that must succeed first
}

// fileError is a mistake in the config file, reported as FILE:LINE: what.
func (f *File) errorf(key string, format string, args ...any) error {
	// A key that is missing (run = ... left out) is reported at its table.
	loc := f.path
	for k := key; k != ""; {
		if line := f.lines[k]; line > 0 {
			loc = fmt.Sprintf("%s:%d", f.path, line)
			break
		}
		i := strings.LastIndexByte(k, '.')
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return usagef("%s: %s: %s", loc, key, fmt.Sprintf(format, args...))
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
	f := &File{path: path}
	dec := toml.NewDecoder(strings.NewReader(string(b))).DisallowUnknownFields()
	if err := dec.Decode(f); err != nil {
		return nil, decodeError(path, err)
	}
	f.lines = keyLines(b)
	if err := f.validateCommands(); err != nil {
		return nil, err
	}
	return f, nil
}

// readConfig opens path without blocking (a FIFO would hang pid 1 in open)
// and reads it only if it is a regular file of sane size.
func readConfig(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		if err == unix.ENOENT {
			return nil, fmt.Errorf("%s: %w", path, os.ErrNotExist)
		}
		return nil, usagef("%s: cannot read config: %v", path, err)
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, usagef("%s: cannot read config: %v", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, usagef("%s: config is not a regular file but %s", path, kindOf(fi.Mode()))
	}
	b, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, usagef("%s: cannot read config: %v", path, err)
	}
	if len(b) > maxFileSize {
		return nil, usagef("%s: config is larger than %d bytes", path, maxFileSize)
	}
	return b, nil
}

func kindOf(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

// decodeError turns the TOML library's errors into one FILE:LINE line.
func decodeError(path string, err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) && len(strict.Errors) > 0 {
		e := strict.Errors[0]
		row, _ := e.Position()
		return usagef("%s:%d: unknown key %q", path, row, strings.Join(e.Key(), "."))
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, _ := de.Position()
		msg := typeMessage(strings.TrimPrefix(de.Error(), "toml: "))
		if k := de.Key(); len(k) > 0 {
			msg = strings.Join(k, ".") + ": " + msg
		}
		return usagef("%s:%d: %s", path, row, msg)
	}
	return usagef("%s: %s", path, strings.TrimPrefix(err.Error(), "toml: "))
}

// typeMessage shortens the library's "cannot decode TOML string into
// struct field config.File.Group of type bool" to "want bool, not a TOML
// string": the user knows the key, not our Go types.
func typeMessage(msg string) string {
	rest, ok := strings.CutPrefix(msg, "cannot decode TOML ")
	if !ok {
		return msg
	}
	kind, _, _ := strings.Cut(rest, " ")
	i := strings.LastIndex(rest, " of type ")
	if i < 0 {
		return "wrong type: a TOML " + kind
	}
	want := strings.TrimPrefix(rest[i+len(" of type "):], "*")
	switch {
	case strings.HasPrefix(want, "[]"):
		want = "a list"
	case strings.HasPrefix(want, "map["):
		want = "a table"
	case strings.HasPrefix(want, "config."):
		want = "a table"
	case want == "interface {}":
		want = "a value"
	}
	return "want " + want + ", not a TOML " + kind
}

// keyLines maps every dotted key of a valid document to the line it is on,
// so that values checked after decoding (signal names, durations) can be
// reported where they are.
func keyLines(b []byte) map[string]int {
	lines := map[string]int{}
	p := unstable.Parser{}
	p.Reset(b)
	var table []string
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			parts, line := keyOf(&p, e.Key())
			table = parts
			lines[strings.Join(table, ".")] = line
		case unstable.KeyValue:
			parts, line := keyOf(&p, e.Key())
			full := strings.Join(append(append([]string(nil), table...), parts...), ".")
			lines[full] = line
			if v := e.Value(); v.Kind == unstable.InlineTable {
				inlineLines(&p, v, full, lines)
			}
		}
	}
	return lines
}

func inlineLines(p *unstable.Parser, n *unstable.Node, prefix string, lines map[string]int) {
	it := n.Children()
	for it.Next() {
		kv := it.Node()
		if kv.Kind != unstable.KeyValue {
			continue
		}
		parts, line := keyOf(p, kv.Key())
		lines[prefix+"."+strings.Join(parts, ".")] = line
	}
}

// keyOf returns a key's parts and the line it starts on (keys always carry
// their place in the input, unlike some values).
func keyOf(p *unstable.Parser, it unstable.Iterator) ([]string, int) {
	var parts []string
	line := 0
	for it.Next() {
		n := it.Node()
		if line == 0 && n.Raw.Length > 0 {
			line = p.Shape(n.Raw).Start.Line
		}
		parts = append(parts, string(n.Data))
	}
	return parts, line
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
