package proto

import (
	"errors"
	"fmt"
)

// ErrMalformed is wrapped by every decoding error of package wire and of this one (wire.ErrMalformed is this
// error), so a caller tells bad input from failure with one sentinel whichever package decoded it.
var ErrMalformed = errors.New("malformed")

// ErrMalformedInstances is an instances answer that does not decode (instance.go).
var ErrMalformedInstances = fmt.Errorf("%w instances answer", ErrMalformed)
