// Command benchapp is the app the benchmark runs under each init. It talks
// to the harness on two descriptors the harness passes through the init:
// fd 3 to report (write), fd 4 for orders (read; EOF means exit). Every
// init under test passes inherited descriptors on untouched, which is also
// what lets socket activation work through them.
//
//	benchapp sleep       report 'R', then wait for EOF on fd 4
//	benchapp ack         report 'R', then write 'A' for each SIGUSR1
//	benchapp storm N     make N orphans of pid 1 (see storm.go)
package main

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
)

const (
	reportFD = 3
	orderFD  = 4
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchapp sleep|ack|storm N")
		os.Exit(2)
	}
	report := os.NewFile(reportFD, "report")
	orders := os.NewFile(orderFD, "orders")
	var err error
	switch os.Args[1] {
	case "sleep":
		err = sleep(report, orders)
	case "ack":
		err = ack(report, orders)
	case "storm":
		n := 0
		if len(os.Args) > 2 {
			n, err = strconv.Atoi(os.Args[2])
		}
		if err == nil {
			err = storm(n, report, orders)
		}
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "benchapp %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

// waitEOF blocks until the harness closes its end of the orders pipe.
func waitEOF(orders *os.File) {
	var b [64]byte
	for {
		if _, err := orders.Read(b[:]); err != nil {
			return
		}
	}
}

func sleep(report, orders *os.File) error {
	if _, err := report.Write([]byte{'R'}); err != nil {
		return fmt.Errorf("report ready: %w", err)
	}
	waitEOF(orders)
	return nil
}

// ack answers each SIGUSR1 with one byte. The harness sends the next
// signal only after the answer, so none can be merged with another by the
// kernel, and a missing answer is a signal lost on the way.
func ack(report, orders *os.File) error {
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGUSR1)
	done := make(chan struct{})
	go func() {
		waitEOF(orders)
		close(done)
	}()
	if _, err := report.Write([]byte{'R'}); err != nil {
		return fmt.Errorf("report ready: %w", err)
	}
	for {
		select {
		case <-sigs:
			if _, err := report.Write([]byte{'A'}); err != nil {
				return fmt.Errorf("acknowledge: %w", err)
			}
		case <-done:
			return nil
		}
	}
}
