package shim

import (
	"bytes"
	"os"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// What the shim takes of init's memory. A plain fork would give it a
// copy-on-write share of all of it, about a megabyte of Go heap and runtime
// structures that the shim never reads: counted in its RSS, copied page by
// page as init's runtime writes to it after the fork, and page tables to
// copy again when the shim forks the app. So the plan lives in a mapping of
// its own, and around the fork every other anonymous mapping of init is
// marked MADV_DONTFORK, but for a window around the forking goroutine's
// stack: the shim's memory is its plan, the stack it runs on, and the
// binary's data and bss.

const (
	maxLeave    = 64        // mappings left behind; any beyond are shared as usual
	stackWindow = 32 << 10  // kept on each side of the forking frame
	mapsLimit   = 256 << 10 // /proc/self/maps of a Go init is a few KiB
)

type memRange struct{ lo, hi uintptr }

// planMemory is the plan's own mapping: the forkPlan, then the C strings
// and pointer arrays it refers to.
type planMemory struct {
	mem  []byte
	off  int
	plan *forkPlan
}

func newPlanMemory(strs []string, ptrs int) (*planMemory, error) {
	size := align8(int(unsafe.Sizeof(forkPlan{})))
	for _, s := range strs {
		size += len(s) + 1
	}
	size += 16 + 8*ptrs // two arrays, each aligned
	mem, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, err
	}
	m := &planMemory{mem: mem, off: align8(int(unsafe.Sizeof(forkPlan{})))}
	m.plan = (*forkPlan)(unsafe.Pointer(&mem[0]))
	return m, nil
}

func (m *planMemory) addr() uintptr { return uintptr(unsafe.Pointer(&m.mem[0])) + uintptr(m.off) }

// bounds is the plan's mapping, whole pages as the kernel maps them.
func (m *planMemory) bounds() memRange {
	lo := uintptr(unsafe.Pointer(&m.mem[0]))
	page := uintptr(os.Getpagesize())
	return memRange{lo, lo + (uintptr(len(m.mem))+page-1)&^(page-1)}
}

// cstring copies s, NUL-terminated, and returns its address.
func (m *planMemory) cstring(s string) uintptr {
	a := m.addr()
	m.off += copy(m.mem[m.off:], s)
	m.mem[m.off] = 0
	m.off++
	return a
}

// cstrings copies ss as execve wants them: a NULL-terminated array of
// pointers to C strings.
func (m *planMemory) cstrings(ss []string) uintptr {
	ptrs := make([]uintptr, len(ss)+1)
	for i, s := range ss {
		ptrs[i] = m.cstring(s)
	}
	m.off = align8(m.off)
	a := m.addr()
	for _, p := range ptrs {
		*(*uintptr)(unsafe.Pointer(&m.mem[m.off])) = p
		m.off += 8
	}
	return a
}

// release unmaps the plan; the shim has its own copy.
func (m *planMemory) release() { _ = unix.Munmap(m.mem) }

func align8(n int) int { return (n + 7) &^ 7 }

// leaveBehind fills out with init's anonymous private mappings, less keep
// (the plan) and less the binary's bss (the anonymous mapping right after
// its data: coverage builds count the shim's statements there), and
// returns how many it filled. Under the race detector it leaves nothing
// behind: the detector's own memory is anonymous too, and a coverage
// counter in the shim calls into it. When /proc/self/maps cannot be read
// the shim simply shares everything, as a plain fork does.
func leaveBehind(out *[maxLeave]memRange, keep memRange) int {
	if raceEnabled {
		return 0
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return 0
	}
	defer f.Close()
	buf := make([]byte, mapsLimit)
	n := 0
	for n < len(buf) {
		k, err := f.Read(buf[n:])
		n += k
		if err != nil || k == 0 {
			break
		}
	}
	return parseMaps(buf[:n], keep, out)
}

// parseMaps is leaveBehind's reading of /proc/PID/maps lines:
// "lo-hi perms offset dev inode [path]".
func parseMaps(maps []byte, keep memRange, out *[maxLeave]memRange) int {
	n := 0
	add := func(r memRange) {
		if r.hi > r.lo && n < maxLeave {
			out[n] = r
			n++
		}
	}
	var prevHi uintptr
	prevData := false // the previous line is a file mapping, writable: a data segment
	for _, line := range bytes.Split(maps, []byte("\n")) {
		f := bytes.Fields(line)
		if len(f) < 5 {
			continue
		}
		lo, hi, ok := parseRange(f[0])
		if !ok {
			continue
		}
		anon := len(f) == 5 && string(f[4]) == "0"
		bss := anon && prevData && lo == prevHi
		if anon && !bss && string(f[1]) == "rw-p" {
			// Cut keep out; the kernel may have merged the plan's
			// mapping with a neighbour.
			add(memRange{lo, min(hi, max(lo, keep.lo))})
			add(memRange{max(lo, min(hi, keep.hi)), hi})
		}
		prevHi, prevData = hi, !anon && len(f) >= 6 && f[1][1] == 'w'
	}
	return n
}

func parseRange(b []byte) (lo, hi uintptr, ok bool) {
	l, h, found := bytes.Cut(b, []byte("-"))
	if !found {
		return 0, 0, false
	}
	a, err1 := strconv.ParseUint(string(l), 16, 64)
	z, err2 := strconv.ParseUint(string(h), 16, 64)
	if err1 != nil || err2 != nil || z <= a {
		return 0, 0, false
	}
	return uintptr(a), uintptr(z), true
}
