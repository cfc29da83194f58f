package config

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tinyinit/tinyinit/signals"
)

// Environment variables, one per setting; the flag of the same name wins
// over each, and each wins over the config file.
const (
	EnvConfig      = "TINYINIT_CONFIG"
	EnvMap         = "TINYINIT_MAP"
	EnvGrace       = "TINYINIT_GRACE"
	EnvGroup       = "TINYINIT_GROUP"
	EnvNoShim      = "TINYINIT_NO_SHIM"
	EnvVerbose     = "TINYINIT_VERBOSE"
	EnvStopSignals = "TINYINIT_STOP_SIGNALS"
)

// DefaultStopSignals start a graceful stop: what docker stop, Kubernetes
// and Ctrl-C send.
var defaultStopSignals = []unix.Signal{unix.SIGTERM, unix.SIGINT}

// layer is one source of settings; nil or empty means "not set here".
type layer struct {
	source  string
	m       signals.Map
	grace   *time.Duration
	group   *bool
	noShim  *bool
	verbose *int
	stop    []unix.Signal
}

// Load settles the effective settings: flags over environment over the
// config file over defaults, setting by setting (and, for the signal
// table, signal by signal).
func Load(args, env []string) (*Settings, error) {
	return LoadProgram(append([]string{"tinyinit"}, args...), env)
}

// LoadProgram is Load for a whole command line, argv[0] included: the name
// tinyinit runs under picks its personality (see ParseProgram).
func LoadProgram(argv, env []string) (*Settings, error) {
	s, err := ParseProgram(argv, env)
	if err != nil || s.Help || s.Version || s.License {
		return s, err
	}
	envLayer, configPath, err := fromEnv(env)
	if err != nil {
		return nil, err
	}
	explicit := true
	switch {
	case s.ConfigPath != "":
		configPath = s.ConfigPath
	case configPath == "":
		configPath, explicit = DefaultPath, false
	}
	s.Sources = map[string]string{}
	layers := []layer{s.flagLayer(), envLayer}
	f, err := LoadFile(configPath)
	switch {
	case err == nil:
		s.File = f
		fl, err := f.layer()
		if err != nil {
			return nil, err
		}
		layers = append(layers, fl)
	case errors.Is(err, os.ErrNotExist) && !explicit:
		// No config in the image: nothing to read.
	case errors.Is(err, os.ErrNotExist):
		return nil, usagef("%s: config not found", configPath)
	default:
		return nil, err
	}
	s.layers = layers
	s.merge(layers)
	return s, nil
}

// flagLayer copies the values Parse took from the command line into a
// layer (copies: merge overwrites s). Flags can only switch things on, so
// false means "not given".
func (s *Settings) flagLayer() layer {
	l := layer{source: "flag", m: s.Map}
	if s.graceSet {
		l.grace = ptr(s.Grace)
	}
	if s.Group {
		l.group = ptr(true)
	}
	if s.NoShim {
		l.noShim = ptr(true)
	}
	if s.Verbose > 0 {
		l.verbose = ptr(s.Verbose)
	}
	return l
}

func ptr[T any](v T) *T { return &v }

// merge applies the layers, highest precedence first, onto defaults.
func (s *Settings) merge(layers []layer) {
	m := signals.Map{}
	s.Grace, s.Group, s.NoShim, s.Verbose = 0, false, false, 0
	s.StopSignals = defaultStopSignals
	set := map[string]bool{}
	for _, l := range layers {
		for from, to := range l.m {
			key := "signals." + signals.Name(from)
			if !set[key] {
				m[from] = to
				set[key] = true
				s.Sources[key] = l.source
			}
		}
		take := func(key string, ok bool, apply func()) {
			if ok && !set[key] {
				apply()
				set[key] = true
				s.Sources[key] = l.source
			}
		}
		take("grace", l.grace != nil, func() { s.Grace = *l.grace })
		take("group", l.group != nil, func() { s.Group = *l.group })
		take("no_shim", l.noShim != nil, func() { s.NoShim = *l.noShim })
		take("verbose", l.verbose != nil, func() { s.Verbose = *l.verbose })
		take("stop_signals", l.stop != nil, func() { s.StopSignals = l.stop })
	}
	s.Map = m
}

// fromEnv reads the TINYINIT_* variables; an empty variable counts as unset.
func fromEnv(env []string) (layer, string, error) {
	l := layer{source: "env"}
	get := func(key string) (string, bool) {
		v, ok := lookup(env, key)
		return v, ok && v != ""
	}
	if v, ok := get(EnvMap); ok {
		m, err := signals.ParseMap(v)
		if err != nil {
			return l, "", usagef("%s: %v", EnvMap, err)
		}
		l.m = m
	}
	if v, ok := get(EnvGrace); ok {
		d, err := parseDuration(v)
		if err != nil {
			return l, "", usagef("%s: %v", EnvGrace, err)
		}
		l.grace = &d
	}
	for _, b := range []struct {
		key string
		dst **bool
	}{{EnvGroup, &l.group}, {EnvNoShim, &l.noShim}} {
		if v, ok := get(b.key); ok {
			on, err := parseBool(v)
			if err != nil {
				return l, "", usagef("%s: %v", b.key, err)
			}
			*b.dst = &on
		}
	}
	if v, ok := get(EnvVerbose); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return l, "", usagef("%s: %q is not a verbosity level (0, 1, 2...)", EnvVerbose, v)
		}
		l.verbose = &n
	}
	if v, ok := get(EnvStopSignals); ok {
		stop, err := parseSignalList(strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }))
		if err != nil {
			return l, "", usagef("%s: %v", EnvStopSignals, err)
		}
		l.stop = stop
	}
	path, _ := get(EnvConfig)
	return l, path, nil
}

// layer checks the file's values, each error naming its line.
func (f *File) layer() (layer, error) {
	l := layer{source: "config " + f.path}
	if f.Grace != nil {
		d, err := durationValue(f.Grace)
		if err != nil {
			return l, f.errorf("grace", "%v", err)
		}
		l.grace = &d
	}
	l.group, l.noShim = f.Group, f.NoShim
	if f.Verbose != nil {
		if *f.Verbose < 0 {
			return l, f.errorf("verbose", "must not be negative")
		}
		l.verbose = f.Verbose
	}
	if f.StopSignals != nil {
		stop, err := parseSignalList(f.StopSignals)
		if err != nil {
			return l, f.errorf("stop_signals", "%v", err)
		}
		l.stop = stop
	}
	m, err := f.signalTable("signals", f.Signals)
	if err != nil {
		return l, err
	}
	l.m = m
	return l, nil
}

// signalTable reads a [signals] table: FROM = "TO" with names, numbers,
// or 0/"none" to drop.
func (f *File) signalTable(prefix string, t map[string]any) (signals.Map, error) {
	m := signals.Map{}
	for k, v := range t {
		key := prefix + "." + k
		from, err := signals.Parse(k)
		if err != nil {
			return nil, f.errorf(key, "%v", err)
		}
		var to unix.Signal
		switch v := v.(type) {
		case string:
			to, err = signals.ParseTarget(v)
		case int64:
			to, err = signals.ParseTarget(strconv.FormatInt(v, 10))
		default:
			err = fmt.Errorf("want a signal name or number, not %T", v)
		}
		if err != nil {
			return nil, f.errorf(key, "%v", err)
		}
		if err := m.Set(from, to); err != nil {
			return nil, f.errorf(key, "%v", err)
		}
	}
	return m, nil
}

func parseSignalList(names []string) ([]unix.Signal, error) {
	out := make([]unix.Signal, 0, len(names))
	for _, n := range names {
		sig, err := signals.Parse(n)
		if err != nil {
			return nil, err
		}
		if !signals.Forwardable(sig) {
			return nil, fmt.Errorf("%s cannot be a stop signal: tinyinit never receives it", signals.Name(sig))
		}
		out = append(out, sig)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty list")
	}
	return out, nil
}

// parseDuration reads "10s", "1m30s", or a plain number of seconds.
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		return secondsValue(n)
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (e.g. 10s, 1m30s, or seconds)", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	return d, nil
}

func secondsValue(n float64) (time.Duration, error) {
	if n < 0 || n > 1e9 || n != n {
		return 0, fmt.Errorf("%v seconds is out of range", n)
	}
	return time.Duration(n * float64(time.Second)), nil
}

func durationValue(v any) (time.Duration, error) {
	switch v := v.(type) {
	case string:
		return parseDuration(v)
	case int64:
		return secondsValue(float64(v))
	case float64:
		return secondsValue(v)
	}
	return 0, fmt.Errorf("want a duration like \"10s\" or a number of seconds, not %T", v)
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (1/0, true/false, yes/no)", s)
}

// Describe renders the effective settings for --check, each with where it
// came from.
func (s *Settings) Describe() string {
	var b strings.Builder
	src := func(key string) string {
		if v, ok := s.Sources[key]; ok {
			return v
		}
		return "default"
	}
	cfg := "none"
	if s.File != nil {
		cfg = s.File.path
	}
	fmt.Fprintf(&b, "config        %s\n", cfg)
	cmd := strings.Join(s.Argv, " ")
	if cmd == "" {
		cmd = "(none given)"
	}
	fmt.Fprintf(&b, "command       %s\n", cmd)
	if len(s.Map) == 0 {
		fmt.Fprintf(&b, "signals       (none translated)\n")
	}
	for _, pair := range strings.Split(s.Map.String(), ",") {
		if pair == "" {
			continue
		}
		from, _, _ := strings.Cut(pair, ":")
		fmt.Fprintf(&b, "signals       %-16s (%s)\n", pair, src("signals."+from))
	}
	stop := make([]string, len(s.StopSignals))
	for i, sig := range s.StopSignals {
		stop[i] = signals.Name(sig)
	}
	grace := "none (never escalate to SIGKILL)"
	if s.Grace > 0 {
		grace = s.Grace.String()
	}
	fmt.Fprintf(&b, "stop_signals  %-16s (%s)\n", strings.Join(stop, ","), src("stop_signals"))
	fmt.Fprintf(&b, "grace         %-16s (%s)\n", grace, src("grace"))
	fmt.Fprintf(&b, "group         %-16v (%s)\n", s.Group, src("group"))
	fmt.Fprintf(&b, "no_shim       %-16v (%s)\n", s.NoShim, src("no_shim"))
	fmt.Fprintf(&b, "verbose       %-16d (%s)\n", s.Verbose, src("verbose"))
	return b.String()
}
