package hostname

import (
	"errors"
	"strconv"
	"strings"
)

// Vars are the values a template may use. An empty value is an error when
// the template uses it: silently dropping it would yield names like
// "-1.example.com" or "unicorn-.example.com".
type Vars struct {
	Hostname string // the container's short name, as the runtime set it
	Workload string
	Index    string
	Host     string // the host's FQDN
}

// DefaultTemplate is used when a host FQDN is known but no template is set:
// the runtime's short name inside the host's domain.
const DefaultTemplate = "{hostname}.{host}"

// value names each variable and says where a missing value comes from, so
// the error tells the operator what to set.
func (v Vars) value(name string) (val, source string, ok bool) {
	switch name {
	case "hostname":
		return v.Hostname, "the container's hostname", true
	case "workload":
		return v.Workload, "TINYINIT_WORKLOAD or [hostname] workload", true
	case "index":
		return v.Index, "TINYINIT_INDEX or [hostname] index", true
	case "host":
		return v.Host, "TINYINIT_HOST_FQDN, " + DefaultHostFQDNFile + " or [hostname] host_fqdn", true
	}
	return "", "", false
}

// Expand replaces each {name} in tmpl by its value. Braces cannot appear in
// a hostname, so there is no escaping: an unmatched brace, an empty or
// unknown name and a variable without a value are all errors.
func Expand(tmpl string, v Vars) (string, error) {
	if tmpl == "" {
		return "", errors.New("hostname: empty template")
	}
	var b strings.Builder
	rest := tmpl
	for rest != "" {
		open := strings.IndexAny(rest, "{}")
		if open < 0 {
			b.WriteString(rest)
			break
		}
		if rest[open] == '}' {
			return "", errors.New("hostname: template " + strconv.Quote(tmpl) + ": '}' without '{'")
		}
		b.WriteString(rest[:open])
		rest = rest[open+1:]
		end := strings.IndexAny(rest, "{}")
		if end < 0 || rest[end] == '{' {
			return "", errors.New("hostname: template " + strconv.Quote(tmpl) + ": '{' without '}'")
		}
		name := rest[:end]
		rest = rest[end+1:]
		val, source, known := v.value(name)
		switch {
		case !known:
			return "", errors.New("hostname: template " + strconv.Quote(tmpl) + ": unknown variable {" + name + "} (known: {hostname} {workload} {index} {host})")
		case val == "":
			return "", errors.New("hostname: template " + strconv.Quote(tmpl) + " uses {" + name + "}, which has no value (set " + source + ")")
		}
		b.WriteString(val)
	}
	return b.String(), nil
}

// Limits from RFC 1035 (labels, whole name) as resolvers and sethostname
// users expect them; RFC 1123 allows a label to start with a digit.
const (
	maxLabel = 63
	maxName  = 253
)

// Validate checks that name is a valid DNS host name: dot-separated labels
// of 1 to 63 letters, digits and hyphens, none starting or ending with a
// hyphen, 253 characters in all.
func Validate(name string) error {
	if name == "" {
		return errors.New("hostname: empty name")
	}
	if len(name) > maxName {
		return errors.New("hostname: " + strconv.Quote(name) + " is " + strconv.Itoa(len(name)) + " characters long; the limit is " + strconv.Itoa(maxName))
	}
	for _, label := range strings.Split(name, ".") {
		if err := validLabel(label); err != nil {
			return &wrapError{"hostname: " + strconv.Quote(name) + ": ", err, ""}
		}
	}
	return nil
}

func validLabel(l string) error {
	switch {
	case l == "":
		return errors.New("empty label (leading, trailing or doubled dot)")
	case len(l) > maxLabel:
		return errors.New("label " + strconv.Quote(l) + " is " + strconv.Itoa(len(l)) + " characters long; the limit is " + strconv.Itoa(maxLabel))
	case l[0] == '-' || l[len(l)-1] == '-':
		return errors.New("label " + strconv.Quote(l) + " starts or ends with '-'")
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return errors.New("label " + strconv.Quote(l) + ": character " + strconv.QuoteRune(rune(c)) + " is not a letter, digit or '-'")
		}
	}
	return nil
}
