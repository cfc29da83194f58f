package config

import (
	"errors"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

func TestPersonalityOf(t *testing.T) {
	cases := []struct {
		argv0 string
		want  Personality
	}{
		{"dumb-init", DumbInit},
		{"/usr/bin/dumb-init", DumbInit},
		{"tini", Tini},
		{"/tini", Tini},
		{"/usr/bin/tini-static", Tini},
		{"tinyinit", Tinyinit},
		{"/sbin/tinyinit", Tinyinit},
		{"dumb-init.sh", Tinyinit},
		{"/dumb-init/tinyinit", Tinyinit},
		{"", Tinyinit},
	}
	for _, c := range cases {
		if got := PersonalityOf(c.argv0); got != c.want {
			t.Errorf("PersonalityOf(%q) = %v, want %v", c.argv0, got, c.want)
		}
	}
}

func TestParseProgram(t *testing.T) {
	type want struct {
		personality Personality
		setsid      bool
		group       bool
		single      bool
		m           string
		exitZero    []int
		pdeath      unix.Signal
		warn        bool
		verbose     int
		argv0       string // the command's first word
	}
	cases := []struct {
		name string
		argv []string
		env  []string
		want want
		err  bool
	}{
		{name: "tinyinit defaults", argv: []string{"tinyinit", "--", "app"},
			want: want{personality: Tinyinit, argv0: "app"}},
		{name: "tini defaults are tinyinit's", argv: []string{"/tini", "--", "app"},
			want: want{personality: Tini, argv0: "app"}},
		{name: "tini options", argv: []string{"tini", "-s", "-g", "-w", "-e", "3", "-e143", "-p", "SIGKILL", "-vvv", "--", "app"},
			want: want{personality: Tini, group: true, warn: true, exitZero: []int{3, 143}, pdeath: unix.SIGKILL, verbose: 3, argv0: "app"}},
		{name: "tini clustered", argv: []string{"tini", "-sge", "3", "app"},
			want: want{personality: Tini, group: true, exitZero: []int{3}, argv0: "app"}},
		{name: "-p takes names and numbers", argv: []string{"tini", "-p", "15", "app"},
			want: want{personality: Tini, pdeath: unix.SIGTERM, argv0: "app"}},
		{name: "tini env", argv: []string{"tini", "app"}, env: []string{"TINI_KILL_PROCESS_GROUP=", "TINI_SUBREAPER=1", "TINI_VERBOSITY=3"},
			want: want{personality: Tini, group: true, verbose: 2, argv0: "app"}},
		{name: "-v beats TINI_VERBOSITY", argv: []string{"tini", "-v", "app"}, env: []string{"TINI_VERBOSITY=3"},
			want: want{personality: Tini, verbose: 1, argv0: "app"}},
		{name: "dumb-init defaults", argv: []string{"dumb-init", "app"},
			want: want{personality: DumbInit, setsid: true, group: true, m: "TSTP:STOP,TTIN:STOP,TTOU:STOP", argv0: "app"}},
		{name: "dumb-init rewrites", argv: []string{"dumb-init", "-r", "15:3", "--rewrite=2:0", "-r", "20:20", "app"},
			want: want{personality: DumbInit, setsid: true, group: true, m: "INT:none,TERM:QUIT,TSTP:TSTP,TTIN:STOP,TTOU:STOP", argv0: "app"}},
		{name: "dumb-init -c is --single-child", argv: []string{"dumb-init", "-cv", "app"},
			want: want{personality: DumbInit, single: true, verbose: 1, argv0: "app"}},
		{name: "dumb-init --single-child", argv: []string{"dumb-init", "--single-child", "app"},
			want: want{personality: DumbInit, single: true, argv0: "app"}},
		{name: "DUMB_INIT_SETSID=0", argv: []string{"dumb-init", "app"}, env: []string{"DUMB_INIT_SETSID=0"},
			want: want{personality: DumbInit, single: true, argv0: "app"}},
		{name: "DUMB_INIT_SETSID=1 keeps the session", argv: []string{"dumb-init", "app"}, env: []string{"DUMB_INIT_SETSID=1"},
			want: want{personality: DumbInit, setsid: true, group: true, m: "TSTP:STOP,TTIN:STOP,TTOU:STOP", argv0: "app"}},
		{name: "--rewrite switches tinyinit to dumb-init", argv: []string{"tinyinit", "--rewrite", "15:3", "app"},
			want: want{personality: DumbInit, setsid: true, group: true, m: "TERM:QUIT,TSTP:STOP,TTIN:STOP,TTOU:STOP", argv0: "app"}},
		{name: "-r switches tinyinit to dumb-init", argv: []string{"tinyinit", "-gr", "15:0", "app"},
			want: want{personality: DumbInit, setsid: true, group: true, m: "TERM:none,TSTP:STOP,TTIN:STOP,TTOU:STOP", argv0: "app"}},
		{name: "--single-child switches tinyinit", argv: []string{"tinyinit", "--single-child", "app"},
			want: want{personality: DumbInit, single: true, argv0: "app"}},
		{name: "DUMB_INIT_SETSID switches tinyinit", argv: []string{"tinyinit", "app"}, env: []string{"DUMB_INIT_SETSID=0"},
			want: want{personality: DumbInit, single: true, argv0: "app"}},
		{name: "--map does not switch", argv: []string{"tinyinit", "--map", "15:3", "app"},
			want: want{personality: Tinyinit, m: "TERM:QUIT", argv0: "app"}},
		{name: "as tini, -r is still dumb-init's", argv: []string{"tini", "-r", "15:3", "app"},
			want: want{personality: DumbInit, setsid: true, group: true, m: "TERM:QUIT,TSTP:STOP,TTIN:STOP,TTOU:STOP", argv0: "app"}},
		{name: "options stop at the command", argv: []string{"dumb-init", "app", "-c", "-r", "1:2"},
			want: want{personality: DumbInit, setsid: true, group: true, m: "TSTP:STOP,TTIN:STOP,TTOU:STOP", argv0: "app"}},

		{name: "-e out of range", argv: []string{"tini", "-e", "256", "app"}, err: true},
		{name: "-e not a number", argv: []string{"tini", "-e", "x", "app"}, err: true},
		{name: "-e without value", argv: []string{"tini", "-e"}, err: true},
		{name: "-p unknown", argv: []string{"tini", "-p", "SIGFOO", "app"}, err: true},
		{name: "-r target too big", argv: []string{"dumb-init", "-r", "15:99", "app"}, err: true},
		{name: "-r source 0", argv: []string{"dumb-init", "-r", "0:3", "app"}, err: true},
		{name: "-r source 32", argv: []string{"dumb-init", "-r", "32:3", "app"}, err: true},
		{name: "-r names are --map's", argv: []string{"dumb-init", "-r", "TERM:QUIT", "app"}, err: true},
		{name: "-r trailing junk", argv: []string{"dumb-init", "-r", "15:3x", "app"}, err: true},
		{name: "-r KILL", argv: []string{"dumb-init", "-r", "9:15", "app"}, err: true},
		{name: "-r no colon", argv: []string{"dumb-init", "-r", "15", "app"}, err: true},
		{name: "-c outside dumb-init is not --single-child", argv: []string{"tini", "-c", "app"}, err: true},
		{name: "no command", argv: []string{"dumb-init"}, err: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := ParseProgram(c.argv, c.env)
			if (err != nil) != c.err {
				t.Fatalf("ParseProgram(%q, %q): error %v, want error %v", c.argv, c.env, err, c.err)
			}
			if err != nil {
				var ue *UsageError
				if !errors.As(err, &ue) {
					t.Errorf("error %T is not a UsageError", err)
				}
				return
			}
			got := want{s.Personality, s.Setsid, s.Group, s.SingleChild, s.Map.String(), s.ExitZero, s.ParentDeath, s.WarnReap, s.Verbose, s.Argv[0]}
			if got.personality != c.want.personality || got.setsid != c.want.setsid || got.group != c.want.group ||
				got.single != c.want.single || got.m != c.want.m || !slices.Equal(got.exitZero, c.want.exitZero) ||
				got.pdeath != c.want.pdeath || got.warn != c.want.warn || got.verbose != c.want.verbose || got.argv0 != c.want.argv0 {
				t.Errorf("ParseProgram(%q, %q)\n got %+v\nwant %+v", c.argv, c.env, got, c.want)
			}
		})
	}
}

func TestInformationFlags(t *testing.T) {
	cases := []struct {
		argv                   []string
		help, version, license bool
	}{
		{argv: []string{"tini", "-l"}, license: true},
		{argv: []string{"tini", "-h"}, help: true},
		{argv: []string{"tini", "--version"}, version: true},
		{argv: []string{"dumb-init", "-V"}, version: true},
		{argv: []string{"dumb-init", "--help"}, help: true},
	}
	for _, c := range cases {
		s, err := ParseProgram(c.argv, nil)
		if err != nil {
			t.Errorf("ParseProgram(%q): %v", c.argv, err)
			continue
		}
		if s.Help != c.help || s.Version != c.version || s.License != c.license {
			t.Errorf("ParseProgram(%q) = help %v version %v license %v", c.argv, s.Help, s.Version, s.License)
		}
	}
}

func TestRemapExit(t *testing.T) {
	s := &Settings{ExitZero: []int{3, 143}}
	cases := []struct{ in, want int }{{3, 0}, {143, 0}, {0, 0}, {4, 4}, {137, 137}, {127, 127}}
	for _, c := range cases {
		if got := s.RemapExit(c.in); got != c.want {
			t.Errorf("RemapExit(%d) = %d, want %d", c.in, got, c.want)
		}
	}
}
