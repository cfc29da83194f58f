package signals

import (
	"errors"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Drop is the target that swallows a signal instead of delivering it, as
// dumb-init's "--rewrite 15:0" does.
const Drop unix.Signal = 0

// Map translates the signals tinyinit receives into the signals the app is
// sent. A signal without an entry is delivered unchanged.
type Map map[unix.Signal]unix.Signal

// Translate returns the signal to deliver for sig; Drop means deliver none.
func (m Map) Translate(sig unix.Signal) unix.Signal {
	if to, ok := m[sig]; ok {
		return to
	}
	return sig
}

// Set records FROM→TO after checking that the pair can work: an init never
// sees SIGKILL or SIGSTOP, and SIGCHLD is its own business, never forwarded.
func (m Map) Set(from, to unix.Signal) error {
	if !Forwardable(from) {
		return errors.New(Name(from) + " cannot be translated: tinyinit never receives it as a signal to forward")
	}
	m[from] = to
	return nil
}

// ParsePair reads one "FROM:TO" entry: names or numbers on each side, and a
// target of "0" or "none" to drop the signal. "TERM=QUIT" is accepted too.
func ParsePair(s string) (from, to unix.Signal, err error) {
	i := strings.IndexAny(s, ":=")
	if i < 0 {
		return 0, 0, errors.New(strconv.Quote(s) + ": want FROM:TO, e.g. TERM:QUIT")
	}
	from, err = Parse(s[:i])
	if err != nil {
		return 0, 0, &pairError{s, err}
	}
	to, err = ParseTarget(s[i+1:])
	if err != nil {
		return 0, 0, &pairError{s, err}
	}
	return from, to, nil
}

// pairError is a mistake in one side of a pair: "TERM:QUITE": unknown
// signal "QUITE". It wraps the side's error, as fmt's %w would.
type pairError struct {
	pair string
	err  error
}

func (e *pairError) Error() string { return strconv.Quote(e.pair) + ": " + e.err.Error() }
func (e *pairError) Unwrap() error { return e.err }

// ParseTarget reads the right side of a mapping, where "0" and "none" mean Drop.
func ParseTarget(s string) (unix.Signal, error) {
	t := strings.TrimSpace(s)
	if t == "0" || strings.EqualFold(t, "none") {
		return Drop, nil
	}
	return Parse(t)
}

// ParseMap reads a list of pairs separated by commas or spaces
// ("TERM:QUIT,INT:QUIT"), the form of TINYINIT_MAP.
func ParseMap(s string) (Map, error) {
	m := Map{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		from, to, err := ParsePair(f)
		if err != nil {
			return nil, err
		}
		if err := m.Set(from, to); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// String renders the table in ParseMap's form, sorted by source signal, so
// --check prints a stable line.
func (m Map) String() string {
	from := make([]int, 0, len(m))
	for f := range m {
		from = append(from, int(f))
	}
	sort.Ints(from)
	parts := make([]string, 0, len(from))
	for _, f := range from {
		to := "none"
		if t := m[unix.Signal(f)]; t != Drop {
			to = Name(t)
		}
		parts = append(parts, Name(unix.Signal(f))+":"+to)
	}
	return strings.Join(parts, ",")
}
