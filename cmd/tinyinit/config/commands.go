package config

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/tinyinit/tinyinit/signals"
)

// BootstrapName is the request that runs the [bootstrap] section.
const BootstrapName = "bootstrap"

// StepKind says what a step is for, which decides what its failure means.
type StepKind int

const (
	Service   StepKind = iota // the container's app: its code is the container's
	Bootstrap                 // must succeed before what follows starts
	Check                     // a command's start-up integrity check
)

// Step is one program tinyinit starts, with how signals reach it.
type Step struct {
	Kind        StepKind
	Name        string // the command's name; "" for a plain program
	Argv        []string
	Env         []string // added to (and overriding) the environment
	Dir         string
	Map         signals.Map
	Grace       time.Duration
	Group       bool
	NoShim      bool
	StopSignals []unix.Signal
}

// validateCommands checks the [commands] and [bootstrap] sections when the
// file is loaded, so --check reports them and nothing starts on a broken
// config: empty run lists, bad signal tables, unknown or cyclic needs.
func (f *File) validateCommands() error {
	check := func(k key, c *Command) error {
		if len(c.Run) == 0 || c.Run[0] == "" {
			return f.errorf(key{&k, "run"}, "must name a program: run = [\"program\", \"args\"...]")
		}
		if c.Check != nil && (len(c.Check) == 0 || c.Check[0] == "") {
			return f.errorf(key{&k, "check"}, "must name a program, or be left out")
		}
		if _, err := f.commandLayer(k, c); err != nil {
			return err
		}
		for _, n := range c.Needs {
			if _, ok := f.command(n); !ok {
				return f.errorf(key{&k, "needs"}, strconv.Quote(n)+" is not a command in this config")
			}
		}
		return nil
	}
	if f.Bootstrap != nil {
		if _, dup := f.Commands[BootstrapName]; dup {
			return f.errorf(bootstrapKey, "defined twice: as [bootstrap] and as [commands.bootstrap]")
		}
		if err := check(bootstrapKey, f.Bootstrap); err != nil {
			return err
		}
	}
	for _, name := range f.commandNames() {
		c := f.Commands[name]
		if strings.Contains(name, "/") {
			return f.errorf(key{&commandsKey, name}, "a command name cannot contain '/' (a path always means a program)")
		}
		if err := check(key{&commandsKey, name}, &c); err != nil {
			return err
		}
	}
	w := f.needsWalk()
	for _, name := range f.commandNames() {
		if err := w.visit(name); err != nil {
			return err
		}
	}
	return nil
}

// command finds a named command; the bootstrap section answers to its name.
func (f *File) command(name string) (*Command, bool) {
	if f == nil {
		return nil, false
	}
	if name == BootstrapName && f.Bootstrap != nil {
		return f.Bootstrap, true
	}
	c, ok := f.Commands[name]
	if !ok {
		return nil, false
	}
	return &c, true
}

// The keys of the sections that hold commands.
var (
	bootstrapKey = key{name: "bootstrap"}
	commandsKey  = key{name: "commands"}
)

func (f *File) commandKey(name string) key {
	if name == BootstrapName && f.Bootstrap != nil {
		return bootstrapKey
	}
	return key{&commandsKey, name}
}

func (f *File) commandNames() []string {
	names := make([]string, 0, len(f.Commands)+1)
	for n := range f.Commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// needsOrder lists what name needs, deepest first, each once, and name
// itself last; a cycle is an error that shows it.
func (f *File) needsOrder(name string) ([]string, error) {
	w := f.needsWalk()
	err := w.visit(name)
	return w.order, err
}

// needsWalk walks the commands' needs depth first, each command once: what
// one walk has listed, another from a later command does not walk again
// (validateCommands checks every command with one walk). Both the listed
// commands and the path are looked up in maps, so that a long chain of
// needs costs its length, not its length squared.
type needsWalk struct {
	f      *File
	order  []string // the commands listed, deepest first
	listed map[string]bool
	path   []string       // the commands being walked, outermost first
	onPath map[string]int // their places in path
}

func (f *File) needsWalk() *needsWalk {
	return &needsWalk{f: f, listed: map[string]bool{}, onPath: map[string]int{}}
}

func (w *needsWalk) visit(n string) error {
	if i, ok := w.onPath[n]; ok {
		k := w.f.commandKey(w.path[len(w.path)-1])
		return w.f.errorf(key{&k, "needs"}, "cycle: "+strings.Join(append(w.path[i:], n), " -> "))
	}
	if w.listed[n] {
		return nil
	}
	w.onPath[n] = len(w.path)
	w.path = append(w.path, n)
	c, _ := w.f.command(n)
	for _, m := range c.Needs {
		if err := w.visit(m); err != nil {
			return err
		}
	}
	w.path = w.path[:len(w.path)-1]
	delete(w.onPath, n)
	w.listed[n] = true
	w.order = append(w.order, n)
	return nil
}

// commandLayer reads a command's own grace, group, stop signals and table.
// Its source is left to commandStep: every command is checked at load,
// and few run.
func (f *File) commandLayer(k key, c *Command) (layer, error) {
	l := layer{group: c.Group}
	if c.Grace != nil {
		d, err := durationValue(c.Grace)
		if err != nil {
			return l, f.errorf(key{&k, "grace"}, err.Error())
		}
		l.grace = &d
	}
	if c.StopSignals != nil {
		stop, err := parseSignalList(c.StopSignals)
		if err != nil {
			return l, f.errorf(key{&k, "stop_signals"}, err.Error())
		}
		l.stop = stop
	}
	m, err := f.signalTable(key{&k, "signals"}, c.Signals)
	if err != nil {
		return l, err
	}
	l.m = m
	return l, nil
}

// Plan turns the command line's words into the steps to run. When the first
// word names a configured command (and has no '/'), it runs with its own
// settings, after what it needs and its check; "bootstrap NAME ..." runs
// the bootstrap and then NAME. Anything else is a program, as with any
// init. isProgram says whether a word is a program in PATH, for the error
// on an unknown command name.
func (s *Settings) Plan(isProgram func(string) bool) ([]Step, error) {
	if len(s.Argv) == 0 {
		// Only --check (and the other flags that start nothing) get
		// here without a command: the config alone is checked.
		return nil, nil
	}
	f := s.File
	name := s.Argv[0]
	c, ok := f.command(name)
	if !ok || strings.Contains(name, "/") {
		if f != nil && (len(f.Commands) > 0 || f.Bootstrap != nil) && !strings.Contains(name, "/") && !isProgram(name) {
			return nil, usage(strconv.Quote(name) + " is neither a command in " + f.path + " (" + oneLine(strings.Join(f.listNames(), ", ")) + ") nor a program in PATH")
		}
		return []Step{s.step(Service, "", s.Argv, nil, nil)}, nil
	}
	args := s.Argv[1:]
	var steps []Step
	if name == BootstrapName && len(args) > 0 {
		if _, isCmd := f.command(args[0]); isCmd && args[0] != BootstrapName {
			// "bootstrap web": bootstrap alone first, then the service.
			steps = append(steps, s.commandStep(Bootstrap, name, c, nil)...)
			name, args = args[0], args[1:]
			c, _ = f.command(name)
		}
	}
	order, err := f.needsOrder(name)
	if err != nil {
		return nil, err
	}
	ran := steps // "bootstrap NAME": the bootstrap, not run again for NAME's needs
	for _, n := range order[:len(order)-1] {
		if slices.ContainsFunc(ran, func(st Step) bool { return st.Name == n }) {
			continue
		}
		nc, _ := f.command(n)
		steps = append(steps, s.commandStep(Bootstrap, n, nc, nil)...)
	}
	return append(steps, s.commandStep(Service, name, c, args)...), nil
}

// commandStep builds a command's check (if any) and the command itself,
// with flags and environment still over the command's section, and the
// command's section over the file's top level.
func (s *Settings) commandStep(kind StepKind, name string, c *Command, args []string) []Step {
	f := s.File
	k := f.commandKey(name)
	cl, _ := f.commandLayer(k, c) // validated at load
	cl.source = "config " + f.path + " [" + k.String() + "]"
	var env []string
	for _, k := range sortedKeys(c.Env) {
		env = append(env, k+"="+c.Env[k])
	}
	layers := append(append([]layer{}, s.layers[:2]...), cl)
	layers = append(layers, s.layers[2:]...)
	var steps []Step
	if len(c.Check) > 0 {
		st := s.step(Check, name, c.Check, env, layers)
		st.Dir = c.Workdir
		steps = append(steps, st)
	}
	st := s.step(kind, name, append(append([]string{}, c.Run...), args...), env, layers)
	st.Dir = c.Workdir
	return append(steps, st)
}

// step settles one step's settings from layers (nil: the top level's).
func (s *Settings) step(kind StepKind, name string, argv, env []string, layers []layer) Step {
	e := *s
	if layers != nil {
		e.Sources = map[string]string{}
		e.merge(layers)
	}
	return Step{Kind: kind, Name: name, Argv: argv, Env: env, Map: e.Map, Grace: e.Grace, Group: e.Group, NoShim: e.NoShim, StopSignals: e.StopSignals}
}

func (f *File) listNames() []string {
	var names []string
	if f.Bootstrap != nil {
		names = append(names, BootstrapName)
	}
	return append(names, f.commandNames()...)
}

// Commands lists the image's commands for --list: name and description.
func (s *Settings) Commands() string {
	f := s.File
	if f == nil || (len(f.Commands) == 0 && f.Bootstrap == nil) {
		return ""
	}
	var b strings.Builder
	width := 0
	for _, n := range f.listNames() {
		width = max(width, len(n))
	}
	for _, n := range f.listNames() {
		c, _ := f.command(n)
		desc := c.Description
		if desc == "" {
			desc = strings.Join(c.Run, " ")
		}
		b.WriteString(pad(n, width) + "  " + desc + "\n")
	}
	return b.String()
}

// pad fills s with spaces to width characters, as fmt's %-*s does.
func pad(s string, width int) string {
	if n := width - utf8.RuneCountInString(s); n > 0 {
		return s + strings.Repeat(" ", n)
	}
	return s
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Environ is base with the step's variables added, replacing any of the
// same name.
func (st Step) Environ(base []string) []string {
	if len(st.Env) == 0 {
		return base
	}
	out := make([]string, 0, len(base)+len(st.Env))
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.ContainsFunc(st.Env, func(e string) bool { return strings.HasPrefix(e, k+"=") }) {
			out = append(out, kv)
		}
	}
	return append(out, st.Env...)
}
