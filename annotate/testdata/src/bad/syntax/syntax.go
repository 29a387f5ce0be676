package syntax

// No directives here: a syntax error is reported anyway, since it may
// hide some.
func Broken( {
}
