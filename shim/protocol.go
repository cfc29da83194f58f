package shim

import (
	"encoding/binary"
	"io"
	"os"
)

// The shim tells init two things (or why the app could not start) on a pipe that init created and only the
// shim holds the write end of: the app's pid once it runs (so init knows
// whom to kill if the shim is lost, and that signals can now reach it), and
// the app's wait status when it has exited. A pipe cannot lose or reorder
// these, and it turns the shim's death into EOF, whatever killed it.
const (
	msgStarted     byte = 'R' // value: the app's pid
	msgExited      byte = 'X' // value: the app's wait status
	msgStartFailed byte = 'E' // value: stage<<16 | errno; the app never ran
	recordLen           = 5
)

type message struct {
	kind  byte
	value uint32
}

// readMessages sends each record read from f and closes the channel at EOF.
func readMessages(f *os.File, out chan<- message) {
	defer close(out)
	defer f.Close()
	var b [recordLen]byte
	for {
		if _, err := io.ReadFull(f, b[:]); err != nil {
			return
		}
		out <- message{kind: b[0], value: binary.LittleEndian.Uint32(b[1:])}
	}
}
