package shim

import (
	"encoding/binary"
	"io"
	"os"
)

// The shim tells init two things on a pipe that init created and only the
// shim holds the write end of: the app's pid once it runs (so init knows
// whom to kill if the shim is lost, and that signals can now reach it), and
// the app's wait status when it has exited. A pipe cannot lose or reorder
// these, and it turns the shim's death into EOF, whatever killed it.
const (
	msgStarted byte = 'R' // value: the app's pid
	msgExited  byte = 'X' // value: the app's wait status
	recordLen       = 5
)

type message struct {
	kind  byte
	value uint32
}

func writeMessage(w io.Writer, m message) error {
	var b [recordLen]byte
	b[0] = m.kind
	binary.LittleEndian.PutUint32(b[1:], m.value)
	_, err := w.Write(b[:])
	return err
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
