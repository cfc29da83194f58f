package config

import (
	"testing"
)

// FuzzParseFile: any bytes give a File or a one-line usage error, never a
// panic. The seeds are run by every "go test".
func FuzzParseFile(f *testing.F) {
	for _, s := range []string{
		"grace = \"10s\"\n[signals]\nTERM = \"QUIT\"\n",
		"[signals]\nTERM = 3\nHUP = 0\nINT = \"none\"\n",
		"[commands.web]\nrun = [\"puma\"]\n[commands.web.signals]\nTERM = \"QUIT\"\n",
		"[hostname]\ntemplate = \"{workload}-{index}.{host}\"\n",
		"[signals\n",
		"grace = [1, 2]\n",
		"a.b.c = { d = 1 }\n",
		"\"quoted key\" = 1\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := parseFile("fuzz.toml", b)
		if err != nil {
			if _, ok := err.(*UsageError); !ok {
				t.Fatalf("error %T is not a UsageError: %v", err, err)
			}
			return
		}
		if _, err := file.layer(); err != nil {
			if _, ok := err.(*UsageError); !ok {
				t.Fatalf("layer error %T is not a UsageError: %v", err, err)
			}
		}
	})
}

// FuzzParseArgs: any command line parses or fails with a UsageError.
func FuzzParseArgs(f *testing.F) {
	for _, s := range []string{"-m TERM:QUIT -- app", "-gvv app", "--map=15:0 app", "--grace 1s app", "-c", "--"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := splitSpaces(line)
		if _, err := Parse(args); err != nil {
			if _, ok := err.(*UsageError); !ok {
				t.Fatalf("error %T is not a UsageError: %v", err, err)
			}
		}
	})
}

func splitSpaces(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		if r == ' ' {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}
