package hostname

// wrapError adds context around an error as fmt.Errorf's %w does: the
// message is before + err + after, and errors.Is and errors.As see err.
// (tinyinit avoids fmt, which costs a static binary about 200 KB.)
type wrapError struct {
	before string
	err    error
	after  string
}

func (e *wrapError) Error() string { return e.before + e.err.Error() + e.after }
func (e *wrapError) Unwrap() error { return e.err }
