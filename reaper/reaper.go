// Package reaper owns waiting in tinyinit's init process: it reaps every
// child and orphan with hashicorp/go-reap, and tells the init when the
// children it watches are gone.
//
// go-reap has two gaps that an init cannot live with, and this package
// closes both:
//
//   - It reports pids, never wait statuses. So the init never needs one from
//     it: the shim, which is the app's only waiter, sends the app's status
//     on a pipe, and with --no-shim the status is read from a pidfd (see
//     package shim). Here a watched pid is only "gone".
//   - It calls signal.Notify for SIGCHLD inside its own goroutine, so a child
//     that exits before that goroutine runs leaves a zombie and no pending
//     signal for it. Kick re-raises SIGCHLD, and a ticker does so every
//     second, so such a zombie waits at most that long.
//
// go-reap blocks on sending each pid, so a goroutine here drains its channel
// at all times; and it reaps with wait4(-1), so a pid must be registered
// before it can be reaped: Start forks under go-reap's reap lock.
package reaper

import (
	"os"
	"os/signal"
	"sync"
	"time"

	reap "github.com/hashicorp/go-reap"
	"golang.org/x/sys/unix"
)

// kickEvery bounds how long a zombie can wait when its SIGCHLD was missed.
const kickEvery = time.Second

// Reaper reaps all children of the calling process until Stop.
type Reaper struct {
	lock    sync.RWMutex // go-reap takes it for writing around each pass
	mu      sync.Mutex
	watched map[int]chan struct{}
	reaped  chan struct{} // one token when any pid was reaped since last read
	pids    chan int
	done    chan struct{}
	stopped chan struct{}
	chld    chan os.Signal
	orphan  func(pid int) // nil, or told of each reaped pid nobody watched
}

// Start begins reaping. It must run before the first child is started.
func Start() *Reaper { return StartReporting(nil) }

// StartReporting is Start, and calls orphan with the pid of each process
// reaped that no Start registered: the orphans the app left (tini's -w).
// orphan runs on the goroutine that drains go-reap, which blocks until it
// returns, so it must be quick (print a line, no more).
func StartReporting(orphan func(pid int)) *Reaper {
	r := &Reaper{
		orphan:  orphan,
		watched: map[int]chan struct{}{},
		reaped:  make(chan struct{}, 1),
		pids:    make(chan int, 64),
		done:    make(chan struct{}),
		stopped: make(chan struct{}),
		chld:    make(chan os.Signal, 1),
	}
	// Our own registration makes the runtime install its SIGCHLD handler
	// now, before any child exists. Without it an inherited SIG_IGN would
	// let the kernel discard children's exits, statuses and all.
	signal.Notify(r.chld, unix.SIGCHLD)
	reaperDone := make(chan struct{})
	go func() {
		reap.ReapChildren(r.pids, nil, r.done, &r.lock)
		close(reaperDone)
	}()
	go r.serve(reaperDone)
	r.Kick()
	return r
}

// serve drains go-reap's pids, closes watchers' channels, and kicks
// go-reap on a timer for the SIGCHLDs it missed before it registered.
func (r *Reaper) serve(reaperDone <-chan struct{}) {
	defer close(r.stopped)
	tick := time.NewTicker(kickEvery)
	defer tick.Stop()
	for {
		select {
		case pid := <-r.pids:
			r.mu.Lock()
			ch, ok := r.watched[pid]
			if ok {
				close(ch)
				delete(r.watched, pid)
			}
			r.mu.Unlock()
			if !ok && r.orphan != nil {
				r.orphan(pid)
			}
			select {
			case r.reaped <- struct{}{}:
			default:
			}
		case <-r.chld:
			// Ours only exists to hold the handler; go-reap gets its own copy.
		case <-tick.C:
			r.Kick()
		case <-reaperDone:
			signal.Stop(r.chld)
			return
		}
	}
}

// Kick makes go-reap look for zombies now, as if a child had just exited.
func (r *Reaper) Kick() {
	_ = unix.Kill(os.Getpid(), unix.SIGCHLD)
}

// Start runs start, which forks one child and returns its pid, and returns
// a channel that is closed once that child has been reaped. go-reap is held
// off while start runs, so even a child that exits at once is registered
// before it can be reaped.
func (r *Reaper) Start(start func() (int, error)) (int, <-chan struct{}, error) {
	r.lock.RLock()
	defer r.lock.RUnlock()
	pid, err := start()
	if err != nil {
		return 0, nil, err
	}
	ch := make(chan struct{})
	r.mu.Lock()
	r.watched[pid] = ch
	r.mu.Unlock()
	return pid, ch, nil
}

// Reaped receives a token after one or more processes were reaped.
func (r *Reaper) Reaped() <-chan struct{} { return r.reaped }

// Stop ends reaping and waits until go-reap's goroutine and ours are gone.
// serve keeps draining pids meanwhile, so go-reap cannot block on a send.
func (r *Reaper) Stop() {
	close(r.done)
	<-r.stopped
}
