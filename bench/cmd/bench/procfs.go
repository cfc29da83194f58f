package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// The harness sees the namespace from the host: the init's host pid is the
// root, and its descendants are found through /proc/PID/task/TID/children,
// which lists a thread's children, zombies included until they are reaped.
// That is the only way to count from outside without a /proc mounted in
// the namespace, and reading one file per thread of the init is cheap even
// with 50,000 children.

// children returns the pids of pid's children, over all its threads
// (an orphan is re-parented to one thread of the reaper, not always the
// main one).
func children(pid int) ([]int, error) {
	tasks, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	if err != nil {
		return nil, fmt.Errorf("list threads of %d: %w", pid, err)
	}
	var out []int
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + t.Name() + "/children")
		if err != nil {
			continue // the thread exited meanwhile
		}
		for _, f := range bytes.Fields(b) {
			if c, err := strconv.Atoi(string(f)); err == nil {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// descendants returns every process below pid, breadth first.
func descendants(pid int) []int {
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		kids, _ := children(queue[0])
		queue = append(queue[1:], kids...)
		out = append(out, kids...)
	}
	return out
}

// procStat returns the state letter and command name of pid. The name may
// hold spaces and parentheses, so it is cut at the last ')'.
func procStat(pid int) (state byte, comm string, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, "", err
	}
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open || end+2 >= len(b) {
		return 0, "", fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	return b[end+2], string(b[open+1 : end]), nil
}

// zombies counts the processes in state Z below pid.
func zombies(pid int) int {
	n := 0
	for _, d := range descendants(pid) {
		if st, _, err := procStat(d); err == nil && st == 'Z' {
			n++
		}
	}
	return n
}

// memory returns Rss and Pss of pid in bytes, from smaps_rollup.
func memory(pid int) (rss, pss float64, err error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
		if err != nil {
			continue
		}
		switch k {
		case "Rss":
			rss = kb * 1024
		case "Pss":
			pss = kb * 1024
		}
	}
	return rss, pss, sc.Err()
}

// statusField returns a numeric field of /proc/PID/status, e.g. "Threads".
func statusField(pid int, field string) (int, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strconv.Atoi(strings.Fields(v)[0])
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no %s", pid, field)
}
