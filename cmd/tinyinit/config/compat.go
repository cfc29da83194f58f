package config

import (
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/tinyinit/tinyinit/signals"
)

// Personality is whose defaults tinyinit follows where tini, dumb-init and
// tinyinit differ, so that an image that swaps either binary for tinyinit
// keeps the behaviour it was written against.
type Personality int

const (
	// Tinyinit: the app in a process group of its own, signals to the app.
	Tinyinit Personality = iota
	// Tini behaves as Tinyinit; the name only records how it was invoked.
	Tini
	// DumbInit: the app in a new session, signals to its whole process
	// group; -c means --single-child.
	DumbInit
)

func (p Personality) String() string {
	switch p {
	case Tini:
		return "tini"
	case DumbInit:
		return "dumb-init"
	}
	return "tinyinit"
}

// PersonalityOf picks the personality from the name tinyinit was invoked
// under: installed (or symlinked) as dumb-init or tini, it is a drop-in for
// that program.
func PersonalityOf(argv0 string) Personality {
	switch filepath.Base(argv0) {
	case "dumb-init":
		return DumbInit
	case "tini", "tini-static":
		return Tini
	}
	return Tinyinit
}

// Environment variables of tini and dumb-init that tinyinit honours under
// every personality: an image sets them, whatever the binary is called.
const (
	envTiniSubreaper   = "TINI_SUBREAPER"
	envTiniVerbosity   = "TINI_VERBOSITY"
	envTiniKillGroup   = "TINI_KILL_PROCESS_GROUP"
	envDumbInitSetsid  = "DUMB_INIT_SETSID"
	dumbInitMaxSignal  = 31 // dumb-init's -r takes standard signals only
	tiniMaxExitCode    = 255
	dumbInitDropSignal = "0"
)

// compatOptions are tini's and dumb-init's spellings. None of them clashes
// with tinyinit's own except -c, which only the dumb-init personality reads
// as --single-child (see compatShort).
var compatOptions = []option{
	// tini: tinyinit always registers as a subreaper when it is not pid 1.
	{short: 's', apply: func(s *Settings, _ string) error { return nil }},
	{short: 'e', hasValue: true, apply: func(s *Settings, v string) error {
		code, err := strconv.Atoi(v)
		if err != nil || code < 0 || code > tiniMaxExitCode {
			return usage("-e " + strconv.Quote(v) + ": want an exit code from 0 to " + strconv.Itoa(tiniMaxExitCode))
		}
		s.ExitZero = append(s.ExitZero, code)
		return nil
	}},
	{short: 'p', hasValue: true, apply: func(s *Settings, v string) error {
		sig, err := signals.Parse(v)
		if err != nil {
			return usage("-p: " + err.Error())
		}
		s.ParentDeath = sig
		return nil
	}},
	{short: 'w', apply: func(s *Settings, _ string) error { s.WarnReap = true; return nil }},
	{short: 'l', apply: func(s *Settings, _ string) error { s.License = true; return nil }},
	// dumb-init.
	{long: "rewrite", short: 'r', hasValue: true, apply: func(s *Settings, v string) error {
		from, to, err := parseRewrite(v)
		if err != nil {
			return err
		}
		s.dumbInitFlag = true
		if err := s.Map.Set(from, to); err != nil {
			return usage("--rewrite " + strconv.Quote(v) + ": " + err.Error())
		}
		return nil
	}},
	{long: "single-child", apply: applySingleChild},
	{short: 'V', apply: func(s *Settings, _ string) error { s.Version = true; return nil }},
}

// dumbInitC is -c under the dumb-init personality.
var dumbInitC = option{short: 'c', apply: applySingleChild}

func applySingleChild(s *Settings, _ string) error {
	s.SingleChild = true
	s.dumbInitFlag = true
	return nil
}

// compatShort returns the option a short flag means under p when that
// differs from tinyinit's own table, or nil.
func compatShort(c byte, p Personality) *option {
	if c == 'c' && p == DumbInit {
		return &dumbInitC
	}
	return nil
}

// parseRewrite reads dumb-init's "-r s:r": signal numbers 1..31, and r of 0
// to drop s. tinyinit's --map takes names as well; -r stays as strict as
// dumb-init so that a command line that works here works there.
func parseRewrite(v string) (from, to unix.Signal, err error) {
	a, b, ok := strings.Cut(v, ":")
	f, errF := strconv.Atoi(a)
	t, errT := strconv.Atoi(b)
	if !ok || errF != nil || errT != nil || f < 1 || f > dumbInitMaxSignal || t < 0 || t > dumbInitMaxSignal {
		return 0, 0, usage("--rewrite " + strconv.Quote(v) + ": want FROM:TO, signal numbers from 1 to " + strconv.Itoa(dumbInitMaxSignal) + " (TO of " + dumbInitDropSignal + " drops FROM)")
	}
	if t == 0 {
		return unix.Signal(f), signals.Drop, nil
	}
	return unix.Signal(f), unix.Signal(t), nil
}

// ParseProgram parses a whole command line, argv[0] included, with the
// environment: argv[0] picks the personality, the options are read as that
// personality reads them, then tini's and dumb-init's environment variables
// apply where no flag said otherwise, and last the personality's defaults.
func ParseProgram(argv, env []string) (*Settings, error) {
	p := Tinyinit
	if len(argv) > 0 {
		p = PersonalityOf(argv[0])
	}
	s, err := parseAs(p, argv[min(1, len(argv)):])
	if err != nil {
		return nil, err
	}
	applyCompatEnv(s, env)
	settleDumbInit(s, env)
	return s, nil
}

func lookup(env []string, key string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v, true
		}
	}
	return "", false
}

// applyCompatEnv honours tini's variables as tini does: set at all means on
// (its test is getenv() != NULL), and TINI_VERBOSITY is a level, which -v
// flags override.
func applyCompatEnv(s *Settings, env []string) {
	if _, ok := lookup(env, envTiniKillGroup); ok {
		s.Group = true
	}
	if v, ok := lookup(env, envTiniVerbosity); ok && s.Verbose == 0 {
		// tini's default level 1 is its warnings, which tinyinit always
		// prints; only levels above it add diagnostics.
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 1 {
			s.Verbose = n - 1
		}
	}
	// TINI_SUBREAPER needs nothing: tinyinit is a subreaper whenever it is
	// not pid 1.
}

// settleDumbInit applies dumb-init's defaults when tinyinit runs as
// dumb-init: by name, by one of dumb-init's own flags, or because
// DUMB_INIT_SETSID is set. The app then gets a new session and signals go
// to its process group, unless --single-child or DUMB_INIT_SETSID=0 asks
// for neither. As dumb-init does in session mode, the terminal stop
// signals become SIGSTOP for the group, unless rewritten explicitly.
func settleDumbInit(s *Settings, env []string) {
	setsid, hasSetsid := lookup(env, envDumbInitSetsid)
	if s.Personality != DumbInit && (s.dumbInitFlag || hasSetsid) {
		s.Personality = DumbInit
	}
	if s.Personality != DumbInit {
		return
	}
	if s.SingleChild || setsid == "0" {
		s.SingleChild = true
		return
	}
	s.Setsid, s.Group = true, true
	for _, sig := range []unix.Signal{unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU} {
		if _, ok := s.Map[sig]; !ok {
			s.Map[sig] = unix.SIGSTOP
		}
	}
}

// RemapExit is tini's -e: the listed exit codes (including 128+N for an app
// killed by signal N) become 0. It is applied once, to the code tinyinit
// is about to exit with.
func (s *Settings) RemapExit(code int) int {
	for _, c := range s.ExitZero {
		if c == code {
			return 0
		}
	}
	return code
}
