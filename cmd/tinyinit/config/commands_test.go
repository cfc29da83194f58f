package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const planConfig = `grace = "5s"
[signals]
INT = "QUIT"

[bootstrap]
run = ["setup"]

[commands.web]
run = ["puma", "-p", "80"]
check = ["check-schema"]
grace = "20s"
env = { ROLE = "web" }
workdir = "/app"

[commands.worker]
run = ["rake", "resque:work"]
needs = ["migrate"]
[commands.worker.signals]
TERM = "QUIT"

[commands.migrate]
run = ["rake", "db:migrate"]
needs = ["bootstrap"]
`

func TestPlan(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.toml")
	if err := os.WriteFile(cfg, []byte(planConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	isProgram := func(name string) bool { return name == "sh" }
	type want struct {
		kind  StepKind
		argv  string
		m     string
		grace time.Duration
	}
	cases := []struct {
		name  string
		args  []string
		env   []string
		steps []want
	}{
		{"program", []string{"sh", "-c", "x"}, nil, []want{{Service, "sh -c x", "INT:QUIT", 5 * time.Second}}},
		{"path beats command", []string{"./web"}, nil, []want{{Service, "./web", "INT:QUIT", 5 * time.Second}}},
		{"command with args", []string{"web", "-t", "4"}, nil, []want{
			{Check, "check-schema", "INT:QUIT", 20 * time.Second},
			{Service, "puma -p 80 -t 4", "INT:QUIT", 20 * time.Second}}},
		{"own table, needs chain", []string{"worker"}, nil, []want{
			{Bootstrap, "setup", "INT:QUIT", 5 * time.Second},
			{Bootstrap, "rake db:migrate", "INT:QUIT", 5 * time.Second},
			{Service, "rake resque:work", "INT:QUIT,TERM:QUIT", 5 * time.Second}}},
		{"env over command table", []string{"worker"}, []string{EnvMap + "=TERM:TERM"}, []want{
			{Bootstrap, "setup", "INT:QUIT,TERM:TERM", 5 * time.Second},
			{Bootstrap, "rake db:migrate", "INT:QUIT,TERM:TERM", 5 * time.Second},
			{Service, "rake resque:work", "INT:QUIT,TERM:TERM", 5 * time.Second}}},
		{"flag over command grace", []string{"--grace", "1s", "web"}, nil, []want{
			{Check, "check-schema", "INT:QUIT", time.Second},
			{Service, "puma -p 80", "INT:QUIT", time.Second}}},
		{"bootstrap alone with args", []string{"bootstrap", "--seed"}, nil, []want{{Service, "setup --seed", "INT:QUIT", 5 * time.Second}}},
		{"bootstrap then a command", []string{"bootstrap", "migrate"}, nil, []want{
			{Bootstrap, "setup", "INT:QUIT", 5 * time.Second},
			{Service, "rake db:migrate", "INT:QUIT", 5 * time.Second}}},
		// Regression: --check with no command (checking the config alone)
		// indexed an empty command line and panicked.
		{"check without a command", []string{"--check"}, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Load(append([]string{"-c", cfg}, c.args...), c.env)
			if err != nil {
				t.Fatal(err)
			}
			steps, err := s.Plan(isProgram)
			if err != nil {
				t.Fatal(err)
			}
			if len(steps) != len(c.steps) {
				t.Fatalf("%d steps, want %d: %+v", len(steps), len(c.steps), steps)
			}
			for i, st := range steps {
				w := c.steps[i]
				if st.Kind != w.kind || strings.Join(st.Argv, " ") != w.argv || st.Map.String() != w.m || st.Grace != w.grace {
					t.Errorf("step %d = kind %d %q map %q grace %v; want %+v", i, st.Kind, st.Argv, st.Map, st.Grace, w)
				}
			}
		})
	}
	s, err := Load([]string{"-c", cfg, "nope"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Plan(isProgram); err == nil || !strings.Contains(err.Error(), "bootstrap, migrate, web, worker") {
		t.Fatalf("unknown name: %v", err)
	}
}

func TestStepEnviron(t *testing.T) {
	st := Step{Env: []string{"ROLE=web", "NEW=1"}}
	got := strings.Join(st.Environ([]string{"PATH=/bin", "ROLE=old", "ROLEX=keep"}), " ")
	if got != "PATH=/bin ROLEX=keep ROLE=web NEW=1" {
		t.Fatalf("Environ = %q", got)
	}
}

// A command's name may hold a newline (a quoted TOML key): the error that
// lists the commands stays one line.
func TestPlanUnknownNameOneLine(t *testing.T) {
	f, err := parseFile("c.toml", []byte("[commands.\"a\\nb\"]\nrun = [\"x\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	s := &Settings{File: f, Argv: []string{"nope"}}
	_, err = s.Plan(func(string) bool { return false })
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), `(a\nb)`) {
		t.Fatalf("Plan: %q, want one line listing a\\nb", err)
	}
}
