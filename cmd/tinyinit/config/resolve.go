package config

import (
	"errors"
	"maps"
	"os"
	"slices"
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
		return nil, usage(configPath + ": config not found")
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
			return l, "", usage(EnvMap + ": " + err.Error())
		}
		l.m = m
	}
	if v, ok := get(EnvGrace); ok {
		d, err := parseDuration(v)
		if err != nil {
			return l, "", usage(EnvGrace + ": " + err.Error())
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
				return l, "", usage(b.key + ": " + err.Error())
			}
			*b.dst = &on
		}
	}
	if v, ok := get(EnvVerbose); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return l, "", usage(EnvVerbose + ": " + strconv.Quote(v) + " is not a verbosity level (0, 1, 2...)")
		}
		l.verbose = &n
	}
	if v, ok := get(EnvStopSignals); ok {
		stop, err := parseSignalList(strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }))
		if err != nil {
			return l, "", usage(EnvStopSignals + ": " + err.Error())
		}
		l.stop = stop
	}
	path, _ := get(EnvConfig)
	return l, path, nil
}

// layer checks the file's values, each error naming its line (parseFile
// runs it once while it still has the document to find lines in).
func (f *File) layer() (layer, error) {
	l := layer{source: "config " + f.path}
	if f.Grace != nil {
		d, err := durationValue(f.Grace)
		if err != nil {
			return l, f.errorf(key{name: "grace"}, err.Error())
		}
		l.grace = &d
	}
	l.group, l.noShim = f.Group, f.NoShim
	if f.Verbose != nil {
		if *f.Verbose < 0 {
			return l, f.errorf(key{name: "verbose"}, "must not be negative")
		}
		l.verbose = f.Verbose
	}
	if f.StopSignals != nil {
		stop, err := parseSignalList(f.StopSignals)
		if err != nil {
			return l, f.errorf(key{name: "stop_signals"}, err.Error())
		}
		l.stop = stop
	}
	m, err := f.signalTable(key{name: "signals"}, f.Signals)
	if err != nil {
		return l, err
	}
	l.m = m
	return l, nil
}

// signalTable reads the [signals] table at key table: FROM = "TO" with
// names, numbers, or 0/"none" to drop.
func (f *File) signalTable(table key, t map[string]any) (signals.Map, error) {
	m := signals.Map{}
	// In key order, so that of several mistakes the same one is reported
	// every time; and one signal under two spellings (HUP and 1) is a
	// mistake, not a coin toss between the two.
	given := map[unix.Signal]string{}
	for _, k := range slices.Sorted(maps.Keys(t)) {
		v := t[k]
		from, err := signals.Parse(k)
		if err != nil {
			return nil, f.errorf(key{&table, k}, err.Error())
		}
		if other, dup := given[from]; dup {
			return nil, f.errorf(key{&table, k}, signals.Name(from)+" is already translated, as "+strconv.Quote(other))
		}
		given[from] = k
		var to unix.Signal
		switch v := v.(type) {
		case string:
			to, err = signals.ParseTarget(v)
		case int64:
			to, err = signals.ParseTarget(strconv.FormatInt(v, 10))
		default:
			// decode stores nothing else; only a File built by hand can.
			err = errors.New("want a signal name (a string) or number (an int64)")
		}
		if err != nil {
			return nil, f.errorf(key{&table, k}, err.Error())
		}
		if err := m.Set(from, to); err != nil {
			return nil, f.errorf(key{&table, k}, err.Error())
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
			return nil, errors.New(signals.Name(sig) + " cannot be a stop signal: tinyinit never receives it")
		}
		out = append(out, sig)
	}
	if len(out) == 0 {
		return nil, errors.New("empty list")
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
		return 0, errors.New(strconv.Quote(s) + " is not a duration (e.g. 10s, 1m30s, or seconds)")
	}
	if d < 0 {
		return 0, errors.New(strconv.Quote(s) + " is negative")
	}
	return d, nil
}

func secondsValue(n float64) (time.Duration, error) {
	if n < 0 || n > 1e9 || n != n {
		return 0, errors.New(strconv.FormatFloat(n, 'g', -1, 64) + " seconds is out of range")
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
	// decode stores nothing else; only a File built by hand can.
	return 0, errors.New(`want a duration like "10s" or a number of seconds (a string, an int64 or a float64)`)
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off":
		return false, nil
	}
	return false, errors.New(strconv.Quote(s) + " is not a boolean (1/0, true/false, yes/no)")
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
	b.WriteString("config        " + cfg + "\n")
	cmd := strings.Join(s.Argv, " ")
	if cmd == "" {
		cmd = "(none given)"
	}
	b.WriteString("command       " + cmd + "\n")
	if len(s.Map) == 0 {
		b.WriteString("signals       (none translated)\n")
	}
	for _, pair := range strings.Split(s.Map.String(), ",") {
		if pair == "" {
			continue
		}
		from, _, _ := strings.Cut(pair, ":")
		b.WriteString("signals       " + pad(pair, 16) + " (" + src("signals."+from) + ")\n")
	}
	stop := make([]string, len(s.StopSignals))
	for i, sig := range s.StopSignals {
		stop[i] = signals.Name(sig)
	}
	grace := "none (never escalate to SIGKILL)"
	if s.Grace > 0 {
		grace = s.Grace.String()
	}
	for _, row := range [][3]string{
		{"stop_signals  ", strings.Join(stop, ","), "stop_signals"},
		{"grace         ", grace, "grace"},
		{"group         ", strconv.FormatBool(s.Group), "group"},
		{"no_shim       ", strconv.FormatBool(s.NoShim), "no_shim"},
		{"verbose       ", strconv.Itoa(s.Verbose), "verbose"},
	} {
		b.WriteString(row[0] + pad(row[1], 16) + " (" + src(row[2]) + ")\n")
	}
	return b.String()
}
