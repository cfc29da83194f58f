package config

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestParseFileErrors: the schema's errors, each at the line of the value
// it is about, in the wording the README shows.
func TestParseFileErrors(t *testing.T) {
	cases := []struct{ in, err string }{
		{"group = \"yes\"\n", `f.toml:1: group: want bool, not a TOML string`},
		{"\nno_shim = 1\n", `f.toml:2: no_shim: want bool, not a TOML integer`},
		{"verbose = 1.5\n", `f.toml:1: verbose: want int, not a TOML float`},
		{"stop_signals = \"TERM\"\n", `f.toml:1: stop_signals: want a list, not a TOML string`},
		{"stop_signals = [\n  \"TERM\",\n  2,\n]\n", `f.toml:3: stop_signals: want string, not a TOML integer`},
		{"grace = true\n", `f.toml:1: grace: want a duration like "10s" or a number of seconds, not a TOML boolean`},
		{"signals = 1\n", `f.toml:1: signals: want a table, not a TOML integer`},
		{"[signals]\nTERM = [\"QUIT\"]\n", `f.toml:2: signals.TERM: want a signal name or number, not a TOML array`},
		{"[hostname]\ntemplate = 1\n", `f.toml:2: hostname.template: want string, not a TOML integer`},
		{"[commands]\nweb = \"puma\"\n", `f.toml:2: commands.web: want a table, not a TOML string`},
		{"[commands.web]\nrun = [\"x\"]\nenv = { A = \"1\", B = 2 }\n", `f.toml:3: commands.web.env.B: want string, not a TOML integer`},
		{"[commands.web]\nrun = [\"x\"]\nneeds = \"db\"\n", `f.toml:3: commands.web.needs: want a list, not a TOML string`},

		{"grace = \"1s\"\n\n\ngrase = \"2s\"\n", `f.toml:4: unknown key "grase"`},
		{"[hostname]\ntemplat = \"x\"\n", `f.toml:2: unknown key "hostname.templat"`},
		{"[x]\ny = 1\n", `f.toml:1: unknown key "x"`},
		{"[commands.a]\nrun = [\"x\"]\ncmd = [\"y\"]\n", `f.toml:3: unknown key "commands.a.cmd"`},
		{"[bootstrap]\nrun = [\"x\"]\n[bootstrap.signals]\nTERM = 'QUIT'\n[bootstrap.x]\n", `f.toml:5: unknown key "bootstrap.x"`},
		{"verbose = 1\n[hostname]\nverbose = 2\n", `f.toml:3: unknown key "hostname.verbose"`},

		// Errors found after decoding still name the line.
		{"\n[signals]\nTERM = \"QUITE\"\n", `f.toml:3: signals.TERM: unknown signal "QUITE"`},
		// Of two mistakes, the same one every time (keys in order), and
		// one signal under two spellings is refused, not a coin toss.
		{"[signals]\nZZZ = \"QUIT\"\nAAA = \"QUIT\"\n", `f.toml:3: signals.AAA: unknown signal "AAA"`},
		{"[signals]\nHUP = \"QUIT\"\n1 = 0\n", `f.toml:2: signals.HUP: HUP is already translated, as "1"`},
		{"[commands.w]\nrun = [\"x\"]\n[commands.w.signals]\nSIGTERM = \"QUIT\"\nTERM = \"INT\"\n", `f.toml:5: commands.w.signals.TERM: TERM is already translated, as "SIGTERM"`},
		{"[commands.web]\ndescription = \"y\"\n", `f.toml:1: commands.web.run: must name a program`},
		{"[commands.web.signals]\n\n[commands.web]\ndescription = \"y\"\n", `f.toml:3: commands.web.run: must name a program`},
		{"[commands.a]\nrun = [\"x\"]\nneeds = [\"a\"]\n", `f.toml:3: commands.a.needs: cycle: a -> a`},
		{"[signals]\n\"a\\nb\" = \"QUIT\"\n", `f.toml:2: signals.a\nb: unknown signal "a\nb"`},
		{"[commands.\"a\\nb\"]\nrun = [\"x\"]\nneeds = [\"a\\nb\"]\n", `f.toml:3: commands.a\nb.needs: cycle: a\nb -> a\nb`},
		// A name may hold a dot: the line is found by the key's parts, not
		// its text (commands."a.run" is not the run of commands.a).
		{"[commands.\"a.run\"]\nrun = [\"x\"]\n[commands.a]\ndescription = \"y\"\n", `f.toml:3: commands.a.run: must name a program`},
		{"[commands.a]\nrun = [\"\"]\n[commands.\"a.run\"]\nrun = [\"x\"]\n", `f.toml:2: commands.a.run: must name a program`},

		// The reader's errors, with the file's name.
		{"[signals\n", `f.toml:1: expected ']' to close the table header`},
		{"grace = 1979-05-27\n", `f.toml:1: grace: dates and times are not supported in tinyinit's config`},
	}
	for _, c := range cases {
		f, err := parseFile("f.toml", []byte(c.in))
		if err == nil {
			_, err = f.layer()
		}
		if err == nil || !strings.HasPrefix(err.Error(), c.err) || strings.Contains(err.Error(), "\n") {
			t.Errorf("parseFile(%q): %v\nwant one line starting %q", c.in, err, c.err)
		}
		if _, ok := err.(*UsageError); err != nil && !ok {
			t.Errorf("parseFile(%q): error %T, want *UsageError", c.in, err)
		}
	}
}

// TestParseFileValues: the schema fields as decoded.
func TestParseFileValues(t *testing.T) {
	const config = `grace = 1.5
group = true
no_shim = false
verbose = 2
stop_signals = ["TERM", "INT"]
signals = { TERM = "QUIT", HUP = 0 }
[hostname]
template = "{workload}-{index}.{host}"
workload = "w"
index = "1"
host_fqdn = "h.example"
host_fqdn_file = "/f"
hostname_env = "fqdn"
[bootstrap]
run = ["setup"]
[commands.web]
description = "d"
run = ["puma", "-p", "80"]
check = []
env.ROLE = "web"
workdir = "/app"
grace = "20s"
group = false
stop_signals = ["QUIT"]
needs = ["bootstrap"]
signals.TERM = 3
`
	// An empty list is not a missing one.
	_, err := parseFile("f.toml", []byte(config))
	if err == nil || !strings.Contains(err.Error(), "f.toml:19: commands.web.check: must name a program, or be left out") {
		t.Fatalf("check = []: %v", err)
	}
	f, err := parseFile("f.toml", []byte(strings.Replace(config, "check = []\n", "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	w := f.Commands["web"]
	switch {
	case f.Grace != 1.5 || *f.Group != true || *f.NoShim != false || *f.Verbose != 2:
		t.Errorf("top level: %v %v %v %v", f.Grace, *f.Group, *f.NoShim, *f.Verbose)
	case strings.Join(f.StopSignals, ",") != "TERM,INT" || f.Signals["TERM"] != "QUIT" || f.Signals["HUP"] != int64(0):
		t.Errorf("signals: %v %v", f.StopSignals, f.Signals)
	case *f.Hostname != HostnameSection{"{workload}-{index}.{host}", "w", "1", "h.example", "/f", "fqdn"}:
		t.Errorf("hostname: %+v", *f.Hostname)
	case strings.Join(f.Bootstrap.Run, " ") != "setup":
		t.Errorf("bootstrap: %+v", *f.Bootstrap)
	case w.Description != "d" || strings.Join(w.Run, " ") != "puma -p 80" || w.Check != nil || w.Env["ROLE"] != "web" ||
		w.Workdir != "/app" || w.Grace != "20s" || *w.Group || w.StopSignals[0] != "QUIT" || w.Needs[0] != "bootstrap" || w.Signals["TERM"] != int64(3):
		t.Errorf("commands.web: %+v", w)
	}
}

// TestLoadLinear: loading a config (the schema walk, the commands' checks,
// the signal tables) and planning a command cost what the file's size
// does, whatever its shape.
// The walk built every key's dotted text, for errors and a key → line map,
// so a long table name cost its length once per key under it: a command
// name of 64 KiB over 16K env entries (320 KB of TOML) allocated 1.1 GB
// and took 6 s; the needs were walked from each command anew, with a scan
// of the path at each step. Each shape is loaded at sizes up to the 1 MiB a config may
// have; the bytes allocated per byte of config must not grow with the size
// (work quadratic in it grows them 4 times at each step). Times are
// logged, not asserted.
func TestLoadLinear(t *testing.T) {
	cases := []struct {
		name string
		gen  func(size int) string
		err  string // what the error says; "" for none
	}{
		{"env under a long command name", func(size int) string {
			name := strconv.Quote(strings.Repeat("n", size/4))
			return fill("[commands."+name+"]\nrun = [\"x\"]\n[commands."+name+".env]\n", size, "", envEntry)
		}, ""},
		{"signals under a long command name", func(size int) string {
			name := strconv.Quote(strings.Repeat("n", size/4))
			return fill("[commands."+name+"]\nrun = [\"x\"]\n[commands."+name+".signals]\n", size, "", signalEntry)
		}, alreadyTranslated},
		{"long names under [signals]", func(size int) string {
			return fill("[signals]\n", size, "", longSignalEntry(size/80))
		}, alreadyTranslated},
		{"long names under a long command's signals", func(size int) string {
			name := strconv.Quote(strings.Repeat("n", size/8))
			return fill("[commands."+name+"]\nrun = [\"x\"]\n[commands."+name+".signals]\n", size, "", longSignalEntry(size/96))
		}, alreadyTranslated},
		{"dotted keys under a long command name", func(size int) string {
			name := strconv.Quote(strings.Repeat("n", size/4))
			return fill("[commands."+name+"]\nrun = [\"x\"]\n", size, "", func(i int) string {
				if i%2 == 0 {
					return "env." + envEntry(i)
				}
				return "signals." + signalEntry(i)
			})
		}, alreadyTranslated},
		{"inline tables under a long command name", func(size int) string {
			name := strconv.Quote(strings.Repeat("n", size/4))
			return fill("[commands]\n"+name+" = { run = [\"x\"], env = {\n", size, "} }\n", func(i int) string {
				return strings.Replace(envEntry(i), "\n", ",\n", 1)
			})
		}, ""},
		{"many commands with long names", func(size int) string {
			n := size / 96
			return fill("", size, "", func(i int) string {
				name := strconv.Quote(fmt.Sprintf("%0*d", n, i))
				needs := ""
				if i > 0 {
					needs = "needs = [" + strconv.Quote(fmt.Sprintf("%0*d", n, i-1)) + "]\n"
				}
				return "[commands." + name + "]\nrun = [\"x\"]\n" + needs + "env = { A = \"1\" }\nsignals = { TERM = \"QUIT\" }\n"
			})
		}, ""},
		{"a chain of needs", func(size int) string {
			return fill("[commands.c000000]\nrun = [\"x\"]\n", size, "", chainEntry)
		}, ""},

		// The same shapes with a mistake at the end: the error names the
		// long key once.
		{"a wrong env value under a long command name", func(size int) string {
			name := strconv.Quote(strings.Repeat("n", size/4))
			return fill("[commands."+name+"]\nrun = [\"x\"]\n[commands."+name+".env]\n", size, "last = 1\n", envEntry)
		}, ".env.last: want string, not a TOML integer"},
		{"an unknown signal under a long command name", func(size int) string {
			name := strconv.Quote(strings.Repeat("n", size/4))
			return fill("[commands."+name+"]\nrun = [\"x\"]\n[commands."+name+".signals]\n", size, "\"\\tNOPE\" = 1\n", signalEntry)
		}, `.signals.\tNOPE: unknown signal "\tNOPE"`},
		{"a chain of needs ending in a cycle", func(size int) string {
			return fill("[commands.c000000]\nrun = [\"x\"]\nneeds = [\"last\"]\n", size, "[commands.last]\nrun = [\"x\"]\nneeds = [\"c000000\"]\n", chainEntry)
		}, "commands.last.needs: cycle: c000000 -> last -> c000000"},
		{"a chain of needs ending in a missing one", func(size int) string {
			return fill("[commands.c000000]\nrun = [\"x\"]\nneeds = [\"last\"]\n", size, "", chainEntry)
		}, `f.toml:3: commands.c000000.needs: "last" is not a command in this config`},
	}
	sizes := []int{16 << 10, 64 << 10, 256 << 10, maxFileSize}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var perByte0 float64
			for _, size := range sizes {
				in := c.gen(size)
				if len(in) > maxFileSize {
					t.Fatalf("%d bytes: more than a config may have", len(in))
				}
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				start := time.Now()
				f, err := parseFile("f.toml", []byte(in))
				if err == nil {
					err = planLast(f)
				}
				took := time.Since(start)
				runtime.ReadMemStats(&after)
				switch {
				case c.err == "" && err != nil:
					t.Fatalf("%d bytes: %.200s", len(in), err)
				case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
					t.Fatalf("%d bytes: %.200v, want an error with %q", len(in), err, c.err)
				}
				alloc := after.TotalAlloc - before.TotalAlloc
				perByte := float64(alloc) / float64(len(in))
				t.Logf("%7d bytes: %6.1f ms, %6.1f MB allocated (%4.0f per byte), %d allocations",
					len(in), float64(took.Microseconds())/1000, float64(alloc)/1e6, perByte, after.Mallocs-before.Mallocs)
				if perByte0 == 0 {
					perByte0 = perByte
				} else if perByte > 2*perByte0 {
					// Stop before the larger sizes: quadratic work there
					// would take minutes and gigabytes.
					t.Fatalf("%d bytes allocated %.0f per byte, %d bytes %.0f: not linear", sizes[0], perByte0, len(in), perByte)
				}
			}
		})
	}
}

// planLast settles the settings as a start does, and plans the command
// last in name order (in a chain of needs, the end).
func planLast(f *File) error {
	s, err := settingsWithFile(f)
	if err != nil {
		return err
	}
	names := f.listNames()
	if len(names) == 0 {
		return nil
	}
	s.Argv = []string{names[len(names)-1]}
	_, err = s.Plan(func(string) bool { return false })
	return err
}

// fill is head, then entry(0), entry(1)... while they fit in size bytes
// with tail, then tail.
func fill(head string, size int, tail string, entry func(i int) string) string {
	var b strings.Builder
	b.WriteString(head)
	for i := 0; ; i++ {
		e := entry(i)
		if b.Len()+len(e)+len(tail) > size {
			break
		}
		b.WriteString(e)
	}
	b.WriteString(tail)
	return b.String()
}

func envEntry(i int) string { return fmt.Sprintf("v%06d = \"\"\n", i) }

// signalEntry is a distinct valid signal name for each i: RTMIN+0 to
// RTMIN+30 in each of the 256 ways of capitalising "sigrtmin", then the
// same after one space, two...
// alreadyTranslated is the error of a table bigger than the signals there
// are: two of its spellings name one signal. It is found in key order, after
// the whole file was read and decoded, which is the cost measured.
const alreadyTranslated = "is already translated, as"

func signalEntry(i int) string {
	word := []byte("sigrtmin")
	mask := i / 31 % 256
	for j := range word {
		if mask&(1<<j) != 0 {
			word[j] -= 'a' - 'A'
		}
	}
	return strconv.Quote(strings.Repeat(" ", i/31/256)+string(word)+"+"+strconv.Itoa(i%31)) + " = 1\n"
}

// longSignalEntry makes names of width characters: the forwardable signal
// numbers with leading zeros, then the same after spaces.
func longSignalEntry(width int) func(i int) string {
	var nums []int
	for n := 1; n <= 64; n++ {
		if n != 9 && n != 17 && n != 19 { // KILL, CHLD, STOP
			nums = append(nums, n)
		}
	}
	return func(i int) string {
		spaces := i / len(nums)
		return strconv.Quote(strings.Repeat(" ", spaces)+fmt.Sprintf("%0*d", width-spaces, nums[i%len(nums)])) + " = \"TERM\"\n"
	}
}

// chainEntry is command c(i+1), which needs c(i).
func chainEntry(i int) string {
	return fmt.Sprintf("[commands.c%06d]\nrun = [\"x\"]\nneeds = [\"c%06d\"]\n", i+1, i)
}
