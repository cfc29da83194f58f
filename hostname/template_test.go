package hostname

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestExpand(t *testing.T) {
	v := Vars{Hostname: "abc123", Workload: "unicorn", Index: "1", Host: "server2.example.com"}
	tests := []struct {
		tmpl, want, err string
	}{
		{tmpl: DefaultTemplate, want: "abc123.server2.example.com"},
		{tmpl: "{workload}-{index}.{host}", want: "unicorn-1.server2.example.com"},
		{tmpl: "literal.example", want: "literal.example"},
		{tmpl: "{workload}{workload}", want: "unicornunicorn"},
		{tmpl: "", err: "empty template"},
		{tmpl: "{nope}.{host}", err: "unknown variable {nope}"},
		{tmpl: "{}", err: "unknown variable {}"},
		{tmpl: "{HOST}", err: "unknown variable {HOST}"},
		{tmpl: "{host", err: "'{' without '}'"},
		{tmpl: "{wo{rkload}", err: "'{' without '}'"},
		{tmpl: "host}", err: "'}' without '{'"},
		{tmpl: "a}{host}", err: "'}' without '{'"},
	}
	for _, tt := range tests {
		got, err := Expand(tt.tmpl, v)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.HasPrefix(err.Error(), "hostname: ") {
				t.Errorf("Expand(%q) = %q, %v; want error containing %q", tt.tmpl, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Expand(%q) = %q, %v; want %q", tt.tmpl, got, err, tt.want)
		}
	}
}

func TestExpandEmptyValue(t *testing.T) {
	for _, name := range []string{"hostname", "workload", "index", "host"} {
		_, err := Expand("{"+name+"}", Vars{})
		if err == nil || !strings.Contains(err.Error(), "has no value") {
			t.Errorf("{%s} with no value: err = %v; want 'has no value'", name, err)
		}
	}
}

func TestValidate(t *testing.T) {
	label63 := strings.Repeat("a", 63)
	tests := []struct {
		name string
		ok   bool
	}{
		{"unicorn-1.server2.example.com", true},
		{"a", true},
		{"1a.b2", true},
		{"A-b.C", true},
		{label63 + ".com", true},
		{label63 + "a.com", false},
		{strings.Repeat(label63+".", 3) + strings.Repeat("a", 61), true}, // 253
		{strings.Repeat(label63+".", 3) + strings.Repeat("a", 62), false},
		{"", false},
		{"a..b", false},
		{".a", false},
		{"a.", false},
		{"-a.b", false},
		{"a-.b", false},
		{"a_b", false},
		{"a b", false},
		{"ü.example", false},
	}
	for _, tt := range tests {
		err := Validate(tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("Validate(%q) = %v; want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestResolve(t *testing.T) {
	files := map[string]string{
		DefaultHostFQDNFile: "server2.example.com.\n",
		"/other":            "  other.example.org  \nignored\n",
		"/empty":            "\n",
	}
	readFile := func(p string) ([]byte, error) {
		if s, ok := files[p]; ok {
			return []byte(s), nil
		}
		return nil, fs.ErrNotExist
	}
	noFile := func(string) ([]byte, error) { return nil, fs.ErrNotExist }
	tests := []struct {
		name     string
		s        Settings
		noDflt   bool // no file at DefaultHostFQDNFile
		current  string
		want     string
		errMatch string
	}{
		{name: "nothing asked", s: Settings{}, noDflt: true, current: "abc", want: ""},
		{name: "default file gives default template", s: Settings{}, current: "abc", want: "abc.server2.example.com"},
		{name: "env host beats file", s: Settings{HostFQDN: "h.example"}, current: "abc", want: "abc.h.example"},
		{name: "named file", s: Settings{HostFQDNFile: "/other"}, current: "abc", want: "abc.other.example.org"},
		{name: "named file missing", s: Settings{HostFQDNFile: "/missing"}, current: "abc", errMatch: "host FQDN"},
		{name: "empty file", s: Settings{HostFQDNFile: "/empty"}, current: "abc", errMatch: "is empty"},
		{name: "short name only", s: Settings{HostFQDN: "h.example"}, current: "abc.h.example", want: "abc.h.example"},
		{name: "template without host", s: Settings{Template: "{workload}-{index}", Workload: "web", Index: "2"}, noDflt: true, current: "abc", want: "web-2"},
		{name: "host needed", s: Settings{Template: "{hostname}.{host}"}, noDflt: true, current: "abc", errMatch: "{host}"},
		{name: "invalid result", s: Settings{Template: "{workload}.x", Workload: "under_score"}, noDflt: true, current: "abc", errMatch: "not a letter"},
		{name: "too long", s: Settings{Template: "{workload}.{host}", Workload: strings.Repeat("a", 63), HostFQDN: strings.Repeat("b.", 100) + "c"}, current: "abc", errMatch: "limit is 253"},
		{name: "bad hostname_env", s: Settings{HostFQDN: "h", HostnameEnv: "yes"}, current: "abc", errMatch: "hostname_env"},
	}
	for _, tt := range tests {
		rf := readFile
		if tt.noDflt {
			rf = noFile
		}
		got, err := resolve(tt.s, tt.current, rf)
		if tt.errMatch != "" {
			if err == nil || !strings.Contains(err.Error(), tt.errMatch) {
				t.Errorf("%s: got %q, %v; want error containing %q", tt.name, got, err, tt.errMatch)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: got %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}

func TestPrecedence(t *testing.T) {
	flag := Settings{Template: "{workload}.flag"}
	env := FromEnv([]string{
		"TINYINIT_HOSTNAME={workload}.env", "TINYINIT_WORKLOAD=envwork",
		"TINYINIT_WORKLOAD=second", "TINYINIT_HOST_FQDN=env.example",
	})
	config := Settings{Template: "{workload}.config", Workload: "confwork", Index: "7", HostFQDN: "conf.example"}
	got := flag.Or(env).Or(config)
	want := Settings{Template: "{workload}.flag", Workload: "envwork", Index: "7", HostFQDN: "env.example"}
	if got != want {
		t.Errorf("flag.Or(env).Or(config) = %+v; want %+v", got, want)
	}
}

func TestReadFileErrorIsReported(t *testing.T) {
	failing := func(string) ([]byte, error) { return nil, errors.New("boom") }
	if _, err := resolve(Settings{}, "abc", failing); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("unreadable default file: err = %v; want it reported", err)
	}
}

// FuzzExpand checks the parser's promises on any input: no panic, and a
// successful expansion contains no brace and is made of the template's
// literal text and the values alone.
func FuzzExpand(f *testing.F) {
	for _, s := range []string{DefaultTemplate, "{workload}-{index}.{host}", "{", "}", "{}", "{{host}}", "a{host", "{host}}", "x.y", ""} {
		f.Add(s)
	}
	v := Vars{Hostname: "h", Workload: "w", Index: "1", Host: "example.com"}
	f.Fuzz(func(t *testing.T, tmpl string) {
		got, err := Expand(tmpl, v)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "hostname: ") {
				t.Fatalf("error without context: %v", err)
			}
			return
		}
		if strings.ContainsAny(got, "{}") {
			t.Fatalf("Expand(%q) = %q still holds a brace", tmpl, got)
		}
		if !strings.ContainsAny(tmpl, "{}") && got != tmpl {
			t.Fatalf("Expand(%q) = %q; a template without variables must stay as it is", tmpl, got)
		}
		if utf8.ValidString(tmpl) && !utf8.ValidString(got) {
			t.Fatalf("Expand(%q) = %q broke UTF-8", tmpl, got)
		}
		// What Expand yields goes to Validate before any use: it must
		// refuse or accept it with an error that says where it comes from.
		if err := Validate(got); err != nil && !strings.HasPrefix(err.Error(), "hostname: ") {
			t.Fatalf("Validate(%q): error without context: %v", got, err)
		}
	})
}
