// Package tinyinit holds what belongs to the project as a whole rather than
// to one of its packages: the license text that "tinyinit -l" prints, as
// tini's -l prints tini's.
package tinyinit

import _ "embed"

// License is the LICENSE file, embedded so the binary carries its terms.
//
//go:embed LICENSE
var License string
