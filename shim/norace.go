//go:build !race

package shim

// raceEnabled: see leaveBehind.
const raceEnabled = false
