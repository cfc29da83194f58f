// Package config decides tinyinit's effective settings from its command
// line (and, later, its environment and config file): the one place where
// precedence is settled.
package config

import (
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tinyinit/tinyinit/signals"
)

// CodeUsage is the exit code for a bad command line or configuration:
// nothing has been started when tinyinit returns it.
const CodeUsage = 2

// CodeCheckFailed is the exit code when a command's start-up check fails:
// the command itself never ran.
const CodeCheckFailed = 124

// Settings is everything tinyinit needs to run.
type Settings struct {
	Argv    []string
	Map     signals.Map
	Group   bool
	NoShim  bool
	Verbose int

	Hostname string // --hostname TEMPLATE; see package hostname

	Help    bool
	Version bool
	Check   bool // validate and print the effective settings, start nothing

	ConfigPath  string
	Grace       time.Duration // after the first stop signal, SIGKILL; 0: never
	graceSet    bool
	StopSignals []unix.Signal

	List bool // print the image's commands

	File    *File             // the config read, if any
	Sources map[string]string // setting → where its value came from
	layers  []layer           // flag, env, config file: kept to merge a command's own section in

	// Compatibility with tini and dumb-init: see compat.go.
	Personality  Personality
	Setsid       bool        // the app leads a new session (dumb-init)
	SingleChild  bool        // dumb-init's --single-child: no session, no group
	ExitZero     []int       // tini's -e: exit codes reported as 0
	ParentDeath  unix.Signal // tini's -p: our signal when our parent dies
	WarnReap     bool        // tini's -w: say so when an orphan is reaped
	License      bool        // tini's -l
	dumbInitFlag bool        // a dumb-init-only flag was given
}

// UsageError is a mistake in what the user asked for.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func usage(msg string) error { return &UsageError{Msg: msg} }

// option describes one flag; short is a single letter or 0.
type option struct {
	long     string
	short    byte
	hasValue bool
	apply    func(s *Settings, value string) error
}

var options = []option{
	{long: "map", short: 'm', hasValue: true, apply: func(s *Settings, v string) error {
		from, to, err := signals.ParsePair(v)
		if err != nil {
			return usage("--map " + err.Error())
		}
		if err := s.Map.Set(from, to); err != nil {
			return usage("--map " + strconv.Quote(v) + ": " + err.Error())
		}
		return nil
	}},
	{long: "hostname", hasValue: true, apply: func(s *Settings, v string) error { s.Hostname = v; return nil }},
	{long: "group", short: 'g', apply: func(s *Settings, _ string) error { s.Group = true; return nil }},
	{long: "no-shim", apply: func(s *Settings, _ string) error { s.NoShim = true; return nil }},
	{long: "verbose", short: 'v', apply: func(s *Settings, _ string) error { s.Verbose++; return nil }},
	{long: "help", short: 'h', apply: func(s *Settings, _ string) error { s.Help = true; return nil }},
	{long: "config", short: 'c', hasValue: true, apply: func(s *Settings, v string) error {
		if v == "" {
			return usage("--config needs a path")
		}
		s.ConfigPath = v
		return nil
	}},
	{long: "grace", hasValue: true, apply: func(s *Settings, v string) error {
		d, err := parseDuration(v)
		if err != nil {
			return usage("--grace: " + err.Error())
		}
		s.Grace, s.graceSet = d, true
		return nil
	}},
	{long: "list", apply: func(s *Settings, _ string) error { s.List = true; return nil }},
	{long: "check", apply: func(s *Settings, _ string) error { s.Check = true; return nil }},
	{long: "version", apply: func(s *Settings, _ string) error { s.Version = true; return nil }},
}

// printable returns an option as typed when it is plain text, and quoted
// otherwise: a control character or a stray byte of a multi-byte letter
// must not split tinyinit's one-line error or garble the terminal.
func printable(opt string) string {
	for i := 0; i < len(opt); i++ {
		if opt[i] < ' ' || opt[i] > '~' {
			return strconv.Quote(opt)
		}
	}
	return opt
}

func findLong(name string) *option {
	for _, table := range [][]option{options, compatOptions} {
		for i := range table {
			if table[i].long == name {
				return &table[i]
			}
		}
	}
	return nil
}

func findShort(c byte, p Personality) *option {
	if o := compatShort(c, p); o != nil {
		return o
	}
	for _, table := range [][]option{options, compatOptions} {
		for i := range table {
			if table[i].short == c {
				return &table[i]
			}
		}
	}
	return nil
}

// Parse reads the command line (without argv[0]) the way getopt does for
// tini: options first, clustered short flags allowed (-vvv, -gv), and the
// first argument that is not an option, or "--", starts the command.
func Parse(args []string) (*Settings, error) { return parseAs(Tinyinit, args) }

func parseAs(p Personality, args []string) (*Settings, error) {
	s := &Settings{Map: signals.Map{}, Personality: p}
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			i++
			break
		}
		if len(a) < 2 || a[0] != '-' {
			break
		}
		if strings.HasPrefix(a, "--") {
			name, value, hasEq := strings.Cut(a[2:], "=")
			o := findLong(name)
			if o == nil {
				return nil, usage("unknown option " + printable("--"+name) + " (see --help)")
			}
			if o.hasValue && !hasEq {
				if i+1 >= len(args) {
					return nil, usage("--" + name + " needs a value")
				}
				i++
				value = args[i]
			} else if !o.hasValue && hasEq {
				return nil, usage("--" + name + " takes no value")
			}
			if err := o.apply(s, value); err != nil {
				return nil, err
			}
			continue
		}
		for j := 1; j < len(a); j++ {
			o := findShort(a[j], p)
			if o == nil {
				return nil, usage("unknown option " + printable("-"+a[j:j+1]) + " (see --help)")
			}
			value := ""
			if o.hasValue {
				switch {
				case j+1 < len(a):
					value = a[j+1:]
				case i+1 < len(args):
					i++
					value = args[i]
				default:
					return nil, usage("-" + string(rune(a[j])) + " needs a value")
				}
				j = len(a)
			}
			if err := o.apply(s, value); err != nil {
				return nil, err
			}
		}
	}
	s.Argv = args[i:]
	if len(s.Argv) == 0 && !s.Help && !s.Version && !s.Check && !s.List && !s.License {
		return nil, usage("no command given: usage: tinyinit [OPTIONS] -- COMMAND [ARGS...]")
	}
	return s, nil
}
